import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSearchUsersQuery, planSearchUsers, searchUsers, type SearchUsersOptions } from '@/lib/users/search-users';
import { getUserDetails } from '@/lib/users/get-user-details';
import { insertPeople, startUsersTestServices } from './users-support';

let services: Awaited<ReturnType<typeof startUsersTestServices>>;
let db: pg.Client;

beforeAll(async () => {
  services = await startUsersTestServices('users');
  db = new pg.Client({ connectionString: services.databaseUrl });
  await db.connect();
  await insertPeople(services.databaseUrl, [
    { username: 'gschmidt', givenName: 'Greta', surname: 'Schmidt', displayName: 'Greta Schmidt', email: 'greta.schmidt@example.com', employeeNumber: 'E0004711' },
    { username: 'Schneider.Hans', givenName: 'Hans', surname: 'Schneider', displayName: 'Hans Schneider', email: 'hans@example.org', employeeNumber: 'E0000815', state: 'INACTIVE' },
    { username: 'mweber', givenName: 'Max', surname: 'Weber', displayName: 'Max Weber', email: 'max.weber@corp.example', employeeNumber: 'X-99' },
    { username: 'ann_a', displayName: 'Ann A' },
    { username: 'annxa', displayName: 'Ann X' },
    { username: 'rate100%', displayName: 'Percent Person' },
    { username: 'rate1000', displayName: 'Thousand Person' },
    { username: 'back\\slash', displayName: 'Back Slash' },
    { username: 'backxslash', displayName: 'Back X' },
    // Names in other scripts, with romanized usernames as directories usually have them.
    { username: 'wwang', givenName: '伟', surname: '王', displayName: '王伟' },
    { username: 'wang.fang', givenName: '芳', surname: '王', displayName: '王芳', state: 'INACTIVE' },
    { username: 'fwang', givenName: '芳', surname: '王', displayName: '王芳' },
    { username: 'lna', givenName: '娜', surname: '李', displayName: '李娜' },
    { username: 'gpapadopoulos', givenName: 'Γιώργος', surname: 'Παπαδόπουλος', displayName: 'Γιώργος Παπαδόπουλος' },
    { username: 'oivanova', givenName: 'Ольга', surname: 'Иванова', displayName: 'Ольга Иванова' },
    { username: 'falzahrani', givenName: 'فاطمة', surname: 'الزهراني', displayName: 'فاطمة الزهراني' },
    { username: 'ysato', givenName: '陽菜', surname: '佐藤', displayName: '佐藤 陽菜' },
    // A surname of two words; a display name that says more than the names (not searched by its start).
    { username: 'hvries', givenName: 'Hans-Ulrich', surname: 'de Vries', displayName: 'Hans-Ulrich de Vries (Legal)' },
    ...Array.from({ length: 60 }, (_, i) => ({ username: `page${String(i + 1).padStart(3, '0')}`, displayName: `Paged Person ${i + 1}`, state: i % 3 === 0 ? ('INACTIVE' as const) : ('ACTIVE' as const) })),
  ]);
  await db.query('ANALYZE users');
});

afterAll(async () => {
  await db?.end();
  await services?.release();
});

const usernames = async (query: string, extra: Parameters<typeof searchUsers>[0] = {}) =>
  (await searchUsers({ query, pageSize: 100, ...extra })).users.map((u) => u.username);

describe('searchUsers', () => {
  it('finds people by part of their username, name, email or employee number, ignoring case', async () => {
    expect(await usernames('SCHMI')).toEqual(['gschmidt']);
    expect(await usernames('greta sch')).toEqual(['gschmidt']);
    expect(await usernames('hans@example')).toEqual(['Schneider.Hans']);
    expect(await usernames('corp.example')).toEqual(['mweber']);
    expect(await usernames('0004711')).toEqual(['gschmidt']);
    expect(await usernames('x-99')).toEqual(['mweber']);
    expect(await usernames('nobody-has-this')).toEqual([]);
  });

  it('matches the start of the username or of a name word for terms of one or two characters', async () => {
    const page = await searchUsers({ query: 'sc', pageSize: 100 });
    expect(page.mode).toBe('prefix');
    // Schneider.Hans by username, gschmidt by the surname Schmidt; in username order.
    expect(page.users.map((u) => u.username)).toEqual(['gschmidt', 'Schneider.Hans']);
    expect(await usernames('gs')).toEqual(['gschmidt']);
    expect(await usernames('GR')).toEqual(['gschmidt']);
    // Not the middle of a word, nor an email or an employee number (that is what 3 characters do).
    expect(await usernames('mi')).toEqual([]);
    expect(await usernames('e0')).toEqual([]);
  });

  it('finds people by the first one or two characters of a name in any script', async () => {
    expect(await usernames('王')).toEqual(['fwang', 'wang.fang', 'wwang']);
    expect(await usernames('伟')).toEqual(['wwang']);
    expect(await usernames('王伟')).toEqual(['wwang']);
    expect(await usernames('娜')).toEqual(['lna']);
    expect(await usernames('佐藤')).toEqual(['ysato']);
    expect(await usernames('陽')).toEqual(['ysato']);
    expect(await usernames('γι')).toEqual(['gpapadopoulos']);
    expect(await usernames('ΠΑ')).toEqual(['gpapadopoulos']);
    expect(await usernames('Ив')).toEqual(['oivanova']);
    expect(await usernames('ол')).toEqual(['oivanova']);
    expect(await usernames('ف')).toEqual(['falzahrani']);
    expect(await usernames('ال')).toEqual(['falzahrani']);
    // Each word of a name, and each part of a hyphenated one; the display name only for people
    // without given name and surname (Ann A, Paged Person ...).
    expect(await usernames('de')).toEqual(['hvries']);
    expect(await usernames('ul')).toEqual(['hvries']);
    expect(await usernames('le')).toEqual([]);
    expect(await usernames('pe', { pageSize: 100 })).toContain('page001');
    // The middle of a name is no start.
    expect(await usernames('芳王')).toEqual([]);
    expect(await usernames('ва')).toEqual([]);
  });

  it('pages and filters a short name search like the list', async () => {
    const first = await searchUsers({ query: '王', pageSize: 2 });
    expect(first.users.map((u) => u.username)).toEqual(['fwang', 'wang.fang']);
    const second = await searchUsers({ query: '王', pageSize: 2, after: first.nextCursor });
    expect(second.users.map((u) => u.username)).toEqual(['wwang']);
    expect(second.nextCursor).toBeNull();
    const back = await searchUsers({ query: '王', pageSize: 2, before: second.previousCursor });
    expect(back.users.map((u) => u.username)).toEqual(['fwang', 'wang.fang']);
    expect(await usernames('王', { state: 'INACTIVE' })).toEqual(['wang.fang']);
  });

  it('keeps the name starts in step with every change of a user (insert, rename, delete)', async () => {
    // What the triggers keep equals what the names say, for every user.
    const drift = async () =>
      (await db.query(`(SELECT start, username_key FROM user_name_starts EXCEPT SELECT s, username_key FROM users, name_word_starts(given_name, surname, display_name) s)
        UNION ALL (SELECT s, username_key FROM users, name_word_starts(given_name, surname, display_name) s EXCEPT SELECT start, username_key FROM user_name_starts)`)).rowCount;
    expect(await drift()).toBe(0);

    await insertPeople(services.databaseUrl, [{ username: 'tmp.rename', givenName: 'Ярослав', surname: 'Ким', displayName: 'Ярослав Ким' }]);
    expect(await usernames('яр')).toEqual(['tmp.rename']);
    // The sync's update writes every name column: unchanged names leave the starts alone.
    await db.query(`UPDATE users SET given_name = given_name, surname = surname, display_name = display_name, state = 'INACTIVE' WHERE username_key = 'tmp.rename'`);
    expect(await usernames('яр')).toEqual(['tmp.rename']);
    // A new word adds its starts, a word gone takes its own; a display name changes nothing while
    // the user has a given name or surname, and is the name of a user who has neither.
    await db.query(`UPDATE users SET surname = 'Ким-Орлов', display_name = 'Ярослав (Орлов)' WHERE username_key = 'tmp.rename'`);
    expect(await usernames('ор')).toEqual(['tmp.rename']);
    await db.query(`UPDATE users SET surname = 'Ким', display_name = 'Зоя' WHERE username_key = 'tmp.rename'`);
    expect(await usernames('ор')).toEqual([]);
    expect(await usernames('зо')).toEqual([]);
    expect(await usernames('яр')).toEqual(['tmp.rename']);
    expect(await drift()).toBe(0);
    await insertPeople(services.databaseUrl, [{ username: 'tmp.display', displayName: 'Заира Орлова' }]);
    expect(await usernames('за')).toEqual(['tmp.display']);
    await db.query(`UPDATE users SET display_name = 'Зоя Орлова' WHERE username_key = 'tmp.display'`);
    expect(await usernames('за')).toEqual([]);
    expect(await usernames('зо')).toEqual(['tmp.display']);
    await db.query(`UPDATE users SET given_name = 'Зоя', surname = 'Орлова', display_name = 'Zoya Orlova' WHERE username_key = 'tmp.display'`);
    expect(await usernames('zo')).toEqual([]);
    expect(await usernames('зо')).toEqual(['tmp.display']);
    expect(await drift()).toBe(0);
    await db.query(`DELETE FROM users WHERE username_key = 'tmp.display'`);
    await db.query(`UPDATE users SET given_name = 'Юлия', display_name = 'Юлия Ким', username = 'tmp.renamed', username_key = 'tmp.renamed' WHERE username_key = 'tmp.rename'`);
    expect(await usernames('яр')).toEqual([]);
    expect(await usernames('ю')).toEqual(['tmp.renamed']);
    expect(await usernames('ки')).toEqual(['tmp.renamed']);
    expect(await drift()).toBe(0);

    await db.query(`DELETE FROM users WHERE username_key = 'tmp.renamed'`);
    expect(await usernames('ю')).toEqual([]);
    expect((await db.query(`SELECT 1 FROM user_name_starts WHERE username_key = 'tmp.renamed'`)).rowCount).toBe(0);
    expect(await drift()).toBe(0);
  });

  it('splits names at spaces, hyphens, apostrophes and middle dots, in any script', async () => {
    const starts = async (given: string | null, surname: string | null, display: string | null) =>
      (await db.query<{ s: string }>('SELECT s FROM name_word_starts($1, $2, $3) s ORDER BY s', [given, surname, display])).rows.map((r) => r.s);
    // The display name counts only for a person without given name and surname.
    expect(await starts('Hans-Ulrich', "O'Brien", 'Dr. Hans-Ulrich O’Brien')).toEqual(['b', 'br', 'h', 'ha', 'o', 'u', 'ul']);
    expect(await starts(null, null, 'Dr. Hans-Ulrich O’Brien')).toEqual(['b', 'br', 'd', 'dr', 'h', 'ha', 'o', 'u', 'ul']);
    expect(await starts('伟', '王', '王伟')).toEqual(['伟', '王', '王伟']);
    expect(await starts(null, null, 'マイケル・ジャクソン')).toEqual(['ジ', 'ジャ', 'マ', 'マイ']);
    expect(await starts('ΣΟΦΊΑ', null, null)).toEqual(['σ', 'σο']);
    expect(await starts(null, null, null)).toEqual([]);
  });

  it('takes % , _ and \\ literally', async () => {
    expect(await usernames('nn_a')).toEqual(['ann_a']);
    expect(await usernames('ann_')).toEqual(['ann_a']);
    expect(await usernames('_')).toEqual([]);
    expect(await usernames('%')).toEqual([]);
    expect(await usernames('100%')).toEqual(['rate100%']);
    expect(await usernames('k\\s')).toEqual(['back\\slash']);
    // A lone wildcard must not list everybody.
    expect(await usernames('%%%')).toEqual([]);
    expect(await usernames('___')).toEqual([]);
  });

  it('filters by state', async () => {
    expect(await usernames('schneider', { state: 'INACTIVE' })).toEqual(['Schneider.Hans']);
    expect(await usernames('schneider', { state: 'ACTIVE' })).toEqual([]);
    const inactivePaged = await usernames('paged', { state: 'INACTIVE' });
    expect(inactivePaged).toHaveLength(20);
  });

  it('pages forward and back with keyset cursors in username order', async () => {
    const first = await searchUsers({ query: 'paged person', pageSize: 25 });
    expect(first.users.map((u) => u.username)).toEqual(Array.from({ length: 25 }, (_, i) => `page${String(i + 1).padStart(3, '0')}`));
    expect(first.previousCursor).toBeNull();
    expect(first.nextCursor).toBe('page025');

    const second = await searchUsers({ query: 'paged person', pageSize: 25, after: first.nextCursor });
    expect(second.users[0]!.username).toBe('page026');
    expect(second.users.at(-1)!.username).toBe('page050');
    expect(second.previousCursor).toBe('page026');

    const third = await searchUsers({ query: 'paged person', pageSize: 25, after: second.nextCursor });
    expect(third.users.map((u) => u.username)).toEqual(Array.from({ length: 10 }, (_, i) => `page${String(i + 51).padStart(3, '0')}`));
    expect(third.nextCursor).toBeNull();

    const backToSecond = await searchUsers({ query: 'paged person', pageSize: 25, before: third.previousCursor });
    expect(backToSecond.users.map((u) => u.username)).toEqual(second.users.map((u) => u.username));
    expect(backToSecond.nextCursor).toBe('page050');
    const backToFirst = await searchUsers({ query: 'paged person', pageSize: 25, before: backToSecond.previousCursor });
    expect(backToFirst.users.map((u) => u.username)).toEqual(first.users.map((u) => u.username));
    expect(backToFirst.previousCursor).toBeNull();
  });

  it('lists everybody without a query, and bounds the page size', async () => {
    const page = await searchUsers({ pageSize: 1000 });
    expect(page.mode).toBe('all');
    expect(page.users).toHaveLength(78);
    expect((await searchUsers({ pageSize: 0 })).users).toHaveLength(1);
  });

  it('answers from the indexes of the migration (the SQL matches their expressions and collation)', async () => {
    const plan = async (text: string, values: unknown[]) =>
      (await db.query(`EXPLAIN ${text}`, values)).rows.map((r: Record<string, string>) => r['QUERY PLAN']).join('\n');
    await db.query('SET enable_seqscan = off');
    try {
      // Every match read, then sorted: the trigram index answers.
      const contains = buildSearchUsersQuery({ query: 'schmidt' }, true);
      expect(await plan(contains.text, contains.values)).toContain('users_search_text_trgm_idx');
      // A short term: a range of the C-collated username index and a range of the name starts'
      // key, each read in order and cut at one page (the sorts above them see two pages at most).
      const prefix = buildSearchUsersQuery({ query: 'gs' });
      const prefixPlan = await plan(prefix.text, prefix.values);
      expect(prefixPlan).toMatch(/Limit[\s\S]*Index (Only )?Scan using users_username_key_c_idx[^\n]*\n\s+Index Cond: .*username_key.*>= 'gs'::text.*username_key.*< 'gt'::text/);
      expect(prefixPlan).toMatch(/Limit[^\n]*\n\s+->  Index Only Scan using user_name_starts_pkey on user_name_starts s[^\n]*\n\s+Index Cond: \(start = 'gs'::text\)/);
      const nextPage = buildSearchUsersQuery({ query: '王', after: 'a' });
      expect(await plan(nextPage.text, nextPage.values)).toMatch(/Index Only Scan using user_name_starts_pkey on user_name_starts s[^\n]*\n\s+Index Cond: \(\(start = '王'::text\) AND \(username_key > 'a'::text\)\)/);
      const keyset = buildSearchUsersQuery({ state: 'INACTIVE', after: 'page010' });
      expect(await plan(keyset.text, keyset.values)).toContain('users_state_username_key_c_idx');
    } finally {
      await db.query('RESET enable_seqscan');
    }
  });

  it('reads every match of a contains search or walks the list by the expected number of matches, with the same pages either way', async () => {
    const pages = async (text: string, values: unknown[]) => (await db.query(text, values)).rows.map((r: { usernameKey: string }) => r.usernameKey);
    const searches: Omit<SearchUsersOptions, 'db'>[] = [];
    for (const query of ['paged person', 'person', 'schmidt', 'example', 'ann', 'nobody-has-this'])
      for (const state of [null, 'ACTIVE', 'INACTIVE'] as const)
        for (const cursor of [{}, { after: 'page030' }, { before: 'page030' }, { after: 'b' }])
          for (const pageSize of [1, 7, 25]) searches.push({ query, state, pageSize, ...cursor });
    for (const search of searches) {
      const walked = buildSearchUsersQuery(search, false);
      const read = buildSearchUsersQuery(search, true);
      expect(read.text).not.toBe(walked.text);
      expect(await pages(read.text, read.values), JSON.stringify(search)).toEqual(await pages(walked.text, walked.values));
    }
    // The choice follows PostgreSQL's estimate: a handful of matches here, so every match is read;
    // with a bound below any estimate the list is walked.
    expect((await planSearchUsers(db, { query: 'schmidt' })).readAllMatches).toBe(true);
    const walk = await planSearchUsers(db, { query: 'schmidt' }, 0);
    expect(walk.readAllMatches).toBe(false);
    expect(walk.text).toBe(buildSearchUsersQuery({ query: 'schmidt' }).text);
    // Short terms and the plain list have one statement only, whatever the bound.
    expect((await planSearchUsers(db, { query: 'sc' }, 0)).text).toBe(buildSearchUsersQuery({ query: 'sc' }).text);
    expect((await planSearchUsers(db, {}, 0)).text).toBe(buildSearchUsersQuery({}).text);
  });
});

describe('getUserDetails', () => {
  it('returns the user with credentials, certificates, roles and the runs that changed the user', async () => {
    const [userId] = await insertPeople(services.databaseUrl, [{ username: 'DetailUser', displayName: 'Detail User', state: 'INACTIVE' }]);
    const cred = (await db.query<{ id: number }>(`INSERT INTO credentials (user_id, type, state, label) VALUES ($1, 'TEMPORARY_CARD', 'LOCKED', 'T-1'), ($1, 'CARD', 'INACTIVE', 'C-1') RETURNING id`, [userId])).rows;
    await db.query(
      `INSERT INTO certificates (credential_id, serial, subject, state, revocation_reason) VALUES ($1, 'S-1', 'CN=Detail', 'REVOKED', 'privilegeWithdrawn'), ($2, 'S-2', 'CN=Detail', 'ON_HOLD', 'certificateHold'), ($2, 'S-3', 'CN=Detail 2', 'ON_HOLD', 'certificateHold')`,
      [cred[0]!.id, cred[1]!.id],
    );
    const role = (await db.query<{ id: number }>(`INSERT INTO roles (name) VALUES ('Auditor') RETURNING id`)).rows[0]!.id;
    await db.query('INSERT INTO user_roles (user_id, role_id) VALUES ($1, $2)', [userId, role]);
    const runs = (await db.query<{ id: number }>(
      `INSERT INTO batch_runs (job_key, status, trigger, dry_run) VALUES ('inactive-ldap-users', 'SUCCEEDED', 'MANUAL', false), ('inactive-ldap-users', 'SUCCEEDED', 'MANUAL', true), ('inactive-ldap-users', 'SUCCEEDED', 'SCHEDULE', false) RETURNING id`,
    )).rows.map((r) => r.id);
    await db.query(
      `INSERT INTO batch_run_items (run_id, user_id, username, outcome, changes) VALUES
         ($1, $4, 'DetailUser', 'UPDATED', '{"user":{"before":{"state":"ACTIVE"},"after":{"state":"INACTIVE"}}}'),
         ($2, $4, 'DetailUser', 'UPDATED', '{}'), ($3, $4, 'DetailUser', 'UNCHANGED', NULL)`,
      [runs[0], runs[1], runs[2], userId],
    );

    const details = await getUserDetails({ username: 'detailuser' });
    expect(details).not.toBeNull();
    expect(details!.username).toBe('DetailUser');
    expect(details!.state).toBe('INACTIVE');
    expect(details!.credentials.map((c) => [c.type, c.state, c.certificates.map((x) => `${x.serial}:${x.state}`)])).toEqual([
      ['CARD', 'INACTIVE', ['S-2:ON_HOLD', 'S-3:ON_HOLD']],
      ['TEMPORARY_CARD', 'LOCKED', ['S-1:REVOKED']],
    ]);
    expect(details!.roles.map((r) => r.name)).toEqual(['Auditor']);
    // The dry run changed nothing and the unchanged item is no change: one run remains.
    expect(details!.runChanges.map((r) => [r.runId, r.outcome, r.processName])).toEqual([[runs[0], 'UPDATED', 'Synchronize inactive LDAP Users to Identity Manager']]);
    expect(await getUserDetails({ username: 'nobody' })).toBeNull();
  });
});
