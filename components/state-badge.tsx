import type { ReactNode } from 'react';

// One badge for every state the Identity Manager shows: users, credentials, certificates, runs
// and run items. Colour follows meaning (in force, paused, final/blocked, in progress); the text
// always says the state, so colour is never the only signal.

type Tone = 'green' | 'amber' | 'red' | 'blue' | 'slate';

const TONES: Record<Tone, string> = {
  green: 'bg-emerald-50 text-emerald-800 ring-emerald-600/25',
  amber: 'bg-amber-50 text-amber-900 ring-amber-600/30',
  red: 'bg-red-50 text-red-800 ring-red-600/25',
  blue: 'bg-brand-50 text-brand-800 ring-brand-600/25',
  slate: 'bg-slate-100 text-slate-700 ring-slate-500/25',
};

/** Known states: label and tone. Unknown values still render, in grey, as they are. */
export const STATES: Record<string, { label: string; tone: Tone }> = {
  // users and credentials
  ACTIVE: { label: 'Active', tone: 'green' },
  INACTIVE: { label: 'Inactive', tone: 'amber' },
  LOCKED: { label: 'Locked', tone: 'red' },
  // certificates
  VALID: { label: 'Valid', tone: 'green' },
  ON_HOLD: { label: 'On hold', tone: 'amber' },
  REVOKED: { label: 'Revoked', tone: 'red' },
  // runs
  QUEUED: { label: 'Queued', tone: 'blue' },
  RUNNING: { label: 'Running', tone: 'blue' },
  SUCCEEDED: { label: 'Succeeded', tone: 'green' },
  COMPLETED_WITH_ERRORS: { label: 'Completed with errors', tone: 'amber' },
  FAILED: { label: 'Failed', tone: 'red' },
  CANCELLED: { label: 'Cancelled', tone: 'slate' },
  THRESHOLD_EXCEEDED: { label: 'Threshold exceeded', tone: 'red' },
  // run items
  CREATED: { label: 'Created', tone: 'green' },
  UPDATED: { label: 'Updated', tone: 'blue' },
  UNCHANGED: { label: 'Unchanged', tone: 'slate' },
  // schedules (lib/batch-jobs/schedule-status.ts)
  SCHEDULED: { label: 'Scheduled', tone: 'green' },
  PAUSED: { label: 'Paused', tone: 'amber' },
  NOT_SCHEDULED: { label: 'Not scheduled', tone: 'slate' },
  NEVER_FIRES: { label: 'Never fires', tone: 'red' },
  // user sources
  LDAP: { label: 'LDAP', tone: 'slate' },
  LOCAL: { label: 'Local', tone: 'slate' },
};

export function stateLabel(state: string): string {
  return STATES[state]?.label ?? state;
}

/** A state as a small pill. `label` overrides the text (e.g. "Dry run"); `title` explains it. */
export function StateBadge({ state, label, title }: { state: string; label?: ReactNode; title?: string }) {
  const known = STATES[state];
  return (
    <span
      title={title}
      data-state={state}
      className={`inline-flex items-center rounded-full px-2 py-0.5 text-xs font-medium whitespace-nowrap ring-1 ring-inset ${TONES[known?.tone ?? 'slate']}`}
    >
      {label ?? known?.label ?? state}
    </span>
  );
}
