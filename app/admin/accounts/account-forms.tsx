'use client';

import { useActionState } from 'react';
import { fieldDescribedBy, FormField, INPUT_CLASS } from '@/components/form-field';
import type { AccountRole } from '@/lib/auth/roles';
import { changeAccountAction, createAccountAction, type AccountChangeState, type CreateAccountState } from './actions';
import { SubmitButton } from '@/components/submit-button';


export function CreateAccountForm() {
  const [state, formAction, pending] = useActionState<CreateAccountState, FormData>(createAccountAction, {});
  const errors = state.fieldErrors ?? {};
  const field = (name: 'username' | 'displayName' | 'password', label: string, props: React.InputHTMLAttributes<HTMLInputElement>) => (
    <FormField id={`account-${name}`} label={label} error={errors[name]?.[0]}>
      <input id={`account-${name}`} name={name} aria-invalid={errors[name] ? true : undefined} aria-describedby={fieldDescribedBy(`account-${name}`)} className={INPUT_CLASS} {...props} />
    </FormField>
  );
  return (
    <form action={formAction} noValidate aria-label="Create account" className="grid gap-4 rounded-xl border border-slate-200 bg-white p-5 shadow-sm sm:grid-cols-2 lg:grid-cols-4">
      {field('username', 'Username', { autoComplete: 'off', autoCapitalize: 'none', spellCheck: false, required: true })}
      {field('displayName', 'Display name', { autoComplete: 'off' })}
      {field('password', 'Initial password (12+ characters)', { type: 'password', autoComplete: 'new-password', required: true })}
      <FormField id="account-role" label="Role" error={errors.role?.[0]}>
        <select id="account-role" name="role" defaultValue="OPERATOR" aria-describedby={fieldDescribedBy('account-role')} className={INPUT_CLASS}>
          <option value="OPERATOR">Operator</option>
          <option value="ADMINISTRATOR">Administrator</option>
        </select>
      </FormField>
      <div className="flex flex-wrap items-center gap-3 sm:col-span-2 lg:col-span-4">
        <SubmitButton pending={pending} pendingLabel="Creating…" size="large">
          Create account
        </SubmitButton>
        <p role={state.ok === false && state.message ? 'alert' : 'status'} className={`text-sm ${state.ok === false ? 'text-red-700' : 'text-emerald-800'}`}>
          {state.message ?? ''}
        </p>
      </div>
    </form>
  );
}

export function AccountChanges({ id, username, role, disabled, locked }: { id: number; username: string; role: AccountRole; disabled: boolean; locked: boolean }) {
  const [state, formAction, pending] = useActionState<AccountChangeState, FormData>(changeAccountAction, {});
  const button = 'rounded-md border border-slate-300 bg-white px-2.5 py-1 text-xs font-medium text-slate-800 hover:bg-slate-50 disabled:opacity-60';
  return (
    <div className="flex flex-col items-end gap-1">
      <div className="flex flex-wrap justify-end gap-2">
        <form action={formAction} className="flex items-center gap-1">
          <input type="hidden" name="accountId" value={id} />
          <input type="hidden" name="change" value="role" />
          <label htmlFor={`role-${id}`} className="sr-only">
            Role of {username}
          </label>
          <select id={`role-${id}`} name="role" defaultValue={role} className="rounded-md border border-slate-300 bg-white px-2 py-1 text-xs">
            <option value="OPERATOR">Operator</option>
            <option value="ADMINISTRATOR">Administrator</option>
          </select>
          <button type="submit" disabled={pending} className={button} aria-label={`Save role of ${username}`}>
            Save role
          </button>
        </form>
        {locked && (
          <form action={formAction}>
            <input type="hidden" name="accountId" value={id} />
            <input type="hidden" name="change" value="unlock" />
            <button type="submit" disabled={pending} className={button} aria-label={`Unlock ${username}`}>
              Unlock
            </button>
          </form>
        )}
        <form action={formAction}>
          <input type="hidden" name="accountId" value={id} />
          <input type="hidden" name="change" value="force-password-change" />
          <button type="submit" disabled={pending} className={button} aria-label={`Force password change for ${username}`}>
            Force password change
          </button>
        </form>
        <form action={formAction}>
          <input type="hidden" name="accountId" value={id} />
          <input type="hidden" name="change" value={disabled ? 'enable' : 'disable'} />
          <button type="submit" disabled={pending} className={button} aria-label={`${disabled ? 'Enable' : 'Disable'} ${username}`}>
            {disabled ? 'Enable' : 'Disable'}
          </button>
        </form>
      </div>
      <p role={state.ok === false && state.message ? 'alert' : 'status'} className={`max-w-md text-right text-xs ${state.ok === false ? 'text-red-700' : 'text-slate-600'}`}>
        {state.message ?? ''}
      </p>
    </div>
  );
}
