import { describe, expect, it } from 'vitest';
import { signPayload, verifySignature } from './signature';
import { eventEnvelope, eventsForRunEnd, runEventData } from './events';

describe('webhook signatures', () => {
  const body = JSON.stringify({ id: 'evt_1', type: 'run.finished', data: { run: { id: 1 } } });

  it('signs t.body with HMAC-SHA256, Stripe-style, and verifies it', () => {
    const header = signPayload('whsec_test', body, 1_765_000_000);
    // Known answer: printf '1765000000.%s' "$body" | openssl dgst -sha256 -hmac whsec_test
    expect(header).toBe('t=1765000000,v1=60066812539f392a575848b0633ec0a91e38e3654981969f8444b532935005ab');
    expect(verifySignature('whsec_test', body, header, { now: 1_765_000_010 })).toBe(true);
  });

  it('refuses another secret, a changed body, a changed timestamp and an old signature', () => {
    const header = signPayload('whsec_test', body, 1_765_000_000);
    expect(verifySignature('whsec_other', body, header, { now: 1_765_000_000 })).toBe(false);
    expect(verifySignature('whsec_test', body.replace('1', '2'), header, { now: 1_765_000_000 })).toBe(false);
    expect(verifySignature('whsec_test', body, header.replace('t=1765000000', 't=1765000001'), { now: 1_765_000_000 })).toBe(false);
    expect(verifySignature('whsec_test', body, header, { now: 1_765_000_000 + 301 })).toBe(false);
    expect(verifySignature('whsec_test', body, 'garbage', { now: 1_765_000_000 })).toBe(false);
  });
});

describe('run events', () => {
  it('maps terminal statuses to events', () => {
    const real = { dryRun: false, confirmed: false };
    expect(eventsForRunEnd('SUCCEEDED', real)).toEqual(['run.finished']);
    expect(eventsForRunEnd('COMPLETED_WITH_ERRORS', real)).toEqual(['run.finished']);
    expect(eventsForRunEnd('CANCELLED', real)).toEqual(['run.finished']);
    expect(eventsForRunEnd('FAILED', real)).toEqual(['run.failed']);
    expect(eventsForRunEnd('THRESHOLD_EXCEEDED', real)).toEqual(['run.threshold_exceeded', 'run.confirmation_required']);
    expect(eventsForRunEnd('THRESHOLD_EXCEEDED', { dryRun: true, confirmed: false })).toEqual(['run.threshold_exceeded']);
    expect(eventsForRunEnd('RUNNING', real)).toEqual([]);
  });

  it('describes a run from its row, with an absolute link when the public URL is known', () => {
    const data = runEventData(
      { id: 7, job_key: 'inactive-ldap-users', status: 'FAILED', trigger: 'SCHEDULE', dry_run: false, confirmed: false, finished_at: new Date('2026-12-06T10:00:00Z'), created: 3, error_code: 'LDAP_UNREACHABLE', error: 'down' },
      'Synchronize inactive LDAP Users to Identity Manager',
      'https://idm.example.com/',
    );
    expect(data).toMatchObject({ id: 7, status: 'FAILED', finishedAt: '2026-12-06T10:00:00.000Z', counters: { created: 3, updated: 0 }, error: { code: 'LDAP_UNREACHABLE', message: 'down' }, url: 'https://idm.example.com/operator/runs/7' });
    expect(eventEnvelope({ id: 12n, type: 'run.failed', createdAt: new Date('2026-12-06T10:00:01Z'), data: {} })).toEqual({ id: 'evt_12', type: 'run.failed', createdAt: '2026-12-06T10:00:01.000Z', data: {} });
  });
});
