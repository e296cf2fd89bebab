import fc from 'fast-check';
import { Attribute, Change, Client as LdapClient } from 'ldapts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pool } from '@/lib/db-pool';
import { runBatchJob, type RunOutcome } from '@/lib/sync/run-batch-job';
import { queueRun, resetIdentityManager, startSyncTestEnvironment, type SyncTestEnvironment } from '../fixtures/sync-environment';

// Property: a delta run ends where a full run would. A random directory and Identity Manager, a
// full run (the watermark), random changes on both sides (locks, unlocks, attribute changes, new
// and deleted entries; roles granted, credentials and certificates reactivated, users reactivated
// in the IdM), then a delta run: a full run after it must find nothing to change, and the end
// state must be the same. Reproducible: DELTA_REFERENCE_SEED, DELTA_REFERENCE_RUNS (default 20).
const SEED = Number(process.env.DELTA_REFERENCE_SEED ?? 20261206);
const NUM_RUNS = Number(process.env.DELTA_REFERENCE_RUNS ?? 20);
const BASE = 'dc=example,dc=com';
const PEOPLE = `ou=people,${BASE}`;
const TYPES = ['CARD', 'TEMPORARY_CARD', 'VIRTUAL_SMART_CARD', 'MOBILE_ID', 'SOFT_TOKEN'] as const;

let env: SyncTestEnvironment;
let admin: LdapClient;
beforeAll(async () => {
  process.env.DELTA_OVERLAP_SECONDS = '0';
  env = await startSyncTestEnvironment('delta-reference', '');
  admin = new LdapClient({ url: env.slapd.url });
  await admin.bind(env.slapd.adminDn, env.slapd.adminPassword);
});
afterAll(async () => {
  delete process.env.DELTA_OVERLAP_SECONDS;
  await admin?.unbind().catch(() => undefined);
  await env?.stop();
});

type Person = { locked: boolean; givenName: string; inIdm: null | { state: 'ACTIVE' | 'INACTIVE'; credentials: number; roles: number } };
type DirectoryChange =
  | { kind: 'lock' | 'unlock' | 'delete'; person: number }
  | { kind: 'rename-given'; person: number; givenName: string }
  | { kind: 'add'; locked: boolean; givenName: string };
type IdmChange = { kind: 'grant-role' | 'activate-credential' | 'reactivate-user'; person: number };
type Case = { jobKey: 'inactive-ldap-users' | 'active-ldap-users'; people: Person[]; directory: DirectoryChange[]; idm: IdmChange[] };

const name = fc.constantFrom('Ann', 'Ben', 'Cleo', 'Dan');
const caseArb: fc.Arbitrary<Case> = fc
  .record({
    jobKey: fc.constantFrom('inactive-ldap-users' as const, 'active-ldap-users' as const),
    people: fc.array(
      fc.record({
        locked: fc.boolean(),
        givenName: name,
        inIdm: fc.option(fc.record({ state: fc.constantFrom('ACTIVE' as const, 'INACTIVE' as const), credentials: fc.integer({ min: 0, max: 2 }), roles: fc.integer({ min: 0, max: 2 }) }), { nil: null }),
      }),
      { minLength: 1, maxLength: 8 },
    ),
  })
  .chain((c) =>
    fc.record({
      jobKey: fc.constant(c.jobKey),
      people: fc.constant(c.people),
      directory: fc.array(
        fc.oneof(
          fc.record({ kind: fc.constantFrom('lock' as const, 'unlock' as const, 'delete' as const), person: fc.nat(c.people.length - 1) }),
          fc.record({ kind: fc.constant('rename-given' as const), person: fc.nat(c.people.length - 1), givenName: name }),
          fc.record({ kind: fc.constant('add' as const), locked: fc.boolean(), givenName: name }),
        ),
        { maxLength: 5 },
      ),
      idm: fc.array(fc.record({ kind: fc.constantFrom('grant-role' as const, 'activate-credential' as const, 'reactivate-user' as const), person: fc.nat(c.people.length - 1) }), { maxLength: 4 }),
    }),
  );

const dn = (i: number) => `uid=p${i},${PEOPLE}`;

async function loadCase(c: Case): Promise<void> {
  const { searchEntries } = await admin.search(PEOPLE, { scope: 'one', filter: '(objectClass=*)', attributes: ['1.1'] });
  for (const e of searchEntries) await admin.del(e.dn);
  for (const [i, p] of c.people.entries()) {
    await admin.add(dn(i), { objectClass: 'inetOrgPerson', uid: `p${i}`, cn: `p${i}`, sn: `S${i}`, givenName: p.givenName, ...(p.locked ? { pwdAccountLockedTime: '20260101000000Z' } : {}) });
  }
  await resetIdentityManager(env.slapd, { inactive: { runMode: 'delta' }, active: { runMode: 'delta' } });
  const db = pool();
  const roles = (await db.query(`INSERT INTO roles (name) SELECT 'R' || i FROM generate_series(1, 3) i RETURNING id`)).rows.map((r) => r.id);
  for (const [i, p] of c.people.entries()) {
    if (!p.inIdm) continue;
    const user = (await db.query(`INSERT INTO users (username, username_key, state) VALUES ($1, $1, $2) RETURNING id`, [`p${i}`, p.inIdm.state])).rows[0].id;
    for (let k = 0; k < p.inIdm.credentials; k++) {
      const cred = (await db.query(`INSERT INTO credentials (user_id, type, state, label) VALUES ($1, $2, 'ACTIVE', $3) RETURNING id`, [user, TYPES[(i + k) % 5], `c${i}-${k}`])).rows[0].id;
      await db.query(`INSERT INTO certificates (credential_id, serial, subject) VALUES ($1, $2, 'CN=x')`, [cred, `s${i}-${k}`]);
    }
    for (let k = 0; k < p.inIdm.roles; k++) await db.query(`INSERT INTO user_roles (user_id, role_id) VALUES ($1, $2)`, [user, roles[k]]);
  }
}

const replace = (type: string, values: string[]) => new Change({ operation: 'replace', modification: new Attribute({ type, values }) });

async function applyChanges(c: Case): Promise<void> {
  const exists = c.people.map(() => true);
  let added = c.people.length;
  for (const change of c.directory) {
    if (change.kind === 'add') {
      await admin.add(dn(added), { objectClass: 'inetOrgPerson', uid: `p${added}`, cn: `p${added}`, sn: `S${added}`, givenName: change.givenName, ...(change.locked ? { pwdAccountLockedTime: '20260101000000Z' } : {}) });
      added++;
      continue;
    }
    if (!exists[change.person]) continue;
    if (change.kind === 'delete') {
      await admin.del(dn(change.person));
      exists[change.person] = false;
    } else if (change.kind === 'rename-given') await admin.modify(dn(change.person), replace('givenName', [change.givenName]));
    else await admin.modify(dn(change.person), replace('pwdAccountLockedTime', change.kind === 'lock' ? ['20260101000000Z'] : []));
  }
  const db = pool();
  for (const change of c.idm) {
    const { rows } = await db.query(`SELECT id FROM users WHERE username = $1`, [`p${change.person}`]);
    const user = rows[0]?.id;
    if (!user) continue;
    // As the application does it (Prisma stamps updated_at on a user it changes).
    if (change.kind === 'reactivate-user') await db.query(`UPDATE users SET state = 'ACTIVE', updated_at = now() WHERE id = $1`, [user]);
    else if (change.kind === 'grant-role') await db.query(`INSERT INTO user_roles (user_id, role_id) SELECT $1, id FROM roles WHERE name = 'R3' ON CONFLICT DO NOTHING`, [user]);
    else {
      await db.query(`UPDATE credentials SET state = 'ACTIVE', updated_at = now() WHERE user_id = $1`, [user]);
      await db.query(`UPDATE certificates SET state = 'VALID', revocation_reason = NULL, revoked_at = NULL, updated_at = now() WHERE state = 'ON_HOLD' AND credential_id IN (SELECT id FROM credentials WHERE user_id = $1)`, [user]);
    }
  }
}

async function endState(): Promise<unknown> {
  const { rows } = await pool().query(`
    SELECT u.username, u.state, u.given_name, u.ldap_external_id, u.ldap_dn,
      (SELECT json_agg(json_build_object('label', c.label, 'state', c.state,
         'certificates', (SELECT json_agg(ce.state ORDER BY ce.serial) FROM certificates ce WHERE ce.credential_id = c.id)) ORDER BY c.label)
       FROM credentials c WHERE c.user_id = u.id) AS credentials,
      (SELECT count(*)::int FROM user_roles ur WHERE ur.user_id = u.id) AS roles
    FROM users u ORDER BY u.username`);
  return rows;
}

async function run(jobKey: string): Promise<RunOutcome> {
  const outcome = await runBatchJob({ runId: await queueRun(jobKey, { confirmed: true }) });
  await pool().query('UPDATE batch_jobs SET active_run_id = NULL');
  return outcome;
}

describe('delta runs against full runs (property)', () => {
  it(`a delta run's end state is a full run's (${NUM_RUNS} random cases, seed ${SEED})`, async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, async (c) => {
        await loadCase(c);
        // Past the second of the entries' stamps: the delta must not see them as changed.
        await new Promise((r) => setTimeout(r, 1100));
        const first = await run(c.jobKey);
        expect(first.kind).toBe('FULL');
        await applyChanges(c);
        const delta = await run(c.jobKey);
        expect(delta.kind).toBe('DELTA');
        const afterDelta = await endState();
        await pool().query(`UPDATE batch_jobs SET options = '{"runMode": "full"}'`);
        const full = await run(c.jobKey);
        expect(full.kind).toBe('FULL');
        expect(await endState()).toEqual(afterDelta);
        expect(full.counters).toMatchObject({ created: 0, updated: 0, credentialsChanged: 0, certificatesChanged: 0, rolesWithdrawn: 0 });
      }),
      { seed: SEED, numRuns: NUM_RUNS, endOnFailure: true },
    );
  }, 600_000);
});
