'use server';

import { redirect } from 'next/navigation';
import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { requireActionRole } from '@/app/_lib/auth';
import { clientIp } from '@/app/_lib/request';
import { startJobRun } from '@/lib/runs/start-job-run';
import { hitRateLimit, RATE_LIMITS } from '@/lib/security/rate-limit';
import { clearOperatorCache } from '@/lib/cache/clear-operator-cache';

export type StartNowState = {
  message?: string;
  /** Set when the job already has a run: the dialog links to it. */
  activeRunId?: number;
};

const startNowForm = z.object({
  jobKey: z.string().trim().min(1).max(100),
  dryRun: z.literal('on').optional(),
});

/** Start now: queues a run of the job (or refuses while one is active) and opens its page. */
export async function startNowAction(_previous: StartNowState, formData: FormData): Promise<StartNowState> {
  const account = await requireActionRole('OPERATOR');
  const parsed = startNowForm.safeParse({ jobKey: formData.get('jobKey'), dryRun: formData.get('dryRun') ?? undefined });
  if (!parsed.success) return { message: 'The request was not understood. Reload the page and try again.' };
  const limited = await hitRateLimit(RATE_LIMITS.startNowPerCaller, `account:${account.accountId}`);
  if (!limited.ok) return { message: limited.message };
  const result = await startJobRun({
    jobKey: parsed.data.jobKey,
    trigger: 'MANUAL',
    startedBy: account.username,
    dryRun: parsed.data.dryRun === 'on',
    ip: await clientIp(),
  });
  if (!result.started) {
    if (result.code === 'run_already_active') return { message: result.message, activeRunId: result.activeRun.id };
    if (result.code === 'queue_unavailable') redirect(`/operator/runs/${result.run.id}`);
    return { message: result.message };
  }
  redirect(`/operator/runs/${result.run.id}`);
}

export type ClearCacheState = { message?: string; ok?: boolean; clearedAt?: string };

/** Clear cache: every operator-facing cached view is dropped (and the audit log says who did it). */
export async function clearCacheAction(_previous: ClearCacheState, _formData: FormData): Promise<ClearCacheState> {
  const account = await requireActionRole('OPERATOR');
  try {
    await clearOperatorCache({ actor: account.username, ip: await clientIp() });
  } catch (error) {
    return { ok: false, message: `The cache could not be cleared: ${(error as Error).message}. Check that Redis is running, then try again.` };
  }
  revalidatePath('/operator', 'layout');
  return { ok: true, message: 'Cache cleared: the page shows the saved configuration.', clearedAt: new Date().toISOString() };
}
