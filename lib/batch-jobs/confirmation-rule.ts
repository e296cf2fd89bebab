import type { AccountRole } from '../auth/roles';

// Four-eyes on mass deactivation: who may confirm a run that stopped at its job's threshold.
//
// Pure (no I/O), so the same rule serves every confirmation: Confirm and run on a stopped run or
// restore (lib/runs/confirm-threshold-run.ts), a run or restore started already confirmed (Start
// now's confirm, the API's `confirm`, the restore's confirmation; all through
// lib/runs/start-job-run.ts). The rule is a per-job setting (jobOptions.confirmationRule);
// a stopped run records the rule it stopped under (its threshold check), see stricterRule.

/**
 * - `OPERATOR`: whoever may start the job may confirm: the operator who started the run, or any
 *   other operator or administrator. This is what the product did before the setting existed,
 *   and the default (an operator could always start a run and confirm it themselves, so limiting
 *   confirmation to the very person who started it would protect nothing and would leave
 *   scheduled runs, started by nobody, without anyone allowed to confirm them).
 * - `ADMINISTRATOR`: any administrator, including the one who started the run.
 * - `TWO_PERSON`: an administrator other than the one who started the run and other than the one
 *   who last changed the job's filter, threshold or confirmation rule. A run can then never be started confirmed: it stops at the
 *   threshold and a second administrator confirms it.
 */
// From the least to the most strict (stricterRule relies on the order).
export const CONFIRMATION_RULES = ['OPERATOR', 'ADMINISTRATOR', 'TWO_PERSON'] as const;
export type ConfirmationRule = (typeof CONFIRMATION_RULES)[number];

/** Jobs saved before the setting existed keep today's behaviour. */
export const DEFAULT_CONFIRMATION_RULE: ConfirmationRule = 'OPERATOR';

export const CONFIRMATION_RULE_LABELS: Record<ConfirmationRule, string> = {
  OPERATOR: 'The operator who started the run (any operator or administrator)',
  ADMINISTRATOR: 'Any administrator',
  TWO_PERSON: 'A different administrator (two-person rule)',
};

export const CONFIRMATION_RULE_DESCRIPTIONS: Record<ConfirmationRule, string> = {
  OPERATOR: 'Whoever may start the job may confirm a run that stopped at the threshold, including the person who started it.',
  ADMINISTRATOR: 'Only an administrator may confirm; operators see the count and ask one.',
  TWO_PERSON:
    'Only an administrator who neither started the run nor last changed this job\'s filter, threshold or rule may confirm. Runs can no longer be started already confirmed.',
};

export type ConfirmingActor = {
  /** The account username (or what the run records for an API token, api-token:NAME). */
  username: string;
  role: AccountRole;
  /** Other names of the same person: for an API token, the administrator who created it. */
  aliases?: readonly string[];
};

export type ConfirmationContext = {
  actor: ConfirmingActor;
  /** Who started the run to confirm; null for the scheduler. For a run started confirmed: the actor. */
  startedBy: string | null;
  /** Who last changed the job's filter, threshold or rule (batch_jobs.filter_changed_by); null when unknown. */
  filterChangedBy: string | null;
  /** Other names of the starter (the creator of the API token that started it). */
  startedByAliases?: readonly string[];
};

/**
 * `reason` says which rule refuses and why (for a page that explains before anyone clicks);
 * `message` adds that nothing was started and what to do (for a refused request).
 */
export type ConfirmationDecision = { allowed: true } | { allowed: false; reason: string; message: string };

function names(primary: string | null, aliases: readonly string[] | undefined): Set<string> {
  const all = new Set<string>();
  if (primary) all.add(primary);
  for (const alias of aliases ?? []) if (alias) all.add(alias);
  return all;
}

function refuse(reason: string, ask: string): ConfirmationDecision {
  return { allowed: false, reason, message: `${reason} Nothing was started: ${ask}` };
}

/**
 * May this actor confirm? The refusal names the rule and, for the two-person rule, why this
 * administrator may not. Usernames compare exactly, as the product stores them (lower-case).
 */
export function mayConfirm(rule: ConfirmationRule, context: ConfirmationContext): ConfirmationDecision {
  const { actor } = context;
  if (rule === 'OPERATOR') {
    return actor.role === 'OPERATOR' || actor.role === 'ADMINISTRATOR'
      ? { allowed: true }
      : refuse('Only an operator or an administrator may confirm a run above the threshold.', 'sign in with such an account.');
  }
  if (actor.role !== 'ADMINISTRATOR') {
    return rule === 'ADMINISTRATOR'
      ? refuse("This job's rule is that only an administrator may confirm a run above the threshold.", 'ask an administrator to confirm it.')
      : refuse(
          "This job's rule is that a different administrator (two-person rule) must confirm a run above the threshold.",
          'ask an administrator who neither started the run nor last changed the filter.',
        );
  }
  if (rule === 'ADMINISTRATOR') return { allowed: true };

  const actorNames = names(actor.username, actor.aliases);
  const started = [...names(context.startedBy, context.startedByAliases)].some((n) => actorNames.has(n));
  const changed = [...names(context.filterChangedBy, undefined)].some((n) => actorNames.has(n));
  if (!started && !changed) return { allowed: true };
  const why =
    started && changed ? "started this run and last changed the job's filter or threshold settings" : started ? 'started this run' : "last changed the job's filter or threshold settings";
  return refuse(
    `This job's rule is that a different administrator (two-person rule) must confirm a run above the threshold, and you ${why}.`,
    'ask another administrator to confirm it.',
  );
}

/** Who may still confirm, in a sentence for the run page ("Needs confirmation by …"). */
export function confirmationRequirement(rule: ConfirmationRule, context: { startedBy: string | null; filterChangedBy: string | null }): string {
  if (rule === 'OPERATOR') return 'Needs confirmation by an operator or an administrator.';
  if (rule === 'ADMINISTRATOR') return 'Needs confirmation by an administrator.';
  const excluded = [...new Set([context.startedBy, context.filterChangedBy].filter((n): n is string => !!n))];
  return excluded.length === 0
    ? 'Needs confirmation by an administrator (two-person rule).'
    : `Needs confirmation by a different administrator than ${excluded.join(' and ')} (two-person rule).`;
}

/**
 * The rule a stopped run is confirmed under: the stricter of the one recorded when it stopped (its
 * threshold check) and the job's current one. Weakening the job's rule after a run stopped does
 * not let its starter confirm it; tightening it applies at once.
 */
export function stricterRule(recorded: ConfirmationRule | null | undefined, current: ConfirmationRule): ConfirmationRule {
  if (!recorded) return current;
  return CONFIRMATION_RULES.indexOf(recorded) > CONFIRMATION_RULES.indexOf(current) ? recorded : current;
}

export function parseConfirmationRule(raw: unknown): ConfirmationRule {
  return (CONFIRMATION_RULES as readonly unknown[]).includes(raw) ? (raw as ConfirmationRule) : DEFAULT_CONFIRMATION_RULE;
}
