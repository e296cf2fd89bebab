import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { prisma } from '@/lib/db';
import { generateEncryptionKey } from '@/lib/crypto';
import { startJobRun } from '@/lib/runs/start-job-run';
import { batchJobsQueue, queueRedis } from '@/lib/queue/batch-jobs-queue';
import { startRestore } from '@/lib/restore/start-restore';
import { INACTIVE_LDAP_USERS } from '@/lib/seed/batch-jobs';
import { seedDemoIdentities } from '@/scripts/demo-seed/demo-identities';
import { demoPeople, toLdif } from '@/scripts/demo-data';
import { startTestServices, type TestServices } from '@/tests/setup/services';
import { FAULT_TIMINGS, jobsEnv, onAdminDatabase, prepareJobs, releaseClients, runRow, startWorker, useEnv, waitFor, waitForRunEnd, type WorkerProcess } from './jobs-support';

// A restore run through the real worker, killed (SIGKILL) mid-restore: another worker resumes it
// after its last committed page and it ends exactly as an uninterrupted restore of the same run
// (users, credentials, certificates, roles, counters, items), as tests/integration/fault-scenarios.test.ts
// requires of a sync run.
const people = demoPeople({ size: 800, inactiveShare: 0.5, seed: 99 });
const encryptionKey = generateEncryptionKey();
const TIMINGS = {
  APP_ENCRYPTION_KEY: encryptionKey,
  ...FAULT_TIMINGS,
  // ~400 people restored two at a time: a restore of ~200 pages, long enough to be killed in the middle.
  RESTORE_PAGE_SIZE: '2',
};

let services: TestServices;
let env: Record<string, string>;
const workers: WorkerProcess[] = [];
let syncRunId: number;

function worker(): WorkerProcess {
  const w = startWorker(env);
  workers.push(w);
  return w;
}

beforeAll(async () => {
  services = await startTestServices({ name: 'restore-faults', ldif: toLdif(people) });
  env = jobsEnv(services, TIMINGS);
  await useEnv(env);
  await prepareJobs(services, encryptionKey, 50);
  await seedDemoIdentities(prisma(), { people });
  // The run to restore, then the database as it left it: every restore starts from a copy.
  const w = worker();
  await w.waitForLine(/started:/);
  const started = await startJobRun({ jobKey: INACTIVE_LDAP_USERS, trigger: 'MANUAL', startedBy: 'olivia', confirmed: true });
  if (!started.started) throw new Error(started.message);
  syncRunId = started.run.id;
  expect((await waitForRunEnd(syncRunId)).status).toBe('SUCCEEDED');
  await w.stop('SIGTERM');
  workers.splice(0);
  await releaseClients();
  await onAdminDatabase(services, ['CREATE DATABASE idm_after_run TEMPLATE idm']);
}, 600_000);

afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.stop('SIGKILL')));
});

afterAll(async () => {
  await releaseClients();
  await services?.stop();
});

async function afterRun(): Promise<void> {
  await releaseClients();
  await onAdminDatabase(services, ['DROP DATABASE IF EXISTS idm WITH (FORCE)', 'CREATE DATABASE idm TEMPLATE idm_after_run']);
  await queueRedis(batchJobsQueue()).flushall();
}

async function startRestoreRun(): Promise<number> {
  // Confirmed: the restore puts back more people than the job's threshold allows at once.
  const started = await startRestore({ runId: syncRunId, dryRun: false, confirmed: true, trigger: 'MANUAL', actor: 'ada' });
  if (!started.started) throw new Error(`not started: ${started.message}`);
  return started.run.id;
}

/** What a restore leaves behind, without timestamps or ids that a rolled-back page may shift. */
async function fingerprint(runId: number) {
  const db = prisma();
  const { status, updated, unchanged, failed, credentialsChanged, certificatesChanged, rolesWithdrawn, irreversible, entriesRead, entriesTotal, pagesApplied } = await runRow(runId);
  return {
    counters: { status, updated, unchanged, failed, credentialsChanged, certificatesChanged, rolesWithdrawn, irreversible, entriesRead, entriesTotal, pagesApplied },
    users: await db.$queryRaw`
      SELECT username_key, state::text, source::text, ldap_external_id, ldap_dn, given_name, surname, email, employee_number FROM users ORDER BY username_key`,
    credentials: await db.$queryRaw`
      SELECT u.username_key, c.type::text, c.state::text, c.label FROM credentials c JOIN users u ON u.id = c.user_id ORDER BY u.username_key, c.type, c.label`,
    certificates: await db.$queryRaw`
      SELECT serial, state::text, revocation_reason::text, revoked_at IS NOT NULL AS revoked FROM certificates ORDER BY serial`,
    roles: await db.$queryRaw`
      SELECT u.username_key, r.name FROM user_roles ur JOIN users u ON u.id = ur.user_id JOIN roles r ON r.id = ur.role_id ORDER BY 1, 2`,
    items: await db.$queryRaw`
      SELECT external_id, username, outcome::text, reason, changes::text FROM batch_run_items WHERE run_id = ${runId} ORDER BY external_id, username, outcome`,
  };
}

it('SIGKILL mid-restore: another worker resumes after the last committed page and the restore ends as an uninterrupted one', async () => {
  // Uninterrupted.
  await afterRun();
  const calm = worker();
  await calm.waitForLine(/started:/);
  const referenceId = await startRestoreRun();
  const reference = await waitForRunEnd(referenceId);
  expect(reference.status).toBe('SUCCEEDED');
  expect(reference.updated).toBeGreaterThan(100);
  const expected = await fingerprint(referenceId);
  await calm.stop('SIGTERM');
  workers.splice(0);

  // Killed at about a third of its pages.
  await afterRun();
  const doomed = worker();
  await doomed.waitForLine(/started:/);
  const runId = await startRestoreRun();
  expect(runId).toBe(referenceId);
  const pages = expected.counters.pagesApplied;
  await waitFor(async () => ((await runRow(runId).then((r) => r.pagesApplied, () => 0)) >= pages / 3 ? true : undefined), 'a third of the pages', 120_000, 5);
  await doomed.stop('SIGKILL');
  const killed = await runRow(runId);
  expect(killed.status).toBe('RUNNING');
  expect(killed.pagesApplied).toBeLessThan(pages);

  const rescuer = worker();
  await rescuer.waitForLine(/stalled/, 60_000);
  const ended = await waitForRunEnd(runId);
  expect(ended.attempts).toBeGreaterThanOrEqual(2);
  expect(await fingerprint(runId)).toEqual(expected);
}, 300_000);
