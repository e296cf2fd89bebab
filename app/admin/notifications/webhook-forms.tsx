'use client';

import { useActionState } from 'react';
import { useRouter } from 'next/navigation';
import { fieldDescribedBy, FormField, INPUT_CLASS as input } from '@/components/form-field';
import { SubmitButton } from '@/components/submit-button';
import { EVENT_DESCRIPTIONS, EVENT_LABELS, NOTIFICATION_EVENT_TYPES } from '@/lib/notifications/events';
import {
  createWebhookAction,
  deleteWebhookAction,
  rotateWebhookSecretAction,
  sendWebhookTestAction,
  updateWebhookAction,
  type CreateWebhookState,
  type WebhookActionState,
} from './actions';

function EventChoices({ idPrefix, selected, error }: { idPrefix: string; selected: readonly string[]; error?: string }) {
  return (
    <fieldset aria-describedby={`${idPrefix}-events-error`} className="sm:col-span-4">
      <legend className="block text-sm font-medium text-slate-800">Events</legend>
      <div className="mt-1 grid gap-2 sm:grid-cols-2">
        {NOTIFICATION_EVENT_TYPES.map((type) => (
          <label key={type} className="flex items-start gap-2 text-sm">
            <input type="checkbox" name="events" value={type} defaultChecked={selected.includes(type)} className="mt-1" />
            <span>
              <span className="font-medium">{EVENT_LABELS[type]}</span> <code className="text-xs text-slate-600">{type}</code>
              <span className="block text-xs text-slate-600">{EVENT_DESCRIPTIONS[type]}</span>
            </span>
          </label>
        ))}
      </div>
      <p id={`${idPrefix}-events-error`} className="mt-1 min-h-4 text-xs text-red-700">{error}</p>
    </fieldset>
  );
}

function SecretOnce({ label, secret }: { label: string; secret: string }) {
  return (
    <div role="status" className="rounded-lg border border-emerald-300 bg-emerald-50 p-4 text-sm text-emerald-900">
      <p className="font-semibold">{label}</p>
      <p className="mt-1">Copy the signing secret now: it is shown only this once and cannot be retrieved later (it is stored encrypted).</p>
      <label htmlFor="webhook-secret-once" className="mt-3 block font-medium">
        Signing secret
      </label>
      <input id="webhook-secret-once" readOnly value={secret} className={`${input} font-mono`} onFocus={(e) => e.currentTarget.select()} />
      <p className="mt-2 text-xs">
        Each request carries <code>X-IdM-Signature: t=&lt;unix time&gt;,v1=&lt;HMAC-SHA256 of &quot;t.body&quot; in hex&gt;</code>; the README (Notifications) shows how to verify it.
      </p>
    </div>
  );
}

export function CreateWebhookForm() {
  const [state, formAction, pending] = useActionState<CreateWebhookState, FormData>(createWebhookAction, {});
  const errors = state.fieldErrors ?? {};
  const values = state.values;
  return (
    <div className="space-y-4">
      {state.created && (
        <div className="space-y-2">
          <SecretOnce label={`Webhook "${state.created.name}" created.`} secret={state.created.secret} />
          <a className="text-sm font-medium text-brand-700 underline" href={`/admin/notifications/webhooks/${state.created.id}`}>
            Open the webhook (Send test, delivery log)
          </a>
        </div>
      )}
      <form
        key={state.created?.id ?? 'new'}
        action={formAction}
        noValidate
        aria-label="Add webhook"
        className="grid gap-4 rounded-xl border border-slate-200 bg-white p-5 shadow-sm sm:grid-cols-4"
      >
        <FormField id="webhook-name" label="Name" error={errors.name?.[0]}>
          <input id="webhook-name" name="name" required maxLength={100} defaultValue={values?.name} placeholder="e.g. Service desk" aria-invalid={errors.name ? true : undefined} aria-describedby={fieldDescribedBy('webhook-name')} className={input} />
        </FormField>
        <FormField id="webhook-url" label="URL" error={errors.url?.[0]} className="sm:col-span-3">
          <input id="webhook-url" name="url" type="url" required maxLength={2000} defaultValue={values?.url} placeholder="https://hooks.example.com/idm" aria-invalid={errors.url ? true : undefined} aria-describedby={fieldDescribedBy('webhook-url')} className={input} />
        </FormField>
        <EventChoices idPrefix="webhook" selected={values?.events ?? NOTIFICATION_EVENT_TYPES} error={errors.events?.[0]} />
        <FormField id="webhook-secret" label="Signing secret (optional)" help="Leave empty to have a strong one generated, or type one (16 characters or more) that the receiver already has." error={errors.secret?.[0]} className="sm:col-span-4">
          <input id="webhook-secret" name="secret" type="password" autoComplete="off" maxLength={200} aria-invalid={errors.secret ? true : undefined} aria-describedby={fieldDescribedBy('webhook-secret', true)} className={input} />
        </FormField>
        <div className="sm:col-span-4">
          <SubmitButton pending={pending} pendingLabel="Adding…" size="large">
            Add webhook
          </SubmitButton>
        </div>
      </form>
    </div>
  );
}

export function EditWebhookForm({ id, url, events, enabled }: { id: number; url: string; events: string[]; enabled: boolean }) {
  const [state, formAction, pending] = useActionState<WebhookActionState, FormData>(updateWebhookAction, {});
  const errors = state.fieldErrors ?? {};
  const v = state.values ?? { url, events, enabled };
  return (
    <form key={state.answeredAt ?? 'saved'} action={formAction} noValidate aria-label="Edit webhook" className="grid gap-4 rounded-xl border border-slate-200 bg-white p-5 shadow-sm sm:grid-cols-4">
      <input type="hidden" name="id" value={id} />
      <FormField id="edit-webhook-url" label="URL" error={errors.url?.[0]} className="sm:col-span-4">
        <input id="edit-webhook-url" name="url" type="url" required defaultValue={v.url} aria-invalid={errors.url ? true : undefined} aria-describedby={fieldDescribedBy('edit-webhook-url')} className={input} />
      </FormField>
      <EventChoices idPrefix="edit-webhook" selected={v.events} error={errors.events?.[0]} />
      <label className="flex items-center gap-2 text-sm sm:col-span-4">
        <input type="checkbox" name="enabled" defaultChecked={v.enabled} /> Enabled (a disabled webhook receives no events; Send test still works)
      </label>
      <div className="flex items-center gap-3 sm:col-span-4">
        <SubmitButton pending={pending} pendingLabel="Saving…">Save</SubmitButton>
        {state.message && <p role={state.ok ? 'status' : 'alert'} className={state.ok ? 'text-sm text-emerald-800' : 'text-sm text-red-700'}>{state.message}</p>}
      </div>
    </form>
  );
}

export function SendTestButton({ id }: { id: number }) {
  const [state, formAction, pending] = useActionState<WebhookActionState, FormData>(sendWebhookTestAction, {});
  return (
    <form action={formAction} aria-label="Send test" className="flex flex-wrap items-center gap-3">
      <input type="hidden" name="id" value={id} />
      <SubmitButton pending={pending} pendingLabel="Sending…" tone="secondary">Send test</SubmitButton>
      {state.message && <p role={state.ok ? 'status' : 'alert'} className={state.ok ? 'text-sm text-emerald-800' : 'text-sm text-red-700'}>{state.message}</p>}
    </form>
  );
}

export function RotateSecretButton({ id }: { id: number }) {
  const [state, formAction, pending] = useActionState<WebhookActionState, FormData>(rotateWebhookSecretAction, {});
  return (
    <div className="space-y-3">
      <form
        action={formAction}
        aria-label="New secret"
        onSubmit={(e) => {
          if (!window.confirm('Replace the signing secret? Requests are signed with the new one at once: give it to the receiver.')) e.preventDefault();
        }}
      >
        <input type="hidden" name="id" value={id} />
        <SubmitButton pending={pending} pendingLabel="Generating…" tone="caution">New secret</SubmitButton>
      </form>
      {state.secret && <SecretOnce label="New signing secret generated." secret={state.secret} />}
      {state.ok === false && <p role="alert" className="text-sm text-red-700">{state.message}</p>}
    </div>
  );
}

export function DeleteWebhookButton({ id, name }: { id: number; name: string }) {
  const router = useRouter();
  const [state, formAction, pending] = useActionState<WebhookActionState, FormData>(async (previous, formData) => {
    const result = await deleteWebhookAction(previous, formData);
    if (result.ok) router.push('/admin/notifications');
    return result;
  }, {});
  return (
    <form
      action={formAction}
      aria-label="Delete webhook"
      onSubmit={(e) => {
        if (!window.confirm(`Delete the webhook "${name}"? It receives nothing more; its delivery log stays under Sent notifications.`)) e.preventDefault();
      }}
    >
      <input type="hidden" name="id" value={id} />
      <SubmitButton pending={pending} pendingLabel="Deleting…" tone="danger">Delete webhook</SubmitButton>
      {state.ok === false && <p role="alert" className="mt-1 text-sm text-red-700">{state.message}</p>}
    </form>
  );
}
