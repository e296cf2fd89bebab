import type { Entry } from 'ldapts';
import { objectGuidToString } from '../ldap/guid';
import type { AttributeMapping, ResolvedJobOptions } from './job-options';

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

/** Trims, normalises to NFC, drops control characters; '' becomes null. */
export function normaliseText(value: string): string | null {
  // Fast path for the usual value (printable ASCII, single inner spaces): already normal, and
  // testing it is ~10x cheaper than normalising, which counts when a run maps millions of values.
  if (PLAIN.test(value)) return value;
  const clean = value.normalize('NFC').replace(/[\u0000-\u001f\u007f]/g, ' ').replace(/\s+/g, ' ').trim();
  return clean === '' ? null : clean;
}

function firstValue(entry: Entry, lowerKeys: Map<string, string>, attribute: string): string | Buffer | undefined {
  const key = lowerKeys.get(attribute.toLowerCase());
  if (!key) return undefined;
  const raw = entry[key];
  const value = Array.isArray(raw) ? raw[0] : raw;
  return value === undefined || value === null ? undefined : value;
}

function text(value: string | Buffer | undefined): { value: string | null; invalid?: string } {
  if (value === undefined) return { value: null };
  const decoded = Buffer.isBuffer(value) ? value.toString('utf8') : value;
  // ldapts decodes as UTF-8; U+FFFD means the directory sent bytes that are not UTF-8.
  if (decoded.includes('\uFFFD')) return { value: null, invalid: 'is not valid UTF-8' };
  return { value: normaliseText(decoded) };
}

function externalId(value: string | Buffer | undefined, attribute: string): { id: string | null; reason?: string } {
  if (value === undefined) return { id: null };
  if (attribute.toLowerCase() === 'objectguid') {
    const bytes = Buffer.isBuffer(value) ? value : Buffer.from(value, 'binary');
    if (bytes.length !== 16) return { id: null, reason: `objectGUID has ${bytes.length} bytes instead of 16` };
    return { id: objectGuidToString(bytes) };
  }
  const id = text(value).value?.toLowerCase() ?? null;
  if (id && id.length > 255) return { id: null, reason: `${attribute} is longer than 255 characters` };
  return { id };
}

/** Maps one entry; never throws: an entry the IdM cannot take is an item failure with its reason. */
export function mapEntry(entry: Entry, options: Pick<ResolvedJobOptions, 'mapping' | 'uniqueIdAttribute'>): MappedEntry {
  const dn = normaliseText(entry.dn) ?? entry.dn;
  const lowerKeys = new Map<string, string>();
  for (const key of Object.keys(entry)) lowerKeys.set(key.toLowerCase(), key);

  const id = externalId(firstValue(entry, lowerKeys, options.uniqueIdAttribute), options.uniqueIdAttribute);
  const name = text(firstValue(entry, lowerKeys, options.mapping.username));
  const username = name.value;
  const fail = (reason: string): MappedEntry => ({ ok: false, dn, externalId: id.id, username, reason });

  if (id.reason) return fail(`Invalid unique id: ${id.reason}.`);
  if (!id.id) return fail(`The entry has no unique id (${options.uniqueIdAttribute}); it cannot be matched safely.`);
  if (name.invalid) return fail(`The username (${options.mapping.username}) ${name.invalid}.`);
  if (!username) return fail(`The entry has no username (${options.mapping.username}).`);
  if (username.length > LIMITS.username) return fail(`The username is longer than ${LIMITS.username} characters.`);

  const person: DirectoryPerson = {
    dn,
    externalId: id.id,
    username,
    usernameKey: username.toLowerCase(),
    givenName: null,
    surname: null,
    displayName: null,
    email: null,
    employeeNumber: null,
  };
  for (const field of OPTIONAL) {
    const attribute = options.mapping[field];
    if (!attribute) continue;
    const value = text(firstValue(entry, lowerKeys, attribute));
    // A broken optional attribute does not block the outcome (deactivation must still happen).
    if (value.invalid || !value.value) continue;
    const v = value.value.slice(0, LIMITS[field]);
    if (field === 'email') {
      if (!/^[^\s@]+@[^\s@]+$/.test(v)) continue;
    }
    person[field] = v;
  }
  return { ok: true, person };
}
