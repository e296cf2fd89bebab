import type { DirectoryEntry, DirectoryValue } from '../ldap/search-decoder';
import type { AttributeMapping, ResolvedJobOptions } from './job-options';
import { uniqueIdOf } from './unique-id';

/** A directory entry turned into the fields of an IdM user, validated and normalised. */
export type DirectoryPerson = {
  dn: string;
  externalId: string;
  username: string;
  /** lower(username): the case-insensitive key users are matched by. */
  usernameKey: string;
  givenName: string | null;
  surname: string | null;
  displayName: string | null;
  email: string | null;
  employeeNumber: string | null;
};

export type MappedEntry =
  | { ok: true; person: DirectoryPerson }
  | { ok: false; dn: string; externalId: string | null; username: string | null; reason: string };

export const LIMITS = {
  username: 256,
  givenName: 256,
  surname: 256,
  displayName: 512,
  email: 320,
  employeeNumber: 64,
} as const;

type Optional = Exclude<keyof AttributeMapping, 'username'>;
const OPTIONAL: readonly Optional[] = ['givenName', 'surname', 'displayName', 'email', 'employeeNumber'];

const PLAIN = /^[\x21-\x7e]+(?: [\x21-\x7e]+)*$/;
const EMAIL = /^[^\s@]+@[^\s@]+$/;

/** Trims, normalises to NFC, drops control characters; '' becomes null. */
export function normaliseText(value: string): string | null {
  // Fast path for the usual value (printable ASCII, single inner spaces): already normal, and
  // testing it is ~10x cheaper than normalising, which counts when a run maps millions of values.
  if (PLAIN.test(value)) return value;
  const clean = value.normalize('NFC').replace(/[\u0000-\u001f\u007f]/g, ' ').replace(/\s+/g, ' ').trim();
  return clean === '' ? null : clean;
}

type MappingOptions = Pick<ResolvedJobOptions, 'mapping' | 'uniqueIdAttribute'>;

/** The options' attribute names in lower case (entries are keyed so), computed once per options object. */
type CompiledMapping = { uniqueId: string; username: string; optional: [Optional, string][] };
const compiled = new WeakMap<MappingOptions, CompiledMapping>();

function compile(options: MappingOptions): CompiledMapping {
  let c = compiled.get(options);
  if (!c) {
    const optional: [Optional, string][] = [];
    for (const field of OPTIONAL) {
      const attribute = options.mapping[field];
      if (attribute) optional.push([field, attribute.toLowerCase()]);
    }
    c = { uniqueId: options.uniqueIdAttribute.toLowerCase(), username: options.mapping.username.toLowerCase(), optional };
    compiled.set(options, c);
  }
  return c;
}

/** A multi-valued attribute maps its first value, as the directory listed it. */
function firstValue(entry: DirectoryEntry, lowerName: string): DirectoryValue | undefined {
  return entry.attributes.first(lowerName);
}

/** text() of a value that is not UTF-8. A symbol rather than an object per value: runs map millions. */
const INVALID_UTF8: unique symbol = Symbol('not valid UTF-8');

function text(value: DirectoryValue | undefined): string | null | typeof INVALID_UTF8 {
  if (value === undefined) return null;
  // The usual value is printable ASCII, so it can hold neither U+FFFD nor anything to normalise.
  if (typeof value === 'string' && PLAIN.test(value)) return value;
  const decoded = typeof value === 'string' ? value : value.toString('utf8');
  // Values are decoded as UTF-8 with U+FFFD for bytes that are not UTF-8 (search-decoder.ts).
  if (decoded.includes('\uFFFD')) return INVALID_UTF8;
  return normaliseText(decoded);
}

/** A text id: decoded as other values are, but never "not UTF-8" (such an id is absent). */
function textId(value: DirectoryValue): string | null {
  const t = text(value);
  return typeof t === 'string' ? t : null;
}

/** The entry's unique id as mapEntry reads it; undefined when it has none usable. */
export function entryUniqueId(entry: DirectoryEntry, attribute: string): string | undefined {
  const id = uniqueIdOf(firstValue(entry, attribute.toLowerCase()), attribute, textId);
  return typeof id === 'string' ? id : undefined;
}

function failure(dn: string, externalId: string | null, username: string | null, reason: string): MappedEntry {
  return { ok: false, dn, externalId, username, reason };
}

/** Maps one entry; never throws: an entry the IdM cannot take is an item failure with its reason. */
export function mapEntry(entry: DirectoryEntry, options: MappingOptions): MappedEntry {
  const c = compile(options);
  // The DN exactly as the server holds it (NFD stays NFD): it is how the entry is found again.
  const dn = entry.dn;

  const id = uniqueIdOf(firstValue(entry, c.uniqueId), options.uniqueIdAttribute, textId);
  const name = text(firstValue(entry, c.username));
  const username = typeof name === 'string' ? name : null;

  if (id !== null && typeof id === 'object') return failure(dn, null, username, `Invalid unique id: ${id.reason}.`);
  if (!id) return failure(dn, null, username, `The entry has no unique id (${options.uniqueIdAttribute}); it cannot be matched safely.`);
  if (name === INVALID_UTF8) return failure(dn, id, username, `The username (${options.mapping.username}) is not valid UTF-8.`);
  if (!username) return failure(dn, id, username, `The entry has no username (${options.mapping.username}).`);
  if (username.length > LIMITS.username) return failure(dn, id, username, `The username is longer than ${LIMITS.username} characters.`);

  const person: DirectoryPerson = {
    dn,
    externalId: id,
    username,
    usernameKey: username.toLowerCase(),
    givenName: null,
    surname: null,
    displayName: null,
    email: null,
    employeeNumber: null,
  };
  for (const [field, attribute] of c.optional) {
    const value = text(firstValue(entry, attribute));
    // A broken optional attribute does not block the outcome (deactivation must still happen).
    if (typeof value !== 'string' || !value) continue;
    const v = value.length > LIMITS[field] ? value.slice(0, LIMITS[field]) : value;
    if (field === 'email' && !EMAIL.test(v)) continue;
    person[field] = v;
  }
  return { ok: true, person };
}
