'use client';

import { useActionState } from 'react';
import { fieldDescribedBy, FormField, INPUT_CLASS as input } from '@/components/form-field';
import { SubmitButton } from '@/components/submit-button';
import { EVENT_LABELS, NOTIFICATION_EVENT_TYPES } from '@/lib/notifications/events';
import { SMTP_SECURITY, SMTP_SECURITY_LABELS } from '@/lib/notifications/smtp-security';
import type { SmtpSettingsView } from '@/lib/notifications/smtp-settings';
import { saveSmtpSettingsAction, sendEmailTestAction, type SmtpFormState, type SmtpFormValues } from './actions';

export function SmtpSettingsForm({ settings }: { settings: SmtpSettingsView | null }) {
  const [state, formAction, pending] = useActionState<SmtpFormState, FormData>(saveSmtpSettingsAction, {});
  const errors = state.fieldErrors ?? {};
  // What was typed last (the action answers it), else what is saved.
  const v: SmtpFormValues = state.values ?? {
    enabled: settings?.enabled ?? false,
    host: settings?.host ?? '',
    port: String(settings?.port ?? 587),
    security: settings?.security ?? 'STARTTLS',
    username: settings?.username ?? '',
    fromAddress: settings?.fromAddress ?? '',
    recipients: settings?.recipients.join('\n') ?? '',
    events: settings ? settings.events : NOTIFICATION_EVENT_TYPES.filter((t) => t !== 'run.finished'),
  };
  const invalid = (key: keyof typeof errors) => (errors[key] ? true : undefined);
  return (
    <form key={state.answeredAt ?? 'saved'} action={formAction} noValidate aria-label="E-mail settings" className="grid gap-4 rounded-xl border border-slate-200 bg-white p-5 shadow-sm sm:grid-cols-4">
      <label className="flex items-center gap-2 text-sm font-medium sm:col-span-4">
        <input type="checkbox" name="enabled" defaultChecked={v.enabled} /> Send e-mail notifications
      </label>
      <FormField id="smtp-host" label="SMTP server" error={errors.host?.[0]} className="sm:col-span-2">
        <input id="smtp-host" name="host" defaultValue={v.host} placeholder="smtp.example.com" aria-invalid={invalid('host')} aria-describedby={fieldDescribedBy('smtp-host')} className={input} />
      </FormField>
      <FormField id="smtp-port" label="Port" error={errors.port?.[0]}>
        <input id="smtp-port" name="port" inputMode="numeric" defaultValue={v.port} aria-invalid={invalid('port')} aria-describedby={fieldDescribedBy('smtp-port')} className={input} />
      </FormField>
      <FormField id="smtp-security" label="Security" error={errors.security?.[0]}>
        <select id="smtp-security" name="security" defaultValue={v.security} aria-describedby={fieldDescribedBy('smtp-security')} className={input}>
          {SMTP_SECURITY.map((s) => (
            <option key={s} value={s}>{SMTP_SECURITY_LABELS[s]}</option>
          ))}
        </select>
      </FormField>
      <FormField id="smtp-username" label="User name (optional)" error={errors.username?.[0]} className="sm:col-span-2">
        <input id="smtp-username" name="username" autoComplete="off" defaultValue={v.username} aria-describedby={fieldDescribedBy('smtp-username')} className={input} />
      </FormField>
      <FormField
        id="smtp-password"
        label="Password"
        help={settings?.hasPassword ? 'A password is stored (encrypted). Leave empty to keep it; it is sent only to the server and user name it was saved with.' : 'Stored encrypted, never shown again.'}
        error={errors.password?.[0]}
        className="sm:col-span-2"
      >
        <input id="smtp-password" name="password" type="password" autoComplete="new-password" aria-invalid={invalid('password')} aria-describedby={fieldDescribedBy('smtp-password', true)} className={input} />
      </FormField>
      {settings?.hasPassword && (
        <label className="flex items-center gap-2 text-sm sm:col-span-4">
          <input type="checkbox" name="clearPassword" /> Remove the stored password
        </label>
      )}
      <FormField id="smtp-from" label="From" error={errors.fromAddress?.[0]} className="sm:col-span-2">
        <input id="smtp-from" name="fromAddress" type="email" defaultValue={v.fromAddress} placeholder="identity-manager@example.com" aria-invalid={invalid('fromAddress')} aria-describedby={fieldDescribedBy('smtp-from')} className={input} />
      </FormField>
      <FormField id="smtp-recipients" label="Recipients" help="E-mail addresses, separated by commas or new lines." error={errors.recipients?.[0]} className="sm:col-span-2">
        <textarea id="smtp-recipients" name="recipients" rows={3} defaultValue={v.recipients} aria-invalid={invalid('recipients')} aria-describedby={fieldDescribedBy('smtp-recipients', true)} className={input} />
      </FormField>
      <fieldset aria-describedby="smtp-events-error" className="sm:col-span-4">
        <legend className="block text-sm font-medium text-slate-800">Events</legend>
        <div className="mt-1 grid gap-2 sm:grid-cols-3">
          {NOTIFICATION_EVENT_TYPES.map((type) => (
            <label key={type} className="flex items-center gap-2 text-sm">
              <input type="checkbox" name="events" value={type} defaultChecked={v.events.includes(type)} /> {EVENT_LABELS[type]}
            </label>
          ))}
        </div>
        <p id="smtp-events-error" className="mt-1 min-h-4 text-xs text-red-700">{errors.events?.[0]}</p>
      </fieldset>
      <div className="flex items-center gap-3 sm:col-span-4">
        <SubmitButton pending={pending} pendingLabel="Saving…" size="large">Save</SubmitButton>
        {state.message && <p role={state.ok ? 'status' : 'alert'} className={state.ok ? 'text-sm text-emerald-800' : 'text-sm text-red-700'}>{state.message}</p>}
      </div>
    </form>
  );
}

export function SendTestEmailButton() {
  const [state, formAction, pending] = useActionState<SmtpFormState, FormData>(sendEmailTestAction, {});
  return (
    <form action={formAction} aria-label="Send test e-mail" className="flex flex-wrap items-center gap-3">
      <SubmitButton pending={pending} pendingLabel="Sending…" tone="secondary">Send test e-mail</SubmitButton>
      {state.message && <p role={state.ok ? 'status' : 'alert'} className={state.ok ? 'text-sm text-emerald-800' : 'text-sm text-red-700'}>{state.message}</p>}
    </form>
  );
}
