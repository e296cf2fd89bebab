import { Attribute, Change, Client as LdapClient, InvalidCredentialsError } from 'ldapts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pool } from '@/lib/db-pool';
import { runBatchJob, type RunOutcome } from '@/lib/sync/run-batch-job';
import type { JobOptionsInput } from '@/lib/sync/job-options';
import { peopleLdif, queueRun, resetIdentityManager, startSyncTestEnvironment, type SyncTestEnvironment } from '../fixtures/sync-environment';

// Delta runs against OpenLDAP with the ppolicy overlay: the lock the server itself writes after
// failed binds (pwdAccountLockedTime) is what makes a person match the inactive job's filter, and
// it moves modifyTimestamp, so a delta run sees it. No overlap (DELTA_OVERLAP_SECONDS=0) and a
// pause past the second of the stamp: a delta run then reads only what changed.
const BASE = 'dc=example,dc=com';
const POLICY = `cn=default,ou=policies,${BASE}`;
const ldif =
  `dn: ou=policies,${BASE}\nobjectClass: organizationalUnit\nou: policies\n\n` +
  `dn: ${POLICY}\nobjectClass: person\nobjectClass: pwdPolicy\ncn: default\nsn: default\npwdAttribute: userPassword\npwdLockout: TRUE\npwdMaxFailure: 3\n\n` +
  peopleLdif(BASE, [
    { uid: 'alice', sn: 'Archer', locked: true },
    { uid: 'bob', sn: 'Baker', password: 'bob-secret' },
    { uid: 'carol', sn: 'Cook', password: 'carol-secret' },
    { uid: 'erin', sn: 'Evans', locked: true },
  ]);

let env: SyncTestEnvironment;
beforeAll(async () => {
  process.env.DELTA_OVERLAP_SECONDS = '0';
  env = await startSyncTestEnvironment('delta-openldap', ldif, { ppolicyDefault: POLICY });
});
afterAll(async () => {
  delete process.env.DELTA_OVERLAP_SECONDS;
  await env?.stop();
});

const pastTheSecond = () => new Promise((r) => setTimeout(r, 1100));

async function run(jobKey = 'inactive-ldap-users'): Promise<RunOutcome> {
  const id = await queueRun(jobKey, { confirmed: true });
  const outcome = await runBatchJob({ runId: id });
  await pool().query('UPDATE batch_jobs SET active_run_id = NULL WHERE key = $1', [jobKey]);
  return outcome;
}

async function setOptions(jobKey: string, options: JobOptionsInput) {
  await pool().query('UPDATE batch_jobs SET options = $2 WHERE key = $1', [jobKey, JSON.stringify(options)]);
}

async function failBinds(uid: string, times: number) {
  for (let i = 0; i < times; i++) {
    const client = new LdapClient({ url: env.slapd.url });
    await expect(client.bind(`uid=${uid},ou=people,${BASE}`, 'wrong')).rejects.toBeInstanceOf(InvalidCredentialsError);
    await client.unbind().catch(() => undefined);
  }
}

async function userState(username: string) {
  const { rows } = await pool().query('SELECT state, related_settled FROM users WHERE username = $1', [username]);
  return rows[0] ?? null;
}

describe('delta runs on OpenLDAP (modifyTimestamp, ppolicy)', () => {
  it('reads only what changed since the watermark, sees a lock the server wrote, and re-checks people the Identity Manager let drift', async () => {
    await resetIdentityManager(env.slapd, { inactive: { runMode: 'delta', fullRunEvery: { runs: null, days: 7 } } });
    await pastTheSecond();

    const first = await run();
    expect(first).toMatchObject({ status: 'SUCCEEDED', kind: 'FULL', watermarkFrom: null, counters: { entriesRead: 2, created: 2 } });
    expect(first.fullRunReason).toMatch(/first run/);
    expect(first.watermarkTo).toMatchObject({ type: 'modifyTimestamp', value: expect.stringMatching(/^\d{14}Z$/) });

    // Nothing changed: the delta reads nothing.
    await pastTheSecond();
    const quiet = await run();
    expect(quiet).toMatchObject({ status: 'SUCCEEDED', kind: 'DELTA', fullRunReason: null, watermarkFrom: first.watermarkTo, counters: { entriesRead: 0 } });

    // The server locks bob after three failed binds: the lock is the server's own write.
    await failBinds('bob', 3);
    const admin = new LdapClient({ url: env.slapd.url });
    await admin.bind(env.slapd.adminDn, env.slapd.adminPassword);
    const { searchEntries } = await admin.search(`uid=bob,ou=people,${BASE}`, { scope: 'base', attributes: ['pwdAccountLockedTime', 'modifyTimestamp'] });
    expect(searchEntries[0]!.pwdAccountLockedTime).toMatch(/^\d{14}Z$/);
    expect(quiet.watermarkTo?.type).toBe('modifyTimestamp');
    expect(String(searchEntries[0]!.modifyTimestamp) >= (quiet.watermarkTo as { value: string }).value).toBe(true);
    // carol changes too, but stays unlocked: read by no delta of the inactive job.
    await admin.modify(`uid=carol,ou=people,${BASE}`, new Change({ operation: 'replace', modification: new Attribute({ type: 'sn', values: ['Cooper'] }) }));
    await admin.unbind();
    // In the Identity Manager, alice (kept inactive by the job) is given a role and an active credential.
    const alice = (await pool().query(`SELECT id FROM users WHERE username = 'alice'`)).rows[0].id;
    const role = (await pool().query(`INSERT INTO roles (name) VALUES ('Payroll') RETURNING id`)).rows[0].id;
    await pool().query('INSERT INTO user_roles (user_id, role_id) VALUES ($1, $2)', [alice, role]);
    await pool().query(`INSERT INTO credentials (user_id, type, state, label) VALUES ($1, 'CARD', 'ACTIVE', 'card-alice')`, [alice]);
    expect(await userState('alice')).toMatchObject({ state: 'INACTIVE', related_settled: false });
    await pastTheSecond();

    const delta = await run();
    expect(delta).toMatchObject({ status: 'SUCCEEDED', kind: 'DELTA', watermarkFrom: quiet.watermarkTo });
    // alice (re-checked) and bob (changed); erin, unchanged since the watermark, is not read.
    expect(delta.counters).toMatchObject({ entriesRead: 2, created: 1, updated: 1, rolesWithdrawn: 1, credentialsChanged: 1 });
    expect(await userState('bob')).toMatchObject({ state: 'INACTIVE' });
    expect(await userState('alice')).toMatchObject({ state: 'INACTIVE', related_settled: true });
    expect((await pool().query(`SELECT state FROM credentials WHERE label = 'card-alice'`)).rows[0].state).toBe('INACTIVE');

    // A full run now finds nothing left to do: the delta's end state is the full run's.
    await setOptions('inactive-ldap-users', { runMode: 'full' });
    const full = await run();
    expect(full).toMatchObject({ status: 'SUCCEEDED', kind: 'FULL', fullRunReason: null, counters: { entriesRead: 3, created: 0, updated: 0, unchanged: 3 } });
  });

  it('runs in full when the job changed since its last full run, every N runs, and when the watermark is missing', async () => {
    await resetIdentityManager(env.slapd, { inactive: { runMode: 'delta', fullRunEvery: { runs: 3, days: null } } });
    expect((await run()).kind).toBe('FULL');
    expect((await run()).kind).toBe('DELTA');
    expect((await run()).kind).toBe('DELTA');
    const third = await run();
    expect(third).toMatchObject({ kind: 'FULL', fullRunReason: expect.stringMatching(/every 3 run/) });

    // The filter changed (another preset attribute): a full run, whatever the period says.
    await setOptions('inactive-ldap-users', { runMode: 'delta', fullRunEvery: { runs: 3, days: null }, mapping: { displayName: 'cn' } });
    expect(await run()).toMatchObject({ kind: 'FULL', fullRunReason: expect.stringMatching(/changed since its last full run/) });
    expect((await run()).kind).toBe('DELTA');

    // The last run's watermark is gone (recorded by an older release): full, and says why.
    await pool().query(`UPDATE batch_runs SET watermark_to = NULL`);
    expect(await run()).toMatchObject({ kind: 'FULL', fullRunReason: expect.stringMatching(/recorded no watermark/) });

    // A dry run is never a delta's base (it wrote nothing): the next run continues the last real one.
    const base = await run();
    await pastTheSecond();
    const dry = await runBatchJob({ runId: await queueRun('inactive-ldap-users', { dryRun: true }) });
    await pool().query(`UPDATE batch_jobs SET active_run_id = NULL`);
    expect(dry.kind).toBe('DELTA');
    expect(dry.watermarkTo).not.toEqual(base.watermarkTo);
    const after = await run();
    expect(after).toMatchObject({ kind: 'DELTA', watermarkFrom: base.watermarkTo });
  });
});
