import { prisma } from '../db';
import { getJobWithStatus, type JobWithStatus } from '../batch-jobs/list-jobs-with-status';
import { isSyncJobKey, type AttributeMapping, type SyncJobKey } from '../sync/job-options';
import { outcomeOf, type JobOutcome } from '../sync/outcome';
import {
  effectiveOptions,
  jobOptionsToFields,
  MAPPING_FIELDS,
  presetDefaults,
  uniqueIdChoices,
  type JobOptionsFields,
  type PresetDefaults,
  type UniqueIdChoice,
} from './job-options-form';

export type JobSettings = {
  job: JobWithStatus & { key: SyncJobKey };
  fields: JobOptionsFields;
  presets: PresetDefaults[];
  /** The unique ids the form offers (any other attribute name can be typed). */
  uniqueIds: UniqueIdChoice[];
  /** The filter the engine runs with now (the stored one, or the preset's). */
  effectiveFilter: string | null;
  /** The unique id and mapping the engine runs with now; null when the stored options are incomplete. */
  effectiveUniqueIdAttribute: string | null;
  effectiveMapping: AttributeMapping | null;
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
  // A stored value equal to its preset's is shown as "the preset's" (blank), so that choosing
  // another preset changes it too. "Custom filter" has no values of its own: its are all kept.
  const preset = presets.find((p) => p.key === fields.filterPreset);
  if (preset && preset.key !== 'custom') {
    if (fields.filter === preset.filter) fields.filter = '';
    if (fields.uniqueIdAttribute === preset.uniqueIdAttribute) fields.uniqueIdAttribute = '';
    for (const field of MAPPING_FIELDS) if (fields[`mapping.${field}`] === preset.mapping[field]) fields[`mapping.${field}`] = '';
  }
  const effective = effectiveOptions(jobKey, row.options);
  return {
    job: { ...job, key: jobKey },
    fields,
    presets,
    uniqueIds: uniqueIdChoices(),
    effectiveFilter: effective?.filter ?? null,
    effectiveUniqueIdAttribute: effective?.uniqueIdAttribute ?? null,
    effectiveMapping: effective?.mapping ?? null,
    outcome: outcomeOf(jobKey),
  };
}
