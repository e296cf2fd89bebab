import { z } from 'zod';
import type { JobWithStatus } from '@/lib/batch-jobs';
import type { RunSummary } from '@/lib/runs/run-summary';
import { scheduleState } from '@/lib/batch-jobs/schedule-status';
import { CONFIRMATION_RULES, type ConfirmationRule } from '@/lib/batch-jobs/confirmation-rule';
import { CertificateState, CredentialState, CredentialType, RevocationReason, RunItemOutcome, RunKind, RunStatus, RunTrigger, UserSource, UserState } from '@/lib/generated/prisma/enums';
import type { RunProgress } from '@/lib/queue/run-progress';
import type { RunItemRow } from '@/lib/runs/run-items';
import { FILTER_PRESET_KEYS, RUN_MODES, type ResolvedJobOptions } from '@/lib/sync/job-options';
import { parseThresholdCheck, thresholdCheckSchema } from '@/lib/sync/threshold';
import { storedWatermark, watermarkSchema } from '@/lib/sync/delta';
import { KNOWN_UNIQUE_IDS } from '@/lib/sync/unique-id';
import type { UserDetails } from '@/lib/users/get-user-details';
import type { Refusal, RefusalCode } from '@/lib/errors/error-codes';
import { ApiError } from './errors';

// What API v1 answers: stable field names, ISO dates, no internals (no hashes, no options blob).
// Each answer is a zod schema and the function that builds it is typed by that schema, so the
// OpenAPI document (generated from these schemas, lib/api/openapi.ts) and the handlers cannot drift.

const dateTime = z.iso.datetime({ offset: true });
const iso = (d: Date) => d.toISOString();
const isoOrNull = (d: Date | null) => (d ? d.toISOString() : null);

export const watermarkRepresentation = z.union([watermarkSchema, z.null()]).meta({
  id: 'Watermark',
  description:
    "modifyTimestamp (OpenLDAP, 389-DS): { type, value: GeneralizedTime, the server's time minus the overlap }; Active Directory: { type: 'usn', usn: highestCommittedUSN, invocationId, dnsHostName } of the domain controller that answered.",
});

export const runCountersSchema = z.object({
  pagesApplied: z.number().int(),
  entriesRead: z.number().int(),
  entriesTotal: z.number().int().nullable(),
  created: z.number().int(),
  updated: z.number().int(),
  unchanged: z.number().int(),
  failed: z.number().int(),
  credentialsChanged: z.number().int(),
  certificatesChanged: z.number().int(),
  rolesWithdrawn: z.number().int(),
  wouldDeactivate: z.number().int().nullable(),
  irreversible: z.number().int(),
});

export const runSchema = z
  .object({
    id: z.number().int(),
    jobKey: z.string(),
    status: z.enum(RunStatus),
    trigger: z.enum(RunTrigger),
    startedBy: z.string().nullable(),
    dryRun: z.boolean(),
    confirmed: z.boolean(),
    confirmsRunId: z.number().int().nullable().meta({ description: 'The THRESHOLD_EXCEEDED run whose confirmation started this one.' }),
    confirmedBy: z.string().nullable().meta({
      description: 'Who confirmed the deactivation past the threshold: on the stopped run that was confirmed and on the run that carries the confirmation out (or a run started confirmed).',
    }),
    confirmedAt: dateTime.nullable().meta({ description: 'When it was confirmed.' }),
    restoreOfRunId: z.number().int().nullable().meta({ description: 'Of a restore run: the run whose changes it restores (POST /api/v1/runs/{runId}/restore).' }),
    thresholdCheck: thresholdCheckSchema.nullable().meta({
      description:
        'The mass-deactivation check made before any write (inactive job, not confirmed). exceeded on a real run: it wrote nothing, ended THRESHOLD_EXCEEDED and lists as items the changes it would make; on a dry run: a real run would stop there.',
    }),
    kind: z.enum(RunKind).nullable().meta({
      description:
        "FULL: the run read every entry the job's filter matches; DELTA: only those changed since watermark.from, plus the people the Identity Manager let drift from the job's end state, re-checked against the directory. null: a restore run, or a run that ended before it read the directory.",
    }),
    watermark: z.object({ from: watermarkRepresentation, to: watermarkRepresentation }).meta({
      description:
        "from: where a delta run started reading (the watermark the run it continues recorded; null for a full run); to: the directory's clock at this run's start, where the next delta starts if this run succeeds.",
    }),
    fullRunReason: z.string().nullable().meta({
      description: 'Why a job in delta mode ran in full (first run, job changed since its last full run, full-run period, unusable watermark: another domain controller, directory type changed, clock unreadable).',
    }),
    queuedAt: dateTime,
    startedAt: dateTime.nullable(),
    finishedAt: dateTime.nullable(),
    cancelRequestedAt: dateTime.nullable(),
    attempts: z.number().int(),
    counters: runCountersSchema,
    error: z.object({ code: z.string().nullable(), message: z.string().nullable() }).nullable(),
  })
  .meta({ id: 'Run', description: 'A run of a batch job: status, timestamps, counters and error.' });
export type RunRepresentation = z.infer<typeof runSchema>;

/** What a refusal of a run's start, cancel, confirmation or restore may carry besides its code and message. */
type RunRefusal = Refusal<RefusalCode, { activeRun?: RunSummary; run?: RunSummary; rule?: ConfirmationRule; restoredBy?: number }>;

/** A use case's refusal as the API's error: same code and message, its runs in their API representation. */
export function refusalError({ code, message, activeRun, run, rule, restoredBy }: RunRefusal): ApiError {
  return new ApiError(code, message, {
    ...(activeRun ? { activeRun: runRepresentation(activeRun) } : {}),
    ...(run ? { run: runRepresentation(run) } : {}),
    ...(rule ? { rule } : {}),
    ...(restoredBy !== undefined ? { restoredBy } : {}),
  });
}

export function runRepresentation(run: RunSummary): RunRepresentation {
  return {
    id: run.id,
    jobKey: run.jobKey,
    status: run.status,
    trigger: run.trigger,
    startedBy: run.startedBy,
    dryRun: run.dryRun,
    confirmed: run.confirmed,
    confirmsRunId: run.confirmsRunId,
    confirmedBy: run.confirmedBy,
    confirmedAt: isoOrNull(run.confirmedAt),
    restoreOfRunId: run.restoreOfRunId,
    thresholdCheck: parseThresholdCheck(run.thresholdCheck),
    kind: run.runKind,
    watermark: { from: storedWatermark(run.watermarkFrom), to: storedWatermark(run.watermarkTo) },
    fullRunReason: run.fullRunReason,
    queuedAt: iso(run.queuedAt),
    startedAt: isoOrNull(run.startedAt),
    finishedAt: isoOrNull(run.finishedAt),
    cancelRequestedAt: isoOrNull(run.cancelRequestedAt),
    attempts: run.attempts,
    counters: {
      pagesApplied: run.pagesApplied,
      entriesRead: run.entriesRead,
      entriesTotal: run.entriesTotal,
      created: run.created,
      updated: run.updated,
      unchanged: run.unchanged,
      failed: run.failed,
      credentialsChanged: run.credentialsChanged,
      certificatesChanged: run.certificatesChanged,
      rolesWithdrawn: run.rolesWithdrawn,
      wouldDeactivate: run.wouldDeactivate,
      irreversible: run.irreversible,
    },
    error: run.errorCode || run.error ? { code: run.errorCode, message: run.error } : null,
  };
}

export const runProgressSchema = z.object({
  runId: z.number().int(),
  entriesRead: z.number().int(),
  entriesTotal: z.number().int().nullable(),
  usersProcessed: z.number().int(),
  page: z.number().int(),
  counters: z.record(z.string(), z.number()),
  at: z.string(),
});

/** GET /api/v1/runs/{runId}: the run and the worker's live progress. */
export const runSnapshotSchema = runSchema
  .extend({
    processName: z.string(),
    finished: z.boolean().meta({ description: 'true once the run has a final status: following can stop.' }),
    progress: runProgressSchema.nullable().meta({ description: "The worker's live progress after each page; null before the first page or when Redis is away." }),
  })
  .meta({ id: 'RunSnapshot' });

export function runSnapshotRepresentation(snapshot: { run: RunSummary; processName: string; finished: boolean; progress: RunProgress | null }): z.infer<typeof runSnapshotSchema> {
  return { ...runRepresentation(snapshot.run), processName: snapshot.processName, finished: snapshot.finished, progress: snapshot.progress };
}

/** 202 of the operations that queue a run (start, confirm, restore). */
export const queuedRunSchema = z.object({ runId: z.number().int(), run: runSchema });

export function queuedRunRepresentation(run: RunSummary): z.infer<typeof queuedRunSchema> {
  return { runId: run.id, run: runRepresentation(run) };
}

export const jobOptionsSchema = z
  .object({
    filterPreset: z.enum(FILTER_PRESET_KEYS).meta({
      description:
        'openldap-ppolicy: locked by the ppolicy overlay (unique id entryUUID); status-attribute: a status attribute has a given value (entryUUID); ' +
        'active-directory-disabled: ACCOUNTDISABLE set, accounts AD marks isCriticalSystemObject left out (objectGUID); directory-server-lock: ' +
        '389 Directory Server / Red Hat DS nsAccountLock (nsUniqueId); freeipa-lock: FreeIPA / Red Hat IdM disabled users (ipaUniqueID); ' +
        'custom: a filter of your own, with its unique id and username attribute named explicitly.',
    }),
    filter: z.string().meta({ description: 'The RFC 4515 filter this job searches with.' }),
    uniqueIdAttribute: z.string().meta({
      description: `The attribute that identifies an entry for life and links it to its Identity Manager user: any attribute name. Known: ${KNOWN_UNIQUE_IDS.map((k) => k.attribute).join(', ')}; binary GUIDs (objectGUID, GUID) are given as their canonical string, other ids as lower-case text.`,
      examples: ['entryUUID', 'objectGUID', 'nsUniqueId', 'ipaUniqueID'],
    }),
    mapping: z
      .object({
        username: z.string(),
        givenName: z.string().nullable(),
        surname: z.string().nullable(),
        displayName: z.string().nullable(),
        email: z.string().nullable(),
        employeeNumber: z.string().nullable(),
      })
      .meta({ description: 'The LDAP attribute each user field is read from; null: not read.' }),
    pageSize: z.number().int(),
    threshold: z.object({ maxUsers: z.number().int().nullable(), maxPercent: z.number().nullable() }),
    confirmationRule: z.enum(CONFIRMATION_RULES).meta({
      description:
        'Who may confirm a run stopped at the threshold. OPERATOR (the default, the behaviour before the setting existed): the operator who started it or any other operator or administrator; ADMINISTRATOR: any administrator; TWO_PERSON: an administrator other than the one who started the run and the one who last changed the filter, threshold or rule. A run that stopped keeps the rule it stopped under if stricter than a later one; restores above the threshold are confirmed under the same rule (by an administrator).',
    }),
    runMode: z.enum(RUN_MODES).meta({ description: 'full: every run reads the whole selection; delta: only what changed since the last successful run (see Run.kind).' }),
    fullRunEvery: z
      .object({ runs: z.number().int().nullable(), days: z.number().int().nullable() })
      .meta({ description: 'In delta mode, a full run at least every `runs` runs and every `days` days (null: no such bound). Default: weekly.' }),
  })
  .meta({
    id: 'JobOptions',
    description:
      "The job's options as the engine runs them: the saved ones with every default of the filter preset applied. Read-only in the API: an administrator changes them on the job page (Admin > Batch Synchronization).",
  });

/** What a job runs with (read-only here: options are changed on the job page), never the stored blob. */
export function jobOptionsRepresentation(options: ResolvedJobOptions): z.infer<typeof jobOptionsSchema> {
  return {
    filterPreset: options.filterPreset,
    filter: options.filter,
    uniqueIdAttribute: options.uniqueIdAttribute,
    mapping: options.mapping,
    pageSize: options.pageSize,
    threshold: options.threshold,
    confirmationRule: options.confirmationRule,
    runMode: options.runMode,
    fullRunEvery: options.fullRunEvery,
  };
}

export const jobSchema = z
  .object({
    key: z.string(),
    processName: z.string(),
    symbolicName: z.string().meta({ description: "The vendor's documented symbolic name, kept verbatim." }),
    description: z.string(),
    expression: z.string().nullable(),
    scheduleDescription: z.string().nullable(),
    timeZone: z.string(),
    paused: z.boolean(),
    scheduleState: z.enum(['SCHEDULED', 'PAUSED', 'NOT_SCHEDULED', 'NEVER_FIRES']),
    enabled: z.boolean().meta({ deprecated: true, description: 'Deprecated: !paused.' }),
    nextRunAt: dateTime.nullable(),
    version: z.number().int(),
    updatedAt: dateTime,
    updatedBy: z.string().nullable(),
    filterChangedBy: z.string().nullable().meta({
      description:
        'Who last changed the filter the job runs with (preset, filter, status attribute or value), its threshold or its confirmation rule: the two-person rule excludes them from confirming. null: not changed since it was recorded.',
    }),
    filterChangedAt: dateTime.nullable(),
    activeRun: runSchema.nullable(),
    lastRun: runSchema.nullable(),
    lastFinishedRun: runSchema.nullable(),
    options: jobOptionsSchema.nullable().meta({
      description: 'What the job runs with. null: its saved options are incomplete (a custom filter without its unique id or username attribute) and its runs fail until an administrator completes them.',
    }),
  })
  .meta({ id: 'Job', description: 'A batch job with its schedule, next run, last run and the options it runs with.' });
export type JobRepresentation = z.infer<typeof jobSchema>;

/** `options`: the job's effective options; null when its saved options are incomplete. */
export function jobRepresentation(job: JobWithStatus, options: ResolvedJobOptions | null): JobRepresentation {
  return {
    key: job.key,
    processName: job.processName,
    symbolicName: job.symbolicName,
    description: job.description,
    expression: job.cronExpression,
    scheduleDescription: job.scheduleDescription,
    timeZone: job.timeZone,
    paused: job.paused,
    scheduleState: scheduleState(job).state,
    enabled: !job.paused,
    nextRunAt: isoOrNull(job.nextExecutionAt),
    version: job.version,
    updatedAt: iso(job.updatedAt),
    updatedBy: job.updatedBy,
    filterChangedBy: job.filterChangedBy,
    filterChangedAt: isoOrNull(job.filterChangedAt),
    activeRun: job.activeRun ? runRepresentation(job.activeRun) : null,
    lastRun: job.lastRun ? runRepresentation(job.lastRun) : null,
    lastFinishedRun: job.lastFinishedRun ? runRepresentation(job.lastFinishedRun) : null,
    options: options && jobOptionsRepresentation(options),
  };
}

export const jobListSchema = z.object({ jobs: z.array(jobSchema) });

/** PUT /api/v1/jobs/{jobKey}/schedule: the saved job, with what the save did to the scheduler. */
export const savedScheduleSchema = jobSchema
  .extend({
    warnings: z.array(z.string()),
    scheduler: z.enum(['upserted', 'removed', 'unchanged', 'pending', 'failed']).meta({
      description: 'The BullMQ job scheduler as read back from Redis after the save; pending: Redis did not answer, failed: it holds something else (the worker reconciles both).',
    }),
  })
  .meta({ id: 'SavedSchedule' });

export const runItemSchema = z
  .object({
    id: z.string().meta({ description: '64-bit id as a string' }),
    externalId: z.string().nullable().meta({ description: "The entry's unique id (the job's unique id attribute)." }),
    username: z.string().nullable(),
    ldapDn: z.string().nullable().meta({ description: 'The DN of the entry, as the directory sent it.' }),
    userId: z.number().int().nullable(),
    outcome: z.enum(RunItemOutcome),
    reason: z.string().nullable().meta({ description: 'Why the item failed; for an ambiguous username it names every DN that claims it.' }),
    changes: z.unknown().meta({
      description:
        'Before and after of the user (user.before/user.after; user.before null: created; source LOCAL -> LDAP: a local user linked to its directory entry), of each credential and certificate, and the roles withdrawn.',
    }),
    createdAt: dateTime,
  })
  .meta({ id: 'RunItem', description: 'What a run did (or would do) to one person.' });

export function runItemRepresentation(item: RunItemRow): z.infer<typeof runItemSchema> {
  return {
    id: item.id,
    externalId: item.externalId,
    username: item.username,
    ldapDn: item.ldapDn,
    userId: item.userId,
    outcome: item.outcome,
    reason: item.reason,
    changes: item.changes,
    createdAt: iso(item.createdAt),
  };
}

export const runItemsPageSchema = z.object({
  items: z.array(runItemSchema),
  pagination: z.object({ page: z.number().int(), pageSize: z.number().int(), total: z.number().int(), pages: z.number().int(), hasNextPage: z.boolean() }),
});

export const cancelledRunSchema = z.object({
  run: runSchema,
  cancelledNow: z.boolean().meta({ description: 'true: the run had not started and is CANCELLED; false: it stops after the page in progress.' }),
});

export const clearedCacheSchema = z.object({
  clearedAt: dateTime,
  generation: z.number().int().meta({ description: "The operator cache's generation after the clear." }),
});

export const certificateSchema = z
  .object({
    serial: z.string(),
    state: z.enum(CertificateState),
    subject: z.string(),
    issuer: z.string().nullable(),
    validFrom: dateTime.nullable(),
    validTo: dateTime.nullable(),
    revocationReason: z.enum(RevocationReason).nullable().meta({
      description: 'RFC 5280 reason: certificateHold for a certificate on hold, e.g. cessationOfOperation for one the inactive job revoked; null for a valid certificate.',
    }),
    revokedAt: dateTime.nullable().meta({ description: 'The revocation date: when the certificate was revoked or put on hold; null for a valid certificate.' }),
  })
  .meta({ id: 'Certificate' });

export const userSchema = z
  .object({
    id: z.number().int(),
    username: z.string(),
    displayName: z.string().nullable(),
    givenName: z.string().nullable(),
    surname: z.string().nullable(),
    email: z.string().nullable(),
    employeeNumber: z.string().nullable(),
    state: z.enum(UserState),
    source: z.enum(UserSource).meta({ description: 'LDAP once a synchronization linked the user to a directory entry.' }),
    ldapDn: z.string().nullable().meta({ description: 'The DN of the linked entry exactly as the directory sent it (no Unicode normalization).' }),
    lastSynchronizedAt: dateTime.nullable(),
    credentials: z.array(
      z.object({
        id: z.number().int(),
        type: z.enum(CredentialType),
        state: z.enum(CredentialState),
        label: z.string().nullable(),
        certificates: z.array(certificateSchema),
      }),
    ),
    roles: z.array(z.object({ name: z.string(), assignedAt: dateTime })),
  })
  .meta({ id: 'User', description: 'A person with the credentials, certificates and roles the sync outcome is about.' });

/** A person with the credentials, certificates and roles the sync outcome is about (not the run history). */
export function userRepresentation(user: UserDetails): z.infer<typeof userSchema> {
  return {
    id: user.id,
    username: user.username,
    displayName: user.displayName,
    givenName: user.givenName,
    surname: user.surname,
    email: user.email,
    employeeNumber: user.employeeNumber,
    state: user.state,
    source: user.source,
    ldapDn: user.ldapDn,
    lastSynchronizedAt: isoOrNull(user.lastSynchronizedAt),
    credentials: user.credentials.map((c) => ({
      id: c.id,
      type: c.type,
      state: c.state,
      label: c.label,
      certificates: c.certificates.map((cert) => ({
        serial: cert.serial,
        state: cert.state,
        subject: cert.subject,
        issuer: cert.issuer,
        validFrom: isoOrNull(cert.validFrom),
        validTo: isoOrNull(cert.validTo),
        // On hold: certificateHold and when it was put on hold; revoked: the reason and the revocation date.
        revocationReason: cert.revocationReason,
        revokedAt: isoOrNull(cert.revokedAt),
      })),
    })),
    roles: user.roles.map((r) => ({ name: r.name, assignedAt: iso(r.assignedAt) })),
  };
}
