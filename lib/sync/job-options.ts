import { z } from 'zod';
import { equalityFilter, isAttributeName } from '../ldap/filter';

export const INACTIVE_LDAP_USERS = 'inactive-ldap-users';
export const ACTIVE_LDAP_USERS = 'active-ldap-users';
export type SyncJobKey = typeof INACTIVE_LDAP_USERS | typeof ACTIVE_LDAP_USERS;

export function isSyncJobKey(key: string): key is SyncJobKey {
  return key === INACTIVE_LDAP_USERS || key === ACTIVE_LDAP_USERS;
}

/** The sibling of a job: a person matched by both filters is reported, never flipped back and forth. */
export function siblingJob(key: SyncJobKey): SyncJobKey {
  return key === INACTIVE_LDAP_USERS ? ACTIVE_LDAP_USERS : INACTIVE_LDAP_USERS;
}

export type UniqueIdAttribute = 'entryUUID' | 'objectGUID';

export type AttributeMapping = {
  username: string;
  givenName: string | null;
  surname: string | null;
  displayName: string | null;
  email: string | null;
  employeeNumber: string | null;
};

export type FilterPresetKey = 'openldap-ppolicy' | 'status-attribute' | 'active-directory-disabled' | 'custom';

export type FilterPreset = {
  key: FilterPresetKey;
  label: string;
  description: string;
  /** Filters for the two jobs; the active one is the complement of the inactive one. */
  filters: (options: { statusAttribute: string; statusValue: string }) => Record<SyncJobKey, string>;
  uniqueIdAttribute: UniqueIdAttribute;
  mapping: AttributeMapping;
};

const OPENLDAP_MAPPING: AttributeMapping = {
  username: 'uid',
  givenName: 'givenName',
  surname: 'sn',
  displayName: 'displayName',
  email: 'mail',
  employeeNumber: 'employeeNumber',
};

const PERSON = '(objectClass=inetOrgPerson)';

/** The presets an administrator picks from; the filter they produce can then be edited. */
export const FILTER_PRESETS: readonly FilterPreset[] = [
  {
    key: 'openldap-ppolicy',
    label: 'OpenLDAP password policy lock',
    description: 'Accounts locked by the ppolicy overlay (pwdAccountLockedTime is set).',
    filters: () => ({
      [INACTIVE_LDAP_USERS]: `(&${PERSON}(pwdAccountLockedTime=*))`,
      [ACTIVE_LDAP_USERS]: `(&${PERSON}(!(pwdAccountLockedTime=*)))`,
    }),
    uniqueIdAttribute: 'entryUUID',
    mapping: OPENLDAP_MAPPING,
  },
  {
    key: 'status-attribute',
    label: 'Status attribute',
    description: 'Accounts whose status attribute has a given value (e.g. employeeType=inactive).',
    filters: ({ statusAttribute, statusValue }) => {
      const status = equalityFilter(statusAttribute, statusValue);
      return { [INACTIVE_LDAP_USERS]: `(&${PERSON}${status})`, [ACTIVE_LDAP_USERS]: `(&${PERSON}(!${status}))` };
    },
    uniqueIdAttribute: 'entryUUID',
    mapping: OPENLDAP_MAPPING,
  },
  {
    key: 'active-directory-disabled',
    label: 'Active Directory disabled accounts',
    description: 'User accounts with the ACCOUNTDISABLE bit (2) of userAccountControl set.',
    filters: () => ({
      [INACTIVE_LDAP_USERS]: '(&(objectCategory=person)(objectClass=user)(userAccountControl:1.2.840.113556.1.4.803:=2))',
      [ACTIVE_LDAP_USERS]: '(&(objectCategory=person)(objectClass=user)(!(userAccountControl:1.2.840.113556.1.4.803:=2)))',
    }),
    uniqueIdAttribute: 'objectGUID',
    mapping: {
      username: 'sAMAccountName',
      givenName: 'givenName',
      surname: 'sn',
      displayName: 'displayName',
      email: 'mail',
      employeeNumber: 'employeeID',
    },
  },
  {
    key: 'custom',
    label: 'Custom filter',
    description: 'A filter of your own (RFC 4515 syntax).',
    filters: () => ({
      [INACTIVE_LDAP_USERS]: `(&${PERSON}(pwdAccountLockedTime=*))`,
      [ACTIVE_LDAP_USERS]: `(&${PERSON}(!(pwdAccountLockedTime=*)))`,
    }),
    uniqueIdAttribute: 'entryUUID',
    mapping: OPENLDAP_MAPPING,
  },
];

export function filterPreset(key: FilterPresetKey): FilterPreset {
  const preset = FILTER_PRESETS.find((p) => p.key === key);
  if (!preset) throw new Error(`Unknown filter preset ${key}`);
  return preset;
}

const attributeName = z.string().trim().refine(isAttributeName, { message: 'Not a valid LDAP attribute name' });

export const DEFAULT_PAGE_SIZE = 500;
export const DEFAULT_THRESHOLD = { maxUsers: 500, maxPercent: 10 } as const;

/** The options of a batch job (batch_jobs.options), as an administrator edits them. */
export const jobOptionsSchema = z.object({
  filterPreset: z.enum(['openldap-ppolicy', 'status-attribute', 'active-directory-disabled', 'custom']).default('openldap-ppolicy'),
  /** Empty: the preset's filter for this job. */
  filter: z.string().trim().max(4096).optional(),
  statusAttribute: attributeName.default('employeeType'),
  statusValue: z.string().trim().min(1).max(256).default('inactive'),
  uniqueIdAttribute: z.enum(['entryUUID', 'objectGUID']).optional(),
  mapping: z
    .object({
      username: attributeName,
      givenName: attributeName.nullable(),
      surname: attributeName.nullable(),
      displayName: attributeName.nullable(),
      email: attributeName.nullable(),
      employeeNumber: attributeName.nullable(),
    })
    .partial()
    .optional(),
  pageSize: z.number().int().min(1).max(5000).default(DEFAULT_PAGE_SIZE),
  threshold: z
    .object({
      /** Stop when the run would deactivate more active users than this; null: no absolute limit. */
      maxUsers: z.number().int().min(0).nullable().default(DEFAULT_THRESHOLD.maxUsers),
      /** ... or more than this percentage of all active users; null: no percentage limit. */
      maxPercent: z.number().min(0).max(100).nullable().default(DEFAULT_THRESHOLD.maxPercent),
    })
    .default({ ...DEFAULT_THRESHOLD }),
});

export type JobOptionsInput = z.input<typeof jobOptionsSchema>;
export type JobOptions = z.output<typeof jobOptionsSchema>;

/** Options with every default applied: what the engine runs with. */
export type ResolvedJobOptions = {
  jobKey: SyncJobKey;
  filterPreset: FilterPresetKey;
  filter: string;
  uniqueIdAttribute: UniqueIdAttribute;
  mapping: AttributeMapping;
  pageSize: number;
  threshold: { maxUsers: number | null; maxPercent: number | null };
};

export function resolveJobOptions(jobKey: SyncJobKey, raw: unknown): ResolvedJobOptions {
  const options = jobOptionsSchema.parse(raw ?? {});
  const preset = filterPreset(options.filterPreset);
  const filter = options.filter || preset.filters(options)[jobKey];
  return {
    jobKey,
    filterPreset: options.filterPreset,
    filter,
    uniqueIdAttribute: options.uniqueIdAttribute ?? preset.uniqueIdAttribute,
    mapping: { ...preset.mapping, ...options.mapping },
    pageSize: options.pageSize,
    threshold: options.threshold,
  };
}

/** The attributes a search asks for: the mapped ones and the unique id (entryUUID comes only when asked for). */
export function requestedAttributes(options: ResolvedJobOptions): string[] {
  const mapped = Object.values(options.mapping).filter((a): a is string => !!a);
  return [...new Set([options.uniqueIdAttribute, ...mapped])];
}
