'use client';

import { useActionState } from 'react';
import { fieldDescribedBy, FormField, INPUT_CLASS } from '@/components/form-field';
import { changePasswordAction, type ChangePasswordState } from './actions';
import { SubmitButton } from '@/components/submit-button';

const FIELDS = [
  { name: 'currentPassword', label: 'Current password', autoComplete: 'current-password' },
  { name: 'newPassword', label: 'New password', autoComplete: 'new-password' },
  { name: 'confirmPassword', label: 'New password again', autoComplete: 'new-password' },
] as const;

export function ChangePasswordForm({ username }: { username: string }) {
  const [state, formAction, pending] = useActionState<ChangePasswordState, FormData>(changePasswordAction, {});
  return (
    <form action={formAction} noValidate aria-label="Change password" className="space-y-3">
      {/* Lets password managers file the new password under the right account. */}
      <input type="text" name="username" autoComplete="username" value={username} readOnly hidden />
      {FIELDS.map(({ name, label, autoComplete }) => {
        const error = state.fieldErrors?.[name]?.[0];
        return (
          <FormField key={name} id={name} label={label} error={error}>
            <input
              id={name}
              name={name}
              type="password"
              autoComplete={autoComplete}
              required
              aria-invalid={error ? true : undefined}
              aria-describedby={fieldDescribedBy(name)}
              className={INPUT_CLASS}
            />
          </FormField>
        );
      })}
      <SubmitButton pending={pending} pendingLabel="Changing…" size="block">
        Change password
      </SubmitButton>
    </form>
  );
}
