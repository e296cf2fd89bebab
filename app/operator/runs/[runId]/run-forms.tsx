'use client';

import Link from 'next/link';
import { useActionState, useId } from 'react';
import { cancelRunAction, confirmThresholdAction, previewRestoreAction, restoreRunAction, type RunActionState } from './actions';
import { SubmitButton } from '@/components/submit-button';

function Outcome({ state }: { state: RunActionState }) {
  if (!state.message) return null;
  return (
    <div role="status" className="mt-2 text-sm text-slate-700">
      <p>{state.message}</p>
      {state.activeRunId !== undefined && (
        <Link href={`/operator/runs/${state.activeRunId}`} className="font-medium text-brand-700 underline">
          Open the active run #{state.activeRunId}
        </Link>
      )}
    </div>
  );
}

export function CancelRunForm({ runId, cancelRequested }: { runId: number; cancelRequested: boolean }) {
  const [state, formAction, pending] = useActionState<RunActionState, FormData>(cancelRunAction, {});
  return (
    <form action={formAction}>
      <input type="hidden" name="runId" value={runId} />
      <SubmitButton pending={pending} pendingLabel="Cancelling…" tone="danger" disabled={cancelRequested}>
        {cancelRequested ? 'Cancellation requested' : 'Cancel run'}
      </SubmitButton>
      <Outcome state={state} />
    </form>
  );
}

/** The administrator's confirmation of a run above the threshold: a deliberate tick, then the button. */
export function ConfirmThresholdForm({ runId, count, restore }: { runId: number; count: number; restore: boolean }) {
  const [state, formAction, pending] = useActionState<RunActionState, FormData>(confirmThresholdAction, {});
  const id = useId();
  return (
    <form action={formAction} className="mt-3 space-y-3">
      <input type="hidden" name="runId" value={runId} />
      <label htmlFor={`${id}-ack`} className="flex items-start gap-2 text-sm">
        <input id={`${id}-ack`} type="checkbox" name="acknowledged" required className="mt-0.5 h-4 w-4 rounded border-slate-300" />
        <span>
          I have checked that these {count} users are to be {restore ? 'restored' : 'deactivated'}.
        </span>
      </label>
      <SubmitButton pending={pending} pendingLabel="Starting…" tone="caution">
        Confirm and run
      </SubmitButton>
      <Outcome state={state} />
    </form>
  );
}

/** Opens the preview of a restore of this run (a dry restore run). */
export function PreviewRestoreForm({ runId }: { runId: number }) {
  const [state, formAction, pending] = useActionState<RunActionState, FormData>(previewRestoreAction, {});
  return (
    <form action={formAction} className="mt-3">
      <input type="hidden" name="runId" value={runId} />
      <SubmitButton pending={pending} pendingLabel="Preparing the preview…" tone="caution">
        Restore users changed by this run
      </SubmitButton>
      <Outcome state={state} />
    </form>
  );
}

export type RestoreCounts = { restored: number; conflicts: number; irreversible: number; kept: number };

/** The confirmation of a restore, naming what the preview counted. */
/**
 * Over the job's threshold, the restore needs the four-eyes confirmation: ticked here when the
 * job's rule lets this administrator confirm it, otherwise it stops and waits for one who may.
 */
export type RestoreThreshold = { mayConfirm: true } | { mayConfirm: false; reason: string };

/** The confirmation of a restore, naming what the preview counted. */
export function ConfirmRestoreForm({ runId, counts, threshold }: { runId: number; counts: RestoreCounts; threshold: RestoreThreshold | null }) {
  const [state, formAction, pending] = useActionState<RunActionState, FormData>(restoreRunAction, {});
  const id = useId();
  const waits = threshold?.mayConfirm === false;
  return (
    <form action={formAction} className="mt-3 space-y-3" aria-label="Confirm the restore">
      <input type="hidden" name="runId" value={runId} />
      {threshold?.mayConfirm && <input type="hidden" name="confirmThreshold" value="on" />}
      <label htmlFor={`${id}-ack`} className="flex items-start gap-2 text-sm">
        <input id={`${id}-ack`} type="checkbox" name="acknowledged" required className="mt-0.5 h-4 w-4 rounded border-slate-300" />
        <span>
          Restore {counts.restored} users changed by run #{runId}. {counts.conflicts} changed since are skipped, {counts.irreversible} revoked certificates stay
          revoked, {counts.kept} users are left as they are.
          {threshold?.mayConfirm && " This is over the job's threshold: ticking this confirms it."}
        </span>
      </label>
      {waits && (
        <p className="text-sm" data-testid="restore-needs-second-person">
          {threshold.reason} The restore will record what it would do and wait for their confirmation on its page.
        </p>
      )}
      <SubmitButton pending={pending} pendingLabel="Starting…" tone="caution">
        {waits ? `Request the restore of ${counts.restored} users` : `Restore ${counts.restored} users`}
      </SubmitButton>
      <Outcome state={state} />
    </form>
  );
}
