import { prisma } from '../db';
import { isSyncJobKey, type ResolvedJobOptions } from '../sync/job-options';
import { effectiveOptions } from './job-options-form';

/**
 * What each job runs with: its saved options with every preset default applied (filter, unique
 * id, mapping, page size, thresholds), keyed by job key; null for a job whose saved options the
 * engine would refuse (a custom filter without its unique id or username attribute).
 */
export async function listEffectiveJobOptions(keys?: string[]): Promise<Map<string, ResolvedJobOptions | null>> {
  const rows = await prisma().batchJob.findMany({ where: keys ? { key: { in: keys } } : undefined, select: { key: true, options: true } });
  return new Map(rows.map((r) => [r.key, isSyncJobKey(r.key) ? effectiveOptions(r.key, r.options) : null]));
}
