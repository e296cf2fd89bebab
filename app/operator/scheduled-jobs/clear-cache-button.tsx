'use client';

import { useActionState } from 'react';
import { clearCacheAction, type ClearCacheState } from './actions';

/** Clear cache, with its outcome announced politely (success) or as an alert (failure). */
export function ClearCacheButton() {
  const [state, formAction, pending] = useActionState<ClearCacheState, FormData>(clearCacheAction, {});
  return (
    <form action={formAction} className="flex flex-col items-end gap-1">
      <button
        type="submit"
        disabled={pending}
        className="rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium text-slate-800 shadow-sm hover:bg-slate-50 disabled:opacity-60"
      >
        {pending ? 'Clearing…' : 'Clear cache'}
      </button>
      <p role={state.ok === false ? 'alert' : 'status'} className={`text-xs ${state.ok === false ? 'text-red-700' : 'text-slate-600'}`}>
        {state.message ?? ''}
      </p>
    </form>
  );
}
