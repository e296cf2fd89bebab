import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { newPasswordSchema } from './accounts';
import { passwordWeakness } from './password-rule';

// Issue 15, finding 4: 12 spaces, `aaaaaaaaaaaa` and `111111111111` were accepted as passwords.
describe('the password rule', () => {
  it.each([
    '            ',
    ' \t \t \t \t \t \t ',
    '\u3000'.repeat(12),
    'aaaaaaaaaaaa',
    '111111111111',
    'abababababab',
    'abcabcabcabc',
    'abcdefghijkl',
    '123456789012',
    '1234567890123456',
    'qwertyuiopas',
    'qwertzuiopü+',
    'Password1234',
    'password1234',
    'P@ssw0rd2024!',
    'iloveyou1234',
    'adminadmin12',
    'administrator1',
    'identitymanager1',
    'letmeinletmein',
    'short',
    '',
  ])('refuses %j', (password) => {
    expect(passwordWeakness(password)).toEqual(expect.any(String));
    expect(newPasswordSchema.safeParse(password).success).toBe(false);
  });

  it('refuses a password built on the account\'s own name', () => {
    expect(passwordWeakness('jane.doe.jane.doe', ['jane.doe'])).toEqual(expect.any(String));
    expect(passwordWeakness('Margarethe-Pfeiffer1', ['mpfeiffer', 'Margarethe Pfeiffer'])).toEqual(expect.any(String));
  });

  it.each(['correct horse battery staple', 'Quiet-Harbour-Lantern-42', 'a long enough passphrase', 'the passphrase I chose myself', 'Tr0ub4dor&3xyz', 'Hüttenkäse mit Schnittlauch'])(
    'accepts %j',
    (password) => {
      expect(passwordWeakness(password)).toBeNull();
      expect(newPasswordSchema.safeParse(password).success).toBe(true);
    },
  );

  it('accepts the demo\'s generated passwords (16 random base64url characters), offline', () => {
    for (let i = 0; i < 50; i++) expect(passwordWeakness(randomBytes(12).toString('base64url'))).toBeNull();
  });

  it('says what is wrong in words a person can act on', () => {
    expect(passwordWeakness('            ')).toBe('A password cannot be empty or only spaces.');
    expect(passwordWeakness('Password1234')).toMatch(/too easy to guess.*commonly used password.*Use a few unrelated words/);
  });
});
