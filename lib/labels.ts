import type { CredentialType, RunStatus } from './generated/prisma/enums';

// The words the Identity Manager shows for its states and types, in one place: the pages, their
// badges (components/state-badge.tsx adds a colour), the run items' change texts and CSV, and the
// notifications all read them here.

/** Run statuses (batch_runs.status). */
export const RUN_STATUS_LABELS: Record<RunStatus, string> = {
  QUEUED: 'Queued',
  RUNNING: 'Running',
  SUCCEEDED: 'Succeeded',
  COMPLETED_WITH_ERRORS: 'Completed with errors',
  FAILED: 'Failed',
  CANCELLED: 'Cancelled',
  THRESHOLD_EXCEEDED: 'Threshold exceeded',
};

/** Every state the pages show, by its identifier (design brief: users, credentials, certificates; runs, items, schedules, sources). */
export const STATE_LABELS: Record<string, string> = {
  // users and credentials
  ACTIVE: 'Active',
  INACTIVE: 'Inactive',
  LOCKED: 'Locked',
  // certificates
  VALID: 'Valid',
  ON_HOLD: 'On hold',
  REVOKED: 'Revoked',
  ...RUN_STATUS_LABELS,
  // run items
  CREATED: 'Created',
  UPDATED: 'Updated',
  UNCHANGED: 'Unchanged',
  // schedules (lib/batch-jobs/schedule-status.ts)
  SCHEDULED: 'Scheduled',
  PAUSED: 'Paused',
  NOT_SCHEDULED: 'Not scheduled',
  NEVER_FIRES: 'Never fires',
  // user sources
  LDAP: 'LDAP',
  LOCAL: 'Local',
};

/** "On hold"; an unknown value as it is. */
export function stateLabel(state: string): string {
  return STATE_LABELS[state] ?? state;
}

/** "on hold": a state inside a sentence, the words of the outcome table. */
export function stateWord(state: string): string {
  return STATE_LABELS[state] ? STATE_LABELS[state].toLowerCase() : state.toLowerCase().replace(/_/g, ' ');
}

/** A user's source as the pages name it: Local, LDAP. */
export function sourceLabel(source: string): string {
  return stateLabel(source);
}

export const CREDENTIAL_TYPE_LABELS: Record<CredentialType, string> = {
  CARD: 'Card',
  TEMPORARY_CARD: 'Temporary card',
  VIRTUAL_SMART_CARD: 'Virtual smart card',
  MOBILE_ID: 'Mobile ID',
  SOFT_TOKEN: 'Soft token',
};

/** "Temporary card"; an unknown value as it is. */
export function credentialTypeLabel(type: string): string {
  return CREDENTIAL_TYPE_LABELS[type as CredentialType] ?? type;
}
