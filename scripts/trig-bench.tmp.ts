import pg from 'pg';
import { startEmbeddedPostgres } from '/work/main/scripts/services/postgres';
import { freePort } from '/work/main/scripts/services/ports';
import { deployMigrations } from '/work/main/lib/migrations';
const server = await startEmbeddedPostgres({ dataDir: '/work/main/.test-data/trig-bench/pg', port: await freePort(), database: 'idm' });
await deployMigrations(server.url, { log: () => undefined });
const db = new pg.Client({ connectionString: server.url });
await db.connect();
await db.query(`INSERT INTO users (username, username_key, given_name, surname, state)
  SELECT 'user' || lpad(i::text, 7, '0'), 'user' || lpad(i::text, 7, '0'), 'Given' || i, 'Surname' || i, 'ACTIVE' FROM generate_series(1, 100000) i`);
const SEP = ` \t\n\r\u000b\u000c\u00a0\u3000\u00b7\u30fb\uff65\u2010\u2011\u2012\u2013\u2014\u2015'\u2019.,;:/()-`;
await db.query(`
CREATE FUNCTION nws2(given_name TEXT, surname TEXT, display_name TEXT) RETURNS SETOF TEXT LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $f$
  SELECT DISTINCT p.start FROM unnest(string_to_array(translate(lower(concat_ws(' ', given_name, surname, display_name)), ${pgLit(SEP)}, ${pgLit(' '.repeat([...SEP].length))}), ' ')) AS w,
    LATERAL (VALUES (left(w, 1)), (left(w, 2))) AS p(start) WHERE w <> ''
$f$;`);
function pgLit(s: string) { return `'${s.replace(/'/g, "''")}'`; }
// same semantics check
const diff = await db.query(`SELECT count(*)::int n FROM (VALUES ('Hans-Ulrich','de Vries','O''Brien x'), ('伟','王','王伟'), ('陽菜','佐藤','佐藤　陽菜'), ('张·伟', NULL, 'マイケル・ジャクソン')) v(a,b,c)
  WHERE ARRAY(SELECT s FROM name_word_starts(a,b,c) s ORDER BY 1) <> ARRAY(SELECT s FROM nws2(a,b,c) s ORDER BY 1)`);
console.log('differences', diff.rows[0].n);
for (const [fn, when] of [['name_word_starts', 'AFTER'], ['name_word_starts', 'BEFORE'], ['nws2', 'AFTER'], ['nws2', 'BEFORE']]) {
  await db.query(`CREATE OR REPLACE FUNCTION t_${fn}_${when}() RETURNS TRIGGER LANGUAGE plpgsql AS $f$
DECLARE o TEXT[] := ARRAY(SELECT s FROM ${fn}(OLD.given_name, OLD.surname, OLD.display_name) s); n TEXT[] := ARRAY(SELECT s FROM ${fn}(NEW.given_name, NEW.surname, NEW.display_name) s); g TEXT[]; a TEXT[];
BEGIN
  g := ARRAY(SELECT unnest(o) EXCEPT SELECT unnest(n)); a := ARRAY(SELECT unnest(n) EXCEPT SELECT unnest(o));
  IF cardinality(g) > 0 THEN DELETE FROM user_name_starts WHERE start = ANY(g) AND username_key = OLD.username_key; END IF;
  IF cardinality(a) > 0 THEN INSERT INTO user_name_starts (start, username_key) SELECT unnest(a), NEW.username_key; END IF;
  RETURN ${when === 'BEFORE' ? 'NEW' : 'NULL'};
END $f$;
CREATE TRIGGER tr_${fn}_${when} ${when} UPDATE OF username_key, given_name, surname, display_name ON users FOR EACH ROW
  WHEN (OLD.given_name IS DISTINCT FROM NEW.given_name OR OLD.surname IS DISTINCT FROM NEW.surname OR OLD.display_name IS DISTINCT FROM NEW.display_name)
  EXECUTE FUNCTION t_${fn}_${when}();
ALTER TABLE users DISABLE TRIGGER tr_${fn}_${when};`);
}
await db.query('ALTER TABLE users DISABLE TRIGGER users_name_starts_update');
await db.query('VACUUM ANALYZE');
const ids = (await db.query('SELECT id FROM users ORDER BY id')).rows.map((r) => r.id);
async function round(set: string, sample: number[]) {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < sample.length; i += 500) await db.query(`UPDATE users SET ${set} WHERE id = ANY($1::int[])`, [sample.slice(i, i + 500)]);
  return (Number(process.hrtime.bigint() - t0) / 1e3 / sample.length).toFixed(0);
}
const variants = ['none', 'tr_name_word_starts_AFTER', 'tr_name_word_starts_BEFORE', 'tr_nws2_AFTER', 'tr_nws2_BEFORE'];
let k = 0;
for (let r = 0; r < 2; r++) {
  for (const v of variants) {
    for (const other of variants.slice(1)) await db.query(`ALTER TABLE users ${other === v ? 'ENABLE' : 'DISABLE'} TRIGGER ${other}`);
    const part = ids.filter((id) => id % 10 === k % 10); k++;
    const same = await round(`display_name = given_name || ' ' || surname`, part);
    const added = await round(`display_name = given_name || ' ' || surname || ' Zed${k}'`, part);
    console.log(`${v.padEnd(28)}: same words ${same} us/user, new word ${added} us/user`);
  }
}
await db.end();
await server.stop();
