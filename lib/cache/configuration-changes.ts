import { prisma } from '../db';

export type ConfigurationChange = {
  /** The batch job whose saved configuration is the newest. */
  jobKey: string;
  processName: string;
  changedAt: Date;
  /** Account that saved it; null when it was changed outside the UI (seed, migration). */
  changedBy: string | null;
};

/**
 * The latest configuration save (batch_jobs.updated_at / updated_by) if it happened after
 * `cachedAt`: the page then says "Configuration changed at 14:02 by admin; click Clear cache to
 * see it". Starting and finishing runs do not touch updated_at (they write active_run_id with
 * raw SQL), so only an administrator's saves count. `jobKey` limits it to one job's view.
 */
export async function configurationChangedSince(cachedAt: Date, options: { jobKey?: string } = {}): Promise<ConfigurationChange | null> {
  const job = await prisma().batchJob.findFirst({
    where: { updatedAt: { gt: cachedAt }, ...(options.jobKey ? { key: options.jobKey } : {}) },
    orderBy: { updatedAt: 'desc' },
    select: { key: true, processName: true, updatedAt: true, updatedBy: true },
  });
  return job ? { jobKey: job.key, processName: job.processName, changedAt: job.updatedAt, changedBy: job.updatedBy } : null;
}
