import { z } from 'zod';
import { checkFilter, equalityFilter, isAttributeName } from '../ldap/filter';
import { CONFIRMATION_RULES, DEFAULT_CONFIRMATION_RULE, type ConfirmationRule } from '../batch-jobs/confirmation-rule';

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

/** The attribute that identifies an entry for life (lib/sync/unique-id.ts): any attribute name. */
export type UniqueIdAttribute = string;

export type AttributeMapping = {
  username: string;
  givenName: string | null;
  surname: string | null;
  displayName: string | null;
  email: string | null;
  employeeNumber: string | null;
};

export const FILTER_PRESET_KEYS = [
  'openldap-ppolicy',
  'status-attribute',
  'active-directory-disabled',
  'directory-server-lock',
  'freeipa-lock',
  'custom',
] as const;
export type FilterPresetKey = (typeof FILTER_PRESET_KEYS)[number];

export type FilterPreset = {
  key: FilterPresetKey;
  label: string;
  description: string;
  /** Filters for the two jobs; the active one is the complement of the inactive one. */
  filters: (options: { statusAttribute: string; statusValue: string }) => Record<SyncJobKey, string>;
  /** The directory's unique id and attribute names; null for "Custom filter", which asks for them. */
  uniqueIdAttribute: UniqueIdAttribute | null;
  mapping: AttributeMapping | null;
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
/** Complementary filters: a person is matched by exactly one of the two jobs. */
function complementary(people: string, inactive: string): Record<SyncJobKey, string> {
  return { [INACTIVE_LDAP_USERS]: `(&${people}${inactive})`, [ACTIVE_LDAP_USERS]: `(&${people}(!${inactive}))` };
}
/** AD's user accounts, without the built-in ones (Administrator, Guest, krbtgt) AD marks critical. */
const AD_PEOPLE = '(objectCategory=person)(objectClass=user)(!(isCriticalSystemObject=TRUE))';
const AD_DISABLED = '(userAccountControl:1.2.840.113556.1.4.803:=2)';
/**
 * 389-DS's lock: nsAccountLock=true on the entry (`dsidm account lock`), or given by a locked role
 * through its class of service (the server evaluates that virtual attribute in filters too).
 */
const NS_ACCOUNT_LOCK = '(nsAccountLock=true)';

/** The presets an administrator picks from; the filter they produce can then be edited. */
export const FILTER_PRESETS: readonly FilterPreset[] = [
  {
    key: 'openldap-ppolicy',
    label: 'OpenLDAP password policy lock',
    description: 'Accounts locked by the ppolicy overlay (pwdAccountLockedTime is set). Unique id entryUUID.',
    filters: () => complementary(PERSON, '(pwdAccountLockedTime=*)'),
    uniqueIdAttribute: 'entryUUID',
    mapping: OPENLDAP_MAPPING,
  },
  {
    key: 'status-attribute',
    label: 'Status attribute (any directory)',
    description: 'Accounts whose status attribute has a given value (e.g. employeeType=inactive). Unique id entryUUID: change it for your directory.',
    filters: ({ statusAttribute, statusValue }) => complementary(PERSON, equalityFilter(statusAttribute, statusValue)),
    uniqueIdAttribute: 'entryUUID',
    mapping: OPENLDAP_MAPPING,
  },
  {
    key: 'active-directory-disabled',
    label: 'Active Directory disabled accounts',
    description:
      'User accounts with the ACCOUNTDISABLE bit (2) of userAccountControl set; built-in accounts AD marks isCriticalSystemObject (Administrator, Guest, krbtgt) are left out. Unique id objectGUID.',
    filters: () => complementary(AD_PEOPLE, AD_DISABLED),
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
    key: 'directory-server-lock',
    label: '389 Directory Server / Red Hat DS lock',
    description: 'Accounts locked with nsAccountLock, directly or through a locked role. Unique id nsUniqueId (every entry has one).',
    filters: () => complementary(PERSON, NS_ACCOUNT_LOCK),
    uniqueIdAttribute: 'nsUniqueId',
    mapping: OPENLDAP_MAPPING,
  },
  {
    key: 'freeipa-lock',
    label: 'FreeIPA / Red Hat IdM disabled users',
    description: 'Users disabled in FreeIPA (nsAccountLock=TRUE). Set the base DN to cn=users,cn=accounts,<your suffix>: staged and preserved users live elsewhere. Unique id ipaUniqueID.',
    filters: () => complementary('(objectClass=posixAccount)(objectClass=inetOrgPerson)', NS_ACCOUNT_LOCK),
    uniqueIdAttribute: 'ipaUniqueID',
    mapping: OPENLDAP_MAPPING,
  },
  {
    key: 'custom',
    label: 'Custom filter',
    description: 'A filter of your own (RFC 4515 syntax), with the unique id and attribute names of your directory.',
    filters: () => complementary(PERSON, '(pwdAccountLockedTime=*)'),
    uniqueIdAttribute: null,
    mapping: null,
  },
];

export function filterPreset(key: FilterPresetKey): FilterPreset {
  const preset = FILTER_PRESETS.find((p) => p.key === key);
  if (!preset) throw new Error(`Unknown filter preset ${key}`);
  return preset;
}

/** A refusal names the value, so that the field it is shown at says what was wrong. */
const attributeName = z
  .string()
  .trim()
  .refine(isAttributeName, { error: (issue) => `"${String(issue.input)}" is not a valid LDAP attribute name.` });

/** One message for every way a number can be wrong (not a number, a fraction, out of range): the range. */
function wholeNumber(min: number, max: number) {
  return z.number({ error: `Enter a whole number from ${min} to ${max}.` }).int().min(min).max(max);
}

export const DEFAULT_PAGE_SIZE = 500;
export const RUN_MODES = ['full', 'delta'] as const;
export type RunMode = (typeof RUN_MODES)[number];
/** Weekly: a delta job still reads its whole selection once a week. */
export const DEFAULT_FULL_RUN_DAYS = 7;
export const DEFAULT_THRESHOLD = { maxUsers: 500, maxPercent: 10 } as const;
/** The "Status attribute" preset's attribute and value when none is given. */
export const DEFAULT_STATUS = { statusAttribute: 'employeeType', statusValue: 'inactive' } as const;

/**
 * Zod skips a rule over the whole object once a field is refused; these run anyway (they read only
 * what they check), so that a form shows every refusal in one round trip.
 */
const EVEN_WITH_OTHER_ISSUES = { when: () => true };

const CUSTOM_NEEDS_UNIQUE_ID =
  'A custom filter needs the unique id attribute of your directory (e.g. entryUUID, objectGUID, nsUniqueId): it links each entry to its Identity Manager user.';
const CUSTOM_NEEDS_USERNAME = 'A custom filter needs the attribute that holds the username (e.g. uid, sAMAccountName).';

/**
 * The options of a batch job (batch_jobs.options), as an administrator edits them: the one source
 * of their rules, defaults and messages (the job page's form derives from it: lib/job-settings).
 */
export const jobOptionsSchema = z
  .object({
  filterPreset: z.enum(FILTER_PRESET_KEYS, { error: 'Choose one of the filter presets.' }).default('openldap-ppolicy'),
  /** Empty: the preset's filter for this job. */
  filter: z.string().trim().max(4096, 'The filter can have at most 4,096 characters.').optional(),
  statusAttribute: attributeName.default(DEFAULT_STATUS.statusAttribute),
  statusValue: z.string().trim().min(1).max(256, 'The status value can have at most 256 characters.').default(DEFAULT_STATUS.statusValue),
  /** Absent: the preset's. "Custom filter" has none and needs it (and the username attribute). */
  uniqueIdAttribute: attributeName.optional(),
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
  pageSize: wholeNumber(1, 5000).default(DEFAULT_PAGE_SIZE),
  threshold: z
    .object({
      /** Stop when the run would deactivate more active users than this; null: no absolute limit. */
      maxUsers: wholeNumber(0, 10_000_000).nullable().default(DEFAULT_THRESHOLD.maxUsers),
      /** ... or more than this percentage of all active users; null: no percentage limit. */
      maxPercent: z.number({ error: 'Enter a percentage from 0 to 100.' }).min(0).max(100).nullable().default(DEFAULT_THRESHOLD.maxPercent),
    })
    .default({ ...DEFAULT_THRESHOLD }),
  /** Who may confirm a run stopped at the threshold (lib/batch-jobs/confirmation-rule.ts); absent: today's behaviour. */
  confirmationRule: z.enum(CONFIRMATION_RULES, { error: 'Choose who may confirm a run stopped at the threshold.' }).default(DEFAULT_CONFIRMATION_RULE),
  /** full: every run reads the whole selection; delta: only what changed since the last successful run (lib/sync/delta.ts). */
  runMode: z.enum(RUN_MODES, { error: 'Choose full or delta runs.' }).default('full'),
  /**
   * In delta mode, a full run at least every `runs` runs and every `days` days (null: no such
   * bound; both null: never, only when the job changes or the watermark is unusable). It bounds
   * what a change a delta cannot see (an entry that stopped matching) can cost.
   */
  fullRunEvery: z
    .object({
      runs: wholeNumber(1, 10_000).nullable().default(null),
      days: wholeNumber(1, 366).nullable().default(DEFAULT_FULL_RUN_DAYS),
    })
    .default({ runs: null, days: DEFAULT_FULL_RUN_DAYS }),
  })
  .check(
    z.superRefine((options, ctx) => {
      if (options.filterPreset !== 'custom') return;
      if (!options.uniqueIdAttribute) ctx.addIssue({ code: 'custom', path: ['uniqueIdAttribute'], message: CUSTOM_NEEDS_UNIQUE_ID });
      if (!options.mapping?.username) ctx.addIssue({ code: 'custom', path: ['mapping', 'username'], message: CUSTOM_NEEDS_USERNAME });
    }, EVEN_WITH_OTHER_ISSUES),
  );

/**
 * What a save adds to the engine's rules: a filter is saved only if it parses, and "Custom filter"
 * only with its filter. The engine does not refuse stored options for these: a stored filter that
 * does not parse fails its run with LDAP_FILTER_SYNTAX, which says what to correct.
 */
export const savedJobOptionsSchema = jobOptionsSchema.check(
  z.superRefine((options, ctx) => {
    if (typeof options.filter === 'string' && options.filter !== '') {
      try {
        checkFilter(options.filter);
      } catch (error) {
        ctx.addIssue({ code: 'custom', path: ['filter'], message: (error as Error).message });
      }
    } else if (options.filterPreset === 'custom') {
      ctx.addIssue({ code: 'custom', path: ['filter'], message: 'Enter the filter of your own (RFC 4515 syntax, e.g. (&(objectClass=inetOrgPerson)(employeeType=inactive))).' });
    }
  }, EVEN_WITH_OTHER_ISSUES),
);

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
  confirmationRule: ConfirmationRule;
  runMode: RunMode;
  fullRunEvery: { runs: number | null; days: number | null };
};

const NOTHING_MAPPED: Omit<AttributeMapping, 'username'> = { givenName: null, surname: null, displayName: null, email: null, employeeNumber: null };

export function resolveJobOptions(jobKey: SyncJobKey, raw: unknown): ResolvedJobOptions {
  const options = jobOptionsSchema.parse(raw ?? {});
  const preset = filterPreset(options.filterPreset);
  const filter = options.filter || preset.filters(options)[jobKey];
  return {
    jobKey,
    filterPreset: options.filterPreset,
    filter,
    // The schema makes "Custom filter" name both, so the fallbacks below never apply to it.
    uniqueIdAttribute: options.uniqueIdAttribute ?? preset.uniqueIdAttribute ?? 'entryUUID',
    mapping: { ...(preset.mapping ?? NOTHING_MAPPED), ...options.mapping } as AttributeMapping,
    pageSize: options.pageSize,
    threshold: options.threshold,
    confirmationRule: options.confirmationRule,
    runMode: options.runMode,
    fullRunEvery: options.fullRunEvery,
  };
}

/**
 * What decides which entries a run reads and what it makes of them: the filter, the unique id and
 * the mapped attributes. A delta run is only as good as the full run it continues, so a job whose
 * fingerprint differs from its last full run's runs in full (lib/sync/delta.ts).
 */
export function selectionFingerprint(options: ResolvedJobOptions): string {
  return JSON.stringify({ filter: options.filter, uniqueIdAttribute: options.uniqueIdAttribute, mapping: options.mapping });
}

/**
 * The filter a job runs with, from its stored options: what "the job's filter changed" compares
 * (preset, custom filter, status attribute and value all end up here). null when unreadable.
 */
export function effectiveFilterOf(jobKey: SyncJobKey, raw: unknown): string | null {
  const parsed = jobOptionsSchema.safeParse(raw ?? {});
  if (!parsed.success) return JSON.stringify(raw ?? null);
  return parsed.data.filter || filterPreset(parsed.data.filterPreset).filters(parsed.data)[jobKey];
}

/**
 * What the two-person rule guards, from a job's stored options: the filter it runs with, its
 * threshold and its confirmation rule. Whoever last changed any of them may not confirm a run
 * stopped at the threshold (raising the limit is as good as confirming). null parts: unreadable.
 */
export function safetySettingsOf(jobKey: SyncJobKey, raw: unknown): string {
  const parsed = jobOptionsSchema.safeParse(raw ?? {});
  return JSON.stringify({
    filter: effectiveFilterOf(jobKey, raw),
    threshold: parsed.success ? parsed.data.threshold : null,
    confirmationRule: parsed.success ? parsed.data.confirmationRule : null,
  });
}

/** The attributes a search asks for: the mapped ones and the unique id (entryUUID comes only when asked for). */
export function requestedAttributes(options: ResolvedJobOptions): string[] {
  const mapped = Object.values(options.mapping).filter((a): a is string => !!a);
  return [...new Set([options.uniqueIdAttribute, ...mapped])];
}
