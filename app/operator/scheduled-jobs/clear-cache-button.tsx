'use client';

import { useActionState } from 'react';
import { clearCacheAction, type ClearCacheState } from './actions';
import { SubmitButton } from '@/components/submit-button';

/** Clear cache, with its outcome announced politely (success) or as an alert (failure). */
export function ClearCacheButton() {
  const [state, formAction, pending] = useActionState<ClearCacheState, FormData>(clearCacheAction, {});
  return (
    <form action={formAction} className="flex flex-col items-end gap-1">
      <SubmitButton pending={pending} pendingLabel="Clearing…" tone="secondary">
        Clear cache
      </SubmitButton>
      <p role={state.ok === false ? 'alert' : 'status'} className={`text-xs ${state.ok === false ? 'text-red-700' : 'text-slate-600'}`}>
        {state.message ?? ''}
      </p>
    </form>
  );
}
