import { describe, expect, it } from 'vitest';
import { apiTokenStatus } from './api-token-status';

const now = new Date('2026-12-06T12:00:00Z');
const token = (over: Partial<{ role: 'ADMINISTRATOR' | 'OPERATOR'; revokedAt: Date | null; expiresAt: Date | null }> = {}) => ({ role: 'OPERATOR' as const, revokedAt: null, expiresAt: null, ...over });
const admin = { username: 'alice', disabled: false, role: 'ADMINISTRATOR' as const };

describe('apiTokenStatus', () => {
  it('is active while its creator is enabled and holds the role', () => {
    expect(apiTokenStatus(token(), admin, now)).toEqual({ status: 'active' });
    expect(apiTokenStatus(token({ role: 'ADMINISTRATOR', expiresAt: new Date('2027-01-01') }), admin, now)).toEqual({ status: 'active' });
    expect(apiTokenStatus(token(), { ...admin, role: 'OPERATOR' }, now)).toEqual({ status: 'active' });
  });

  it('revoked and expired come first', () => {
    expect(apiTokenStatus(token({ revokedAt: now }), { ...admin, disabled: true }, now).status).toBe('revoked');
    expect(apiTokenStatus(token({ expiresAt: now }), null, now).status).toBe('expired');
  });

  it('is inactive, saying why, when its creator is deleted, disabled or lost the role', () => {
    expect(apiTokenStatus(token(), null, now)).toMatchObject({ status: 'inactive', reason: 'creator_deleted' });
    expect(apiTokenStatus(token(), { ...admin, disabled: true }, now)).toMatchObject({ status: 'inactive', reason: 'creator_disabled', explanation: expect.stringContaining('alice is disabled') });
    expect(apiTokenStatus(token({ role: 'ADMINISTRATOR' }), { ...admin, role: 'OPERATOR' }, now)).toMatchObject({
      status: 'inactive',
      reason: 'creator_lacks_role',
      explanation: expect.stringContaining('alice is no longer an Administrator'),
    });
  });
});
