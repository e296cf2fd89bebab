const NEEDS_ESCAPE = /["\\]/;
const ESCAPED = /["\\]/g;

/**
 * A PostgreSQL text[] literal ('{"a","b",NULL}'), passed to a $n::text[] parameter as a string.
 * node-postgres serializes arrays itself, but with two regular-expression replacements per element;
 * the plan query sends nine arrays of a page's entries, and this is about twice as fast. Every
 * element is quoted (so '', 'NULL' and spaces stay text) and only " and \ need escaping.
 */
export function textArrayLiteral(values: readonly (string | null)[]): string {
  let literal = '{';
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (i > 0) literal += ',';
    if (value === null || value === undefined) literal += 'NULL';
    else if (NEEDS_ESCAPE.test(value)) literal += `"${value.replace(ESCAPED, '\\$&')}"`;
    else literal += `"${value}"`;
  }
  return `${literal}}`;
}
