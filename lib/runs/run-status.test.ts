import { describe, expect, it } from 'vitest';
import { nextStepFor, nextStepForRestore } from './run-status';

describe('nextStepFor', () => {
  it('has nothing to add to a run that succeeded or is still going', () => {
    expect(nextStepFor('SUCCEEDED', null)).toBeNull();
    expect(nextStepFor('RUNNING', null)).toBeNull();
  });

  it('sends directory problems to the administrator and queue problems to the services', () => {
    expect(nextStepFor('FAILED', 'LDAP_INVALID_CREDENTIALS')).toMatch(/LDAP connection settings/);
    expect(nextStepFor('FAILED', 'QUEUE_UNAVAILABLE')).toMatch(/Redis/);
    expect(nextStepFor('FAILED', 'SOMETHING_ELSE')).toMatch(/Start the job again/);
  });

  it('says that nothing changed when the threshold stopped a run', () => {
    expect(nextStepFor('THRESHOLD_EXCEEDED', 'THRESHOLD_EXCEEDED')).toMatch(/Nothing was changed/);
  });
});

describe('nextStepForRestore', () => {
  it('speaks of conflicts and restoring again, not of failures and starting the job', () => {
    expect(nextStepForRestore('SUCCEEDED', null, false)).toBeNull();
    expect(nextStepForRestore('COMPLETED_WITH_ERRORS', null, false)).toMatch(/restored.*conflicts.*"Conflict"/);
    expect(nextStepForRestore('COMPLETED_WITH_ERRORS', null, true)).toMatch(/skip them and list them as conflicts/);
    expect(nextStepForRestore('CANCELLED', 'CANCELLED', false)).toMatch(/Restore the run again/);
    expect(nextStepForRestore('THRESHOLD_EXCEEDED', 'THRESHOLD_EXCEEDED', false)).toMatch(/Nothing was restored.*confirms the restore/);
    for (const status of ['COMPLETED_WITH_ERRORS', 'CANCELLED', 'FAILED', 'THRESHOLD_EXCEEDED'] as const) expect(nextStepForRestore(status, null, false)).not.toMatch(/synchroniz|Start the job/i);
  });
});
