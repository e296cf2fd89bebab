// A stored bind password is only ever sent to the endpoint it was saved for. An administrator
// who changes where it would go (server URLs, bind name, TLS settings) types it again: otherwise
// Test connection or the next run would hand it, in clear over ldap://, to whatever server was
// typed (the credential-capture class of "connect to an attacker-chosen URL with stored
// credentials").

/** What decides where a bind password goes and who can read it on the way. */
export type BindEndpoint = {
  urls: string[];
  startTls: boolean;
  tlsRejectUnauthorized: boolean;
  tlsCaCertificate: string | null;
  bindDn: string;
};

export type EndpointPart = 'server address' | 'bind DN' | 'TLS settings';

// Scheme and host are case-insensitive; order only says which server is tried first.
const urlKey = (urls: string[]) => [...new Set(urls.map((u) => u.trim().replace(/\/$/, '').toLowerCase()))].sort().join('\n');
const pem = (value: string | null) => (value ?? '').replace(/\r\n/g, '\n').trim();

/** The parts of the endpoint that differ from the stored one (empty: the same endpoint). */
export function changedEndpointParts(stored: BindEndpoint, typed: BindEndpoint): EndpointPart[] {
  const parts: EndpointPart[] = [];
  if (urlKey(stored.urls) !== urlKey(typed.urls)) parts.push('server address');
  if (stored.bindDn.trim() !== typed.bindDn.trim()) parts.push('bind DN');
  if (stored.startTls !== typed.startTls || stored.tlsRejectUnauthorized !== typed.tlsRejectUnauthorized || pem(stored.tlsCaCertificate) !== pem(typed.tlsCaCertificate)) {
    parts.push('TLS settings');
  }
  return parts;
}

/** The field error when the password field was left blank but the endpoint changed. */
export function retypeBindPasswordMessage(parts: EndpointPart[]): string {
  const list = parts.length <= 1 ? parts.join('') : `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}`;
  return `Type the bind password again: the ${list} changed. The stored password is only sent to the server, bind DN and TLS settings it was saved with.`;
}

export const RETYPE_BIND_PASSWORD_HINT =
  'Changing the server address, bind DN or TLS settings requires typing the bind password again: the stored one is only sent where it was saved for.';
