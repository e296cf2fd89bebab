import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { deployMigrations } from '@/lib/migrations';
import { BATCH_JOBS } from '@/lib/seed/batch-jobs';
import { planSearchUsers, searchUsers, type SearchUsersOptions } from '@/lib/users/search-users';
import { getUserDetails } from '@/lib/users/get-user-details';
import { freePort } from './services/ports';
import { startEmbeddedPostgres } from './services/postgres';

// npm run bench:users -- [--users 1000000] [--repeat 50] [--no-credentials] [--keep]
//
// Loads a generated Identity Manager (users, and 2.5 credentials, 3.75 certificates and one role
// per user as in production-like data, plus a few runs that changed a share of the users) into a
// private embedded PostgreSQL, then times the queries the Users pages make: p50/p95 of the
// query as the page runs it (searchUsers / getUserDetails through pg, loopback) and PostgreSQL's
// own execution time from EXPLAIN ANALYZE, with the plan's access path. A measurement, not a
// test: it is not part of npm test. --keep leaves the database under .data/bench-users for
// another run (loading takes about a minute).

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
const USERS = option('users', 1_000_000);
const REPEAT = option('repeat', 50);
const WITH_CREDENTIALS = !process.argv.includes('--no-credentials');
const KEEP = process.argv.includes('--keep');
// PostgreSQL's folder sits one level down: as root its parent is handed to the postgres user.
const BASE_DIR = path.resolve(KEEP ? '.data/bench-users' : `.test-data/bench-users-${process.pid}`);
const DATA_DIR = path.join(BASE_DIR, 'postgres');

const GIVEN = ['Anna', 'Ben', 'Carla', 'David', 'Emma', 'Felix', 'Greta', 'Hugo', 'Ida', 'Jonas', 'Klara', 'Lukas', 'Mia', 'Noah', 'Olivia', 'Paul', 'Quentin', 'Rosa', 'Samuel', 'Tina', 'Ulrich', 'Vera', 'Walter', 'Xenia', 'Yusuf', 'Zoe', 'Amelie', 'Bruno', 'Chiara', 'Dominik', 'Elif', 'Finn', 'Hannah', 'Jan', 'Lea', 'Marco', 'Nora', 'Oskar', 'Pia', 'Sofia'];
const SURNAMES = ['Müller', 'Schmidt', 'Schneider', 'Fischer', 'Weber', 'Meyer', 'Wagner', 'Becker', 'Schulz', 'Hoffmann', 'Koch', 'Richter', 'Klein', 'Wolf', 'Schröder', 'Neumann', 'Schwarz', 'Braun', 'Zimmermann', 'Krüger', 'Hartmann', 'Lange', 'Werner', 'Krause', 'Lehmann', 'Köhler', 'Maier', 'Huber', 'Kaiser', 'Fuchs', 'Peters', 'Scholz', 'Möller', 'Weiß', 'Jung', 'Hahn', 'Vogel', 'Friedrich', 'Keller', 'Günther', 'Smith', 'Johnson', 'Garcia', 'Rossi', 'Dubois', 'Novak', 'Kowalski', 'Nielsen', 'Silva', 'Yilmaz'];

// One user in ten has a name in another script, as in a multinational organisation: the given
// name, surname and display name as the directory holds them, the login name and email romanized.
// [native, romanized] pairs; Chinese, Korean and Japanese display names put the surname first.
type Script = { surnameFirst: boolean; separator: string; given: [string, string][]; surnames: [string, string][] };
const CHINESE: Script = {
  surnameFirst: true,
  separator: '',
  given: [['伟', 'wei'], ['芳', 'fang'], ['娜', 'na'], ['敏', 'min'], ['静', 'jing'], ['丽', 'li'], ['强', 'qiang'], ['磊', 'lei'], ['军', 'jun'], ['洋', 'yang'],
    ['勇', 'yong'], ['艳', 'yan'], ['杰', 'jie'], ['娟', 'juan'], ['涛', 'tao'], ['明', 'ming'], ['超', 'chao'], ['秀英', 'xiuying'], ['霞', 'xia'], ['平', 'ping']],
  surnames: [['王', 'wang'], ['李', 'li'], ['张', 'zhang'], ['刘', 'liu'], ['陈', 'chen'], ['杨', 'yang'], ['黄', 'huang'], ['赵', 'zhao'], ['吴', 'wu'], ['周', 'zhou']],
};
const JAPANESE: Script = {
  surnameFirst: true,
  separator: ' ',
  given: [['翔太', 'shota'], ['陽菜', 'hina'], ['大翔', 'hiroto'], ['結衣', 'yui'], ['蓮', 'ren'], ['さくら', 'sakura']],
  surnames: [['佐藤', 'sato'], ['鈴木', 'suzuki'], ['高橋', 'takahashi'], ['田中', 'tanaka'], ['渡辺', 'watanabe']],
};
const KOREAN: Script = {
  surnameFirst: true,
  separator: '',
  given: [['민준', 'minjun'], ['서연', 'seoyeon'], ['도윤', 'doyun'], ['지우', 'jiwoo'], ['하은', 'haeun']],
  surnames: [['김', 'kim'], ['이', 'lee'], ['박', 'park'], ['최', 'choi'], ['정', 'jung']],
};
const GREEK: Script = {
  surnameFirst: false,
  separator: ' ',
  given: [['Γιώργος', 'giorgos'], ['Μαρία', 'maria'], ['Νίκος', 'nikos'], ['Ελένη', 'eleni'], ['Δημήτρης', 'dimitris']],
  surnames: [['Παπαδόπουλος', 'papadopoulos'], ['Οικονόμου', 'oikonomou'], ['Γεωργίου', 'georgiou'], ['Νικολάου', 'nikolaou'], ['Ιωάννου', 'ioannou']],
};
const CYRILLIC: Script = {
  surnameFirst: false,
  separator: ' ',
  given: [['Иван', 'ivan'], ['Ольга', 'olga'], ['Сергей', 'sergey'], ['Наталья', 'natalya'], ['Дмитрий', 'dmitry'], ['Елена', 'elena']],
  surnames: [['Иванов', 'ivanov'], ['Смирнов', 'smirnov'], ['Кузнецов', 'kuznetsov'], ['Попов', 'popov'], ['Васильев', 'vasilyev'], ['Петрова', 'petrova']],
};
const ARABIC: Script = {
  surnameFirst: false,
  separator: ' ',
  given: [['محمد', 'mohammed'], ['فاطمة', 'fatima'], ['أحمد', 'ahmed'], ['عائشة', 'aisha'], ['علي', 'ali'], ['مريم', 'maryam']],
  surnames: [['العلي', 'alali'], ['الحسن', 'alhassan'], ['الخطيب', 'alkhatib'], ['المصري', 'almasri'], ['الزهراني', 'alzahrani']],
};
/** By i % 100: users 1, 12, 23, ... 90 of each hundred (one of them inactive, like i % 10 = 0). */
const OTHER_SCRIPTS: Record<number, Script> = { 1: CHINESE, 12: CHINESE, 23: CHINESE, 34: CHINESE, 45: JAPANESE, 56: KOREAN, 67: GREEK, 78: CYRILLIC, 89: CYRILLIC, 90: ARABIC };

async function load(db: pg.Client): Promise<void> {
  const step = async (label: string, sql: string, values: unknown[] = []) => {
    const started = performance.now();
    const { rowCount } = await db.query(sql, values);
    console.log(`  ${label}: ${rowCount ? `${rowCount} rows ` : ''}in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  };
  console.log(`Loading ${USERS.toLocaleString('en')} users${WITH_CREDENTIALS ? ' with credentials, certificates, roles and runs' : ''} ...`);
  // Bulk load as a restore would: the users' secondary indexes are dropped and built again after
  // the rows are in (one sort per index instead of a million index insertions), from the exact
  // definitions the migrations created.
  const { rows: indexes } = await db.query<{ name: string; definition: string }>(
    `SELECT indexname AS name, indexdef AS definition FROM pg_indexes
     WHERE schemaname = 'public' AND tablename = ANY($1) AND indexname NOT IN (SELECT conname FROM pg_constraint)`,
    [['users', 'credentials', 'certificates', 'user_roles', 'batch_run_items']],
  );
  for (const index of indexes) await db.query(`DROP INDEX "${index.name}"`);
  await db.query(`SET maintenance_work_mem = '512MB'`);
  // Usernames like "asmith000123"; 10% inactive, 95% from LDAP.
  await step(
    'users',
    `INSERT INTO users (username, username_key, given_name, surname, display_name, email, employee_number, state, source,
       ldap_external_id, ldap_dn, last_synchronized_at)
     SELECT login || lpad(i::text, 6, '0'), login || lpad(i::text, 6, '0'), n.g, n.s, display,
       lower(n.gl || '.' || n.sl) || i || '@example.com', 'E' || lpad(i::text, 7, '0'),
       (CASE WHEN i % 10 = 0 THEN 'INACTIVE' ELSE 'ACTIVE' END)::"UserState",
       (CASE WHEN i % 20 = 0 THEN 'LOCAL' ELSE 'LDAP' END)::"UserSource",
       CASE WHEN i % 20 = 0 THEN NULL ELSE md5(i::text)::uuid::text END,
       CASE WHEN i % 20 = 0 THEN NULL ELSE 'uid=' || login || lpad(i::text, 6, '0') || ',ou=people,dc=example,dc=com' END,
       CASE WHEN i % 20 = 0 THEN NULL ELSE now() - (i % 30) * interval '1 day' END
     FROM generate_series(1, $1::int) i,
       LATERAL (SELECT ($2::text[])[1 + (i * 7) % cardinality($2::text[])] AS g, ($3::text[])[1 + (i * 13 / 7) % cardinality($3::text[])] AS s) latin,
       LATERAL (SELECT $4::jsonb -> (i % 100)::text AS script) other,
       LATERAL (SELECT other.script -> 'given' -> ((i / 100 * 7) % jsonb_array_length(other.script -> 'given')) AS g,
                       other.script -> 'surnames' -> ((i / 100 * 13 / 7) % jsonb_array_length(other.script -> 'surnames')) AS s) picked,
       LATERAL (SELECT COALESCE(picked.g ->> 0, latin.g) AS g, COALESCE(picked.s ->> 0, latin.s) AS s,
                       COALESCE(picked.g ->> 1, latin.g) AS gl, COALESCE(picked.s ->> 1, latin.s) AS sl) n,
       LATERAL (SELECT lower(left(n.gl, 1) || n.sl) AS login,
                       CASE WHEN (other.script ->> 'surnameFirst')::boolean THEN n.s || (other.script ->> 'separator') || n.g ELSE n.g || ' ' || n.s END AS display) d`,
    [USERS, GIVEN, SURNAMES, JSON.stringify(OTHER_SCRIPTS)],
  );
  if (WITH_CREDENTIALS) {
    const types = ['CARD', 'TEMPORARY_CARD', 'VIRTUAL_SMART_CARD', 'MOBILE_ID', 'SOFT_TOKEN'];
    // 1-3 credentials per user (2.5 on average with id % 3 and id % 2), 1-2 certificates each (1.5).
    await step(
      'credentials',
      `INSERT INTO credentials (user_id, type, state, label)
       SELECT u.id, ($1::text[])[1 + (u.id + k) % 5]::"CredentialType",
         (CASE WHEN u.state = 'INACTIVE' THEN 'INACTIVE' ELSE 'ACTIVE' END)::"CredentialState", 'C-' || u.id || '-' || k
       FROM users u CROSS JOIN generate_series(0, 2) k WHERE k < 1 + u.id % 3 + u.id % 2`,
      [types],
    );
    await step(
      'certificates',
      `INSERT INTO certificates (credential_id, serial, subject, issuer, state, valid_from, valid_to)
       SELECT c.id, lpad(to_hex(c.id), 10, '0') || k, 'CN=' || c.label, 'CN=IdM Issuing CA', 
         (CASE WHEN c.state = 'INACTIVE' THEN 'ON_HOLD' ELSE 'VALID' END)::"CertificateState", now() - interval '1 year', now() + interval '2 years'
       FROM credentials c CROSS JOIN generate_series(0, 1) k WHERE k < 1 + c.id % 2`,
    );
    await step('roles', `INSERT INTO roles (name) SELECT 'Role ' || i FROM generate_series(1, 20) i`);
    await step('user roles', `INSERT INTO user_roles (user_id, role_id) SELECT id, 1 + id % 20 FROM users WHERE state = 'ACTIVE'`);
    for (const job of BATCH_JOBS) {
      await db.query(
        `INSERT INTO batch_jobs (key, process_name, symbolic_name, description, options) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
        [job.key, job.processName, job.symbolicName, job.description, JSON.stringify(job.options)],
      );
    }
    // Ten nightly runs, each recording the inactive tenth of the users.
    await step(
      'batch runs',
      `INSERT INTO batch_runs (job_key, status, trigger, queued_at, started_at, finished_at)
       SELECT 'inactive-ldap-users', 'SUCCEEDED', 'SCHEDULE', now() - d * interval '1 day', now() - d * interval '1 day', now() - d * interval '1 day' + interval '5 minutes'
       FROM generate_series(1, 10) d`,
    );
    await step(
      'batch run items',
      `INSERT INTO batch_run_items (run_id, external_id, username, ldap_dn, user_id, outcome, changes)
       SELECT r.id, u.ldap_external_id, u.username, u.ldap_dn, u.id,
         (CASE WHEN r.id = 1 THEN 'UPDATED' ELSE 'UNCHANGED' END)::"RunItemOutcome",
         CASE WHEN r.id = 1 THEN '{"user":{"before":{"state":"ACTIVE"},"after":{"state":"INACTIVE"}}}'::jsonb END
       FROM batch_runs r CROSS JOIN users u WHERE u.state = 'INACTIVE' AND u.source = 'LDAP'`,
    );
  }
  for (const index of indexes) await step(`index ${index.name}`, index.definition);
  const started = performance.now();
  await db.query('VACUUM ANALYZE');
  console.log(`  vacuum analyze: ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

type Scenario = { name: string; search?: SearchUsersOptions; details?: string };

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

type PlanNode = { 'Node Type': string; 'Index Name'?: string; Plans?: PlanNode[] };

/** "Index Scan users_username_key_key > Bitmap ..." : the access path, short. */
function accessPaths(node: PlanNode): string[] {
  const here = node['Index Name'] ? [`${node['Node Type']} on ${node['Index Name']}`] : node['Node Type'].includes('Seq Scan') ? [node['Node Type']] : [];
  return [...here, ...(node.Plans ?? []).flatMap(accessPaths)];
}

async function main(): Promise<void> {
  if (!KEEP) rmSync(BASE_DIR, { recursive: true, force: true });
  const reuse = KEEP && existsSync(path.join(DATA_DIR, 'PG_VERSION'));
  const server = await startEmbeddedPostgres({ dataDir: DATA_DIR, port: await freePort(), database: 'bench' });
  const client = new pg.Client({ connectionString: server.url });
  client.on('error', () => undefined);
  const benchPool = new pg.Pool({ connectionString: server.url, max: 2 });
  // An idle connection closed by the server's shutdown at the end is expected, not a failure.
  benchPool.on('error', () => undefined);
  try {
    await client.connect();
    await deployMigrations(server.url);
    const { rows } = await client.query<{ n: string }>('SELECT count(*) AS n FROM users');
    if (reuse && Number(rows[0]!.n) === USERS) console.log(`Reusing ${USERS.toLocaleString('en')} users in ${DATA_DIR}`);
    else {
      if (Number(rows[0]!.n) > 0) await client.query('TRUNCATE users, credentials, certificates, roles, user_roles, batch_runs, batch_run_items RESTART IDENTITY CASCADE');
      await load(client);
    }
    // Cursors and terms taken from the data itself, so that every search finds something (the
    // sample has a Latin-script name: the other scripts have their own scenarios).
    const middle = (await client.query<{ k: string }>('SELECT username_key AS k FROM users WHERE id = $1', [Math.ceil(USERS / 2)])).rows[0]!.k;
    const sample = (await client.query<{ username: string; email: string; employee_number: string; display_name: string }>(
      'SELECT username, email, employee_number, display_name FROM users WHERE id = $1', [Math.ceil(USERS * 0.9) + 2])).rows[0]!;
    const scenarios: Scenario[] = [
      { name: 'first page (no search)', search: {} },
      { name: 'deep page (keyset, middle of the list)', search: { after: middle } },
      { name: 'previous page (keyset backwards)', search: { before: middle } },
      { name: 'prefix search "ms" (2 chars)', search: { query: 'ms' } },
      { name: 'prefix search "x" (1 char)', search: { query: 'x' } },
      { name: 'prefix search "qz" (rare)', search: { query: 'qz' } },
      { name: 'prefix search "m" (1 char, frequent)', search: { query: 'm' } },
      // Xenia's usernames all start with x: the matches of "xe" lie at the end of the username order.
      { name: 'name start "xe" (2 chars, late in the list)', search: { query: 'xe' } },
      { name: 'prefix search "m" + inactive', search: { query: 'm', state: 'INACTIVE' } },
      // Short terms in other scripts: the start of a name word (no username starts with them).
      { name: 'name start "王" (1 char, surname)', search: { query: '王' } },
      { name: 'name start "伟" (1 char, given name)', search: { query: '伟' } },
      { name: 'name start "王伟" (2 chars, surname + given name)', search: { query: '王伟' } },
      { name: 'name start "김" (1 char, Korean)', search: { query: '김' } },
      { name: 'name start "佐藤" (2 chars, Japanese)', search: { query: '佐藤' } },
      { name: 'name start "Ив" (2 chars, Cyrillic)', search: { query: 'Ив' } },
      { name: 'name start "γι" (2 chars, Greek)', search: { query: 'γι' } },
      { name: 'name start "م" (1 char, Arabic)', search: { query: 'م' } },
      { name: 'name start "王" + inactive, next page', search: { query: '王', state: 'INACTIVE', after: middle } },
      { name: 'substring search "王秀英" (3 chars, CJK)', search: { query: '王秀英' } },
      { name: 'substring search "mann" (common)', search: { query: 'mann' } },
      // A given name: its people's usernames all start with its initial, late in the list for x-z.
      { name: 'substring search "xenia" (given name, late in the list)', search: { query: 'xenia' } },
      { name: 'substring search "walter" + active (given name)', search: { query: 'walter', state: 'ACTIVE' } },
      { name: 'substring search "ich0001" (rare)', search: { query: 'ich0001' } },
      { name: `name search "${sample.display_name}"`, search: { query: sample.display_name } },
      { name: 'email search (exact address)', search: { query: sample.email } },
      { name: 'employee number search', search: { query: sample.employee_number } },
      { name: 'no match "zzzq"', search: { query: 'zzzq' } },
      { name: 'inactive users, first page', search: { state: 'INACTIVE' } },
      { name: 'substring "müller" + inactive, next page', search: { query: 'müller', state: 'INACTIVE', after: middle } },
      ...(WITH_CREDENTIALS ? [{ name: 'user page (details, credentials, runs)', details: sample.username }] : []),
    ];
    console.log(`\n${REPEAT} timed repetitions per query after 3 warm-ups; times in ms.\n`);
    const header = ['query', 'rows', 'p50', 'p95', 'max', 'server p50', 'server p95', 'access path'];
    const table: string[][] = [];
    for (const s of scenarios) {
      const run = async () => {
        if (s.details) return (await getUserDetails({ username: s.details, db: benchPool }))?.credentials.length ?? 0;
        return (await searchUsers({ ...s.search, db: benchPool })).users.length;
      };
      for (let i = 0; i < 3; i++) await run();
      const times: number[] = [];
      let rowsSeen = 0;
      for (let i = 0; i < REPEAT; i++) {
        const t = performance.now();
        rowsSeen = await run();
        times.push(performance.now() - t);
      }
      times.sort((a, b) => a - b);
      let server = ['-', '-'];
      let paths = '(several queries)';
      if (s.search) {
        // The page's statement as searchUsers runs it (a contains search first asks for an estimate).
        const built = await planSearchUsers(client, s.search);
        const serverTimes: number[] = [];
        for (let i = 0; i < Math.max(10, REPEAT); i++) {
          const plan = (await client.query<{ 'QUERY PLAN': [{ Plan: PlanNode; 'Planning Time': number; 'Execution Time': number }] }>(
            `EXPLAIN (ANALYZE, FORMAT JSON) ${built.text}`, built.values)).rows[0]!['QUERY PLAN'][0];
          serverTimes.push(plan['Planning Time'] + plan['Execution Time']);
          paths = [...new Set(accessPaths(plan.Plan))].join(' + ');
        }
        serverTimes.sort((a, b) => a - b);
        server = [percentile(serverTimes, 50).toFixed(2), percentile(serverTimes, 95).toFixed(2)];
      }
      table.push([s.name, String(rowsSeen), percentile(times, 50).toFixed(2), percentile(times, 95).toFixed(2), times.at(-1)!.toFixed(2), ...server, paths]);
    }
    const widths = header.map((h, i) => Math.max(h.length, ...table.map((r) => r[i]!.length)));
    const line = (r: string[]) => r.map((c, i) => (i === 0 || i === r.length - 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
    console.log(line(header));
    console.log(widths.map((w) => '-'.repeat(w)).join('  '));
    for (const r of table) console.log(line(r));
    const counts = (await client.query<{ users: string; credentials: string; certificates: string }>(
      'SELECT (SELECT count(*) FROM users) AS users, (SELECT count(*) FROM credentials) AS credentials, (SELECT count(*) FROM certificates) AS certificates')).rows[0]!;
    console.log(`\nDatabase: ${Number(counts.users).toLocaleString('en')} users, ${Number(counts.credentials).toLocaleString('en')} credentials, ${Number(counts.certificates).toLocaleString('en')} certificates.`);
    console.log('p50/p95/max: searchUsers()/getUserDetails() as the page calls them (pg over loopback); server p50/p95: planning + execution from EXPLAIN ANALYZE.');
  } finally {
    await benchPool.end().catch(() => undefined);
    await client.end().catch(() => undefined);
    await server.stop();
    if (!KEEP) rmSync(BASE_DIR, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
