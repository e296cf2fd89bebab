'use client';

import Link from 'next/link';
import { useActionState, useId, useRef } from 'react';
import { startNowAction, type StartNowState } from './actions';
import { SubmitButton } from '@/components/submit-button';

/**
 * Start now with a confirmation dialog (native <dialog>: modal, focus kept inside, Escape
 * closes it) and the choice of a dry run. A refusal (a run is already active) is shown in the
 * dialog with a link to that run.
 */
export function StartNowButton({ jobKey, processName }: { jobKey: string; processName: string }) {
  const dialogRef = useRef<HTMLDialogElement>(null);
  const [state, formAction, pending] = useActionState<StartNowState, FormData>(startNowAction, {});
  const id = useId();
  return (
    <>
      <button
        type="button"
        onClick={() => dialogRef.current?.showModal()}
        aria-haspopup="dialog"
        aria-label={`Start now: ${processName}`}
        className="rounded-md bg-brand-700 px-3 py-1.5 text-sm font-medium text-white shadow-sm hover:bg-brand-800"
      >
        Start now
      </button>
      <dialog
        ref={dialogRef}
        aria-labelledby={`${id}-title`}
        aria-describedby={`${id}-description`}
        className="m-auto w-full max-w-lg rounded-xl border border-slate-200 bg-white p-0 text-left shadow-xl backdrop:bg-slate-900/40"
      >
        <form action={formAction} className="space-y-4 p-6">
          <input type="hidden" name="jobKey" value={jobKey} />
          <h2 id={`${id}-title`} className="text-lg font-semibold text-slate-900">
            Start {processName} now?
          </h2>
          <p id={`${id}-description`} className="text-sm text-slate-600">
            The worker synchronizes the users the job&apos;s filter selects in the LDAP directory. You can follow the run on its page and cancel it there.
          </p>
          <label className="flex items-start gap-3 rounded-lg border border-slate-200 p-3 text-sm">
            <input type="checkbox" name="dryRun" className="mt-0.5 h-4 w-4 rounded border-slate-300" />
            <span>
              <span className="font-medium text-slate-900">Dry run</span>
              <span className="block text-slate-600">Report what would change, and change nothing.</span>
            </span>
          </label>
          {state.message && (
            <div role="alert" className="rounded-lg border border-amber-200 bg-amber-50 p-3 text-sm text-amber-900">
              <p>{state.message}</p>
              {state.activeRunId !== undefined && (
                <p className="mt-1">
                  <Link href={`/operator/runs/${state.activeRunId}`} className="font-medium text-brand-700 underline">
                    Open the active run #{state.activeRunId}
                  </Link>
                </p>
              )}
            </div>
          )}
          <div className="flex justify-end gap-2">
            <button
              type="button"
              onClick={() => dialogRef.current?.close()}
              className="rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium text-slate-800 hover:bg-slate-50"
            >
              Cancel
            </button>
            <SubmitButton pending={pending} pendingLabel="Starting…">
              Start
            </SubmitButton>
          </div>
        </form>
      </dialog>
    </>
  );
}
