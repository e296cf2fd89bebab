import { BlockList, isIP } from 'node:net';

// The client address of a request, for the audit log and for per-address throttling. Headers
// such as X-Forwarded-For are written by whoever sends the request, so they count only as far as
// TRUST_PROXY says the proxies in front of this server can be trusted. By default nobody is
// trusted and the address is the TCP peer's (lib/http/peer-address.ts puts it on the request).

/** Whom to believe about the client address. */
export type TrustProxy =
  | { kind: 'none' }
  /** This many proxies in front of the server, each appending to X-Forwarded-For. */
  | { kind: 'hops'; hops: number }
  /** Proxies at these addresses or networks append to X-Forwarded-For. */
  | { kind: 'addresses'; list: BlockList; text: string };

export const TRUST_PROXY_HELP =
  'TRUST_PROXY is unset (trust no proxy), a number of proxies in front of the server (1-10), or a comma-separated list of proxy addresses and networks (10.0.0.5, 10.1.0.0/16, fd00::/8).';

/** Parses TRUST_PROXY; throws with what is wrong (lib/config reports it at start). */
export function parseTrustProxy(value: string | undefined): TrustProxy {
  const text = (value ?? '').trim();
  if (text === '' || /^(none|false|0)$/i.test(text)) return { kind: 'none' };
  if (/^\d+$/.test(text)) {
    const hops = Number(text);
    if (hops < 1 || hops > 10) throw new Error(`TRUST_PROXY=${text}: use 1 to 10 proxies. ${TRUST_PROXY_HELP}`);
    return { kind: 'hops', hops };
  }
  const list = new BlockList();
  for (const entry of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const [address, bits, extra] = entry.split('/');
    const family = isIP(address ?? '');
    const prefix = bits === undefined ? (family === 6 ? 128 : 32) : /^\d{1,3}$/.test(bits) ? Number(bits) : NaN;
    if (!family || extra !== undefined || !(prefix >= 0 && prefix <= (family === 6 ? 128 : 32))) {
      throw new Error(`TRUST_PROXY: "${entry}" is not an IP address or network. ${TRUST_PROXY_HELP}`);
    }
    list.addSubnet(address!, prefix, family === 6 ? 'ipv6' : 'ipv4');
  }
  return { kind: 'addresses', list, text };
}

/** A syntactically valid IP address in its plain form (IPv4-mapped IPv6 as IPv4), or null. */
export function validIp(value: string | null | undefined): string | null {
  if (!value) return null;
  let address = value.trim();
  if (address.startsWith('[') && address.includes(']')) address = address.slice(1, address.indexOf(']'));
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) address = mapped[1]!;
  return isIP(address) ? address.toLowerCase() : null;
}

function isTrusted(list: BlockList, address: string): boolean {
  return list.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');
}

/**
 * The client address: the peer when no proxy is trusted; otherwise walking X-Forwarded-For from
 * the right past the trusted proxies. Null (shown as unknown) when that address is missing or is
 * not an IP address: a forged or broken header never becomes a stored "address".
 */
export function resolveClientAddress(request: { peer: string | null; forwardedFor: string | null }, trust: TrustProxy): string | null {
  const peer = validIp(request.peer);
  if (trust.kind === 'none') return peer;
  if (!peer) return null;
  const forwarded = (request.forwardedFor ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const chain = [...forwarded, peer];
  if (trust.kind === 'hops') {
    const index = Math.max(0, chain.length - 1 - trust.hops);
    // Every hop on the way must be an address, or the chain cannot be believed.
    for (let i = chain.length - 1; i >= index; i--) if (!validIp(chain[i])) return null;
    return validIp(chain[index]);
  }
  for (let i = chain.length - 1; i >= 0; i--) {
    const address = validIp(chain[i]);
    if (!address) return null;
    if (i === 0 || !isTrusted(trust.list, address)) return address;
  }
  return null;
}
