import { describe, expect, it } from 'vitest';
import { parseTrustProxy, resolveClientAddress, validIp } from './client-address';

const none = parseTrustProxy(undefined);
const at = (peer: string | null, forwardedFor: string | null = null) => ({ peer, forwardedFor });

describe('TRUST_PROXY', () => {
  it('parses nobody, a hop count, or a list of addresses and networks', () => {
    expect(parseTrustProxy(undefined)).toEqual({ kind: 'none' });
    expect(parseTrustProxy('')).toEqual({ kind: 'none' });
    expect(parseTrustProxy('none')).toEqual({ kind: 'none' });
    expect(parseTrustProxy('2')).toEqual({ kind: 'hops', hops: 2 });
    expect(parseTrustProxy('10.0.0.5, 10.1.0.0/16, fd00::/8, ::1')).toMatchObject({ kind: 'addresses' });
  });

  it.each(['11', 'true', '*', 'proxy.example.com', '10.0.0.0/33', '10.0.0.1/8/1', 'fd00::/129', '10.0.0.300', '10.0.0.0/x'])('refuses %j with what is expected', (value) => {
    expect(() => parseTrustProxy(value)).toThrow(/TRUST_PROXY/);
  });
});

describe('the client address', () => {
  it('trusting nobody: the peer, whatever X-Forwarded-For says', () => {
    expect(resolveClientAddress(at('203.0.113.7', '198.51.100.1'), none)).toBe('203.0.113.7');
    expect(resolveClientAddress(at('::ffff:127.0.0.1', 'evil'), none)).toBe('127.0.0.1');
    expect(resolveClientAddress(at(null, '198.51.100.1'), none)).toBeNull();
  });

  it('one trusted hop: the address the proxy appended, not what the client wrote before it', () => {
    const one = parseTrustProxy('1');
    expect(resolveClientAddress(at('10.0.0.5', '198.51.100.1'), one)).toBe('198.51.100.1');
    expect(resolveClientAddress(at('10.0.0.5', '6.6.6.6, 198.51.100.1'), one)).toBe('198.51.100.1');
    expect(resolveClientAddress(at('10.0.0.5', null), one)).toBe('10.0.0.5');
    expect(resolveClientAddress(at('10.0.0.5', '<script>, 198.51.100.1'), parseTrustProxy('2'))).toBeNull();
  });

  it('trusted addresses: walks past them from the right', () => {
    const trust = parseTrustProxy('10.0.0.0/8, ::1');
    expect(resolveClientAddress(at('10.0.0.5', '6.6.6.6, 198.51.100.1, 10.0.0.9'), trust)).toBe('198.51.100.1');
    expect(resolveClientAddress(at('203.0.113.7', '198.51.100.1'), trust)).toBe('203.0.113.7');
    expect(resolveClientAddress(at('::1', '2001:db8::1'), trust)).toBe('2001:db8::1');
    expect(resolveClientAddress(at('10.0.0.5', '10.0.0.6'), trust)).toBe('10.0.0.6');
  });

  it('never returns anything but a valid IP address (the audit log stores it)', () => {
    const one = parseTrustProxy('1');
    for (const forged of ["'; DROP TABLE audit_events; --", 'x'.repeat(5000), '999.1.1.1', 'unknown', '\u0000', '1.2.3.4:80']) {
      expect(resolveClientAddress(at('10.0.0.5', forged), one)).toBeNull();
    }
    expect(validIp('[2001:db8::1]')).toBe('2001:db8::1');
    expect(validIp('2001:DB8::1')).toBe('2001:db8::1');
  });
});
