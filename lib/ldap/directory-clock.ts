import type { LdapConnection } from './connection';
import { toLdapError } from './errors';
import { objectGuidToString } from './guid';

// Where the directory says "now", read at a run's start: the server's clock, or Active
// Directory's update sequence number. Never ours: the two hosts' clocks may differ by minutes.

/** What a delta run reads from: modifyTimestamp (OpenLDAP, 389-DS …) or uSNChanged (Active Directory). */
export type DirectoryClock =
  | { type: 'modifyTimestamp'; /** the server's current time, GeneralizedTime (YYYYMMDDHHMMSSZ) */ serverTime: string; source: string }
  | {
      type: 'usn';
      /** rootDSE highestCommittedUSN: every later change gets a higher uSNChanged, on this DC. */
      highestCommittedUsn: string;
      /** The DC's database instance (its NTDS Settings' invocationId): USNs are only comparable on the same one. */
      invocationId: string;
      dnsHostName: string | null;
    };

export type ClockReading = { clock: DirectoryClock } | { clock: null; reason: string };

async function readBase(connection: LdapConnection, dn: string, attributes: string[], buffers: string[] = []): Promise<Record<string, string | Buffer | undefined> | null> {
  try {
    const { searchEntries } = await connection.client.search(dn, { scope: 'base', filter: '(objectClass=*)', attributes, explicitBufferAttributes: buffers });
    const entry = searchEntries[0];
    if (!entry) return null;
    const out: Record<string, string | Buffer | undefined> = {};
    for (const name of attributes) {
      const key = Object.keys(entry).find((k) => k.toLowerCase() === name.toLowerCase());
      const value = key ? entry[key] : undefined;
      out[name] = Array.isArray(value) ? (value[0] as string | Buffer | undefined) : (value as string | Buffer | undefined);
    }
    return out;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    // noSuchObject (32) or insufficientAccessRights (50): this directory does not offer it to us.
    if (code === 32 || code === 50) return null;
    throw toLdapError(error, { url: connection.url, baseDn: dn, filter: '(objectClass=*)' });
  }
}

const GENERALIZED_TIME = /^(\d{14})(?:[.,]\d+)?Z$/;

/**
 * Reads the directory's clock. Active Directory is recognised by highestCommittedUSN in its
 * rootDSE; otherwise the server's time comes from its monitor: OpenLDAP's
 * cn=Current,cn=Time,cn=Monitor (monitorTimestamp; the monitor database must be enabled and
 * readable by the sync account), 389-DS's cn=monitor (currentTime, readable by any bound user).
 */
export async function readDirectoryClock(connection: LdapConnection): Promise<ClockReading> {
  const root = await readBase(connection, '', ['highestCommittedUSN', 'dsServiceName', 'dnsHostName']);
  const usn = root?.highestCommittedUSN;
  if (typeof usn === 'string' && /^\d+$/.test(usn)) {
    const serviceName = root?.dsServiceName;
    if (typeof serviceName !== 'string') return { clock: null, reason: "the domain controller's rootDSE names no dsServiceName" };
    const settings = await readBase(connection, serviceName, ['invocationId'], ['invocationId']);
    const invocation = settings?.invocationId;
    if (!Buffer.isBuffer(invocation) || invocation.length !== 16) return { clock: null, reason: `the invocationId of ${serviceName} could not be read` };
    return {
      clock: { type: 'usn', highestCommittedUsn: usn, invocationId: objectGuidToString(invocation), dnsHostName: typeof root?.dnsHostName === 'string' ? root.dnsHostName.toLowerCase() : null },
    };
  }
  for (const [dn, attribute] of [
    ['cn=Current,cn=Time,cn=Monitor', 'monitorTimestamp'],
    ['cn=monitor', 'currentTime'],
  ] as const) {
    const monitor = await readBase(connection, dn, [attribute]);
    const value = monitor?.[attribute];
    const match = typeof value === 'string' ? GENERALIZED_TIME.exec(value) : null;
    if (match) return { clock: { type: 'modifyTimestamp', serverTime: `${match[1]}Z`, source: `${dn} ${attribute}` } };
  }
  return {
    clock: null,
    reason:
      "the directory's clock could not be read (neither cn=Current,cn=Time,cn=Monitor nor cn=monitor currentTime is readable by the sync account; enable OpenLDAP's monitor database for it)",
  };
}

/** GeneralizedTime YYYYMMDDHHMMSSZ moved by `seconds` (negative: earlier). */
export function shiftGeneralizedTime(time: string, seconds: number): string {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(time);
  if (!m) throw new Error(`"${time}" is not a GeneralizedTime`);
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])) + seconds * 1000;
  return new Date(ms).toISOString().replace(/[-:T]/g, '').replace(/\.\d+Z$/, 'Z');
}
