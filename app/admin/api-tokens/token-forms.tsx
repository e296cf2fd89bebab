'use client';

import { useActionState } from 'react';
import { fieldDescribedBy, FormField, INPUT_CLASS as input } from '@/components/form-field';
import { createApiTokenAction, revokeApiTokenAction, type CreateTokenState, type RevokeTokenState } from './actions';
import { SubmitButton } from '@/components/submit-button';


export function CreateTokenForm() {
  const [state, formAction, pending] = useActionState<CreateTokenState, FormData>(createApiTokenAction, {});
  const errors = state.fieldErrors ?? {};
  return (
    <div className="space-y-4">
      {state.created && (
        <div role="status" className="rounded-lg border border-emerald-300 bg-emerald-50 p-4 text-sm text-emerald-900">
          <p className="font-semibold">Token &quot;{state.created.name}&quot; created ({state.created.role}).</p>
          <p className="mt-1">Copy it now: it is shown only this once and cannot be retrieved later.</p>
          <label htmlFor="new-token" className="mt-3 block font-medium">
            New API token
          </label>
          <input id="new-token" readOnly value={state.created.token} className={`${input} font-mono`} onFocus={(e) => e.currentTarget.select()} />
          <p className="mt-2 text-xs">
            Send it as <code>Authorization: Bearer &lt;token&gt;</code>. See the <a className="underline" href="/api/v1/openapi.json">OpenAPI description</a>.
          </p>
        </div>
      )}
      <form action={formAction} noValidate className="grid gap-4 rounded-xl border border-slate-200 bg-white p-5 shadow-sm sm:grid-cols-4" aria-label="Create API token">
        <FormField id="token-name" label="Name" error={errors.name?.[0]} className="sm:col-span-2">
          <input id="token-name" name="name" required maxLength={100} placeholder="e.g. Nightly scheduler" aria-invalid={errors.name ? true : undefined} aria-describedby={fieldDescribedBy('token-name')} className={input} />
        </FormField>
        <FormField id="token-role" label="Role" error={errors.role?.[0]}>
          <select id="token-role" name="role" defaultValue="OPERATOR" aria-invalid={errors.role ? true : undefined} aria-describedby={fieldDescribedBy('token-role')} className={input}>
            <option value="OPERATOR">Operator</option>
            <option value="ADMINISTRATOR">Administrator</option>
          </select>
        </FormField>
        <FormField id="token-expires" label="Expires after (days)" error={errors.expiresInDays?.[0]}>
          <input id="token-expires" name="expiresInDays" inputMode="numeric" placeholder="never" aria-invalid={errors.expiresInDays ? true : undefined} aria-describedby={fieldDescribedBy('token-expires')} className={input} />
        </FormField>
        <div className="sm:col-span-4">
          <SubmitButton pending={pending} pendingLabel="Creating…" size="large">
            Create token
          </SubmitButton>
        </div>
      </form>
    </div>
  );
}

export function RevokeTokenButton({ id, name }: { id: number; name: string }) {
  const [state, formAction, pending] = useActionState<RevokeTokenState, FormData>(revokeApiTokenAction, {});
  return (
    <form
      action={formAction}
      onSubmit={(e) => {
        if (!window.confirm(`Revoke the token "${name}"? Scripts using it stop working at once.`)) e.preventDefault();
      }}
    >
      <input type="hidden" name="id" value={id} />
      <SubmitButton pending={pending} pendingLabel="Revoking…" tone="danger" size="small" aria-label={`Revoke ${name}`}>
        Revoke
      </SubmitButton>
      {state.ok === false && <p role="alert" className="mt-1 text-xs text-red-700">{state.message}</p>}
    </form>
  );
}
