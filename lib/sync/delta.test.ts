import { describe, expect, it } from 'vitest';
import { shiftGeneralizedTime } from '../ldap/directory-clock';
import { deltaFilter, watermarkAt, watermarkUnusable, type Watermark } from './delta';

const dc = (more: Partial<Extract<Watermark, { type: 'usn' }>> = {}): Watermark => ({ type: 'usn', usn: '5000', invocationId: 'a1b2c3d4-0000-0000-0000-000000000001', dnsHostName: 'dc1.acme.test', ...more });

describe('delta watermarks', () => {
  it("records the server's time minus the overlap, across a day and a year", () => {
    expect(watermarkAt({ clock: { type: 'modifyTimestamp', serverTime: '20270101000030Z', source: 'test' } }, 60)).toEqual({ type: 'modifyTimestamp', value: '20261231235930Z' });
    expect(shiftGeneralizedTime('20261206140000Z', 0)).toBe('20261206140000Z');
    expect(() => shiftGeneralizedTime('2026-12-06', 0)).toThrow(/GeneralizedTime/);
    expect(watermarkAt({ clock: null, reason: 'no monitor' }, 60)).toBeNull();
  });

  it('reads what changed since the watermark, with the job filter kept whole and the value escaped', () => {
    expect(deltaFilter('(&(objectClass=inetOrgPerson)(pwdAccountLockedTime=*))', { type: 'modifyTimestamp', value: '20261206140000Z' })).toBe(
      '(&(&(objectClass=inetOrgPerson)(pwdAccountLockedTime=*))(modifyTimestamp>=20261206140000Z))',
    );
    // uSNChanged above the recorded highestCommittedUSN, past 2^53.
    expect(deltaFilter('(objectClass=user)', dc({ usn: '9007199254740993' }))).toBe('(&(objectClass=user)(uSNChanged>=9007199254740994))');
  });

  it('refuses a watermark from another domain controller, another directory type, or a clock or USN that went back', () => {
    expect(watermarkUnusable(dc(), dc({ usn: '6000' }))).toBeNull();
    expect(watermarkUnusable(dc(), dc({ invocationId: 'a1b2c3d4-0000-0000-0000-000000000002' }))).toMatch(/another domain controller/);
    expect(watermarkUnusable(dc(), dc({ dnsHostName: 'dc2.acme.test' }))).toMatch(/another domain controller/);
    expect(watermarkUnusable(dc(), dc({ usn: '4999' }))).toMatch(/went back/);
    expect(watermarkUnusable(dc(), { type: 'modifyTimestamp', value: '20261206140000Z' })).toMatch(/directory type changed/);
    expect(watermarkUnusable({ type: 'modifyTimestamp', value: '20261206140000Z' }, { type: 'modifyTimestamp', value: '20261206135959Z' })).toMatch(/clock went back/);
    expect(watermarkUnusable({ type: 'modifyTimestamp', value: '20261206140000Z' }, { type: 'modifyTimestamp', value: '20261206140000Z' })).toBeNull();
  });
});
