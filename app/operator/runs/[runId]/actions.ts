'use server';

import { redirect } from 'next/navigation';
import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { positiveInt32Text } from '@/lib/validation/database-integer';
import { requireActionRole } from '@/app/_lib/auth';
import type { AccountRole } from '@/lib/auth/roles';
import { clientIp } from '@/app/_lib/request';
import { cancelRun } from '@/lib/runs/cancel-run';
import { confirmThresholdRun } from '@/lib/runs/confirm-threshold-run';
import { startRestore } from '@/lib/restore/start-restore';

export type RunActionState = { message?: string; activeRunId?: number };

const runForm = z.object({ runId: positiveInt32Text() });

/** Cancel: a queued run is cancelled at once, a running one after the page in progress. */
export async function cancelRunAction(_previous: RunActionState, formData: FormData): Promise<RunActionState> {
  const account = await requireActionRole('OPERATOR');
  const parsed = runForm.safeParse({ runId: formData.get('runId') });
  if (!parsed.success) return { message: 'The request was not understood. Reload the page and try again.' };
  const result = await cancelRun({ runId: parsed.data.runId, actor: account.username, ip: await clientIp() });
  revalidatePath(`/operator/runs/${parsed.data.runId}`);
  if (!result.ok) return { message: result.message };
  return {
    message: result.cancelledNow ? 'The run was cancelled before it started.' : 'Cancellation requested: the run stops after the page in progress.',
  };
}

/** Confirm and run: starts the job again past its deactivation threshold, with the number confirmed. */
export async function confirmThresholdAction(_previous: RunActionState, formData: FormData): Promise<RunActionState> {
  const account = await requireActionRole('OPERATOR');
  const parsed = runForm.safeParse({ runId: formData.get('runId') });
  if (!parsed.success) return { message: 'The request was not understood. Reload the page and try again.' };
  const result = await confirmThresholdRun({ runId: parsed.data.runId, actor: account.username, role: account.role, ip: await clientIp() });
  if (result.started) redirect(`/operator/runs/${result.run.id}`);
  if (result.code === 'run_already_active') return { message: result.message, activeRunId: result.activeRun.id };
  if (result.code === 'queue_unavailable') redirect(`/operator/runs/${result.run.id}`);
  return { message: result.message };
}

/** "Restore users changed by this run" (administrator): the preview, a dry restore run, opened at once. */
export async function previewRestoreAction(_previous: RunActionState, formData: FormData): Promise<RunActionState> {
  return startRestoreFromForm(await requireActionRole('ADMINISTRATOR'), formData, true);
}

/** The restore itself, after the preview and a deliberate confirmation (administrator). */
export async function restoreRunAction(_previous: RunActionState, formData: FormData): Promise<RunActionState> {
  // The role first: nobody without it learns anything from this action, not even what it asks for.
  const account = await requireActionRole('ADMINISTRATOR');
  if (formData.get('acknowledged') !== 'on') return { message: 'Tick the confirmation first.' };
  return startRestoreFromForm(account, formData, false);
}

async function startRestoreFromForm(account: { username: string; role: AccountRole }, formData: FormData, dryRun: boolean): Promise<RunActionState> {
  const parsed = runForm.safeParse({ runId: formData.get('runId') });
  if (!parsed.success) return { message: 'The request was not understood. Reload the page and try again.' };
  const result = await startRestore({
    runId: parsed.data.runId,
    dryRun,
    // Over the threshold, the same tick confirms it when the job's rule lets this administrator (the use case decides again).
    confirmed: formData.get('confirmThreshold') === 'on',
    confirmer: { role: account.role },
    trigger: 'MANUAL',
    actor: account.username,
    ip: await clientIp(),
  });
  if (result.started) redirect(`/operator/runs/${result.run.id}`);
  if (result.code === 'run_already_active') return { message: result.message, activeRunId: result.activeRun.id };
  if (result.code === 'queue_unavailable') redirect(`/operator/runs/${result.run.id}`);
  return { message: result.message };
}
