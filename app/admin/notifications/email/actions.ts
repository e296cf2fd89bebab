'use server';

import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { requireActionRole } from '@/app/_lib/auth';
import { clientIp } from '@/app/_lib/request';
import { saveSmtpSettings, sendEmailTest, smtpPasswordRefusal, smtpSettingsInput } from '@/lib/notifications/smtp-settings';

/** What was typed (never the password): React resets a form after its action, and the fields show these again. */
export type SmtpFormValues = { enabled: boolean; host: string; port: string; security: string; username: string; fromAddress: string; recipients: string; events: string[] };

export type SmtpFormState = {
  ok?: boolean;
  values?: SmtpFormValues;
  /** Changes with every answer: the form is mounted afresh with `values` (React's reset keeps a select's first default). */
  answeredAt?: number;
  message?: string;
  fieldErrors?: Partial<Record<'host' | 'port' | 'security' | 'username' | 'password' | 'fromAddress' | 'recipients' | 'events', string[]>>;
};

export async function saveSmtpSettingsAction(_previous: SmtpFormState, formData: FormData): Promise<SmtpFormState> {
  const account = await requireActionRole('ADMINISTRATOR');
  const text = (name: string) => String(formData.get(name) ?? '');
  const values: SmtpFormValues = {
    enabled: formData.get('enabled') === 'on',
    host: text('host'),
    port: text('port'),
    security: text('security'),
    username: text('username'),
    fromAddress: text('fromAddress'),
    recipients: text('recipients'),
    events: formData.getAll('events').map(String),
  };
  const secret = { password: text('password'), clearPassword: formData.get('clearPassword') === 'on' };
  const parsed = smtpSettingsInput.safeParse({ ...values, ...secret });
  if (!parsed.success) {
    // The stored password's rule too (saveSmtpSettings checks it once the rest is valid), so that one
    // answer shows every refusal; it depends on the server and user name, so only once they are valid.
    const refused = z.flattenError(parsed.error).fieldErrors;
    const password = refused.host || refused.port || refused.username ? undefined : await smtpPasswordRefusal({ ...values, ...secret });
    const fieldErrors = { ...refused, ...(password ? { password } : {}) };
    return { ok: false, values, answeredAt: Date.now(), message: 'Correct the fields marked below; nothing was saved.', fieldErrors };
  }
  const saved = await saveSmtpSettings(parsed.data, { username: account.username, ip: await clientIp() });
  if (!saved.ok) return { ok: false, values, answeredAt: Date.now(), message: 'Nothing was saved.', fieldErrors: saved.fieldErrors };
  revalidatePath('/admin/notifications/email');
  return { ok: true, values, answeredAt: Date.now(), message: 'Saved.' };
}

export async function sendEmailTestAction(_previous: SmtpFormState, _formData: FormData): Promise<SmtpFormState> {
  const account = await requireActionRole('ADMINISTRATOR');
  const sent = await sendEmailTest({ username: account.username, ip: await clientIp() });
  if ('error' in sent) return { ok: false, message: sent.error };
  return { ok: true, message: `Test message evt_${sent.eventId} queued: the worker sends it within seconds. Sent notifications shows the outcome.` };
}
