import { scheduleState, type JobWithStatus } from '@/lib/batch-jobs';
import type { RunSummary } from '@/lib/runs/run-summary';
import type { ResolvedJobOptions } from '@/lib/sync/job-options';
import { parseThresholdCheck } from '@/lib/sync/threshold';
import { storedWatermark } from '@/lib/sync/delta';
import type { UserDetails } from '@/lib/users/get-user-details';
import type { ConfirmationRule } from '@/lib/batch-jobs/confirmation-rule';
import type { Refusal, RefusalCode } from '@/lib/errors/error-codes';
import { ApiError } from './errors';

// What API v1 answers: stable field names, ISO dates, no internals (no hashes, no options blob).

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

export function runRepresentation(run: RunSummary) {
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
    confirmedAt: run.confirmedAt,
    restoreOfRunId: run.restoreOfRunId,
    thresholdCheck: parseThresholdCheck(run.thresholdCheck),
    kind: run.runKind,
    watermark: { from: storedWatermark(run.watermarkFrom), to: storedWatermark(run.watermarkTo) },
    fullRunReason: run.fullRunReason,
    queuedAt: run.queuedAt,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    cancelRequestedAt: run.cancelRequestedAt,
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

/** What a job runs with (read-only here: options are changed on the job page), never the stored blob. */
export function jobOptionsRepresentation(options: ResolvedJobOptions) {
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

/** `options`: the job's effective options; null when its saved options are incomplete, absent when not read. */
export function jobRepresentation(job: JobWithStatus, options?: ResolvedJobOptions | null) {
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
    /** Deprecated: !paused. */
    enabled: !job.paused,
    nextRunAt: job.nextExecutionAt,
    version: job.version,
    updatedAt: job.updatedAt,
    updatedBy: job.updatedBy,
    filterChangedBy: job.filterChangedBy,
    filterChangedAt: job.filterChangedAt,
    activeRun: job.activeRun ? runRepresentation(job.activeRun) : null,
    lastRun: job.lastRun ? runRepresentation(job.lastRun) : null,
    lastFinishedRun: job.lastFinishedRun ? runRepresentation(job.lastFinishedRun) : null,
    ...(options !== undefined ? { options: options && jobOptionsRepresentation(options) } : {}),
  };
}

/** A person with the credentials, certificates and roles the sync outcome is about (not the run history). */
export function userRepresentation(user: UserDetails) {
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
    lastSynchronizedAt: user.lastSynchronizedAt,
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
        validFrom: cert.validFrom,
        validTo: cert.validTo,
        // On hold: certificateHold and when it was put on hold; revoked: the reason and the revocation date.
        revocationReason: cert.revocationReason,
        revokedAt: cert.revokedAt,
      })),
    })),
    roles: user.roles.map((r) => ({ name: r.name, assignedAt: r.assignedAt })),
  };
}
