import { z } from 'zod';
import { BIND_NAME_ERROR, bindNameKind, isDistinguishedName } from '../ldap/bind-name';
import type { LdapScope } from '../ldap/connection';

// The LDAP connection settings as an administrator enters them. The bind password is
// write-only: blank means "keep the stored one", and it is never part of what is read back.

export const LDAP_SCOPES: readonly { value: LdapScope; label: string }[] = [
  { value: 'sub', label: 'Whole subtree below the base DN' },
  { value: 'one', label: 'One level below the base DN' },
  { value: 'base', label: 'The base DN entry only' },
];

const URL_PATTERN = /^ldaps?:\/\/[^\s/]+(:\d{1,5})?\/?$/i;

/** One message for every way a timeout can be wrong (not a number, a fraction, too short or long): the range. */
function milliseconds(min: number, max: number) {
  return z.coerce.number({ message: `Enter a whole number of milliseconds from ${min} to ${max}.` }).int().min(min).max(max);
}

const checkbox = z.preprocess((v) => v === 'on' || v === 'true' || v === true, z.boolean());

export const ldapSettingsInputSchema = z.object({
  urls: z
    .string()
    .transform((s) => s.split(/[\s,]+/).map((u) => u.trim()).filter(Boolean))
    .pipe(
      z
        .array(z.string().regex(URL_PATTERN, { message: 'Each URL must look like ldap://host:389 or ldaps://host:636.' }))
        .min(1, { message: 'Enter at least one URL, e.g. ldaps://ldap.example.com:636.' })
        .max(10, { message: 'Enter at most 10 URLs.' }),
    ),
  startTls: checkbox,
  tlsRejectUnauthorized: checkbox,
  tlsCaCertificate: z
    .string()
    .trim()
    .max(65_536, { message: 'The CA certificate is too long (at most 64 KiB of PEM).' })
    .refine((pem) => pem === '' || /-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----/.test(pem), {
      message: 'Paste the CA certificate in PEM form (-----BEGIN CERTIFICATE----- ... -----END CERTIFICATE-----).',
    })
    .transform((pem) => (pem === '' ? null : pem)),
  /** Sent to the server as typed: a DN, or for AD/Samba also user@domain or DOMAIN\user (lib/ldap/bind-name). */
  bindDn: z
    .string()
    .trim()
    .min(1, { message: 'Enter the bind DN or user name, e.g. cn=idm-sync,ou=services,dc=example,dc=com or, for Active Directory, idm-sync@acme.test.' })
    .max(1024)
    .refine((name) => bindNameKind(name) !== null, { message: BIND_NAME_ERROR }),
  /** Blank: keep the stored password. */
  bindPassword: z.string().max(1024, { message: 'The bind password is too long.' }),
  baseDn: z.string().trim().min(1, { message: 'Enter the base DN, e.g. ou=people,dc=example,dc=com.' }).max(1024).refine(isDistinguishedName, {
    message: 'The base DN must be a distinguished name such as ou=people,dc=example,dc=com.',
  }),
  scope: z.enum(['sub', 'one', 'base'], { message: 'Choose a search scope.' }),
  connectTimeoutMs: milliseconds(100, 120_000),
  operationTimeoutMs: milliseconds(1000, 600_000),
});

export type LdapSettingsInput = z.output<typeof ldapSettingsInputSchema>;
export type LdapSettingsField = keyof z.input<typeof ldapSettingsInputSchema>;
export type LdapSettingsFieldErrors = Partial<Record<LdapSettingsField, string>>;

export type LdapSettingsParse = { ok: true; input: LdapSettingsInput } | { ok: false; fieldErrors: LdapSettingsFieldErrors };

const FIELDS: LdapSettingsField[] = [
  'urls',
  'startTls',
  'tlsRejectUnauthorized',
  'tlsCaCertificate',
  'bindDn',
  'bindPassword',
  'baseDn',
  'scope',
  'connectTimeoutMs',
  'operationTimeoutMs',
];

/** Reads the settings form (checkboxes are absent when unticked). */
export function parseLdapSettingsForm(form: FormData | Record<string, unknown>): LdapSettingsParse {
  const get = (name: string) => (form instanceof FormData ? form.get(name) : form[name]);
  const raw: Record<string, unknown> = {};
  for (const field of FIELDS) {
    const value = get(field);
    raw[field] = typeof value === 'string' || typeof value === 'boolean' ? value : field === 'startTls' || field === 'tlsRejectUnauthorized' ? false : '';
  }
  const parsed = ldapSettingsInputSchema.safeParse(raw);
  if (parsed.success) return { ok: true, input: parsed.data };
  const fieldErrors: LdapSettingsFieldErrors = {};
  for (const issue of parsed.error.issues) {
    const field = issue.path[0] as LdapSettingsField;
    fieldErrors[field] ??= issue.message;
  }
  return { ok: false, fieldErrors };
}
