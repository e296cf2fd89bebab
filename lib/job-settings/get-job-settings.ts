import { prisma } from '../db';
import { getJobWithStatus, type JobWithStatus } from '../batch-jobs/list-jobs-with-status';
import { isSyncJobKey, type SyncJobKey } from '../sync/job-options';
import { outcomeOf, type JobOutcome } from '../sync/outcome';
import { effectiveOptions, jobOptionsToFields, presetDefaults, type JobOptionsFields, type PresetDefaults } from './job-options-form';

export type JobSettings = {
  job: JobWithStatus & { key: SyncJobKey };
  fields: JobOptionsFields;
  presets: PresetDefaults[];
  /** The filter the engine runs with now (the stored one, or the preset's). */
  effectiveFilter: string | null;
  outcome: JobOutcome;
};

/** Everything the administrator's job page shows and edits; null for an unknown job. */
export async function getJobSettings(jobKey: string): Promise<JobSettings | null> {
  if (!isSyncJobKey(jobKey)) return null;
  const [job, row] = await Promise.all([
    getJobWithStatus(jobKey),
    prisma().batchJob.findUnique({ where: { key: jobKey }, select: { options: true } }),
  ]);
  if (!job || !row) return null;
  const fields = jobOptionsToFields(row.options);
  const presets = presetDefaults(jobKey, fields.statusAttribute, fields.statusValue);
  // A stored filter equal to its preset's is shown as "the preset's" (blank), so that choosing
  // another preset changes the filter too.
  if (fields.filter === presets.find((p) => p.key === fields.filterPreset)?.filter) fields.filter = '';
  return {
    job: { ...job, key: jobKey },
    fields,
    presets,
    effectiveFilter: effectiveOptions(jobKey, row.options)?.filter ?? null,
    outcome: outcomeOf(jobKey),
  };
}
