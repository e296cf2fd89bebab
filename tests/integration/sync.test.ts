import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { pool } from '@/lib/db-pool';
import { runBatchJob, failRun, TransientSyncError } from '@/lib/sync/run-batch-job';
import { applyPage, PageConflictError } from '@/lib/sync/apply-page';
import { INACTIVE_OUTCOME } from '@/lib/sync/outcome';
import type { MappedEntry } from '@/lib/sync/mapping';
import { peopleLdif, queueRun, resetIdentityManager, startSyncTestEnvironment, type SyncTestEnvironment } from '../fixtures/sync-environment';

// The engine against a real slapd and PostgreSQL. The fixture directory: locked (inactive) and
// unlocked (active) people, with the awkward cases the outcome table must survive.
const BASE = 'dc=example,dc=com';
const ldif = peopleLdif(BASE, [
  { uid: 'alice', givenName: 'Alice', sn: 'Archer', mail: 'alice@example.com', employeeNumber: 'E1', locked: true },
  { uid: 'bob', givenName: 'Bob', sn: 'Baker', displayName: 'Bob Baker', locked: true },
  { uid: 'carol', givenName: 'Carol', sn: 'Cook', locked: true },
  { rdn: 'cn=Müller\\, Jürgen \\+ Søn', cn: 'Müller, Jürgen + Søn', uid: 'jmuller', givenName: 'Jürgen', sn: 'Müller', displayName: 'Jürgen Müller', locked: true },
  { rdn: 'cn=Twin One', cn: 'Twin One', uid: 'twin', sn: 'One', locked: true },
  { rdn: 'cn=Twin Two', cn: 'Twin Two', uid: 'TWIN', sn: 'Two', locked: true },
  { uid: 'dave', sn: 'Dent', locked: true },
  { rdn: 'cn=No Username', cn: 'No Username', sn: 'Nobody', locked: true },
  { uid: 'erin', givenName: 'Erin', sn: 'Evans', mail: 'erin@example.com', employeeNumber: 'E5' },
  { uid: 'frank', givenName: 'Franklin', sn: 'Fisher', displayName: 'Franklin Fisher', mail: 'frank@example.com' },
  { uid: 'gina', sn: 'Gray', employeeType: 'both' },
]);

let env: SyncTestEnvironment;
beforeAll(async () => {
  env = await startSyncTestEnvironment('sync', ldif);
});
afterAll(async () => {
  await env?.stop();
});

const TYPES = ['CARD', 'TEMPORARY_CARD', 'VIRTUAL_SMART_CARD', 'MOBILE_ID', 'SOFT_TOKEN'] as const;

async function addUser(username: string, state: 'ACTIVE' | 'INACTIVE', extra: { externalId?: string; email?: string; givenName?: string } = {}): Promise<number> {
  const { rows } = await pool().query(
    `INSERT INTO users (username, username_key, state, ldap_external_id, email, given_name) VALUES ($1, lower($1), $2, $3, $4, $5) RETURNING id`,
    [username, state, extra.externalId ?? null, extra.email ?? null, extra.givenName ?? null],
  );
  return rows[0].id;
}

/** One credential of each type, one VALID certificate each, plus the given extra certificate states. */
async function addCredentials(userId: number, certificateState: (type: string) => string[] = () => ['VALID'], credentialState = 'ACTIVE') {
  for (const type of TYPES) {
    const { rows } = await pool().query(`INSERT INTO credentials (user_id, type, state, label) VALUES ($1, $2, $3, $4) RETURNING id`, [userId, type, credentialState, `${type}-${userId}`]);
    for (const [i, state] of certificateState(type).entries()) {
      await pool().query(
        `INSERT INTO certificates (credential_id, serial, subject, state, revocation_reason, revoked_at) VALUES ($1, $2, 'CN=x', $3, $4, $5)`,
        [rows[0].id, `${userId}-${type}-${i}`, state, state === 'REVOKED' ? 'keyCompromise' : state === 'ON_HOLD' ? 'certificateHold' : null, state === 'VALID' ? null : new Date('2020-01-01')],
      );
    }
  }
}

async function addRoles(userId: number, names: string[]) {
  for (const name of names) {
    const { rows } = await pool().query(`INSERT INTO roles (name) VALUES ($1) ON CONFLICT (name) DO UPDATE SET name = excluded.name RETURNING id`, [name]);
    await pool().query(`INSERT INTO user_roles (user_id, role_id) VALUES ($1, $2)`, [userId, rows[0].id]);
  }
}

const noThreshold = { threshold: { maxUsers: null, maxPercent: null } };

/** The IdM side of the fixture: alice fully equipped, carol already in her end state, dave linked elsewhere, jmuller by username. */
async function seedIdentityManager() {
  const alice = await addUser('alice', 'ACTIVE', { email: 'old@example.com' });
  await addCredentials(alice, (type) => (type === 'CARD' ? ['VALID', 'REVOKED'] : type === 'TEMPORARY_CARD' ? ['VALID', 'ON_HOLD'] : ['VALID']));
  await addRoles(alice, ['Employee', 'Badge holder']);
  const carol = await addUser('carol', 'INACTIVE');
  await addCredentials(carol, (type) => (type === 'TEMPORARY_CARD' ? ['REVOKED'] : ['ON_HOLD']), 'INACTIVE');
  await pool().query(`UPDATE credentials SET state = 'LOCKED' WHERE user_id = $1 AND type = 'TEMPORARY_CARD'`, [carol]);
  const jmuller = await addUser('JMuller', 'ACTIVE');
  const dave = await addUser('dave', 'ACTIVE', { externalId: 'someone-else' });
  const frank = await addUser('frank', 'INACTIVE', { givenName: 'Frank' });
  await addCredentials(frank, () => ['ON_HOLD'], 'INACTIVE');
  await addRoles(frank, ['Visitor']);
  return { alice, carol, jmuller, dave, frank };
}

async function snapshot() {
  const q = async (sql: string) => (await pool().query(sql)).rows;
  return {
    users: await q(`SELECT id, username, state, source, given_name, surname, display_name, email, employee_number, ldap_external_id, ldap_dn, updated_at FROM users ORDER BY id`),
    credentials: await q(`SELECT id, user_id, type, state, updated_at FROM credentials ORDER BY id`),
    certificates: await q(`SELECT id, credential_id, state, revocation_reason, revoked_at, updated_at FROM certificates ORDER BY id`),
    roles: await q(`SELECT user_id, role_id FROM user_roles ORDER BY 1, 2`),
  };
}

async function runRow(id: number) {
  return (await pool().query(`SELECT *, status::text AS status FROM batch_runs WHERE id = $1`, [id])).rows[0];
}

async function items(runId: number) {
  return (await pool().query(`SELECT outcome::text AS outcome, username, external_id, user_id, ldap_dn, reason, changes FROM batch_run_items WHERE run_id = $1 ORDER BY id`, [runId])).rows;
}

describe('Synchronize inactive LDAP Users to Identity Manager', () => {
  let ids: Awaited<ReturnType<typeof seedIdentityManager>>;
  beforeEach(async () => {
    await resetIdentityManager(env.slapd, { inactive: { ...noThreshold, pageSize: 3 } });
    ids = await seedIdentityManager();
  });

  it('applies the outcome table, creates missing users, reports item failures and converges on a second run', async () => {
    const runId = await queueRun('inactive-ldap-users');
    const progress: number[] = [];
    const outcome = await runBatchJob({ runId, onProgress: (p) => void progress.push(p.entriesRead) });

    expect(outcome.error ?? '').toBe('');
    expect(outcome.status).toBe('COMPLETED_WITH_ERRORS');
    // alice, jmuller, carol (linked) updated; bob created; twin and TWIN (one username, two entries, neither linked), dave, no-username failed.
    expect(outcome.counters).toMatchObject({ entriesRead: 8, created: 1, updated: 3, unchanged: 0, failed: 4, credentialsChanged: 5, rolesWithdrawn: 2 });
    // alice: 5 VALID certificates change, the revoked one stays, the on-hold temporary-card one is revoked.
    expect(outcome.counters.certificatesChanged).toBe(6);
    expect(progress.at(-1)).toBe(8);
    expect(progress.length).toBe(3);

    const db = pool();
    const alice = (await db.query(`SELECT * FROM users WHERE id = $1`, [ids.alice])).rows[0];
    expect(alice).toMatchObject({ state: 'INACTIVE', email: 'alice@example.com', given_name: 'Alice', surname: 'Archer', employee_number: 'E1' });
    expect(alice.ldap_external_id).toMatch(/^[0-9a-f-]{36}$/);
    const creds = (await db.query(`SELECT type::text, state::text FROM credentials WHERE user_id = $1 ORDER BY type`, [ids.alice])).rows;
    expect(Object.fromEntries(creds.map((c) => [c.type, c.state]))).toEqual({
      CARD: 'INACTIVE', TEMPORARY_CARD: 'LOCKED', VIRTUAL_SMART_CARD: 'INACTIVE', MOBILE_ID: 'INACTIVE', SOFT_TOKEN: 'INACTIVE',
    });
    const certs = (await db.query(
      `SELECT c.type::text, ce.serial, ce.state::text, ce.revocation_reason::text AS reason, ce.revoked_at FROM certificates ce JOIN credentials c ON c.id = ce.credential_id WHERE c.user_id = $1 ORDER BY ce.serial`,
      [ids.alice],
    )).rows;
    for (const cert of certs) {
      if (cert.serial === `${ids.alice}-CARD-1`) expect(cert).toMatchObject({ state: 'REVOKED', reason: 'keyCompromise' }); // stays revoked
      else if (cert.type === 'TEMPORARY_CARD') expect(cert).toMatchObject({ state: 'REVOKED', reason: 'cessationOfOperation' });
      else expect(cert).toMatchObject({ state: 'ON_HOLD', reason: 'certificateHold' });
      expect(cert.revoked_at).not.toBeNull();
    }
    // The relation to credentials is kept; roles are gone and recorded.
    expect((await db.query(`SELECT count(*)::int AS n FROM credentials WHERE user_id = $1`, [ids.alice])).rows[0].n).toBe(5);
    expect((await db.query(`SELECT count(*)::int AS n FROM user_roles WHERE user_id = $1`, [ids.alice])).rows[0].n).toBe(0);
    const all = await items(runId);
    const aliceItem = all.find((i) => i.username === 'alice');
    expect(aliceItem.outcome).toBe('UPDATED');
    expect(aliceItem.changes.rolesWithdrawn.map((r: { name: string }) => r.name).sort()).toEqual(['Badge holder', 'Employee']);
    expect(aliceItem.changes.user.before.state).toBe('ACTIVE');
    expect(aliceItem.changes.user.after.state).toBe('INACTIVE');
    expect(aliceItem.changes.credentials).toHaveLength(5);

    // Created inactive from LDAP, with mapped attributes.
    const bob = (await db.query(`SELECT * FROM users WHERE username = 'bob'`)).rows[0];
    expect(bob).toMatchObject({ state: 'INACTIVE', source: 'LDAP', given_name: 'Bob', surname: 'Baker', display_name: 'Bob Baker' });
    // Matched by username case-insensitively, linked, escaped DN and non-ASCII names intact.
    const jm = (await db.query(`SELECT * FROM users WHERE id = $1`, [ids.jmuller])).rows[0];
    expect(jm).toMatchObject({ state: 'INACTIVE', username: 'jmuller', given_name: 'Jürgen', surname: 'Müller', display_name: 'Jürgen Müller' });
    // As the directory returns it: RFC 4514 escapes (slapd writes them as hex).
    expect(jm.ldap_dn).toMatch(/^cn=Müller\\(,|2C) Jürgen \\(\+|2B) Søn,ou=people,dc=example,dc=com$/);
    expect(jm.ldap_external_id).not.toBeNull();

    const failures = all.filter((i) => i.outcome === 'FAILED');
    expect(failures.map((f) => f.reason)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^2 directory entries have the username "twin" \(cn=Twin One,ou=people,dc=example,dc=com; .*\) and the Identity Manager user of that name is linked to none of them/),
        expect.stringContaining('2 directory entries have the username "TWIN"'),
        expect.stringContaining('linked to another directory entry'),
        expect.stringContaining('no username'),
      ]),
    );
    expect(failures.find((f) => f.username === 'dave').user_id).toBe(ids.dave);
    expect((await db.query(`SELECT state::text FROM users WHERE id = $1`, [ids.dave])).rows[0].state).toBe('ACTIVE');
    expect((await db.query(`SELECT count(*)::int AS n FROM users WHERE username_key = 'twin'`)).rows[0].n).toBe(0);
    // Already in her end state: only linked to her entry; credentials, certificates and state untouched.
    const carolItem = all.find((i) => i.username === 'carol');
    expect(Object.keys(carolItem.changes)).toEqual(['user']);
    expect(carolItem.changes.user.before).not.toHaveProperty('state');
    expect(carolItem.changes.user.after).toMatchObject({ givenName: 'Carol', surname: 'Cook' });
    expect((await runRow(runId)).finished_at).not.toBeNull();
    expect((await db.query(`SELECT active_run_id FROM batch_jobs WHERE key = 'inactive-ldap-users'`)).rows[0].active_run_id).toBeNull();

    // Second run: nothing changes, nothing is written.
    const before = await snapshot();
    const second = await runBatchJob({ runId: await queueRun('inactive-ldap-users') });
    expect(second.counters).toMatchObject({ entriesRead: 8, created: 0, updated: 0, unchanged: 4, failed: 4, credentialsChanged: 0, certificatesChanged: 0, rolesWithdrawn: 0 });
    expect(await snapshot()).toEqual(before);
    // The first page had nothing to write and left its counters to the next page's count.
    expect((await runRow(second.runId)).pages_applied).toBe(3);
  });

  it('on a re-run, restores the fields the directory holds and keeps those it lacks', async () => {
    await runBatchJob({ runId: await queueRun('inactive-ldap-users') });
    const db = pool();
    // Edited in the IdM since: bob's surname, the case of carol's username, alice's DN (the
    // directory has all three), and alice's display name (her entry has none: the IdM's value stands).
    await db.query(`UPDATE users SET surname = 'Wrong' WHERE username_key = 'bob'`);
    await db.query(`UPDATE users SET username = 'Carol' WHERE id = $1`, [ids.carol]);
    await db.query(`UPDATE users SET ldap_dn = 'uid=alice,ou=moved,${BASE}', display_name = 'Ally' WHERE id = $1`, [ids.alice]);
    const again = await runBatchJob({ runId: await queueRun('inactive-ldap-users') });
    expect(again.counters).toMatchObject({ updated: 3, unchanged: 1, failed: 4, created: 0, credentialsChanged: 0, certificatesChanged: 0, rolesWithdrawn: 0 });
    const byName = Object.fromEntries((await items(again.runId)).filter((i) => i.outcome === 'UPDATED').map((i) => [i.username, i.changes.user]));
    expect(byName).toEqual({
      bob: { before: { surname: 'Wrong' }, after: { surname: 'Baker' } },
      carol: { before: { username: 'Carol' }, after: { username: 'carol' } },
      alice: { before: { ldapDn: `uid=alice,ou=moved,${BASE}` }, after: { ldapDn: `uid=alice,ou=people,${BASE}` } },
    });
    expect((await db.query(`SELECT display_name FROM users WHERE id = $1`, [ids.alice])).rows[0].display_name).toBe('Ally');
  });

  it('counts the pages of a run with nothing to change once, at the end, and resumes from the last count', async () => {
    const filter = '(&(objectClass=inetOrgPerson)(pwdAccountLockedTime=*)(|(uid=alice)(uid=bob)(uid=carol)))';
    await pool().query(`UPDATE batch_jobs SET options = $1 WHERE key = 'inactive-ldap-users'`, [JSON.stringify({ ...noThreshold, pageSize: 2, filterPreset: 'custom', filter, uniqueIdAttribute: 'entryUUID', mapping: { username: 'uid' } })]);
    expect((await runBatchJob({ runId: await queueRun('inactive-ldap-users', { confirmed: true }) })).counters).toMatchObject({ updated: 2, created: 1 });
    const runId = await queueRun('inactive-ldap-users', { confirmed: true });
    const seen: number[] = [];
    const again = await runBatchJob({ runId, onProgress: (p) => void seen.push(p.counters.unchanged) });
    expect(seen).toEqual([2, 3]); // progress per page, from the engine's own totals
    expect(again.counters).toMatchObject({ entriesRead: 3, unchanged: 3, updated: 0, created: 0, failed: 0 });
    expect(await runRow(runId)).toMatchObject({ status: 'SUCCEEDED', pages_applied: 2, unchanged: 3, entries_read: 3 });

    // Interrupted before anything was counted: nothing was committed, so the resumed run reads both pages again.
    const interrupted = await queueRun('inactive-ldap-users', { confirmed: true });
    await expect(runBatchJob({ runId: interrupted, onProgress: () => { throw new Error('worker killed'); } })).rejects.toThrow('worker killed');
    expect(await runRow(interrupted)).toMatchObject({ status: 'RUNNING', pages_applied: 0, entries_read: 0 });
    expect((await runBatchJob({ runId: interrupted })).counters).toMatchObject({ entriesRead: 3, unchanged: 3 });
  });

  it('marks the users it settles, and a credential, certificate or role changed by anyone else since is caught by the next run', async () => {
    const settled = async () => (await pool().query(`SELECT related_settled FROM users WHERE username = 'alice'`)).rows[0].related_settled;
    expect(await settled()).toBe(false);
    await runBatchJob({ runId: await queueRun('inactive-ldap-users') });
    expect(await settled()).toBe(true); // the sync's own writes do not clear it
    expect((await runBatchJob({ runId: await queueRun('inactive-ldap-users') })).counters).toMatchObject({ updated: 0 });

    // Another application issues a new certificate on alice's card: the flag goes, the next run puts it on hold.
    const card = (await pool().query(`SELECT id FROM credentials WHERE user_id = $1 AND type = 'CARD'`, [ids.alice])).rows[0].id;
    await pool().query(`INSERT INTO certificates (credential_id, serial, subject, state) VALUES ($1, 'reissued-1', 'CN=x', 'VALID')`, [card]);
    expect(await settled()).toBe(false);
    const afterCertificate = await runBatchJob({ runId: await queueRun('inactive-ldap-users') });
    expect(afterCertificate.counters).toMatchObject({ updated: 1, certificatesChanged: 1, credentialsChanged: 0, rolesWithdrawn: 0 });
    expect((await pool().query(`SELECT state::text FROM certificates WHERE serial = 'reissued-1'`)).rows[0].state).toBe('ON_HOLD');
    expect(await settled()).toBe(true);

    // ... a credential put back to ACTIVE, and a role granted again.
    await pool().query(`UPDATE credentials SET state = 'ACTIVE' WHERE id = $1`, [card]);
    await addRoles(ids.alice, ['Employee']);
    expect(await settled()).toBe(false);
    const afterChanges = await runBatchJob({ runId: await queueRun('inactive-ldap-users') });
    expect(afterChanges.counters).toMatchObject({ updated: 1, credentialsChanged: 1, rolesWithdrawn: 1 });
    expect((await pool().query(`SELECT count(*)::int AS n FROM user_roles WHERE user_id = $1`, [ids.alice])).rows[0].n).toBe(0);
  });

  it('stops above the threshold with nothing written but every change it would make listed, and goes ahead when confirmed', async () => {
    await pool().query(`UPDATE batch_jobs SET options = $1 WHERE key = 'inactive-ldap-users'`, [JSON.stringify({ threshold: { maxUsers: 1, maxPercent: null } })]);
    const before = await snapshot();
    const stoppedId = await queueRun('inactive-ldap-users');
    const stopped = await runBatchJob({ runId: stoppedId });
    expect(stopped.status).toBe('THRESHOLD_EXCEEDED');
    expect(stopped.wouldDeactivate).toBe(2); // alice and jmuller are active now
    expect(stopped.thresholdCheck).toEqual({ wouldDeactivate: 2, activeUsers: 3, maxUsers: 1, maxPercent: null, exceeded: true, confirmationRule: 'OPERATOR' });
    expect(stopped.error).toContain('would deactivate 2 of 3 active users (66.7%)');
    expect(await snapshot()).toEqual(before);
    // The changes a confirmed run would make, as a dry run records them: the two people it would
    // deactivate among them, found by the run items' DEACTIVATED filter.
    expect(stopped.counters).toMatchObject({ entriesRead: 8, created: 1, updated: 3, failed: 4 });
    const { listRunItems } = await import('@/lib/runs/run-items');
    const deactivated = await listRunItems(stoppedId, { q: '', outcome: 'DEACTIVATED', page: 1 });
    expect(deactivated?.items.map((i) => i.username).sort()).toEqual(['alice', 'jmuller']);
    expect((await listRunItems(stoppedId, { q: 'muller', outcome: 'DEACTIVATED', page: 1 }))?.items.map((i) => i.username)).toEqual(['jmuller']);

    // The same entries, the same changes: the confirmed run applies what the stopped one listed.
    const confirmed = await runBatchJob({ runId: await queueRun('inactive-ldap-users', { confirmed: true }) });
    expect(confirmed.status).toBe('COMPLETED_WITH_ERRORS');
    expect(confirmed.counters).toEqual(stopped.counters);
    expect(confirmed.wouldDeactivate).toBe(2);
  });

  it('a retried attempt of a run stopped at the threshold still writes nothing', async () => {
    await pool().query(`UPDATE batch_jobs SET options = $1 WHERE key = 'inactive-ldap-users'`, [JSON.stringify({ threshold: { maxUsers: 1, maxPercent: null } })]);
    const before = await snapshot();
    const runId = await queueRun('inactive-ldap-users');
    // The first attempt stops after the threshold check and its first page (a worker killed there).
    await expect(
      runBatchJob({
        runId,
        onProgress: () => {
          throw new TransientSyncError('PAGE_APPLY_FAILED', 'worker killed after the first page');
        },
      }),
    ).rejects.toThrow('worker killed');
    expect((await runRow(runId)).status).toBe('RUNNING');
    const retried = await runBatchJob({ runId });
    expect(retried.status).toBe('THRESHOLD_EXCEEDED');
    expect(await snapshot()).toEqual(before);
    expect(retried.counters).toMatchObject({ entriesRead: 8, created: 1, updated: 3, failed: 4 });
  });

  it('a dry run over the threshold is not stopped: it records every change and says a real run would stop', async () => {
    await pool().query(`UPDATE batch_jobs SET options = $1 WHERE key = 'inactive-ldap-users'`, [JSON.stringify({ threshold: { maxUsers: null, maxPercent: 50 } })]);
    const before = await snapshot();
    const dry = await runBatchJob({ runId: await queueRun('inactive-ldap-users', { dryRun: true }) });
    expect(dry.status).toBe('COMPLETED_WITH_ERRORS');
    expect(dry.thresholdCheck).toEqual({ wouldDeactivate: 2, activeUsers: 3, maxUsers: null, maxPercent: 50, exceeded: true, confirmationRule: 'OPERATOR' });
    expect(dry.counters).toMatchObject({ entriesRead: 8, created: 1, updated: 3, failed: 4 });
    expect(await snapshot()).toEqual(before);
  });

  it('a dry run writes nothing but reports the same changes as the real run', async () => {
    const before = await snapshot();
    const dryId = await queueRun('inactive-ldap-users', { dryRun: true });
    const dry = await runBatchJob({ runId: dryId });
    expect(await snapshot()).toEqual(before);
    const real = await runBatchJob({ runId: await queueRun('inactive-ldap-users') });
    expect(dry.counters).toEqual(real.counters);
    // Same items; two pages are applied side by side, so the list is compared in DN order.
    const strip = (rows: Awaited<ReturnType<typeof items>>) =>
      rows.map(({ user_id: _u, ...rest }) => rest).sort((a, b) => `${a.ldap_dn}|${a.outcome}`.localeCompare(`${b.ldap_dn}|${b.outcome}`));
    expect(strip(await items(dryId))).toEqual(strip(await items(real.runId)));
  });

  it('writes nothing of a page whose user changed after its plan, and applies it once planned again', async () => {
    const runId = await queueRun('inactive-ldap-users');
    await pool().query(`UPDATE batch_runs SET status = 'RUNNING', attempts = 1 WHERE id = $1`, [runId]);
    const alice: MappedEntry = {
      ok: true,
      person: { dn: `uid=alice,ou=people,${BASE}`, externalId: 'alice-uuid', username: 'alice', usernameKey: 'alice', givenName: 'Alice', surname: 'Archer', displayName: null, email: 'alice@example.com', employeeNumber: 'E1' },
    };
    const page = { runId, attempt: 1, page: 1, outcome: INACTIVE_OUTCOME, dryRun: false, siblingJobKey: 'active-ldap-users' };
    const client = await pool().connect();
    try {
      // Another application changes alice between the plan query and the write.
      const interfere = async () => {
        await pool().query(`UPDATE users SET display_name = 'Alice (edited)' WHERE username_key = 'alice'`);
        return false;
      };
      const before = await snapshot();
      await expect(applyPage(client, { ...page, beforeWrite: interfere }, [alice], new Set())).rejects.toThrow(PageConflictError);
      const after = await snapshot();
      expect(after.credentials).toEqual(before.credentials);
      expect(after.certificates).toEqual(before.certificates);
      expect(after.roles).toEqual(before.roles);
      expect(after.users.find((u) => u.username === 'alice')).toMatchObject({ state: 'ACTIVE', display_name: 'Alice (edited)', ldap_external_id: null });
      expect(await items(runId)).toEqual([]);
      expect((await runRow(runId)).pages_applied).toBe(0);

      const applied = await applyPage(client, page, [alice], new Set());
      expect(applied.counters).toMatchObject({ updated: 1, credentialsChanged: 5, rolesWithdrawn: 2 });
      const [item] = await items(runId);
      expect(item.changes.user.before).toMatchObject({ state: 'ACTIVE', email: 'old@example.com' });
      // Planned on the edited row: the other application's change is kept.
      expect((await snapshot()).users.find((u) => u.username === 'alice')).toMatchObject({ state: 'INACTIVE', display_name: 'Alice (edited)' });
    } finally {
      client.release();
    }
  });

  it('retries a page whose transaction fails, without duplicates', async () => {
    const db = pool();
    // A real failure inside the page transaction: the first insert of run items raises once.
    await db.query(`CREATE TABLE IF NOT EXISTS test_fail_once (done boolean)`);
    await db.query(`TRUNCATE test_fail_once`);
    await db.query(`
      CREATE OR REPLACE FUNCTION test_fail_once() RETURNS trigger AS $$
      BEGIN
        IF NOT EXISTS (SELECT 1 FROM test_fail_once) THEN
          INSERT INTO test_fail_once VALUES (true);
          RAISE EXCEPTION 'injected failure';
        END IF;
        RETURN NEW;
      END $$ LANGUAGE plpgsql`);
    await db.query(`CREATE OR REPLACE TRIGGER test_fail_once BEFORE INSERT ON batch_run_items FOR EACH STATEMENT EXECUTE FUNCTION test_fail_once()`);
    try {
      // The trigger's own insert rolls back with the failed page, so it would fail forever: commit the flag separately.
      await db.query(`CREATE OR REPLACE FUNCTION test_fail_once() RETURNS trigger AS $$
        BEGIN
          IF NOT EXISTS (SELECT 1 FROM test_fail_once) THEN
            PERFORM dblink_exec('x', 'x');
          END IF;
          RETURN NEW;
        END $$ LANGUAGE plpgsql`).catch(() => undefined);
      await db.query(`DROP TRIGGER test_fail_once ON batch_run_items`);
      await db.query(`CREATE SEQUENCE IF NOT EXISTS test_fail_seq`);
      // Sequences are not transactional: nextval survives the rollback, so only the first call fails.
      await db.query(`CREATE OR REPLACE FUNCTION test_fail_once() RETURNS trigger AS $$
        BEGIN
          IF nextval('test_fail_seq') = 1 THEN RAISE EXCEPTION 'injected failure'; END IF;
          RETURN NEW;
        END $$ LANGUAGE plpgsql`);
      await db.query(`CREATE TRIGGER test_fail_once BEFORE INSERT ON batch_run_items FOR EACH STATEMENT EXECUTE FUNCTION test_fail_once()`);
      const reference = await runBatchJob({ runId: await queueRun('inactive-ldap-users', { dryRun: true }) });
      const outcome = await runBatchJob({ runId: await queueRun('inactive-ldap-users') });
      expect((await db.query(`SELECT last_value::int AS n FROM test_fail_seq`)).rows[0].n).toBeGreaterThan(1);
      expect(outcome.counters).toEqual(reference.counters);
      const rows = await items(outcome.runId);
      expect(rows).toHaveLength(reference.counters.created + reference.counters.updated + reference.counters.failed);
      expect(new Set(rows.map((r) => r.ldap_dn)).size).toBe(rows.length);
    } finally {
      await db.query(`DROP TRIGGER IF EXISTS test_fail_once ON batch_run_items`);
      await db.query(`DROP SEQUENCE IF EXISTS test_fail_seq`);
      await db.query(`DROP TABLE IF EXISTS test_fail_once`);
    }
  });

  it('resumes a run interrupted after a committed page with the same end state and counters', async () => {
    const reference = await runBatchJob({ runId: await queueRun('inactive-ldap-users', { dryRun: true }) });
    const runId = await queueRun('inactive-ldap-users');
    // A worker dying right after the first page committed.
    await expect(runBatchJob({ runId, onProgress: () => { throw new Error('worker killed'); } })).rejects.toThrow('worker killed');
    expect((await runRow(runId))).toMatchObject({ status: 'RUNNING', pages_applied: 1 });
    const resumed = await runBatchJob({ runId });
    expect(resumed.status).toBe('COMPLETED_WITH_ERRORS');
    expect(resumed.counters).toEqual(reference.counters);
    expect(await items(runId)).toHaveLength(reference.counters.created + reference.counters.updated + reference.counters.failed);
    expect((await runRow(runId)).attempts).toBe(2);
    // Once finished, running it again changes nothing and reports the same.
    expect((await runBatchJob({ runId })).counters).toEqual(reference.counters);
  });

  it('ends CANCELLED after the page during which cancellation was requested', async () => {
    const runId = await queueRun('inactive-ldap-users');
    const outcome = await runBatchJob({
      runId,
      onProgress: async (p) => {
        if (p.page === 1) await pool().query(`UPDATE batch_runs SET cancel_requested_at = now() WHERE id = $1`, [runId]);
      },
    });
    // The flag is read in the next page's transaction: two complete pages, then the end.
    expect(outcome.status).toBe('CANCELLED');
    expect((await runRow(runId)).pages_applied).toBe(2);
  });

  it('fails on a wrong bind password and an unreachable server with their messages and no writes', async () => {
    const before = await snapshot();
    await resetIdentityManager(env.slapd, { inactive: noThreshold, bindPassword: 'wrong' });
    await seedIdentityManager();
    const snap = await snapshot();
    const wrong = await runBatchJob({ runId: await queueRun('inactive-ldap-users') });
    expect(wrong).toMatchObject({ status: 'FAILED', errorCode: 'LDAP_INVALID_CREDENTIALS' });
    expect(wrong.error).toContain('bind DN or password');
    expect(await snapshot()).toEqual(snap);

    await resetIdentityManager(env.slapd, { inactive: noThreshold, urls: ['ldap://127.0.0.1:1'] });
    await seedIdentityManager();
    const snap2 = await snapshot();
    const runId = await queueRun('inactive-ldap-users');
    const error = await runBatchJob({ runId }).catch((e) => e);
    expect(error).toBeInstanceOf(TransientSyncError);
    expect(error.transient).toBe(true);
    expect(error.message).toContain('ldap://127.0.0.1:1 (ECONNREFUSED');
    expect(await runRow(runId)).toMatchObject({ status: 'RUNNING', error_code: 'LDAP_UNREACHABLE' });
    const failed = await failRun(runId, error);
    expect(failed.status).toBe('FAILED');
    expect(await snapshot()).toEqual(snap2);
    expect(before.users.length).toBe(snap.users.length);
  });

  it('reports entries without the unique id attribute as item failures and writes nothing else', async () => {
    // OpenLDAP has no objectGUID: a job configured for Active Directory ids finds none on any entry.
    await pool().query(`UPDATE batch_jobs SET options = $1 WHERE key = 'inactive-ldap-users'`, [JSON.stringify({ ...noThreshold, uniqueIdAttribute: 'objectGUID' })]);
    const before = await snapshot();
    const outcome = await runBatchJob({ runId: await queueRun('inactive-ldap-users') });
    expect(outcome.status).toBe('COMPLETED_WITH_ERRORS');
    expect(outcome.counters).toMatchObject({ entriesRead: 8, created: 0, updated: 0, unchanged: 0, failed: 8 });
    const all = await items(outcome.runId);
    expect(all).toHaveLength(8);
    for (const item of all) {
      expect(item).toMatchObject({ outcome: 'FAILED', external_id: null });
      expect(item.reason).toBe('The entry has no unique id (objectGUID); it cannot be matched safely.');
    }
    expect(all.map((i) => i.username)).toContain('alice');
    expect(await snapshot()).toEqual(before);
  });

  it('fails with a filter syntax error before reading anything', async () => {
    await pool().query(`UPDATE batch_jobs SET options = $1 WHERE key = 'inactive-ldap-users'`, [JSON.stringify({ filterPreset: 'custom', filter: '(&(uid=alice)', uniqueIdAttribute: 'entryUUID', mapping: { username: 'uid' } })]);
    const outcome = await runBatchJob({ runId: await queueRun('inactive-ldap-users') });
    expect(outcome).toMatchObject({ status: 'FAILED', errorCode: 'LDAP_FILTER_SYNTAX' });
  });
});

describe('Synchronize active LDAP Users to Identity Manager', () => {
  beforeEach(async () => {
    await resetIdentityManager(env.slapd, { inactive: noThreshold });
  });

  it('creates and updates users with the mapped attributes and leaves credentials, certificates and roles alone', async () => {
    const ids = await seedIdentityManager();
    const related = async () => {
      const s = await snapshot();
      return { credentials: s.credentials, certificates: s.certificates, roles: s.roles };
    };
    const before = await related();
    const outcome = await runBatchJob({ runId: await queueRun('active-ldap-users') });
    expect(outcome.status).toBe('SUCCEEDED');
    expect(outcome.counters).toMatchObject({ created: 2, updated: 1, failed: 0, credentialsChanged: 0, certificatesChanged: 0, rolesWithdrawn: 0 });
    const erin = (await pool().query(`SELECT * FROM users WHERE username = 'erin'`)).rows[0];
    expect(erin).toMatchObject({ state: 'ACTIVE', source: 'LDAP', given_name: 'Erin', surname: 'Evans', email: 'erin@example.com', employee_number: 'E5' });
    const frank = (await pool().query(`SELECT * FROM users WHERE id = $1`, [ids.frank])).rows[0];
    expect(frank).toMatchObject({ state: 'ACTIVE', given_name: 'Franklin', surname: 'Fisher', display_name: 'Franklin Fisher', email: 'frank@example.com' });
    expect(await related()).toEqual(before);
  });

  it('reports a person matched by both jobs\' filters and flips nobody', async () => {
    // With the default filters gina is only active: the active job creates and links her.
    await runBatchJob({ runId: await queueRun('active-ldap-users') });
    const ginaId = (await pool().query(`SELECT id FROM users WHERE username = 'gina' AND state = 'ACTIVE'`)).rows[0].id;
    await pool().query(`UPDATE batch_jobs SET options = $1 WHERE key = 'inactive-ldap-users'`, [
      JSON.stringify({ ...noThreshold, filterPreset: 'custom', filter: '(&(objectClass=inetOrgPerson)(|(pwdAccountLockedTime=*)(employeeType=both)))', uniqueIdAttribute: 'entryUUID', mapping: { username: 'uid' } }),
    ]);
    const active = await runBatchJob({ runId: await queueRun('active-ldap-users') });
    const inactive = await runBatchJob({ runId: await queueRun('inactive-ldap-users') });
    for (const run of [active, inactive]) {
      const gina = (await items(run.runId)).find((i) => i.username === 'gina');
      expect(gina).toMatchObject({ outcome: 'FAILED', user_id: ginaId }); // already as the active job would make her, and still named
      expect(gina.reason).toContain('matched by the filters of both');
    }
    expect((await pool().query(`SELECT state::text FROM users WHERE username = 'gina'`)).rows).toEqual([{ state: 'ACTIVE' }]);
  });
});
