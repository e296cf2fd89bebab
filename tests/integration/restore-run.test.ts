import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { pool } from '@/lib/db-pool';
import { runBatchJob } from '@/lib/sync/run-batch-job';
import { checkRestorable, startRestore } from '@/lib/restore/start-restore';
import { peopleLdif, queueRun, resetIdentityManager, startSyncTestEnvironment, type SyncTestEnvironment } from '../fixtures/sync-environment';

// "Restore users changed by this run" against a real slapd and PostgreSQL: a run of
// "Synchronize inactive LDAP Users" applies every row of the outcome table, then the restore puts
// back what can be put back, lists what cannot (revoked certificates) and skips, listing them,
// the people changed since (by a later run or by hand).
const BASE = 'dc=example,dc=com';
const ldif = peopleLdif(BASE, [
  { uid: 'alice', givenName: 'Alice', sn: 'Archer', mail: 'alice@example.com', employeeNumber: 'E1', locked: true },
  { uid: 'bob', givenName: 'Bob', sn: 'Baker', locked: true },
  { uid: 'carol', givenName: 'Carol', sn: 'Cook', locked: true },
  { uid: 'henry', sn: 'Hill', locked: true },
  { uid: 'ivy', sn: 'Ives', locked: true },
  { uid: 'jack', sn: 'Jones', locked: true },
  { uid: 'kim', sn: 'King', locked: true },
  { uid: 'erin', givenName: 'Erin', sn: 'Evans' },
]);

let env: SyncTestEnvironment;
beforeAll(async () => {
  env = await startSyncTestEnvironment('restore', ldif);
});
afterAll(async () => {
  await env?.stop();
});

const TYPES = ['CARD', 'TEMPORARY_CARD', 'VIRTUAL_SMART_CARD', 'MOBILE_ID', 'SOFT_TOKEN'] as const;

async function addUser(username: string, state: 'ACTIVE' | 'INACTIVE', extra: { email?: string } = {}): Promise<number> {
  const { rows } = await pool().query(`INSERT INTO users (username, username_key, state, email) VALUES ($1, lower($1), $2, $3) RETURNING id`, [username, state, extra.email ?? null]);
  return rows[0].id;
}

/** One credential of each type: a VALID certificate each; the card also one revoked before the run, the temporary card one on hold. */
async function equip(userId: number) {
  for (const type of TYPES) {
    const { rows } = await pool().query(`INSERT INTO credentials (user_id, type, state, label) VALUES ($1, $2, 'ACTIVE', $3) RETURNING id`, [userId, type, `${type}-${userId}`]);
    const states = type === 'CARD' ? ['VALID', 'REVOKED'] : type === 'TEMPORARY_CARD' ? ['VALID', 'ON_HOLD'] : ['VALID'];
    for (const [i, state] of states.entries()) {
      await pool().query(
        `INSERT INTO certificates (credential_id, serial, subject, state, revocation_reason, revoked_at) VALUES ($1, $2, 'CN=x', $3, $4, $5)`,
        [rows[0].id, `${userId}-${type}-${i}`, state, state === 'REVOKED' ? 'keyCompromise' : state === 'ON_HOLD' ? 'certificateHold' : null, state === 'VALID' ? null : new Date('2020-01-01')],
      );
    }
  }
  for (const name of ['Employee', 'Badge holder']) {
    const { rows } = await pool().query(`INSERT INTO roles (name) VALUES ($1) ON CONFLICT (name) DO UPDATE SET name = excluded.name RETURNING id`, [name]);
    await pool().query(`INSERT INTO user_roles (user_id, role_id) VALUES ($1, $2)`, [userId, rows[0].id]);
  }
}

/** The identity data without timestamps, by username. */
async function snapshot() {
  const q = async (sql: string) => (await pool().query(sql)).rows;
  return {
    users: await q(`SELECT username, username_key, state::text, source::text, given_name, surname, display_name, email, employee_number, ldap_external_id, ldap_dn FROM users ORDER BY username_key`),
    credentials: await q(`SELECT u.username, c.type::text, c.state::text, c.label FROM credentials c JOIN users u ON u.id = c.user_id ORDER BY c.id`),
    certificates: await q(`SELECT serial, state::text, revocation_reason::text AS reason, revoked_at IS NOT NULL AS revoked FROM certificates ORDER BY serial`),
    roles: await q(`SELECT u.username, r.name FROM user_roles ur JOIN users u ON u.id = ur.user_id JOIN roles r ON r.id = ur.role_id ORDER BY 1, 2`),
  };
}

async function runRow(id: number) {
  return (await pool().query(`SELECT *, status::text AS status FROM batch_runs WHERE id = $1`, [id])).rows[0];
}

async function items(runId: number) {
  return (await pool().query(`SELECT outcome::text AS outcome, username, reason, changes FROM batch_run_items WHERE run_id = $1 ORDER BY id`, [runId])).rows;
}

async function sync(): Promise<number> {
  const runId = await queueRun('inactive-ldap-users');
  const outcome = await runBatchJob({ runId });
  expect(outcome.error ?? '').toBe('');
  return runId;
}

async function restore(runId: number, dryRun: boolean): Promise<number> {
  const started = await startRestore({ runId, dryRun, trigger: 'MANUAL', actor: 'ada', enqueue: false });
  if (!started.started) throw new Error(`restore not started: ${started.message}`);
  await runBatchJob({ runId: started.run.id });
  return started.run.id;
}

describe('Restore users changed by a run of "Synchronize inactive LDAP Users"', () => {
  beforeEach(async () => {
    await resetIdentityManager(env.slapd, { inactive: { threshold: { maxUsers: null, maxPercent: null }, pageSize: 3 } });
  });

  it('reverses every row of the outcome table, keeps created users inactive and lists the revoked certificates', async () => {
    const alice = await addUser('alice', 'ACTIVE', { email: 'old@example.com' });
    await equip(alice);
    await addUser('carol', 'INACTIVE');
    const before = await snapshot();

    const runId = await sync();
    const afterRun = await snapshot();
    expect(afterRun).not.toEqual(before);

    // The preview changes nothing and lists what the restore will do.
    const previewId = await restore(runId, true);
    expect(await snapshot()).toEqual(afterRun);
    const preview = await runRow(previewId);
    expect(preview).toMatchObject({ status: 'SUCCEEDED', dry_run: true, restore_of_run_id: runId, updated: 2, failed: 0, unchanged: 5 });
    expect(preview.credentials_changed).toBe(5);
    expect(preview.certificates_changed).toBe(4); // the VALID certificates put on hold
    expect(preview.roles_withdrawn).toBe(2); // granted again
    expect(preview.irreversible).toBe(2); // the temporary card's two certificates, revoked by the run

    const restoreId = await restore(runId, false);
    const restored = await runRow(restoreId);
    expect(restored).toMatchObject({ status: 'SUCCEEDED', dry_run: false, updated: 2, credentials_changed: 5, certificates_changed: 4, roles_withdrawn: 2, irreversible: 2 });
    // Items of the preview are those of the restore.
    expect(await items(restoreId)).toEqual(await items(previewId));

    const after = await snapshot();
    // alice is back: state, attributes (the link made by the run undone), credentials, roles.
    expect(after.users.find((u) => u.username === 'alice')).toEqual(before.users.find((u) => u.username === 'alice'));
    expect(after.credentials).toEqual(before.credentials);
    expect(after.roles).toEqual(before.roles);
    // Certificates released from hold are VALID again; the ones the run revoked stay revoked; the one revoked before is untouched.
    for (const cert of after.certificates) {
      const was = before.certificates.find((c) => c.serial === cert.serial)!;
      if (cert.serial.includes('TEMPORARY_CARD')) expect(cert).toMatchObject({ state: 'REVOKED', reason: 'cessationOfOperation', revoked: true });
      else expect(cert).toEqual(was);
    }
    // Users the run created are kept, inactive.
    for (const name of ['bob', 'henry', 'ivy', 'jack', 'kim']) expect(after.users.find((u) => u.username === name)).toMatchObject({ state: 'INACTIVE' });
    // carol, a local inactive user, was linked to her entry by the run: unlinked again.
    expect(after.users.find((u) => u.username === 'carol')).toEqual(before.users.find((u) => u.username === 'carol'));

    const aliceItem = (await items(restoreId)).find((i) => i.username === 'alice')!;
    expect(aliceItem.outcome).toBe('UPDATED');
    expect(aliceItem.reason).toMatch(/2 certificate\(s\) the run revoked stay revoked/);
    expect(aliceItem.changes.irreversible.certificatesRevoked).toEqual([
      expect.objectContaining({ serial: `${alice}-TEMPORARY_CARD-0`, credentialType: 'TEMPORARY_CARD', credentialLabel: `TEMPORARY_CARD-${alice}`, revocationReason: 'cessationOfOperation' }),
      expect.objectContaining({ serial: `${alice}-TEMPORARY_CARD-1`, credentialType: 'TEMPORARY_CARD' }),
    ]);
    expect(aliceItem.changes.user.after).toMatchObject({ state: 'ACTIVE', email: 'old@example.com', source: 'LOCAL', ldapExternalId: null });
    expect(aliceItem.changes.rolesGranted.map((r: { name: string }) => r.name).sort()).toEqual(['Badge holder', 'Employee']);
    const bobItem = (await items(restoreId)).find((i) => i.username === 'bob')!;
    expect(bobItem).toMatchObject({ outcome: 'UNCHANGED', reason: expect.stringMatching(/kept, inactive/) });

    // A second restore is refused, and would change nothing.
    expect(await checkRestorable(runId)).toMatchObject({ restorable: false, code: 'run_already_restored', restoredBy: restoreId });
    const refused = await startRestore({ runId, dryRun: false, trigger: 'MANUAL', actor: 'ada', enqueue: false });
    expect(refused).toMatchObject({ started: false, code: 'run_already_restored' });
    // A restore itself, a dry run or a run of the other job cannot be restored.
    expect(await checkRestorable(restoreId)).toMatchObject({ restorable: false, code: 'run_not_restorable' });
    expect(await checkRestorable(previewId)).toMatchObject({ restorable: false, code: 'run_not_restorable' });
  });

  it('skips and lists people changed after the run (by a later run or by hand); a cancelled restore resumes as already restored', async () => {
    const ids: Record<string, number> = {};
    for (const name of ['alice', 'henry', 'ivy', 'jack', 'kim']) {
      ids[name] = await addUser(name, 'ACTIVE');
      await equip(ids[name]!);
    }
    const runId = await sync();
    // jack: a credential reactivated by hand, then a later run deactivates it again.
    await pool().query(`UPDATE credentials SET state = 'ACTIVE' WHERE user_id = $1 AND type = 'CARD'`, [ids.jack]);
    await sync();
    // By hand, after the runs: henry reactivated, ivy granted a role, kim's certificate revoked.
    await pool().query(`UPDATE users SET state = 'ACTIVE' WHERE id = $1`, [ids.henry]);
    await pool().query(`INSERT INTO user_roles (user_id, role_id) SELECT $1, id FROM roles WHERE name = 'Employee'`, [ids.ivy]);
    await pool().query(`UPDATE certificates SET state = 'REVOKED', revocation_reason = 'keyCompromise' WHERE serial = $1`, [`${ids.kim}-MOBILE_ID-0`]);
    const before = await snapshot();

    const restoreId = await restore(runId, false);
    const run = await runRow(restoreId);
    expect(run).toMatchObject({ status: 'COMPLETED_WITH_ERRORS', updated: 1, failed: 4 });
    const byName = Object.fromEntries((await items(restoreId)).map((i) => [i.username, i]));
    expect(byName.alice.outcome).toBe('UPDATED');
    expect(byName.jack).toMatchObject({ outcome: 'FAILED', reason: expect.stringMatching(/changed again by run #\d+ after run #/) });
    expect(byName.jack.changes.restore.verdict).toBe('LATER_RUN');
    expect(byName.henry).toMatchObject({ outcome: 'FAILED', reason: expect.stringMatching(/state or attributes changed/) });
    expect(byName.ivy).toMatchObject({ outcome: 'FAILED', reason: expect.stringMatching(/role was granted/) });
    expect(byName.kim).toMatchObject({ outcome: 'FAILED', reason: expect.stringMatching(/certificate changed/) });
    // Their revoked certificates are listed all the same (a card to re-issue).
    expect(byName.kim.changes.irreversible.certificatesRevoked).toHaveLength(2);

    // Never overwritten: everyone but alice is exactly as before the restore.
    const after = await snapshot();
    const others = (s: typeof after) => ({
      users: s.users.filter((u) => u.username !== 'alice'),
      credentials: s.credentials.filter((c) => c.username !== 'alice'),
      certificates: s.certificates.filter((c) => !c.serial.startsWith(`${ids.alice}-`)),
      roles: s.roles.filter((r) => r.username !== 'alice'),
    });
    expect(others(after)).toEqual(others(before));
    expect(after.users.find((u) => u.username === 'alice')).toMatchObject({ state: 'ACTIVE' });
  });

  it("holds a restore to the job's threshold under its confirmation rule: stopped, refused to its starter, confirmed by a second administrator", async () => {
    for (const name of ['alice', 'henry', 'ivy']) await equip(await addUser(name, 'ACTIVE'));
    await addUser('zoe', 'ACTIVE'); // not in the directory: stays active
    const runId = await sync();
    // Now at most 1 user at once, and two administrators needed.
    await pool().query(`UPDATE batch_jobs SET options = options || '{"threshold": {"maxUsers": 1, "maxPercent": null}, "confirmationRule": "TWO_PERSON"}'::jsonb WHERE key = 'inactive-ldap-users'`);
    const damaged = await snapshot();

    // The preview says the real restore needs a confirmation (3 people > 1 of 1 active user).
    const previewId = await restore(runId, true);
    expect((await runRow(previewId)).threshold_check).toMatchObject({ wouldDeactivate: 3, activeUsers: 1, maxUsers: 1, exceeded: true, confirmationRule: 'TWO_PERSON' });

    // ada may not confirm her own restore under the two-person rule: nothing starts.
    const confirmedByAda = await startRestore({ runId, dryRun: false, confirmed: true, confirmer: { role: 'ADMINISTRATOR' }, trigger: 'MANUAL', actor: 'ada', enqueue: false });
    expect(confirmedByAda).toMatchObject({ started: false, code: 'confirmation_refused', rule: 'TWO_PERSON' });
    // Not confirmed, the restore records what it would do and stops: nothing written.
    const { rows: mark } = await pool().query(`SELECT coalesce(max(id), 0) AS id FROM notification_events`); // run ids restart with each test
    const stoppedId = await restore(runId, false);
    const stopped = await runRow(stoppedId);
    expect(stopped).toMatchObject({ status: 'THRESHOLD_EXCEEDED', error_code: 'THRESHOLD_EXCEEDED', updated: 3, confirmed: false });
    expect(stopped.error).toMatch(/This restore would restore 3 users/);
    expect(await items(stoppedId)).toEqual(await items(previewId));
    expect(await snapshot()).toEqual(damaged);
    // It asks for a confirmation (outbox), and the run can still be restored.
    const events = (await pool().query(`SELECT type, data FROM notification_events WHERE run_id = $1 AND id > $2 ORDER BY id`, [stoppedId, mark[0].id])).rows;
    expect(events.map((e) => e.type)).toEqual(['run.threshold_exceeded', 'run.confirmation_required']);
    expect(events[1].data).toMatchObject({ wouldRestore: 3, run: { restoreOfRunId: runId } });
    expect(await checkRestorable(runId)).toMatchObject({ restorable: true });

    // Weakening the rule afterwards does not let ada confirm what stopped under the two-person rule;
    // an operator may never confirm a restore; a second administrator may.
    await pool().query(`UPDATE batch_jobs SET options = options || '{"confirmationRule": "OPERATOR"}'::jsonb WHERE key = 'inactive-ldap-users'`);
    const { confirmThresholdRun } = await import('@/lib/runs/confirm-threshold-run');
    expect(await confirmThresholdRun({ runId: stoppedId, actor: 'ada', role: 'ADMINISTRATOR' })).toMatchObject({
      started: false,
      code: 'confirmation_refused',
      message: expect.stringMatching(/two-person rule.*you started this run/),
    });
    expect(await confirmThresholdRun({ runId: stoppedId, actor: 'olga', role: 'OPERATOR' })).toMatchObject({ started: false, code: 'confirmation_refused' });
    const byBen = await confirmThresholdRun({ runId: stoppedId, actor: 'ben', role: 'ADMINISTRATOR', enqueue: false });
    if (!byBen.started) throw new Error(byBen.message);
    expect(byBen.run).toMatchObject({ confirmed: true, confirmedBy: 'ben', confirmsRunId: stoppedId, restoreOfRunId: runId });
    await runBatchJob({ runId: byBen.run.id });
    expect(await runRow(byBen.run.id)).toMatchObject({ status: 'SUCCEEDED', updated: 3, threshold_check: null });
    expect(await runRow(stoppedId)).toMatchObject({ confirmed_by: 'ben' });
    expect((await snapshot()).users.filter((u) => u.state === 'ACTIVE').map((u) => u.username).sort()).toEqual(['alice', 'henry', 'ivy', 'zoe']);
  });

  it('skips a person changed by hand after the run in a field the run did not touch', async () => {
    for (const name of ['alice', 'henry']) await equip(await addUser(name, 'ACTIVE'));
    const runId = await sync();
    // As the app writes a user (Prisma's @updatedAt): henry's display name, which the run never set.
    await pool().query(`UPDATE users SET display_name = 'Henry by hand', updated_at = now() + interval '1 second' WHERE username = 'henry'`);
    const restoreId = await restore(runId, false);
    const byName = Object.fromEntries((await items(restoreId)).map((i) => [i.username, i]));
    expect(byName.alice.outcome).toBe('UPDATED');
    expect(byName.henry).toMatchObject({ outcome: 'FAILED', reason: expect.stringMatching(/state or attributes changed/) });
    expect((await snapshot()).users.find((u) => u.username === 'henry')).toMatchObject({ state: 'INACTIVE', display_name: 'Henry by hand' });
  });

  it('a cancelled restore can be run again: what it restored is "already restored", the rest is restored', async () => {
    for (const name of ['alice', 'henry', 'ivy', 'jack', 'kim']) await equip(await addUser(name, 'ACTIVE'));
    const runId = await sync();
    const first = await startRestore({ runId, dryRun: false, trigger: 'MANUAL', actor: 'ada', enqueue: false });
    if (!first.started) throw new Error(first.message);
    // Cancelled once its first page committed (the request is read with each page's counters):
    // the pages already in flight on the other lanes complete, no page starts after them.
    const { runRestore, RESTORE_LANES } = await import('@/lib/restore/run-restore');
    await runRestore({
      runId: first.run.id,
      pageSize: 1,
      onProgress: async () => void (await pool().query(`UPDATE batch_runs SET cancel_requested_at = now() WHERE id = $1`, [first.run.id])),
    });
    const cancelled = await runRow(first.run.id);
    expect(cancelled).toMatchObject({ status: 'CANCELLED', entries_read: cancelled.pages_applied });
    expect(cancelled.pages_applied).toBeGreaterThanOrEqual(2);
    expect(cancelled.pages_applied).toBeLessThanOrEqual(2 * RESTORE_LANES);
    expect(cancelled.pages_applied).toBeLessThan(7);
    expect(await checkRestorable(runId)).toMatchObject({ restorable: true });

    const secondId = await restore(runId, false);
    // 7 people: bob and carol created (kept), 5 updated, of which the cancelled restore restored some.
    expect(await runRow(secondId)).toMatchObject({ status: 'SUCCEEDED', updated: 5 - cancelled.updated, unchanged: 2 + cancelled.updated, failed: 0 });
    expect((await snapshot()).users.filter((u) => u.state === 'ACTIVE').map((u) => u.username).sort()).toEqual(['alice', 'henry', 'ivy', 'jack', 'kim']);
  });

  it('pages commit out of order: an attempt taken over after a later page committed is resumed with exactly the pages not applied', async () => {
    const setUp = async () => {
      await resetIdentityManager(env.slapd, { inactive: { threshold: { maxUsers: null, maxPercent: null }, pageSize: 3 } });
      // Everyone in the IdM before the run: every item UPDATED, so every page writes people (the first one must wait on their lock).
      for (const name of ['alice', 'bob', 'carol', 'henry', 'ivy', 'jack', 'kim']) await equip(await addUser(name, 'ACTIVE'));
      return sync();
    };
    const { runRestore } = await import('@/lib/restore/run-restore');
    const start = async (runId: number) => {
      const started = await startRestore({ runId, dryRun: false, trigger: 'MANUAL', actor: 'ada', enqueue: false });
      if (!started.started) throw new Error(started.message);
      return started.run.id;
    };
    const outcome = async (restoreId: number) => {
      const { status, updated, unchanged, failed, credentials_changed, certificates_changed, roles_withdrawn, irreversible, entries_read, pages_applied } = await runRow(restoreId);
      const recorded = (await items(restoreId)).map((i) => ({ username: i.username, outcome: i.outcome, reason: i.reason, itemId: i.changes.restore.itemId }));
      const byUser = (a: { username: string }, b: { username: string }) => a.username.localeCompare(b.username);
      return {
        run: { status, updated, unchanged, failed, credentials_changed, certificates_changed, roles_withdrawn, irreversible, entries_read, pages_applied },
        items: recorded.map(({ username, outcome, reason }) => ({ username, outcome, reason })).sort(byUser),
        restoredItems: new Set(recorded.map((i) => i.itemId)).size,
        identity: await snapshot(),
      };
    };

    // Uninterrupted, pages of 2 on two lanes.
    const reference = await start(await setUp());
    await runRestore({ runId: reference, pageSize: 2 });
    const expected = await outcome(reference);
    expect(expected.run).toMatchObject({ status: 'SUCCEEDED', updated: 7, unchanged: 0, entries_read: 7, pages_applied: 4 });

    // The first page waits for a lock on its people while the second commits; then another
    // attempt takes the run over (as after a crash): the first page rolls back, the second stays.
    const runId = await setUp();
    const restoreId = await start(runId);
    const firstPage = (await pool().query(`SELECT user_id, outcome::text AS outcome FROM batch_run_items WHERE run_id = $1 AND outcome IN ('CREATED', 'UPDATED') ORDER BY id LIMIT 2`, [runId])).rows;
    expect(firstPage.map((i) => i.outcome)).toEqual(['UPDATED', 'UPDATED']);
    const holder = await pool().connect();
    await holder.query('BEGIN');
    await holder.query('SELECT 1 FROM users WHERE id = ANY($1::int[]) FOR UPDATE', [firstPage.map((i) => i.user_id)]);
    let reported = 0;
    const interrupted = await runRestore({
      runId: restoreId,
      pageSize: 2,
      onProgress: async () => {
        if (reported++ > 0) return;
        await pool().query(`UPDATE batch_runs SET attempts = attempts + 1 WHERE id = $1`, [restoreId]);
        await holder.query('ROLLBACK');
      },
    });
    holder.release();
    expect(interrupted.status).toBe('RUNNING');
    const gap = await runRow(restoreId);
    expect(gap.pages_applied).toBe(1);
    // The page applied is the second: the cursor stays before the first.
    expect((await items(restoreId)).map((i) => i.changes.restore.itemId)).not.toContain(
      Number((await pool().query(`SELECT min(id) AS id FROM batch_run_items WHERE run_id = $1 AND outcome IN ('CREATED', 'UPDATED')`, [runId])).rows[0].id),
    );

    const resumed = await runRestore({ runId: restoreId, pageSize: 2 });
    expect(resumed.status).toBe('SUCCEEDED');
    const got = await outcome(restoreId);
    expect(got).toEqual(expected);
    expect(got.restoredItems).toBe(7);
  });
});
