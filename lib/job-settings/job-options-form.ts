import { MAPPING_FIELDS, type MappingField } from './mapping-fields';
import { z } from 'zod';
import {
  DEFAULT_STATUS,
  FILTER_PRESETS,
  jobOptionsSchema,
  resolveJobOptions,
  savedJobOptionsSchema,
  type FilterPresetKey,
  type JobOptions,
  type ResolvedJobOptions,
  type SyncJobKey,
} from '../sync/job-options';
import { KNOWN_UNIQUE_IDS } from '../sync/unique-id';

// The job page edits a job's options as plain text fields. This module only translates: fields
// to the options' shape and back, and the schema's issues to the fields they are about. The
// rules, defaults and messages are the schema's (lib/sync/job-options.ts).

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

type FormField = {
  name: keyof JobOptionsFields;
  /** Where the field's value lives in the options. */
  path: readonly string[];
  number?: true;
  /**
   * A blank field: 'default' leaves the option out (the schema's default, or the preset's value),
   * 'none' stores null ("no limit"), 'refuse' lets the schema refuse it.
   */
  blank: 'default' | 'none' | 'refuse';
};

const FORM_FIELDS: readonly FormField[] = [
  { name: 'filterPreset', path: ['filterPreset'], blank: 'refuse' },
  { name: 'filter', path: ['filter'], blank: 'default' },
  { name: 'statusAttribute', path: ['statusAttribute'], blank: 'default' },
  { name: 'statusValue', path: ['statusValue'], blank: 'default' },
  { name: 'uniqueIdAttribute', path: ['uniqueIdAttribute'], blank: 'default' },
  ...MAPPING_FIELDS.map((field): FormField => ({ name: `mapping.${field}`, path: ['mapping', field], blank: 'default' })),
  { name: 'pageSize', path: ['pageSize'], number: true, blank: 'default' },
  { name: 'maxUsers', path: ['threshold', 'maxUsers'], number: true, blank: 'none' },
  { name: 'maxPercent', path: ['threshold', 'maxPercent'], number: true, blank: 'none' },
  { name: 'confirmationRule', path: ['confirmationRule'], blank: 'default' },
  { name: 'runMode', path: ['runMode'], blank: 'default' },
  { name: 'fullRunEveryRuns', path: ['fullRunEvery', 'runs'], number: true, blank: 'none' },
  { name: 'fullRunEveryDays', path: ['fullRunEvery', 'days'], number: true, blank: 'none' },
];

/** The form's field names, in the order of FORM_FIELDS. */
export const JOB_OPTIONS_FIELD_NAMES: readonly (keyof JobOptionsFields)[] = FORM_FIELDS.map((f) => f.name);

const FIELD_BY_PATH = new Map(FORM_FIELDS.map((f) => [f.path.join('.'), f.name]));

/** Digits as a number; anything else stays text, for the schema to refuse with the field's message. */
function numberOrText(value: string): number | string {
  return /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value;
}

/**
 * The posted fields in the shape of the options. A field that is absent (a form from before it
 * existed) is left out, so the schema's default applies whatever a blank would mean; the preset
 * is never assumed.
 */
function fieldsToInput(fields: Partial<JobOptionsFields>): Record<string, unknown> {
  const input: Record<string, Record<string, unknown> | unknown> = {};
  for (const field of FORM_FIELDS) {
    const raw = fields[field.name];
    if (raw === undefined && field.blank !== 'refuse') continue;
    const text = (raw ?? '').trim();
    let value: unknown;
    if (text === '') {
      if (field.blank === 'default') continue;
      value = field.blank === 'none' ? null : text;
    } else {
      value = field.number ? numberOrText(text) : text;
    }
    const [head, leaf] = field.path as [string, string | undefined];
    if (leaf === undefined) input[head] = value;
    else input[head] = { ...(input[head] as Record<string, unknown> | undefined), [leaf]: value };
  }
  return input;
}

/** Validates the posted fields; on success the result is what batch_jobs.options stores. */
export function parseJobOptionsFields(fields: Partial<JobOptionsFields>): JobOptionsParse {
  const parsed = savedJobOptionsSchema.safeParse(fieldsToInput(fields));
  if (parsed.success) return { ok: true, options: parsed.data };
  // Each issue at the field it is about, the first one only; one about no field (none is expected) at the filter.
  const fieldErrors: JobOptionsFieldErrors = {};
  for (const issue of parsed.error.issues) {
    const field = FIELD_BY_PATH.get(issue.path.join('.')) ?? 'filter';
    fieldErrors[field] ??= issue.message;
  }
  return { ok: false, fieldErrors };
}

/** The job page's fields from its posted form (a field the form did not post is absent). */
export function jobOptionsFieldsFromForm(form: FormData): Partial<JobOptionsFields> {
  const fields: Partial<JobOptionsFields> = {};
  for (const name of JOB_OPTIONS_FIELD_NAMES) {
    const value = form.get(name);
    if (typeof value === 'string') fields[name] = value;
  }
  return fields;
}

/**
 * The stored options without the engine's cross-field rules: a stored custom filter that lacks
 * its unique id (written before it was required) still shows as that custom filter, with the
 * field to complete, instead of silently falling back to the default preset.
 */
const storedOptionsSchema = z.object(jobOptionsSchema.shape);

/** The stored options as form fields; unparseable stored options fall back to the defaults. */
export function jobOptionsToFields(raw: unknown): JobOptionsFields {
  const parsed = storedOptionsSchema.safeParse(raw ?? {});
  const options: unknown = parsed.success ? parsed.data : jobOptionsSchema.parse({});
  const fields = {} as JobOptionsFields;
  for (const field of FORM_FIELDS) {
    const value = field.path.reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], options);
    fields[field.name] = value == null ? '' : String(value);
  }
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

export function presetDefaults(jobKey: SyncJobKey, statusAttribute: string = DEFAULT_STATUS.statusAttribute, statusValue: string = DEFAULT_STATUS.statusValue): PresetDefaults[] {
  return FILTER_PRESETS.map((preset) => {
    let filter: string;
    try {
      filter = preset.filters({ statusAttribute, statusValue })[jobKey];
    } catch {
      filter = preset.filters(DEFAULT_STATUS)[jobKey];
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
