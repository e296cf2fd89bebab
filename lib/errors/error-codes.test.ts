import { describe, expect, it } from 'vitest';
import { REFUSALS, RUN_ERRORS, isRunErrorCode, runErrorOf } from './error-codes';
import { LdapError } from '../ldap/errors';
import { nextStepFor } from '../runs/run-status';
import { ApiError } from '../api/errors';
import { refusalError } from '../api/v1-representations';
import type { RunSummary } from '../runs/run-summary';

describe('the error vocabulary', () => {
  it('keeps its two families apart by case, so a stored run code never reads as an API code', () => {
    for (const code of Object.keys(REFUSALS)) expect(code).toMatch(/^[a-z]+(_[a-z]+)*$/);
    for (const code of Object.keys(RUN_ERRORS)) expect(code).toMatch(/^[A-Z]+(_[A-Z]+)*$/);
  });

  it('retries exactly the failures a later attempt may cure', () => {
    const transient = Object.entries(RUN_ERRORS).filter(([, e]) => e.transient).map(([code]) => code);
    expect(transient.sort()).toEqual(['DATABASE_UNAVAILABLE', 'LDAP_CONNECTION_LOST', 'LDAP_MALFORMED_RESPONSE', 'LDAP_TIMEOUT', 'LDAP_UNREACHABLE', 'PAGE_APPLY_FAILED']);
    expect(new LdapError('LDAP_TIMEOUT', 'slow').transient).toBe(true);
    expect(new LdapError('LDAP_INVALID_CREDENTIALS', 'wrong').transient).toBe(false);
  });

  it("gives the run page the code's next step, and a general one for a code it does not know", () => {
    expect(nextStepFor('FAILED', 'LDAP_INVALID_CREDENTIALS')).toMatch(/LDAP connection settings/);
    expect(nextStepFor('FAILED', 'QUEUE_UNAVAILABLE')).toMatch(/Redis/);
    expect(nextStepFor('FAILED', 'INVALID_JOB_OPTIONS')).toMatch(/job's options/);
    expect(nextStepFor('FAILED', 'SOMETHING_FROM_AN_OLDER_VERSION')).toMatch(/give the error above to your administrator/);
    expect(isRunErrorCode('toString')).toBe(false);
    expect(runErrorOf(null)).toBeNull();
  });

  it("answers a use case's refusal in the API with the table's status and the runs in their API representation", () => {
    const run = { id: 7, jobKey: 'inactive-ldap-users', status: 'RUNNING', queuedAt: new Date('2026-12-06T10:00:00Z'), startedAt: new Date('2026-12-06T10:00:01Z'), finishedAt: null } as unknown as RunSummary;
    const error = refusalError({ code: 'run_already_active', message: 'Run #7 is running.', activeRun: run });
    expect(error).toBeInstanceOf(ApiError);
    expect(error.status).toBe(409);
    expect(error.body()).toMatchObject({ code: 'run_already_active', message: 'Run #7 is running.', activeRun: { id: 7, status: 'RUNNING' } });
    expect(refusalError({ code: 'confirmation_refused', message: 'Another administrator must confirm.', rule: 'TWO_PERSON' }).body()).toEqual({
      code: 'confirmation_refused',
      message: 'Another administrator must confirm.',
      rule: 'TWO_PERSON',
    });
    for (const [code, { status }] of Object.entries(REFUSALS)) expect(new ApiError(code as keyof typeof REFUSALS, 'x').status).toBe(status);
  });
});
