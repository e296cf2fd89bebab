'use server';

import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { requireActionRole } from '@/app/_lib/auth';
import { clientIp } from '@/app/_lib/request';
import { saveSmtpSettings, sendEmailTest, smtpSettingsInput } from '@/lib/notifications/smtp-settings';

export type SmtpFormState = {
  ok?: boolean;
  message?: string;
  fieldErrors?: Partial<Record<'host' | 'port' | 'security' | 'username' | 'password' | 'fromAddress' | 'recipients' | 'events', string[]>>;
};

export async function saveSmtpSettingsAction(_previous: SmtpFormState, formData: FormData): Promise<SmtpFormState> {
  const account = await requireActionRole('ADMINISTRATOR');
  const parsed = smtpSettingsInput.safeParse({
    enabled: formData.get('enabled') === 'on',
    host: formData.get('host') ?? '',
    port: formData.get('port') ?? '',
    security: formData.get('security') ?? '',
    username: formData.get('username') ?? '',
    password: formData.get('password') ?? '',
    clearPassword: formData.get('clearPassword') === 'on',
    fromAddress: formData.get('fromAddress') ?? '',
    recipients: formData.get('recipients') ?? '',
    events: formData.getAll('events').map(String),
  });
  if (!parsed.success) return { ok: false, message: 'Correct the fields marked below; nothing was saved.', fieldErrors: z.flattenError(parsed.error).fieldErrors };
  const saved = await saveSmtpSettings(parsed.data, { username: account.username, ip: await clientIp() });
  if (!saved.ok) return { ok: false, message: 'Nothing was saved.', fieldErrors: saved.fieldErrors };
  revalidatePath('/admin/notifications/email');
  return { ok: true, message: 'Saved.' };
}

export async function sendEmailTestAction(_previous: SmtpFormState, _formData: FormData): Promise<SmtpFormState> {
  const account = await requireActionRole('ADMINISTRATOR');
  const sent = await sendEmailTest({ username: account.username, ip: await clientIp() });
  if ('error' in sent) return { ok: false, message: sent.error };
  return { ok: true, message: `Test message evt_${sent.eventId} queued: the worker sends it within seconds. Sent notifications shows the outcome.` };
}
