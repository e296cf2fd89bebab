// What the job form does when the administrator picks another filter preset (browser-safe: the
// form runs it as the choice is made, no LDAP imports).
import type { JobOptionsFields, PresetDefaults } from './job-options-form';
import { MAPPING_FIELDS } from './mapping-fields';

/**
 * The fields after choosing `nextKey`. Between presets, a value that was the old preset's own
 * (blank, or typed equal to it) follows the new preset and one typed by hand stays. "Custom
 * filter" has no filter, unique id or mapping of its own, so choosing it copies what the job
 * runs with now into the blank fields: the unique id and the mapping never change behind the
 * administrator's back, and the filter is there to edit.
 */
export function choosePreset(fields: JobOptionsFields, presets: readonly PresetDefaults[], nextKey: string): JobOptionsFields {
  const next = presets.find((p) => p.key === nextKey);
  const from = presets.find((p) => p.key === fields.filterPreset);
  if (!next || !from || next.key === from.key) return next ? { ...fields, filterPreset: next.key } : fields;
  const keep = next.key === 'custom';
  const value = (current: string, fromDefault: string) => (keep ? current.trim() || fromDefault : current.trim() === fromDefault ? '' : current);
  const chosen: JobOptionsFields = {
    ...fields,
    filterPreset: next.key,
    filter: value(fields.filter, from.filter),
    uniqueIdAttribute: value(fields.uniqueIdAttribute, from.uniqueIdAttribute),
  };
  for (const field of MAPPING_FIELDS) chosen[`mapping.${field}`] = value(fields[`mapping.${field}`], from.mapping[field]);
  return chosen;
}
