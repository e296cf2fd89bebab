import type { ReactNode } from 'react';
import { stateLabel } from '@/lib/labels';

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

/** The colour of each known state (its words: lib/labels.ts). Unknown values render in grey, as they are. */
const STATE_TONES: Record<string, Tone> = {
  // users and credentials
  ACTIVE: 'green',
  INACTIVE: 'amber',
  LOCKED: 'red',
  // certificates
  VALID: 'green',
  ON_HOLD: 'amber',
  REVOKED: 'red',
  // runs
  QUEUED: 'blue',
  RUNNING: 'blue',
  SUCCEEDED: 'green',
  COMPLETED_WITH_ERRORS: 'amber',
  FAILED: 'red',
  CANCELLED: 'slate',
  THRESHOLD_EXCEEDED: 'red',
  // run items
  CREATED: 'green',
  UPDATED: 'blue',
  UNCHANGED: 'slate',
  // schedules
  SCHEDULED: 'green',
  PAUSED: 'amber',
  NOT_SCHEDULED: 'slate',
  NEVER_FIRES: 'red',
  // user sources
  LDAP: 'slate',
  LOCAL: 'slate',
};

/** A state as a small pill. `label` overrides the text (e.g. "Dry run"); `title` explains it. */
export function StateBadge({ state, label, title }: { state: string; label?: ReactNode; title?: string }) {
  return (
    <span
      title={title}
      data-state={state}
      className={`inline-flex items-center rounded-full px-2 py-0.5 text-xs font-medium whitespace-nowrap ring-1 ring-inset ${TONES[STATE_TONES[state] ?? 'slate']}`}
    >
      {label ?? stateLabel(state)}
    </span>
  );
}
