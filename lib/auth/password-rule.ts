import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import * as common from '@zxcvbn-ts/language-common';
import * as english from '@zxcvbn-ts/language-en';

// What a new password of an application account must be. Length first (NIST SP 800-63B: no
// composition rules), then an offline strength estimate (zxcvbn-ts: its dictionaries of common
// passwords, names and words, and its patterns for repeats, sequences, keyboard walks, dates and
// l33t, all shipped in the npm packages: nothing is fetched at run time). It refuses what a
// cracker tries first: 12 spaces, `aaaaaaaaaaaa`, `111111111111`, `abcdefghijkl`, `Password1234`,
// `qwertyuiopas`, or the account's own name.

export const MIN_PASSWORD_LENGTH = 12;
export const MAX_PASSWORD_LENGTH = 256;
/** zxcvbn's score 3: about 10^8 guesses or more ("safely unguessable: moderate protection from offline slow-hash scenario"); with scrypt and throttled sign-in, enough. */
const MIN_SCORE = 3;

/** Words of this product and its vocabulary: a password made of them is guessed early. */
const PRODUCT_WORDS = ['identity', 'manager', 'idm', 'ldap', 'admin', 'administrator', 'operator', 'sync', 'synchronization', 'batch', 'password', 'passwort', 'secret'];

let estimator: ZxcvbnFactory | undefined;
function zxcvbn(): ZxcvbnFactory {
  estimator ??= new ZxcvbnFactory({
    dictionary: { ...common.dictionary, ...english.dictionary, product: PRODUCT_WORDS },
    graphs: common.adjacencyGraphs,
    translations: english.translations,
  });
  return estimator;
}

/**
 * Why `password` may not be a new password, or null when it may. `userInputs` are words of the
 * account (its username, display name): a password built on them is weak for that account.
 */
export function passwordWeakness(password: string, userInputs: ReadonlyArray<string | null | undefined> = []): string | null {
  if (password.trim() === '') return 'A password cannot be empty or only spaces.';
  if ([...password].length < MIN_PASSWORD_LENGTH) return `A password has at least ${MIN_PASSWORD_LENGTH} characters.`;
  if (password.length > MAX_PASSWORD_LENGTH) return `A password has at most ${MAX_PASSWORD_LENGTH} characters.`;
  if (new Set(password.replace(/\s/g, '')).size < 4) return 'This password is mostly the same few characters repeated: it is guessed at once. Use a few unrelated words.';
  // The whole name and each of its words (`jane.doe` -> jane, doe; "Margarethe Pfeiffer" -> both names).
  const inputs = userInputs
    .filter((w): w is string => typeof w === 'string')
    .flatMap((w) => [w.trim(), ...w.split(/[^\p{L}\p{N}]+/u)])
    .map((w) => w.toLowerCase())
    .filter((w) => w.length >= 3);
  // zxcvbn scores a name repeated with separators (`jane.doe.jane.doe`) as fair: what is left without the name must carry the strength.
  let rest = password.toLowerCase();
  for (const word of [...inputs].sort((a, b) => b.length - a.length)) rest = rest.split(word).join('');
  if (inputs.length && rest.replace(/[^\p{L}\p{N}]/gu, '').length < 6) return 'This password is built on the account\'s name: it is guessed early. Use a few unrelated words.';
  const result = zxcvbn().check(password, inputs);
  if (result.score >= MIN_SCORE) return null;
  const warning = result.feedback.warning ? `${result.feedback.warning.replace(/\.?$/, '.')} ` : '';
  return `This password is too easy to guess: ${warning}Use a few unrelated words, or a longer password without names, dates, sequences or repeats.`;
}
