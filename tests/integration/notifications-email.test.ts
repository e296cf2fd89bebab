import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { SMTPServer } from 'smtp-server';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { generateEncryptionKey } from '@/lib/crypto';
import { pool } from '@/lib/db-pool';
import { createRun, endRun } from '@/lib/runs/run-lifecycle';
import { closeNotificationsQueue } from '@/lib/queue/notifications-queue';
import { listDeliveries } from '@/lib/notifications/webhooks';
import { readSmtpSettings, saveSmtpSettings, sendEmailTest, smtpPasswordRefusal, smtpSettingsInput } from '@/lib/notifications/smtp-settings';
import { resetIdentityData, startTestServices, type TestServices } from '@/tests/setup/services';
import { jobsEnv, releaseClients, startWorker, useEnv, waitFor, type WorkerProcess } from './jobs-support';

// E-mail of notifications through the real worker to a local SMTP server (smtp-server) started
// here: the expected sender, recipients, subject and body, SMTP authentication with the stored
// (encrypted) password, a retry when the server refuses the message first.

const encryptionKey = generateEncryptionKey();
const admin = { username: 'admin' };

let services: TestServices;
let env: Record<string, string>;
let worker: WorkerProcess | undefined;

type Mail = { from: string | undefined; to: string[]; raw: string; user: string | undefined };
let mails: Mail[] = [];
/** SMTP replies to refuse messages with, in order (then accepted). */
let refusals: number[] = [];
let smtp: SMTPServer;
let smtpPort: number;

beforeAll(async () => {
  services = await startTestServices({ name: 'notifications-email' });
  env = jobsEnv(services, { APP_ENCRYPTION_KEY: encryptionKey, WORKER_NOTIFICATION_DISPATCH_INTERVAL_MS: '200', WORKER_NOTIFICATION_RETRY_DELAY_MS: '300' });
  await useEnv(env);
  smtp = new SMTPServer({
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    authOptional: false,
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === 'idm-mailer' && auth.password === 'mailer password 42') callback(null, { user: auth.username });
      else callback(new Error('Invalid username or password'));
    },
    onData(stream, session, callback) {
      let raw = '';
      stream.on('data', (c: Buffer) => (raw += c.toString('utf8')));
      stream.on('end', () => {
        const refusal = refusals.shift();
        if (refusal) {
          const error = Object.assign(new Error('Try again later'), { responseCode: refusal });
          return callback(error);
        }
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : undefined,
          to: session.envelope.rcptTo.map((r) => r.address),
          raw,
          user: session.user as string | undefined,
        });
        callback();
      });
    },
  });
  await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', () => r()));
  smtpPort = (smtp.server.address() as AddressInfo).port;
}, 180_000);

beforeEach(async () => {
  await resetIdentityData(services.databaseUrl);
  await pool().query('TRUNCATE smtp_settings');
  const redis = new Redis(services.redisUrl);
  await redis.flushall();
  redis.disconnect();
  mails = [];
  refusals = [];
});

afterEach(async () => {
  await worker?.stop('SIGKILL');
  worker = undefined;
});

afterAll(async () => {
  await closeNotificationsQueue();
  await releaseClients();
  await new Promise<void>((r) => (smtp ? smtp.close(() => r()) : r()));
  await services?.stop();
});

async function configure(overrides: Record<string, unknown> = {}) {
  const input = smtpSettingsInput.parse({
    enabled: true,
    host: '127.0.0.1',
    port: smtpPort,
    security: 'NONE',
    username: 'idm-mailer',
    password: 'mailer password 42',
    fromAddress: 'idm@example.com',
    recipients: 'ops@example.com, security@example.com',
    events: ['run.failed', 'run.confirmation_required'],
    ...overrides,
  });
  expect(await saveSmtpSettings(input, admin)).toEqual({ ok: true });
}

/** The decoded subject and text body of a raw message (7bit, quoted-printable or base64). */
function parse(raw: string): { subject: string; body: string; headers: string } {
  const [head = '', ...rest] = raw.split(/\r?\n\r?\n/);
  const headers = head.replace(/\r?\n[ \t]+/g, ' ');
  const subject = /^Subject: (.*)$/im.exec(headers)?.[1] ?? '';
  let body = rest.join('\n\n');
  const encoding = /^Content-Transfer-Encoding: (.*)$/im.exec(headers)?.[1]?.trim().toLowerCase();
  if (encoding === 'quoted-printable') body = Buffer.from(body.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8');
  if (encoding === 'base64') body = Buffer.from(body, 'base64').toString('utf8');
  return { subject, body: body.replace(/\r\n/g, '\n'), headers };
}

describe('e-mail notifications', () => {
  it('e-mails a failed run to the recipients, authenticated, with the subject and body expected, once', async () => {
    await configure();
    const stored = (await pool().query('SELECT password_encrypted FROM smtp_settings')).rows[0].password_encrypted;
    expect(stored).not.toContain('mailer password');
    worker = startWorker(env);
    await worker.waitForLine(/started: queue/);
    const run = await createRun(pool(), { jobKey: 'inactive-ldap-users', trigger: 'SCHEDULE', startedBy: null, dryRun: false, confirmed: false });
    await endRun(pool(), run!.id, 'FAILED', { error: { code: 'LDAP_UNREACHABLE', message: 'The directory at ldap://dir.example.com did not answer.' } });
    // Not subscribed: a finished run sends nothing.
    const other = await createRun(pool(), { jobKey: 'active-ldap-users', trigger: 'SCHEDULE', startedBy: null, dryRun: false, confirmed: false });
    await endRun(pool(), other!.id, 'SUCCEEDED');

    await waitFor(async () => mails.length >= 1, 'the e-mail');
    await new Promise((r) => setTimeout(r, 1_000));
    expect(mails).toHaveLength(1);
    const [mail] = mails;
    expect(mail).toMatchObject({ from: 'idm@example.com', to: ['ops@example.com', 'security@example.com'], user: 'idm-mailer' });
    const { subject, body, headers } = parse(mail!.raw);
    expect(subject).toBe(`[Identity Manager] Run #${run!.id} failed: Synchronize inactive LDAP Users to Identity Manager`);
    expect(body).toContain(`Run #${run!.id} of "Synchronize inactive LDAP Users to Identity Manager" failed.`);
    expect(body).toContain('Error: LDAP_UNREACHABLE: The directory at ldap://dir.example.com did not answer.');
    expect(body).toContain(`Details: /operator/runs/${run!.id}`);
    expect(headers).toMatch(/^X-IdM-Event: run\.failed\r?$/im);

    const [logged] = await listDeliveries({ channel: 'EMAIL' });
    expect(logged).toMatchObject({ eventType: 'run.failed', ok: true, attempt: 1, target: 'ops@example.com, security@example.com', subject });
    expect(logged!.body).toBe(body.trimEnd());
  });

  it('retries a message the server refused, and sends a test e-mail', async () => {
    await configure({ events: ['run.confirmation_required'] });
    refusals = [451];
    worker = startWorker(env);
    await worker.waitForLine(/started: queue/);
    const run = await createRun(pool(), { jobKey: 'inactive-ldap-users', trigger: 'MANUAL', startedBy: 'op', dryRun: false, confirmed: false });
    await pool().query('UPDATE batch_runs SET would_deactivate = 612 WHERE id = $1', [run!.id]);
    await endRun(pool(), run!.id, 'THRESHOLD_EXCEEDED');
    await waitFor(async () => mails.length >= 1, 'the e-mail after its retry');
    expect(parse(mails[0]!.raw).subject).toBe(`[Identity Manager] Confirmation needed: run #${run!.id} would deactivate 612 people`);
    const log = await listDeliveries({ channel: 'EMAIL' });
    expect(log.map((d) => ({ attempt: d.attempt, ok: d.ok }))).toEqual([{ attempt: 2, ok: true }, { attempt: 1, ok: false }]);
    expect(log[1]!.error).toMatch(/Try again later/);

    expect(await sendEmailTest(admin)).toHaveProperty('eventId');
    await waitFor(async () => mails.length >= 2, 'the test e-mail');
    expect(parse(mails[1]!.raw).subject).toBe('[Identity Manager] Test message');
  });

  it('keeps the stored password only for the server it was saved for', async () => {
    await configure();
    const sameServer = smtpSettingsInput.parse({ enabled: true, host: '127.0.0.1', port: smtpPort, security: 'NONE', username: 'idm-mailer', password: '', fromAddress: 'idm@example.com', recipients: 'ops@example.com', events: ['run.failed'] });
    expect(await saveSmtpSettings(sameServer, admin)).toEqual({ ok: true });
    expect((await readSmtpSettings())?.hasPassword).toBe(true);
    expect(await saveSmtpSettings({ ...sameServer, host: 'smtp.attacker.example' }, admin)).toMatchObject({ ok: false, fieldErrors: { password: [expect.stringMatching(/Type the password again/)] } });
    expect((await readSmtpSettings())?.host).toBe('127.0.0.1');
    // A form the schema refuses hears of the password too, in the same answer (the fields as typed).
    const typed = { host: ' smtp.attacker.example ', port: String(smtpPort), username: 'idm-mailer', password: '', clearPassword: false };
    expect(await smtpPasswordRefusal(typed)).toEqual([expect.stringMatching(/Type the password again/)]);
    expect(await smtpPasswordRefusal({ ...typed, host: '127.0.0.1' })).toBeUndefined();
    expect(await smtpPasswordRefusal({ ...typed, port: '1' })).toEqual([expect.stringMatching(/Type the password again/)]);
    expect(await smtpPasswordRefusal({ ...typed, password: 'new one' })).toBeUndefined();
  });
});

describe("the demo's notification sinks", () => {
  it('receive the e-mail and the signed webhook of a run, through the settings the demo seeds', async () => {
    const { startNotificationSinks } = await import('@/scripts/services/notification-sinks');
    const { seedDemoNotifications } = await import('@/scripts/demo-seed/demo-notifications');
    const { parseEncryptionKey } = await import('@/lib/crypto');
    const { prisma } = await import('@/lib/db');
    const { freePort } = await import('@/scripts/services/ports');
    const lines: string[] = [];
    const webhookSecret = 'whsec_demo_sink_secret_0123456789';
    const sinks = await startNotificationSinks({ smtpPort: await freePort(), webhookPort: await freePort(), webhookSecret, log: (l) => lines.push(l) });
    try {
      await pool().query('TRUNCATE webhooks');
      expect(await seedDemoNotifications(prisma(), { ...sinks, webhookSecret }, parseEncryptionKey(encryptionKey))).toBe('seeded');
      expect(await seedDemoNotifications(prisma(), { ...sinks, webhookSecret }, parseEncryptionKey(encryptionKey))).toBe('seeded'); // the demo's own settings follow the port
      expect((await pool().query('SELECT count(*)::int AS n FROM webhooks')).rows[0].n).toBe(1);
      worker = startWorker(env);
      await worker.waitForLine(/started: queue/);
      const run = await createRun(pool(), { jobKey: 'inactive-ldap-users', trigger: 'MANUAL', startedBy: 'operator', dryRun: true, confirmed: false });
      await endRun(pool(), run!.id, 'SUCCEEDED');
      await waitFor(async () => lines.length >= 2, 'both sinks');
      expect(lines).toContain(`mail sink: "[Identity Manager] Run #${run!.id} finished: Synchronize inactive LDAP Users to Identity Manager" for idm-admins@example.com, service-desk@example.com`);
      expect(lines).toContain('webhook receiver: run.finished evt_1, signature verified');
      await waitFor(async () => (await listDeliveries()).filter((d) => d.ok).length === 2, 'both deliveries logged');
    } finally {
      await sinks.stop();
    }
  });
});
