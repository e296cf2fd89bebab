import { z } from 'zod';
import { recordAudit } from '../audit/record-audit';
import { decryptSecret, encryptSecret } from '../crypto';
import { pool } from '../db-pool';
import { enqueueNotification, notificationsQueue, type NotificationsQueue } from '../queue/notifications-queue';
import { NOTIFICATION_EVENT_TYPES } from './events';
import { recordTestEvent } from './outbox';
import type { Actor } from './webhooks';
import { SMTP_SECURITY, type SmtpSecurity } from './smtp-security';

export { SMTP_SECURITY, type SmtpSecurity } from './smtp-security';

// E-mail of notifications: the SMTP server, the sender, the recipients and their events, one row
// (id = 1). The password is encrypted like the LDAP bind password, never sent back to the browser,
// and sent only to the server it was saved with: changing the host, port or user name needs it
// typed again.

export type SmtpSettingsView = {
  enabled: boolean;
  host: string;
  port: number;
  security: SmtpSecurity;
  username: string | null;
  hasPassword: boolean;
  fromAddress: string;
  recipients: string[];
  events: string[];
  updatedBy: string | null;
  updatedAt: Date | null;
};

export type SmtpSettingsForSending = Omit<SmtpSettingsView, 'hasPassword' | 'updatedBy' | 'updatedAt'> & { password: string | null };

const email = z.string().trim().email('Enter an e-mail address such as idm@example.com.');

export const smtpSettingsInput = z
  .object({
    enabled: z.boolean(),
    host: z.string().trim().min(1, 'Enter the SMTP server, e.g. smtp.example.com.').max(255).regex(/^[A-Za-z0-9.-]+$|^\[?[0-9a-fA-F:.]+\]?$/, 'Enter a host name or an IP address.'),
    port: z.coerce.number({ message: 'A port from 1 to 65535.' }).int().min(1).max(65535),
    security: z.enum(SMTP_SECURITY),
    username: z.string().trim().max(255).transform((v) => (v === '' ? null : v)),
    /** Empty: keep the stored password (only while host, port and user name stay the same). */
    password: z.string().max(500),
    clearPassword: z.boolean().default(false),
    fromAddress: email,
    recipients: z
      .string()
      .transform((v) => v.split(/[\s,;]+/).filter(Boolean))
      .pipe(z.array(email).max(50, 'At most 50 recipients.')),
    events: z.array(z.enum(NOTIFICATION_EVENT_TYPES)),
  })
  .superRefine((v, ctx) => {
    if (v.enabled && v.recipients.length === 0) ctx.addIssue({ code: 'custom', path: ['recipients'], message: 'Enter at least one recipient, or switch e-mail off.' });
    if (v.enabled && v.events.length === 0) ctx.addIssue({ code: 'custom', path: ['events'], message: 'Choose at least one event, or switch e-mail off.' });
  });
export type SmtpSettingsInput = z.output<typeof smtpSettingsInput>;

type Row = {
  enabled: boolean;
  host: string;
  port: number;
  security: SmtpSecurity;
  username: string | null;
  password_encrypted: string | null;
  from_address: string;
  recipients: string[];
  events: string[];
  updated_by: string | null;
  updated_at: Date;
};

async function readRow(): Promise<Row | null> {
  const { rows } = await pool().query<Row>('SELECT * FROM smtp_settings WHERE id = 1');
  return rows[0] ?? null;
}

/** What the page and the sender both see of the row (the password aside). */
function common(row: Row) {
  return {
    enabled: row.enabled,
    host: row.host,
    port: row.port,
    security: row.security,
    username: row.username,
    fromAddress: row.from_address,
    recipients: row.recipients,
    events: row.events,
  };
}

export async function readSmtpSettings(): Promise<SmtpSettingsView | null> {
  const row = await readRow();
  if (!row) return null;
  return {
    ...common(row),
    hasPassword: row.password_encrypted !== null,
    updatedBy: row.updated_by,
    updatedAt: row.updated_at,
  };
}

/** With the password decrypted: for the worker's delivery only. */
export async function smtpSettingsForSending(): Promise<SmtpSettingsForSending | null> {
  const row = await readRow();
  if (!row) return null;
  return {
    ...common(row),
    password: row.password_encrypted ? decryptSecret(row.password_encrypted) : null,
  };
}

export type SaveSmtpResult = { ok: true } | { ok: false; fieldErrors: { password?: string[] } };

type PasswordField = Pick<SmtpSettingsInput, 'host' | 'port' | 'username' | 'password' | 'clearPassword'>;

/** An empty password field keeps the stored password, but only for the server and user name it was saved with. */
function passwordAgain(before: Row | null, input: PasswordField): string[] | undefined {
  if (input.clearPassword || input.password !== '' || !before?.password_encrypted) return undefined;
  if (before.host === input.host && before.port === input.port && before.username === input.username) return undefined;
  return ['Type the password again: the stored one is sent only to the server and user name it was saved with.'];
}

/**
 * The password field's refusal for a form the schema refused (its other fields as typed): shown
 * with the schema's refusals, so that one round trip shows every refusal.
 */
export async function smtpPasswordRefusal(typed: { host: string; port: string; username: string; password: string; clearPassword: boolean }): Promise<string[] | undefined> {
  return passwordAgain(await readRow(), { ...typed, host: typed.host.trim(), port: Number(typed.port), username: typed.username.trim() || null });
}

export async function saveSmtpSettings(input: SmtpSettingsInput, actor: Actor): Promise<SaveSmtpResult> {
  const before = await readRow();
  const refused = passwordAgain(before, input);
  if (refused) return { ok: false, fieldErrors: { password: refused } };
  const passwordEncrypted = input.clearPassword ? null : input.password !== '' ? encryptSecret(input.password) : (before?.password_encrypted ?? null);

  await pool().query(
    `INSERT INTO smtp_settings (id, enabled, host, port, security, username, password_encrypted, from_address, recipients, events, updated_by, updated_at)
     VALUES (1, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, now())
     ON CONFLICT (id) DO UPDATE SET enabled = $1, host = $2, port = $3, security = $4, username = $5, password_encrypted = $6,
       from_address = $7, recipients = $8, events = $9, updated_by = $10, updated_at = now()`,
    [input.enabled, input.host, input.port, input.security, input.username, passwordEncrypted, input.fromAddress, input.recipients, input.events, actor.username],
  );
  const { password: _p, clearPassword: _c, ...shown } = input;
  await recordAudit({
    actor: actor.username,
    action: 'notifications.email.changed',
    target: 'smtp_settings',
    details: { ...shown, password: input.clearPassword ? 'removed' : input.password !== '' ? 'changed' : 'unchanged' },
    ip: actor.ip,
  });
  return { ok: true };
}

/** "Send test e-mail": an email.test event to the configured recipients, through the queue. */
export async function sendEmailTest(actor: Actor, queue: NotificationsQueue = notificationsQueue()): Promise<{ eventId: string } | { error: string }> {
  const settings = await readSmtpSettings();
  if (!settings) return { error: 'Save the SMTP settings first.' };
  if (settings.recipients.length === 0) return { error: 'Enter at least one recipient and save first.' };
  const eventId = await recordTestEvent(pool(), 'email.test', { message: `Test message sent by ${actor.username} from Identity Manager Admin.` });
  await enqueueNotification(queue, { channel: 'email', eventId });
  await recordAudit({ actor: actor.username, action: 'notifications.email.test.sent', target: 'smtp_settings', details: { eventId, recipients: settings.recipients }, ip: actor.ip });
  return { eventId };
}
