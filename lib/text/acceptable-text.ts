// Text that enters the product from outside (URLs, JSON bodies, form posts) must be text the
// database and the directory can hold and a person could have typed. PostgreSQL refuses NUL in
// `text` (error 22021, which surfaced as a 500 in the middle of a page or a CSV download); a lone
// UTF-16 surrogate is not a character at all (Node would silently store U+FFFD instead); and the
// other C0 control characters are never typed into any field of this product. Checked once, where
// the input arrives, so that everything behind that boundary can trust its strings.

/** TAB, LF and CR are ordinary whitespace (a pasted filter may span lines); the rest of C0 and DEL are not. */
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export type TextProblem = 'nul' | 'control_character' | 'lone_surrogate';

export const TEXT_PROBLEM_MESSAGES: Record<TextProblem, string> = {
  nul: 'It contains a NUL character (\\u0000), which no field accepts.',
  control_character: 'It contains a control character, which no field accepts.',
  lone_surrogate: 'It contains an invalid character (an unpaired UTF-16 surrogate).',
};

/** What is wrong with a string taken from a request, or null when it is acceptable text. */
export function textProblem(value: string): TextProblem | null {
  if (value.includes('\u0000')) return 'nul';
  if (CONTROL.test(value)) return 'control_character';
  if (LONE_SURROGATE.test(value)) return 'lone_surrogate';
  return null;
}

export const isAcceptableText = (value: string): boolean => textProblem(value) === null;

/**
 * The first unacceptable string (a value or an object key) in a parsed JSON value, with its path
 * ("expression", "items.2.name"), or null. Depth-limited by JSON.parse itself.
 */
export function findTextProblem(value: unknown, path: string[] = []): { path: string; problem: TextProblem } | null {
  if (typeof value === 'string') {
    const problem = textProblem(value);
    return problem ? { path: path.join('.'), problem } : null;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findTextProblem(value[i], [...path, String(i)]);
      if (found) return found;
    }
    return null;
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      const keyProblem = textProblem(key);
      if (keyProblem) return { path: [...path, key].join('.'), problem: keyProblem };
      const found = findTextProblem(child, [...path, key]);
      if (found) return found;
    }
  }
  return null;
}

/**
 * decodeURIComponent that answers null instead of throwing for malformed percent-encoding (a
 * stray "%", "%ZZ", or bytes that are not UTF-8 such as the overlong "%C0%AE").
 */
export function decodeUrlComponent(raw: string): string | null {
  try {
    return decodeURIComponent(raw);
  } catch {
    return null;
  }
}

/** Strict UTF-8: invalid byte sequences are an error, not silently U+FFFD. */
export function decodeUtf8(bytes: Uint8Array): string | null {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    return null;
  }
}
