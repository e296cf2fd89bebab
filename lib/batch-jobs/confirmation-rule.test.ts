import { describe, expect, it } from 'vitest';
import { confirmationRequirement, mayConfirm, stricterRule, type ConfirmationRule } from './confirmation-rule';

type Row = {
  rule: ConfirmationRule;
  actor: { username: string; role: 'OPERATOR' | 'ADMINISTRATOR'; aliases?: string[] };
  startedBy: string | null;
  filterChangedBy: string | null;
  startedByAliases?: string[];
  allowed: boolean;
  message?: RegExp;
};

const op = (username: string) => ({ username, role: 'OPERATOR' as const });
const admin = (username: string, aliases?: string[]) => ({ username, role: 'ADMINISTRATOR' as const, ...(aliases ? { aliases } : {}) });

const table: Row[] = [
  // OPERATOR: today's behaviour, whoever may start runs.
  { rule: 'OPERATOR', actor: op('olivia'), startedBy: 'olivia', filterChangedBy: 'alice', allowed: true },
  { rule: 'OPERATOR', actor: op('oscar'), startedBy: 'olivia', filterChangedBy: null, allowed: true },
  { rule: 'OPERATOR', actor: op('oscar'), startedBy: null, filterChangedBy: null, allowed: true },
  { rule: 'OPERATOR', actor: admin('alice'), startedBy: 'alice', filterChangedBy: 'alice', allowed: true },
  // ADMINISTRATOR: any administrator, the starter included; never an operator.
  { rule: 'ADMINISTRATOR', actor: op('olivia'), startedBy: 'olivia', filterChangedBy: null, allowed: false, message: /only an administrator may confirm/ },
  { rule: 'ADMINISTRATOR', actor: admin('alice'), startedBy: 'alice', filterChangedBy: 'alice', allowed: true },
  { rule: 'ADMINISTRATOR', actor: admin('bob'), startedBy: 'olivia', filterChangedBy: 'alice', allowed: true },
  // TWO_PERSON: an administrator who neither started the run nor last changed the filter.
  { rule: 'TWO_PERSON', actor: op('olivia'), startedBy: null, filterChangedBy: null, allowed: false, message: /different administrator \(two-person rule\)/ },
  { rule: 'TWO_PERSON', actor: admin('alice'), startedBy: 'alice', filterChangedBy: null, allowed: false, message: /you started this run/ },
  { rule: 'TWO_PERSON', actor: admin('alice'), startedBy: 'olivia', filterChangedBy: 'alice', allowed: false, message: /you last changed the job's filter/ },
  { rule: 'TWO_PERSON', actor: admin('alice'), startedBy: 'alice', filterChangedBy: 'alice', allowed: false, message: /started this run and last changed/ },
  { rule: 'TWO_PERSON', actor: admin('bob'), startedBy: 'alice', filterChangedBy: 'alice', allowed: true },
  { rule: 'TWO_PERSON', actor: admin('bob'), startedBy: null, filterChangedBy: null, allowed: true },
  { rule: 'TWO_PERSON', actor: admin('bob'), startedBy: 'olivia', filterChangedBy: 'alice', allowed: true },
  // The same person behind an API token is the same person.
  { rule: 'TWO_PERSON', actor: admin('api-token:ci', ['alice']), startedBy: 'alice', filterChangedBy: null, allowed: false, message: /you started this run/ },
  { rule: 'TWO_PERSON', actor: admin('alice'), startedBy: 'api-token:ci', startedByAliases: ['alice'], filterChangedBy: null, allowed: false, message: /you started this run/ },
  { rule: 'TWO_PERSON', actor: admin('api-token:ci', ['alice']), startedBy: 'olivia', filterChangedBy: 'alice', allowed: false, message: /last changed/ },
  // Usernames compare exactly: "Alice" is another account than "alice".
  { rule: 'TWO_PERSON', actor: admin('bob'), startedBy: 'Bob ', filterChangedBy: null, allowed: true },
];

describe('mayConfirm', () => {
  it.each(table)('$rule: $actor.role $actor.username (started by $startedBy, filter by $filterChangedBy) -> $allowed', (row) => {
    const decision = mayConfirm(row.rule, {
      actor: row.actor,
      startedBy: row.startedBy,
      filterChangedBy: row.filterChangedBy,
      ...(row.startedByAliases ? { startedByAliases: row.startedByAliases } : {}),
    });
    expect(decision.allowed).toBe(row.allowed);
    if (!decision.allowed) expect(decision.message).toMatch(row.message ?? /./);
  });
});

describe('confirmationRequirement', () => {
  it('names who may not confirm under the two-person rule', () => {
    expect(confirmationRequirement('TWO_PERSON', { startedBy: 'alice', filterChangedBy: 'alice' })).toBe(
      'Needs confirmation by a different administrator than alice (two-person rule).',
    );
    expect(confirmationRequirement('TWO_PERSON', { startedBy: 'olivia', filterChangedBy: 'alice' })).toMatch(/than olivia and alice/);
    expect(confirmationRequirement('ADMINISTRATOR', { startedBy: 'olivia', filterChangedBy: null })).toBe('Needs confirmation by an administrator.');
  });
});

describe('stricterRule', () => {
  it('keeps the stricter of the recorded and the current rule, and the current one when none was recorded', () => {
    for (const [recorded, current, expected] of [
      ['TWO_PERSON', 'OPERATOR', 'TWO_PERSON'],
      ['OPERATOR', 'TWO_PERSON', 'TWO_PERSON'],
      ['ADMINISTRATOR', 'OPERATOR', 'ADMINISTRATOR'],
      ['ADMINISTRATOR', 'ADMINISTRATOR', 'ADMINISTRATOR'],
      [null, 'OPERATOR', 'OPERATOR'],
      [undefined, 'ADMINISTRATOR', 'ADMINISTRATOR'],
    ] as const) {
      expect(stricterRule(recorded, current)).toBe(expected);
    }
  });
});
