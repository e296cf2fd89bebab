import { describe, expect, it } from 'vitest';
import { cacheKeys, decodeView, encodeView } from './operator-cache';

describe('operator cache encoding', () => {
  it('keeps dates as dates and everything else as JSON', () => {
    const cachedAt = new Date('2026-11-28T14:02:00.000Z');
    const value = { jobs: [{ key: 'inactive-ldap-users', nextExecutionAt: new Date('2026-11-29T02:00:00.000Z'), lastRun: null, label: '2026-11-28' }] };
    const decoded = decodeView<typeof value>(encodeView(value, cachedAt));
    expect(decoded.cachedAt).toEqual(cachedAt);
    expect(decoded.value.jobs[0]!.nextExecutionAt).toBeInstanceOf(Date);
    expect(decoded.value).toEqual(value);
  });

  it('puts the generation into every view key, under the installation prefix', () => {
    const keys = cacheKeys('acme');
    expect(keys.generation).toBe('acme:operator-cache:generation');
    expect(keys.view(7, 'scheduled-jobs')).toBe('acme:operator-cache:g7:scheduled-jobs');
  });
});
