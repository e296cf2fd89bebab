// The name a sync account binds with. A simple bind sends it to the server unchanged (ldapts
// writes the string as it is), and which forms a server accepts is the server's business:
// Active Directory and Samba AD take a DN, a user principal name (idm-sync@acme.test) and a
// down-level logon name (ACME\idm-sync); OpenLDAP, 389 Directory Server and FreeIPA only a DN.
// Here only the shape is checked, so that a typo is caught before a bind is tried.

export type BindNameKind = 'dn' | 'user-principal-name' | 'down-level-logon-name';

/** Attribute type (name or OID) = a non-empty value, with RFC 4514 escapes (`cn=Smith\, John`) or quoted. */
const RDN_PART = String.raw`\s*(?:[A-Za-z][A-Za-z0-9-]*|\d+(?:\.\d+)+)\s*=\s*(?:"(?:[^"\\]|\\.)*"|(?:[^,+\\"\s]|\\.)(?:[^,+\\"]|\\.)*)`;
const RDN = `${RDN_PART}(?:\\+${RDN_PART})*`;
const DN = new RegExp(`^${RDN}(?:,${RDN})*$`);

/** A DNS name: labels of letters, digits and inner hyphens, separated by dots. */
const DNS_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
/** UPN prefix: anything but separators, quotes and spaces (AD's own rule is looser, this catches typos). */
const UPN_PREFIX = /^[^\s@\\/"<>,;:=|[\]]+$/;
/** NetBIOS domain name: at most 15 characters, none of \ / : * ? " < > | and no spaces. */
const NETBIOS_DOMAIN = /^[A-Za-z0-9][A-Za-z0-9._!#$%^&'(){}~-]{0,14}$/;
/** sAMAccountName: none of " / \ [ ] : ; | = , + * ? < > @, at most 104 characters (spaces allowed inside). */
const SAM_ACCOUNT_NAME = /^[^"/\\[\]:;|=,+*?<>@\s](?:[^"/\\[\]:;|=,+*?<>@]{0,102}[^"/\\[\]:;|=,+*?<>@\s])?$/;

/** A distinguished name as RFC 4514 writes it (escaped commas included); the server judges the rest. */
export function isDistinguishedName(name: string): boolean {
  return DN.test(name.trim());
}

/** Which form of bind name this is, or null for none of them. */
export function bindNameKind(raw: string): BindNameKind | null {
  const name = raw.trim();
  if (name === '') return null;
  if (name.includes('=')) return isDistinguishedName(name) ? 'dn' : null;
  const backslash = name.indexOf('\\');
  if (backslash >= 0) {
    const [domain, user] = [name.slice(0, backslash), name.slice(backslash + 1)];
    return NETBIOS_DOMAIN.test(domain) && SAM_ACCOUNT_NAME.test(user) ? 'down-level-logon-name' : null;
  }
  const at = name.lastIndexOf('@');
  if (at > 0) {
    const [prefix, suffix] = [name.slice(0, at), name.slice(at + 1)];
    return UPN_PREFIX.test(prefix) && DNS_NAME.test(suffix) ? 'user-principal-name' : null;
  }
  return null;
}

export const BIND_NAME_HELP =
  'A DN (cn=idm-sync,ou=services,dc=example,dc=com), a user principal name (idm-sync@acme.test) or a down-level logon name (ACME\\idm-sync). ' +
  'Active Directory and Samba take all three; OpenLDAP, 389 Directory Server and FreeIPA take only a DN.';

export const BIND_NAME_ERROR =
  'The bind name must be a distinguished name (cn=idm-sync,ou=services,dc=example,dc=com) or, for Active Directory and Samba, a user principal name (idm-sync@acme.test) or a down-level logon name (ACME\\idm-sync).';
