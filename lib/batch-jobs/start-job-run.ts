import { recordAudit } from '../audit';
import { pool, prisma } from '../db';
import { endRun, releaseJob } from '../runs/run-lifecycle';
import type { RunTrigger } from '../generated/prisma/enums';
import { batchJobsQueue, RUN_JOB_OPTIONS, runJobId, type BatchJobsQueue } from '../queue/batch-jobs-queue';
import { withRedisTimeout } from '../queue/redis-timeout';
import { isActiveStatus, RUN_SUMMARY_SELECT, type RunSummary } from './run-summary';

export type StartJobRunOptions = {
  jobKey: string;
  trigger: RunTrigger;
  /** Account username of the operator; null for the scheduler. */
  startedBy?: string | null;
  dryRun?: boolean;
  /** The operator confirmed a run above the deactivation threshold. */
  confirmed?: boolean;
  /**
   * The THRESHOLD_EXCEEDED run this one confirms: recorded, and its count of entries is the new
   * run's expected total (a confirmed run has no counting pass of its own).
   */
  confirms?: { runId: number; entriesTotal: number | null };
  /**
   * false when the caller already is the worker handling a scheduled firing: the run is executed
   * in place instead of being queued again.
   */
  enqueue?: boolean;
  queue?: BatchJobsQueue;
  ip?: string | null;
};

export type StartJobRunResult =
  | { started: true; run: RunSummary }
  | { started: false; reason: 'already_active'; activeRun: RunSummary; message: string }
  | { started: false; reason: 'not_found'; message: string }
  | { started: false; reason: 'queue_unavailable'; run: RunSummary; message: string };

class AlreadyActive extends Error {}

/**
 * Starts a run of a batch job unless one is already queued or running. The QUEUED run and the
 * job's active_run_id are written in one transaction with a conditional update, so two starts
 * at the same moment (operator and schedule) cannot both win.
 */
export async function startJobRun(options: StartJobRunOptions): Promise<StartJobRunResult> {
  const db = prisma();
  const job = await db.batchJob.findUnique({ where: { key: options.jobKey }, select: { key: true, processName: true } });
  if (!job) return { started: false, reason: 'not_found', message: `There is no batch job "${options.jobKey}".` };

  let run: RunSummary | undefined;
  for (let attempt = 0; attempt < 2 && !run; attempt++) {
    try {
      run = await db.$transaction(async (tx) => {
        const created = await tx.batchRun.create({
          data: {
            jobKey: options.jobKey,
            status: 'QUEUED',
            trigger: options.trigger,
            startedBy: options.startedBy ?? null,
            dryRun: options.dryRun ?? false,
            confirmed: options.confirmed ?? false,
            confirmsRunId: options.confirms?.runId ?? null,
            entriesTotal: options.confirms?.entriesTotal ?? null,
          },
          select: RUN_SUMMARY_SELECT,
        });
        // Raw SQL: starting a run is not a configuration change, so updated_at/version stay as they are.
        const claimed = await tx.$executeRaw`
          UPDATE batch_jobs SET active_run_id = ${created.id}
          WHERE key = ${options.jobKey} AND active_run_id IS NULL`;
        if (claimed !== 1) throw new AlreadyActive();
        return created;
      });
    } catch (error) {
      if (!(error instanceof AlreadyActive)) throw error;
      const active = await activeRunOf(options.jobKey);
      if (active && isActiveStatus(active.status)) {
        return {
          started: false,
          reason: 'already_active',
          activeRun: active,
          message:
            `${job.processName} is already ${active.status === 'RUNNING' ? 'running' : 'queued'} ` +
            `(run #${active.id}, started ${active.trigger === 'SCHEDULE' ? 'by the schedule' : `by ${active.startedBy ?? 'someone'}`}). ` +
            'Wait for it to finish or cancel it.',
        };
      }
      // The pointer names a run that already ended (its process died before clearing it): release it once.
      await releaseJob(pool(), options.jobKey, active?.id ?? null);
    }
  }
  if (!run) throw new Error(`Could not start ${options.jobKey}: its active run could not be released.`);

  await recordAudit({
    actor: options.startedBy ?? 'scheduler',
    action: 'run.started',
    target: options.jobKey,
    ip: options.ip ?? null,
    details: { runId: run.id, trigger: run.trigger, dryRun: run.dryRun, confirmed: run.confirmed, ...(options.confirms ? { confirmsRunId: options.confirms.runId } : {}) },
  });

  if (options.enqueue === false) return { started: true, run };
  try {
    const queue = options.queue ?? batchJobsQueue();
    await withRedisTimeout(
      queue.add(
        options.jobKey,
        {
          jobKey: options.jobKey,
          trigger: run.trigger,
          runId: run.id,
          startedBy: run.startedBy,
          dryRun: run.dryRun,
          confirmed: run.confirmed,
        },
        { ...RUN_JOB_OPTIONS, jobId: runJobId(run.id) },
      ),
      'queue the run',
    );
  } catch (error) {
    // Nothing will execute this run: end it so that the job can be started again.
    const message = `The run could not be queued: ${(error as Error).message}`;
    await endRun(pool(), run.id, 'FAILED', { error: { code: 'QUEUE_UNAVAILABLE', message } });
    const failed = await db.batchRun.findUniqueOrThrow({ where: { id: run.id }, select: RUN_SUMMARY_SELECT });
    return { started: false, reason: 'queue_unavailable', run: failed, message };
  }
  return { started: true, run };
}

async function activeRunOf(jobKey: string): Promise<RunSummary | null> {
  const job = await prisma().batchJob.findUnique({ where: { key: jobKey }, select: { activeRunId: true } });
  if (job?.activeRunId == null) return null;
  return prisma().batchRun.findUnique({ where: { id: job.activeRunId }, select: RUN_SUMMARY_SELECT });
}
