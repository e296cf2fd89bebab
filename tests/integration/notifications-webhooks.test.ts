import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import { Redis } from 'ioredis';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { generateEncryptionKey } from '@/lib/crypto';
import { pool } from '@/lib/db-pool';
import { startJobRun } from '@/lib/runs/start-job-run';
import { createRun, endRun } from '@/lib/runs/run-lifecycle';
import { closeNotificationsQueue } from '@/lib/queue/notifications-queue';
import { createWebhook, listWebhookDeliveries, sendWebhookTest } from '@/lib/notifications/webhooks';
import { demoPeople, toLdif } from '@/scripts/demo-data';
import { freePort } from '@/scripts/services/ports';
import { resetIdentityData, startTestServices, type TestServices } from '@/tests/setup/services';
import { jobsEnv, prepareJobs, releaseClients, startWorker, useEnv, waitFor, type WorkerProcess } from './jobs-support';

// Webhooks against the real worker, PostgreSQL and Redis: a run's end is recorded once in the
// outbox with the transition, the worker posts it signed to a local HTTP receiver, retries after a
// 500, and logs every attempt.

const people = demoPeople({ size: 20, inactiveShare: 0.5, seed: 7 });
const encryptionKey = generateEncryptionKey();
const admin = { username: 'admin' };

let services: TestServices;
let env: Record<string, string>;
let worker: WorkerProcess | undefined;

type Received = { headers: http.IncomingHttpHeaders; body: string; at: number };
let received: Received[] = [];
/** Status codes the receiver answers with, in order; 200 once they are used up. */
let answers: number[] = [];
let receiver: http.Server;
let receiverUrl: string;

beforeAll(async () => {
  services = await startTestServices({ name: 'notifications-webhooks', ldif: toLdif(people) });
  env = jobsEnv(services, {
    APP_ENCRYPTION_KEY: encryptionKey,
    WORKER_NOTIFICATION_DISPATCH_INTERVAL_MS: '200',
    WORKER_NOTIFICATION_RETRY_DELAY_MS: '300',
  });
  await useEnv(env);
  await prepareJobs(services, encryptionKey, 50);
  receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      received.push({ headers: req.headers, body, at: Date.now() });
      res.writeHead(answers.shift() ?? 200, { 'Content-Type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/idm`;
}, 180_000);

beforeEach(async () => {
  await resetIdentityData(services.databaseUrl);
  await pool().query('TRUNCATE notification_events, notification_deliveries, webhooks RESTART IDENTITY');
  // Ids restart, and queued jobs are named after them (event-1-webhook-1): a new test, a new queue.
  const redis = new Redis(services.redisUrl);
  await redis.flushall();
  redis.disconnect();
  received = [];
  answers = [];
});

afterEach(async () => {
  await worker?.stop('SIGKILL');
  worker = undefined;
});

afterAll(async () => {
  await closeNotificationsQueue();
  await releaseClients();
  await new Promise((r) => receiver?.close(r));
  await services?.stop();
});

/** Verification written from the README, independently of lib/notifications/signature.ts. */
function verify(secret: string, body: string, header: string | undefined): boolean {
  const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header ?? '');
  if (!match) return false;
  const [, t, v1] = match;
  if (Math.abs(Date.now() / 1000 - Number(t)) > 300) return false;
  const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest();
  return timingSafeEqual(expected, Buffer.from(v1!, 'hex'));
}

const events = async () =>
  (await pool().query<{ type: string; run_id: number; data: { run?: { status: string } } }>('SELECT type, run_id, data FROM notification_events ORDER BY id')).rows;

describe('the outbox', () => {
  it('records a run ending once, whatever retries follow, and a stop at the threshold with its count', async () => {
    const run = await createRun(pool(), { jobKey: 'inactive-ldap-users', trigger: 'MANUAL', startedBy: 'op', dryRun: false, confirmed: false });
    expect(run).not.toBeNull();
    expect((await endRun(pool(), run!.id, 'SUCCEEDED')).ended).toBe(true);
    // A retried end, a late failure report, a cancel: the run has ended, nothing more is recorded.
    expect((await endRun(pool(), run!.id, 'SUCCEEDED')).ended).toBe(false);
    expect((await endRun(pool(), run!.id, 'FAILED', { error: { code: 'RUN_FAILED', message: 'late' } })).ended).toBe(false);
    expect(await events()).toEqual([{ type: 'run.finished', run_id: run!.id, data: expect.objectContaining({ run: expect.objectContaining({ id: run!.id, status: 'SUCCEEDED', jobKey: 'inactive-ldap-users', processName: 'Synchronize inactive LDAP Users to Identity Manager' }) }) }]);

    const stopped = await createRun(pool(), { jobKey: 'inactive-ldap-users', trigger: 'SCHEDULE', startedBy: null, dryRun: false, confirmed: false });
    await pool().query('UPDATE batch_runs SET would_deactivate = 612 WHERE id = $1', [stopped!.id]);
    await endRun(pool(), stopped!.id, 'THRESHOLD_EXCEEDED');
    const all = await events();
    expect(all.slice(1).map((e) => e.type)).toEqual(['run.threshold_exceeded', 'run.confirmation_required']);
    expect(all[1]!.data).toMatchObject({ wouldDeactivate: 612, confirmUrl: `/operator/runs/${stopped!.id}`, run: { status: 'THRESHOLD_EXCEEDED' } });
  });

  it('reports the end of a restore run as restore.finished, with its counts', async () => {
    const restored = await createRun(pool(), { jobKey: 'inactive-ldap-users', trigger: 'MANUAL', startedBy: 'op', dryRun: false, confirmed: false });
    await endRun(pool(), restored!.id, 'SUCCEEDED');
    const restore = await createRun(pool(), { jobKey: 'inactive-ldap-users', trigger: 'MANUAL', startedBy: 'admin', dryRun: false, confirmed: false, restoreOfRunId: restored!.id });
    await pool().query('UPDATE batch_runs SET updated = 40, unchanged = 1, failed = 2, irreversible = 5 WHERE id = $1', [restore!.id]);
    await endRun(pool(), restore!.id, 'COMPLETED_WITH_ERRORS');
    const all = await events();
    expect(all.map((e) => e.type)).toEqual(['run.finished', 'restore.finished']);
    expect(all[1]).toMatchObject({
      run_id: restore!.id,
      data: { restore: { id: restore!.id, restoredRunId: restored!.id, status: 'COMPLETED_WITH_ERRORS', dryRun: false, startedBy: 'admin', counts: { restored: 40, unchanged: 1, conflicts: 2, irreversible: 5 }, url: `/operator/runs/${restore!.id}` } },
    });
  });

  it('records one event when several end the same run at once', async () => {
    const run = await createRun(pool(), { jobKey: 'inactive-ldap-users', trigger: 'MANUAL', startedBy: 'op', dryRun: false, confirmed: false });
    const ends = await Promise.all(
      (['SUCCEEDED', 'FAILED', 'CANCELLED', 'SUCCEEDED', 'FAILED'] as const).map((status) => endRun(pool(), run!.id, status, status === 'FAILED' ? { error: { code: 'RUN_FAILED', message: 'x' } } : {})),
    );
    expect(ends.filter((e) => e.ended)).toHaveLength(1);
    const winner = ends.find((e) => e.ended)!.run.status;
    expect(await events()).toEqual([expect.objectContaining({ type: winner === 'FAILED' ? 'run.failed' : 'run.finished', run_id: run!.id })]);
  });

  it('queues each delivery once when a dispatch is repeated after a crash, and forgets old dispatched events', async () => {
    const { createNotificationsQueue } = await import('@/lib/queue/notifications-queue');
    const { dispatchPendingEvents } = await import('@/lib/notifications/outbox');
    const { deleteOldNotifications } = await import('@/lib/notifications/delete-old-notifications');
    const { redisConnection } = await import('@/lib/queue/connection');
    await createWebhook({ name: 'A', url: receiverUrl, events: ['run.finished'], secret: '' }, admin);
    await createWebhook({ name: 'B', url: receiverUrl, events: ['run.finished', 'run.failed'], secret: '' }, admin);
    const queue = createNotificationsQueue(redisConnection());
    try {
      const run = await createRun(pool(), { jobKey: 'inactive-ldap-users', trigger: 'MANUAL', startedBy: 'op', dryRun: false, confirmed: false });
      await endRun(pool(), run!.id, 'SUCCEEDED');
      expect(await dispatchPendingEvents(queue)).toBe(1);
      expect(await dispatchPendingEvents(queue)).toBe(0);
      // A worker that queued the deliveries and died before its commit: the next one queues them again.
      await pool().query('UPDATE notification_events SET dispatched_at = NULL');
      expect(await dispatchPendingEvents(queue)).toBe(1);
      expect((await queue.getJobs(['waiting', 'delayed', 'active'])).map((j) => j.id).sort()).toEqual(['event-1-webhook-1', 'event-1-webhook-2']);

      await pool().query(`UPDATE notification_events SET created_at = now() - interval '91 days'`);
      await createRun(pool(), { jobKey: 'active-ldap-users', trigger: 'MANUAL', startedBy: 'op', dryRun: false, confirmed: false }).then((r) => endRun(pool(), r!.id, 'FAILED', { error: { code: 'RUN_FAILED', message: 'x' } }));
      await pool().query(`UPDATE notification_events SET created_at = now() - interval '91 days' WHERE type = 'run.failed'`);
      // The pending one stays, however old: it has not been sent.
      expect(await deleteOldNotifications()).toBe(1);
      expect((await events()).map((e) => e.type)).toEqual(['run.failed']);
    } finally {
      await queue.close();
      (queue.opts.connection as unknown as { disconnect: () => void }).disconnect();
    }
  });

  it('gives one event and one delivery for a real run through the worker', async () => {
    const { secret } = await createWebhook({ name: 'Desk', url: receiverUrl, events: ['run.finished', 'run.failed'], secret: '' }, admin);
    worker = startWorker(env);
    await worker.waitForLine(/started: queue/);
    const started = await startJobRun({ jobKey: 'inactive-ldap-users', trigger: 'MANUAL', startedBy: 'op' });
    if (!started.started) throw new Error(started.message);
    await waitFor(async () => received.length >= 1, 'the webhook post', 60_000);
    // Give a duplicate the chance to show up.
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await events()).toHaveLength(1);
    expect(received).toHaveLength(1);
    const [post] = received;
    expect(verify(secret, post!.body, post!.headers['x-idm-signature'] as string)).toBe(true);
    const body = JSON.parse(post!.body);
    expect(body).toMatchObject({ id: 'evt_1', type: 'run.finished', data: { run: { id: started.run.id, status: 'SUCCEEDED', jobKey: 'inactive-ldap-users' } } });
    expect(body.data.run.counters.created).toBe(people.filter((p) => !p.active).length);
    expect(post!.headers['x-idm-event']).toBe('run.finished');
    expect(post!.headers['content-type']).toBe('application/json');
  });
});

describe('webhook delivery', () => {
  it('retries after a 500 with a fresh signature, and logs both attempts', async () => {
    const secret = 'a-secret-the-receiver-already-has';
    const { webhook } = await createWebhook({ name: 'Flaky', url: receiverUrl, events: ['run.failed'], secret }, admin);
    const other = await createWebhook({ name: 'Other events', url: `${receiverUrl}/other`, events: ['run.finished'], secret: '' }, admin);
    answers = [500];
    worker = startWorker(env);
    await worker.waitForLine(/started: queue/);
    const run = await createRun(pool(), { jobKey: 'active-ldap-users', trigger: 'API', startedBy: 'script', dryRun: false, confirmed: false });
    await endRun(pool(), run!.id, 'FAILED', { error: { code: 'LDAP_UNREACHABLE', message: 'The directory did not answer.' } });

    const log = await waitFor(async () => {
      const rows = await listWebhookDeliveries(webhook.id);
      return rows.length >= 2 && rows;
    }, 'two delivery attempts', 30_000);
    expect(received).toHaveLength(2);
    for (const post of received) {
      expect(verify(secret, post.body, post.headers['x-idm-signature'] as string)).toBe(true);
      expect(verify('another secret entirely', post.body, post.headers['x-idm-signature'] as string)).toBe(false);
    }
    expect(received.map((r) => r.headers['x-idm-delivery'])).toEqual(['evt_1', 'evt_1']);
    expect(received.map((r) => r.headers['x-idm-attempt'])).toEqual(['1', '2']);
    expect(JSON.parse(received[1]!.body)).toMatchObject({ type: 'run.failed', data: { run: { id: run!.id, error: { code: 'LDAP_UNREACHABLE' } } } });
    // Newest first: the success, then the 500.
    expect(log.map((d) => ({ attempt: d.attempt, ok: d.ok, statusCode: d.statusCode, error: d.error, eventType: d.eventType }))).toEqual([
      { attempt: 2, ok: true, statusCode: 200, error: null, eventType: 'run.failed' },
      { attempt: 1, ok: false, statusCode: 500, error: 'The receiver answered HTTP 500.', eventType: 'run.failed' },
    ]);
    expect(log.every((d) => d.durationMs >= 0 && d.target === receiverUrl)).toBe(true);
    // The webhook not subscribed to run.failed got nothing.
    expect(await listWebhookDeliveries(other.webhook.id)).toEqual([]);
  });

  it('logs a receiver that cannot be reached, and sends a test event to one webhook', async () => {
    const { webhook, secret } = await createWebhook({ name: 'Test me', url: receiverUrl, events: ['restore.finished'], secret: '' }, admin);
    expect(secret).toMatch(/^whsec_/);
    const stored = (await pool().query('SELECT secret_encrypted FROM webhooks WHERE id = $1', [webhook.id])).rows[0].secret_encrypted;
    expect(stored).not.toContain(secret);
    worker = startWorker(env);
    await worker.waitForLine(/started: queue/);
    await sendWebhookTest(webhook.id, admin);
    await waitFor(async () => received.length >= 1, 'the test post');
    expect(JSON.parse(received[0]!.body)).toMatchObject({ type: 'webhook.test', data: { webhook: { id: webhook.id, name: 'Test me' } } });
    expect(verify(secret, received[0]!.body, received[0]!.headers['x-idm-signature'] as string)).toBe(true);
    await waitFor(async () => (await listWebhookDeliveries(webhook.id)).length === 1, 'the logged test delivery');

    const dead = await createWebhook({ name: 'Nobody there', url: `http://127.0.0.1:${await freePort()}/none`, events: ['run.finished'], secret: '' }, admin);
    await sendWebhookTest(dead.webhook.id, admin);
    const [failure] = await waitFor(async () => {
      const rows = await listWebhookDeliveries(dead.webhook.id);
      return rows.length >= 1 && rows;
    }, 'the failed attempt');
    expect(failure).toMatchObject({ ok: false, statusCode: null, attempt: 1 });
    expect(failure!.error).toMatch(/ECONNREFUSED/);
  });
});
