'use client';

import { useActionState } from 'react';
import { signInAction, type SignInState } from '@/app/_lib/session-actions';
import { FormField, INPUT_CLASS } from '@/components/form-field';
import { SubmitButton } from '@/components/submit-button';

const initialState: SignInState = {};

export function LoginForm({ next }: { next: string }) {
  const [state, formAction, pending] = useActionState(signInAction, initialState);
  const usernameError = state.fieldErrors?.username?.[0];
  const passwordError = state.fieldErrors?.password?.[0];
  return (
    <form action={formAction} noValidate aria-describedby={state.message ? 'sign-in-error' : undefined} className="space-y-5">
      <input type="hidden" name="next" value={next} />
      {/* Kept in the layout even when empty so that an error does not move the fields. */}
      <div id="sign-in-error" role="alert" aria-live="assertive" className={state.message ? 'rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800' : 'sr-only'}>
        {state.message}
      </div>
      <FormField id="username" label="Username" error={usernameError}>
        <input
          id="username"
          name="username"
          type="text"
          autoComplete="username"
          autoCapitalize="none"
          spellCheck={false}
          required
          defaultValue={state.username ?? ''}
          key={state.username ?? ''}
          aria-invalid={usernameError ? true : undefined}
          aria-describedby={usernameError ? 'username-error' : undefined}
          className={INPUT_CLASS}
        />
      </FormField>
      <FormField id="password" label="Password" error={passwordError}>
        <input
          id="password"
          name="password"
          type="password"
          autoComplete="current-password"
          required
          aria-invalid={passwordError ? true : undefined}
          aria-describedby={passwordError ? 'password-error' : undefined}
          className={INPUT_CLASS}
        />
      </FormField>
      <SubmitButton pending={pending} pendingLabel="Signing in…" size="block">
        Sign in
      </SubmitButton>
    </form>
  );
}
