import { checkFilter, isAttributeName } from '../ldap/filter';
import { MAPPING_FIELDS, type MappingField } from './mapping-fields';
import { z } from 'zod';
import { DEFAULT_FULL_RUN_DAYS, RUN_MODES, jobOptionsSchema, type FilterPresetKey, type JobOptions, type ResolvedJobOptions, type SyncJobKey, FILTER_PRESETS, resolveJobOptions } from '../sync/job-options';
import { KNOWN_UNIQUE_IDS } from '../sync/unique-id';
import { CONFIRMATION_RULES, DEFAULT_CONFIRMATION_RULE } from '../batch-jobs/confirmation-rule';

// The job page edits a job's options as plain text fields. This module turns those fields into
// the options the engine runs with (lib/sync/job-options) and back, with one message per field.

export { MAPPING_FIELDS, MAPPING_LABELS, type MappingField } from './mapping-fields';

/** The form's fields, as strings (what a browser posts). Blank means "the preset's value". */
export type JobOptionsFields = {
  filterPreset: string;
  filter: string;
  statusAttribute: string;
  statusValue: string;
  /** The attribute that identifies an entry for life (entryUUID, objectGUID, ...). */
  uniqueIdAttribute: string;
  pageSize: string;
  maxUsers: string;
  maxPercent: string;
  /** Who may confirm a run stopped at the threshold (lib/batch-jobs/confirmation-rule.ts). */
  confirmationRule: string;
  /** full | delta (lib/sync/delta.ts); blank: full. */
  runMode: string;
  /** In delta mode, a full run every this many runs (blank: no such bound) ... */
  fullRunEveryRuns: string;
  /** ... and every this many days (blank: no such bound). */
  fullRunEveryDays: string;
} & Record<`mapping.${MappingField}`, string>;

export type JobOptionsFieldErrors = Partial<Record<keyof JobOptionsFields, string>>;

export type JobOptionsParse = { ok: true; options: JobOptions } | { ok: false; fieldErrors: JobOptionsFieldErrors };

const PRESET_KEYS = FILTER_PRESETS.map((p) => p.key) as string[];

function wholeNumber(raw: string, { min, max }: { min: number; max: number }): number | string {
  if (!/^\d+$/.test(raw)) return `Enter a whole number from ${min} to ${max}.`;
  const n = Number(raw);
  return n < min || n > max ? `Enter a whole number from ${min} to ${max}.` : n;
}

/** Validates the posted fields; on success the result is what batch_jobs.options stores. */
export function parseJobOptionsFields(fields: JobOptionsFields): JobOptionsParse {
  const errors: JobOptionsFieldErrors = {};
  const preset = fields.filterPreset.trim();
  if (!PRESET_KEYS.includes(preset)) errors.filterPreset = 'Choose one of the filter presets.';

  const filter = fields.filter.trim();
  if (filter !== '') {
    try {
      checkFilter(filter);
    } catch (error) {
      errors.filter = (error as Error).message;
    }
  } else if (preset === 'custom') {
    errors.filter = 'Enter the filter of your own (RFC 4515 syntax, e.g. (&(objectClass=inetOrgPerson)(employeeType=inactive))).';
  }

  const statusAttribute = fields.statusAttribute.trim() || 'employeeType';
  if (!isAttributeName(statusAttribute)) errors.statusAttribute = `"${statusAttribute}" is not a valid LDAP attribute name.`;
  const statusValue = fields.statusValue.trim() || 'inactive';
  if (statusValue.length > 256) errors.statusValue = 'The status value can have at most 256 characters.';

  const uniqueIdAttribute = fields.uniqueIdAttribute.trim();
  if (uniqueIdAttribute !== '' && !isAttributeName(uniqueIdAttribute)) {
    errors.uniqueIdAttribute = `"${uniqueIdAttribute}" is not a valid LDAP attribute name.`;
  } else if (uniqueIdAttribute === '' && preset === 'custom') {
    errors.uniqueIdAttribute = CUSTOM_NEEDS_UNIQUE_ID;
  }

  const mapping: Partial<Record<MappingField, string>> = {};
  for (const field of MAPPING_FIELDS) {
    const value = fields[`mapping.${field}`].trim();
    if (value === '') continue;
    if (!isAttributeName(value)) errors[`mapping.${field}`] = `"${value}" is not a valid LDAP attribute name.`;
    else mapping[field] = value;
  }
  if (preset === 'custom' && !mapping.username && !errors['mapping.username']) errors['mapping.username'] = CUSTOM_NEEDS_USERNAME;

  const pageSize = fields.pageSize.trim() === '' ? 500 : wholeNumber(fields.pageSize.trim(), { min: 1, max: 5000 });
  if (typeof pageSize === 'string') errors.pageSize = pageSize;
  // Blank threshold: no limit of that kind.
  const maxUsers = fields.maxUsers.trim() === '' ? null : wholeNumber(fields.maxUsers.trim(), { min: 0, max: 10_000_000 });
  if (typeof maxUsers === 'string') errors.maxUsers = maxUsers;
  let maxPercent: number | null = null;
  const rawPercent = fields.maxPercent.trim();
  if (rawPercent !== '') {
    const n = Number(rawPercent);
    if (!/^\d+(\.\d+)?$/.test(rawPercent) || n > 100) errors.maxPercent = 'Enter a percentage from 0 to 100.';
    else maxPercent = n;
  }

  // Blank (a form from before the setting existed): today's behaviour.
  const confirmationRule = (fields.confirmationRule ?? '').trim() || DEFAULT_CONFIRMATION_RULE;
  if (!(CONFIRMATION_RULES as readonly string[]).includes(confirmationRule)) errors.confirmationRule = 'Choose who may confirm a run stopped at the threshold.';

  // Blank (a form from before delta runs): full runs, a full run every week once in delta mode.
  const runMode = (fields.runMode ?? '').trim() || 'full';
  if (!(RUN_MODES as readonly string[]).includes(runMode)) errors.runMode = 'Choose full or delta runs.';
  const rawRuns = (fields.fullRunEveryRuns ?? '').trim();
  const everyRuns = rawRuns === '' ? null : wholeNumber(rawRuns, { min: 1, max: 10_000 });
  if (typeof everyRuns === 'string') errors.fullRunEveryRuns = everyRuns;
  const rawDays = fields.fullRunEveryDays === undefined ? String(DEFAULT_FULL_RUN_DAYS) : fields.fullRunEveryDays.trim();
  const everyDays = rawDays === '' ? null : wholeNumber(rawDays, { min: 1, max: 366 });
  if (typeof everyDays === 'string') errors.fullRunEveryDays = everyDays;

  if (Object.keys(errors).length > 0) return { ok: false, fieldErrors: errors };
  // The engine's own schema has the last word (and fills its defaults).
  const parsed = jobOptionsSchema.safeParse({
    filterPreset: preset,
    ...(filter !== '' ? { filter } : {}),
    statusAttribute,
    statusValue,
    ...(uniqueIdAttribute !== '' ? { uniqueIdAttribute } : {}),
    ...(Object.keys(mapping).length > 0 ? { mapping } : {}),
    pageSize,
    threshold: { maxUsers, maxPercent },
    confirmationRule,
    runMode,
    fullRunEvery: { runs: everyRuns, days: everyDays },
  });
  if (!parsed.success) {
    // Each issue on the field it is about; anything else on the filter, the section it belongs to.
    const fieldErrors: JobOptionsFieldErrors = {};
    for (const issue of parsed.error.issues) {
      const path = issue.path.join('.');
      const field = (path in fields ? path : 'filter') as keyof JobOptionsFields;
      fieldErrors[field] = fieldErrors[field] ? `${fieldErrors[field]}; ${issue.message}` : issue.message;
    }
    return { ok: false, fieldErrors };
  }
  return { ok: true, options: parsed.data };
}

const CUSTOM_NEEDS_UNIQUE_ID =
  'A custom filter needs the unique id attribute of your directory (e.g. entryUUID, objectGUID, nsUniqueId): it links each entry to its Identity Manager user.';
const CUSTOM_NEEDS_USERNAME = 'A custom filter needs the attribute that holds the username (e.g. uid, sAMAccountName).';

/**
 * The stored options without the engine's cross-field rules: a stored custom filter that lacks
 * its unique id (written before it was required) still shows as that custom filter, with the
 * field to complete, instead of silently falling back to the default preset.
 */
const storedOptionsSchema = z.object(jobOptionsSchema.shape);

/** The stored options as form fields; unparseable stored options fall back to the defaults. */
export function jobOptionsToFields(raw: unknown): JobOptionsFields {
  const parsed = storedOptionsSchema.safeParse(raw ?? {});
  const options = parsed.success ? parsed.data : jobOptionsSchema.parse({});
  const fields = {
    filterPreset: options.filterPreset,
    filter: options.filter ?? '',
    statusAttribute: options.statusAttribute,
    statusValue: options.statusValue,
    uniqueIdAttribute: options.uniqueIdAttribute ?? '',
    pageSize: String(options.pageSize),
    maxUsers: options.threshold.maxUsers == null ? '' : String(options.threshold.maxUsers),
    maxPercent: options.threshold.maxPercent == null ? '' : String(options.threshold.maxPercent),
    confirmationRule: options.confirmationRule,
    runMode: options.runMode,
    fullRunEveryRuns: options.fullRunEvery.runs == null ? '' : String(options.fullRunEvery.runs),
    fullRunEveryDays: options.fullRunEvery.days == null ? '' : String(options.fullRunEvery.days),
  } as JobOptionsFields;
  for (const field of MAPPING_FIELDS) fields[`mapping.${field}`] = options.mapping?.[field] ?? '';
  return fields;
}

/** What each preset gives this job when a field is left blank: shown as the fields' placeholders. */
export type PresetDefaults = {
  key: FilterPresetKey;
  label: string;
  description: string;
  filter: string;
  /** '' for "Custom filter", which has none of its own. */
  uniqueIdAttribute: string;
  mapping: Record<MappingField, string>;
};

/** A unique id the form offers, with the directories that use it. */
export type UniqueIdChoice = { attribute: string; label: string };

export function uniqueIdChoices(): UniqueIdChoice[] {
  return KNOWN_UNIQUE_IDS.map(({ attribute, label }) => ({ attribute, label }));
}

export function presetDefaults(jobKey: SyncJobKey, statusAttribute = 'employeeType', statusValue = 'inactive'): PresetDefaults[] {
  return FILTER_PRESETS.map((preset) => {
    let filter: string;
    try {
      filter = preset.filters({ statusAttribute, statusValue })[jobKey];
    } catch {
      filter = preset.filters({ statusAttribute: 'employeeType', statusValue: 'inactive' })[jobKey];
    }
    const mapping = {} as Record<MappingField, string>;
    for (const field of MAPPING_FIELDS) mapping[field] = preset.mapping?.[field] ?? '';
    return { key: preset.key, label: preset.label, description: preset.description, filter, uniqueIdAttribute: preset.uniqueIdAttribute ?? '', mapping };
  });
}

/** The options the engine runs with, for display next to the form. */
export function effectiveOptions(jobKey: SyncJobKey, raw: unknown): ResolvedJobOptions | null {
  try {
    return resolveJobOptions(jobKey, raw);
  } catch {
    return null;
  }
}
