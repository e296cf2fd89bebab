import { AndFilter, FilterParser, NotFilter, type Filter } from 'ldapts';
import { LdapError } from './errors';

/** RFC 4515 value escaping: a user-supplied value can never change the structure of a filter. */
export function escapeFilterValue(value: string | Buffer): string {
  if (Buffer.isBuffer(value)) return Array.from(value, (b) => `\\${b.toString(16).padStart(2, '0')}`).join('');
  return value.replace(/[\\*()\0]/g, (c) => `\\${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** Attribute descriptions: a name or an OID, with options (e.g. cn;lang-de). */
const ATTRIBUTE = /^(?:[A-Za-z][A-Za-z0-9-]*|\d+(?:\.\d+)+)(?:;[A-Za-z0-9-]+)*$/;

export function isAttributeName(name: string): boolean {
  return ATTRIBUTE.test(name);
}

/** (attribute=value) with the value escaped; the attribute is checked, not escaped (escaping cannot make it safe). */
export function equalityFilter(attribute: string, value: string | Buffer): string {
  if (!isAttributeName(attribute)) throw new LdapError('LDAP_FILTER_SYNTAX', `"${attribute}" is not a valid LDAP attribute name.`);
  return `(${attribute}=${escapeFilterValue(value)})`;
}

/** Checks the syntax locally so that a typo is reported before anything is read or written. */
export function checkFilter(filter: string): string {
  const trimmed = filter.trim();
  const wrapped = trimmed.startsWith('(') ? trimmed : `(${trimmed})`;
  try {
    // ldapts accepts a composite filter without its closing parenthesis; the directory would not.
    let depth = 0;
    for (const c of wrapped) {
      depth += c === '(' ? 1 : c === ')' ? -1 : 0;
      if (depth < 0) break;
    }
    if (depth !== 0) throw new Error('unbalanced parentheses');
    FilterParser.parseString(wrapped);
  } catch (error) {
    throw new LdapError(
      'LDAP_FILTER_SYNTAX',
      `The filter ${filter} is not a valid LDAP filter (${(error as Error).message}). Correct the job's filter (RFC 4515 syntax, e.g. (pwdAccountLockedTime=*)).`,
      { cause: error },
    );
  }
  return wrapped;
}

function conjuncts(filter: Filter): Filter[] {
  return filter instanceof AndFilter ? filter.filters.flatMap(conjuncts) : [filter];
}

/**
 * True when no entry can match both filters: one requires, at its top level, a condition that the
 * other negates, as the two jobs' preset filters do ((&A B) and (&A (!B))). Conditions are
 * compared exactly as written, so it answers false whenever it cannot tell.
 */
export function filtersExclude(a: string, b: string): boolean {
  const [fa, fb] = [conjuncts(FilterParser.parseString(a)), conjuncts(FilterParser.parseString(b))];
  const negates = (xs: Filter[], ys: Filter[]) => {
    const required = new Set(ys.map((f) => f.toString()));
    return xs.some((f) => f instanceof NotFilter && required.has(f.filter.toString()));
  };
  return negates(fa, fb) || negates(fb, fa);
}

/** (attribute>=value) with the value escaped: an ordering match (a delta run's modifyTimestamp or uSNChanged). */
export function greaterOrEqualFilter(attribute: string, value: string): string {
  if (!isAttributeName(attribute)) throw new LdapError('LDAP_FILTER_SYNTAX', `"${attribute}" is not a valid LDAP attribute name.`);
  return `(${attribute}>=${escapeFilterValue(value)})`;
}

/** (&a b): both whole, already checked filters (checkFilter) or built by the helpers here; no escaping needed. */
export function andFilter(...filters: string[]): string {
  return `(&${filters.join('')})`;
}
