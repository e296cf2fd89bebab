import { describe, expect, it } from 'vitest';
import { asciiFold, demoPeople, escapeDnValue, toLdif } from './demo-data';

describe('demo directory', () => {
  const people = demoPeople();

  it('is deterministic', () => {
    expect(demoPeople()).toEqual(people);
    expect(demoPeople({ seed: 1 })).not.toEqual(people);
  });

  it('has about 300 people with unique uids, DNs and employee numbers, about 15% inactive', () => {
    expect(people).toHaveLength(300);
    expect(new Set(people.map((p) => p.uid.toLowerCase())).size).toBe(300);
    expect(new Set(people.map((p) => p.dn.toLowerCase())).size).toBe(300);
    expect(new Set(people.map((p) => p.employeeNumber)).size).toBe(300);
    const inactive = people.filter((p) => !p.active).length / people.length;
    expect(inactive).toBeGreaterThan(0.08);
    expect(inactive).toBeLessThan(0.25);
    expect(new Set(people.map((p) => p.department)).size).toBeGreaterThanOrEqual(4);
  });

  it('includes non-ASCII names and DNs that need escaping', () => {
    expect(people.map((p) => p.displayName)).toEqual(expect.arrayContaining(['Åsa Öberg', 'José Muñoz']));
    expect(people.some((p) => p.givenName === 'Zoë')).toBe(true);
    // A Chinese name, surname first as it is written; Greek, Cyrillic and Arabic ones.
    expect(people.find((p) => p.uid === 'wwang')).toMatchObject({ givenName: '伟', sn: '王', cn: '王伟', displayName: '王伟', mail: 'wwang@example.com' });
    expect(people.map((p) => p.displayName)).toEqual(expect.arrayContaining(['Γιώργος Παπαδόπουλος', 'Ольга Иванова', 'فاطمة الزهراني']));
    expect(people.find((p) => p.uid === 'jsmith')?.dn).toBe(
      'cn=Smith\\, John+uid=jsmith,ou=Finance,ou=people,dc=example,dc=com',
    );
    expect(people.find((p) => p.uid === 'mgarcia+contractor')?.rdn).toBe('uid=mgarcia\\+contractor');
  });

  it('escapes DN values and folds names to ASCII', () => {
    expect(escapeDnValue('a,b+c"d\\e<f>g;h')).toBe('a\\,b\\+c\\"d\\\\e\\<f\\>g\\;h');
    expect(escapeDnValue(' #x ')).toBe('\\ #x\\ ');
    expect(asciiFold('Østergaard')).toBe('ostergaard');
    expect(asciiFold('Wiśniewski')).toBe('wisniewski');
    expect(asciiFold("O'Brien")).toBe('obrien');
  });

  it('writes LDIF with base64 for non-ASCII values and both inactivity markers', () => {
    const ldif = toLdif(people);
    const aoberg = ldif.split('\n\n').find((b) => b.includes('uid: aoberg'));
    expect(aoberg).toContain(`cn:: ${Buffer.from('Åsa Öberg').toString('base64')}`);
    expect(aoberg).toContain('employeeType: active');
    expect(aoberg).not.toContain('pwdAccountLockedTime');
    const blocks = ldif.split('\n\n');
    const locked = blocks.filter((b) => b.includes('pwdAccountLockedTime: 20260101000000Z'));
    const inactive = blocks.filter((b) => b.includes('employeeType: inactive'));
    expect(locked).toEqual(inactive);
    expect(locked).toHaveLength(people.filter((p) => !p.active).length);
    expect(ldif).toContain('dn: ou=services,dc=example,dc=com');
  });
});
