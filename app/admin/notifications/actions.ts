'use server';

import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { requireActionRole } from '@/app/_lib/auth';
import { clientIp } from '@/app/_lib/request';
import { positiveInt32Text } from '@/lib/validation/database-integer';
import {
  createWebhook,
  deleteWebhook,
  rotateWebhookSecret,
  sendWebhookTest,
  updateWebhook,
  webhookInput,
  webhookUpdate,
} from '@/lib/notifications/webhooks';

// Every action checks the administrator role first, then parses its form with zod.

export type CreateWebhookState = {
  fieldErrors?: { name?: string[]; url?: string[]; events?: string[]; secret?: string[] };
  values?: { name: string; url: string; events: string[] };
  /** The new webhook and its secret: rendered once, in this response only. */
  created?: { id: number; name: string; secret: string };
};

export async function createWebhookAction(_previous: CreateWebhookState, formData: FormData): Promise<CreateWebhookState> {
  const account = await requireActionRole('ADMINISTRATOR');
  const values = { name: String(formData.get('name') ?? ''), url: String(formData.get('url') ?? ''), events: formData.getAll('events').map(String) };
  const parsed = webhookInput.safeParse({ ...values, secret: String(formData.get('secret') ?? '') });
  if (!parsed.success) return { fieldErrors: z.flattenError(parsed.error).fieldErrors, values };
  const { webhook, secret } = await createWebhook(parsed.data, { username: account.username, ip: await clientIp() });
  revalidatePath('/admin/notifications');
  return { created: { id: webhook.id, name: webhook.name, secret } };
}

export type WebhookActionState = {
  ok?: boolean;
  message?: string;
  fieldErrors?: { url?: string[]; events?: string[] };
  secret?: string;
  /** Edit: what was typed, shown again after a refused save (the form is mounted afresh at each answer). */
  values?: { url: string; events: string[]; enabled: boolean };
  answeredAt?: number;
};

const NOT_UNDERSTOOD = 'The request was not understood. Reload the page and try again.';
const GONE = 'This webhook no longer exists. Reload the page.';

export async function updateWebhookAction(_previous: WebhookActionState, formData: FormData): Promise<WebhookActionState> {
  const account = await requireActionRole('ADMINISTRATOR');
  const id = positiveInt32Text().safeParse(formData.get('id'));
  if (!id.success) return { ok: false, message: NOT_UNDERSTOOD };
  const values = { url: String(formData.get('url') ?? ''), events: formData.getAll('events').map(String), enabled: formData.get('enabled') === 'on' };
  const parsed = webhookUpdate.safeParse(values);
  if (!parsed.success) return { ok: false, values, answeredAt: Date.now(), fieldErrors: z.flattenError(parsed.error).fieldErrors };
  const updated = await updateWebhook(id.data, parsed.data, { username: account.username, ip: await clientIp() });
  revalidatePath(`/admin/notifications/webhooks/${id.data}`);
  return updated ? { ok: true, message: 'Saved.' } : { ok: false, message: GONE };
}

export async function sendWebhookTestAction(_previous: WebhookActionState, formData: FormData): Promise<WebhookActionState> {
  const account = await requireActionRole('ADMINISTRATOR');
  const id = positiveInt32Text().safeParse(formData.get('id'));
  if (!id.success) return { ok: false, message: NOT_UNDERSTOOD };
  const sent = await sendWebhookTest(id.data, { username: account.username, ip: await clientIp() });
  revalidatePath(`/admin/notifications/webhooks/${id.data}`);
  return sent
    ? { ok: true, message: `Test event evt_${sent.eventId} queued: the worker delivers it within seconds. Reload to see it in the delivery log.` }
    : { ok: false, message: GONE };
}

export async function rotateWebhookSecretAction(_previous: WebhookActionState, formData: FormData): Promise<WebhookActionState> {
  const account = await requireActionRole('ADMINISTRATOR');
  const id = positiveInt32Text().safeParse(formData.get('id'));
  if (!id.success) return { ok: false, message: NOT_UNDERSTOOD };
  const secret = await rotateWebhookSecret(id.data, { username: account.username, ip: await clientIp() });
  return secret ? { ok: true, secret } : { ok: false, message: GONE };
}

export async function deleteWebhookAction(_previous: WebhookActionState, formData: FormData): Promise<WebhookActionState> {
  const account = await requireActionRole('ADMINISTRATOR');
  const id = positiveInt32Text().safeParse(formData.get('id'));
  if (!id.success) return { ok: false, message: NOT_UNDERSTOOD };
  const deleted = await deleteWebhook(id.data, { username: account.username, ip: await clientIp() });
  revalidatePath('/admin/notifications');
  return deleted ? { ok: true, message: 'Deleted.' } : { ok: false, message: GONE };
}
