import { loadEvent, recordDelivery } from './deliveries';
import { renderEmail } from './render-email';
import { smtpSettingsForSending } from './smtp-settings';
import { DeliveryFailed } from './deliver-webhook';

// One attempt to e-mail one event to the configured recipients over SMTP (nodemailer). A failure
// is logged (notification_deliveries, with the message as it was to be sent) and thrown for BullMQ
// to retry.

export const SMTP_TIMEOUT_MS = 15_000;

export async function deliverEmail(eventId: string, attempt: number): Promise<{ delivered: boolean; skipped?: string }> {
  const [event, settings] = await Promise.all([loadEvent(eventId), smtpSettingsForSending()]);
  if (!event) return { delivered: false, skipped: 'the event no longer exists' };
  if (!settings) return { delivered: false, skipped: 'e-mail is not configured' };
  const isTest = event.type === 'email.test';
  if (!isTest && !settings.enabled) return { delivered: false, skipped: 'e-mail is switched off' };
  if (settings.recipients.length === 0) return { delivered: false, skipped: 'there are no recipients' };

  const { subject, text } = renderEmail(event);
  // Loaded on the first e-mail: a worker that sends none does not carry nodemailer in memory.
  const { createTransport } = await import('nodemailer');
  const transport = createTransport({
    host: settings.host,
    port: settings.port,
    secure: settings.security === 'TLS',
    requireTLS: settings.security === 'STARTTLS',
    ignoreTLS: settings.security === 'NONE',
    auth: settings.username ? { user: settings.username, pass: settings.password ?? '' } : undefined,
    connectionTimeout: SMTP_TIMEOUT_MS,
    greetingTimeout: SMTP_TIMEOUT_MS,
    socketTimeout: SMTP_TIMEOUT_MS,
  });
  const started = performance.now();
  let error: string | null = null;
  try {
    await transport.sendMail({
      from: settings.fromAddress,
      to: settings.recipients,
      subject,
      text,
      headers: { 'X-IdM-Event': event.type, 'X-IdM-Delivery': event.id },
    });
  } catch (e) {
    const code = (e as { code?: string; responseCode?: number }).responseCode ?? (e as { code?: string }).code;
    error = `${(e as Error).message}${code ? ` (${code})` : ''}`;
  } finally {
    transport.close();
  }
  await recordDelivery({
    eventId,
    eventType: event.type,
    channel: 'EMAIL',
    webhookId: null,
    target: settings.recipients.join(', '),
    attempt,
    ok: error === null,
    statusCode: null,
    durationMs: performance.now() - started,
    error,
    subject,
    body: text,
  });
  if (error !== null) throw new DeliveryFailed(error);
  return { delivered: true };
}
