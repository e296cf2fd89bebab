import { describe, expect, it } from 'vitest';
import { LdapError } from '@/lib/ldap/errors';
import { TransientSyncError } from '@/lib/sync/run-batch-job';
import { createOutages, unavailableDependency } from './outages';

describe('outages', () => {
  it('says one line when a dependency goes away and one when it is back, whatever happens in between', () => {
    const lines: string[] = [];
    const outages = createOutages((line) => lines.push(line));
    outages.up('Redis');
    for (let i = 0; i < 50; i++) outages.down('Redis', new Error('connect ECONNREFUSED 127.0.0.1:6379'));
    outages.down('PostgreSQL', new Error('terminating connection due to administrator command'));
    expect(outages.isDown('Redis')).toBe(true);
    for (let i = 0; i < 3; i++) outages.up('Redis');
    outages.up('PostgreSQL');
    expect(lines.map((l) => l.replace(/[\d.]+ s$/, 'N s'))).toEqual([
      'Redis unavailable: connect ECONNREFUSED 127.0.0.1:6379',
      'PostgreSQL unavailable: terminating connection due to administrator command',
      'Redis available again after N s',
      'PostgreSQL available again after N s',
    ]);
    expect(outages.isDown('Redis')).toBe(false);
  });

  it('tells which dependency an error says is unavailable, through causes', () => {
    const lost = new LdapError('LDAP_CONNECTION_LOST', 'The connection to the directory was lost (Connection terminated).');
    expect(unavailableDependency(lost)).toBe('LDAP directory');
    expect(unavailableDependency(new TransientSyncError('LDAP_UNREACHABLE', 'down'))).toBe('LDAP directory');
    expect(unavailableDependency(new TransientSyncError('DATABASE_UNAVAILABLE', 'The database is unavailable'))).toBe('PostgreSQL');
    const terminated = Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });
    expect(unavailableDependency(new TransientSyncError('PAGE_APPLY_FAILED', 'A page could not be applied', { cause: terminated }))).toBe('PostgreSQL');
    expect(unavailableDependency(new TransientSyncError('PAGE_APPLY_FAILED', 'deadlock detected'))).toBeUndefined();
    expect(unavailableDependency(new LdapError('LDAP_INVALID_CREDENTIALS', 'wrong password'))).toBeUndefined();
    expect(unavailableDependency(undefined)).toBeUndefined();
  });
});
