import { describe, expect, it } from 'vitest';
import { runCounterLabels, runItemCsvOutcome, runItemOutcomeLabels, runProgressWords } from './run-vocabulary';

describe('the words of a run\'s counters and items', () => {
  const sync = { restoreOfRunId: null, dryRun: false };
  const restore = { restoreOfRunId: 12, dryRun: false };
  const preview = { restoreOfRunId: 12, dryRun: true };

  it('names a sync run\'s counters as the sync does', () => {
    expect(runCounterLabels(sync).map((c) => c.label)).toEqual(['Created', 'Updated', 'Unchanged', 'Failed', 'Credentials changed', 'Certificates changed', 'Roles withdrawn']);
    expect(runProgressWords(sync).read).toBe('Entries read');
  });

  it('names a restore run\'s counters in the restore\'s words, irreversible included, never the sync\'s', () => {
    const labels = runCounterLabels(restore);
    expect(labels.map((c) => [c.key, c.id, c.label])).toEqual([
      ['updated', 'restored', 'Restored'],
      ['unchanged', 'unchanged', 'Unchanged (kept, already restored)'],
      ['failed', 'conflicts', 'Conflicts (skipped)'],
      ['irreversible', 'irreversible', 'Irreversible'],
      ['credentialsChanged', 'credentialsRestored', 'Credentials restored'],
      ['certificatesChanged', 'certificatesReleased', 'Certificates released'],
      ['rolesWithdrawn', 'rolesGranted', 'Roles granted again'],
    ]);
    for (const run of [restore, preview]) {
      const words = runCounterLabels(run).map((c) => c.label).join(' ');
      expect(words).not.toMatch(/withdrawn|Created|Failed|Updated|\bchanged\b/);
    }
    expect(runCounterLabels(preview).map((c) => c.label)).toContain('To restore');
    expect(runProgressWords(restore).read).toBe('Users checked');
  });

  it('names a restore\'s items restored, unchanged or conflict', () => {
    expect(runItemOutcomeLabels(restore)).toMatchObject({ UPDATED: 'Restored', UNCHANGED: 'Unchanged', FAILED: 'Conflict' });
    expect(runItemOutcomeLabels(preview)).toMatchObject({ UPDATED: 'To restore', FAILED: 'Conflict' });
    expect(runItemOutcomeLabels(sync)).toMatchObject({ UPDATED: 'Updated', FAILED: 'Failed' });
    expect(runItemCsvOutcome('FAILED', true)).toBe('CONFLICT');
    expect(runItemCsvOutcome('UPDATED', true)).toBe('RESTORED');
    expect(runItemCsvOutcome('UPDATED', false)).toBe('UPDATED');
  });
});
