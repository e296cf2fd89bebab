// REDIS_URL names one of three kinds of Redis deployment, one URL form each:
//
//   redis://[[user]:password@]host[:port][/db]                       a single Redis (rediss:// for TLS)
//   redis-sentinel://[[user]:password@]host[:port][,host[:port]…]/masterName[?db=N]
//                                                                    a Sentinel group (rediss-sentinel:// for TLS)
//   redis-cluster://[[user]:password@]host[:port][,host[:port]…]     a Redis Cluster (rediss-cluster:// for TLS)
//
// The user and password are Redis's (the master's and replicas' of a Sentinel group, every node's
// of a cluster). Sentinels that require a password of their own take it as `sentinelPassword=` in
// the query. Messages never repeat the URL: it may carry a password.

export type RedisHost = { host: string; port: number };

type Credentials = { username?: string; password?: string; tls: boolean };

export type RedisTarget =
  | ({ kind: 'single'; host: string; port: number; db: number } & Credentials)
  | ({ kind: 'sentinel'; sentinels: RedisHost[]; masterName: string; db: number; sentinelPassword?: string } & Credentials)
  | ({ kind: 'cluster'; nodes: RedisHost[] } & Credentials);

export class RedisUrlError extends Error {}

const SCHEMES: Record<string, { kind: RedisTarget['kind']; tls: boolean; defaultPort: number }> = {
  redis: { kind: 'single', tls: false, defaultPort: 6379 },
  rediss: { kind: 'single', tls: true, defaultPort: 6379 },
  'redis-sentinel': { kind: 'sentinel', tls: false, defaultPort: 26379 },
  'rediss-sentinel': { kind: 'sentinel', tls: true, defaultPort: 26379 },
  'redis-cluster': { kind: 'cluster', tls: false, defaultPort: 6379 },
  'rediss-cluster': { kind: 'cluster', tls: true, defaultPort: 6379 },
};

const EXAMPLES: Record<RedisTarget['kind'], string> = {
  single: 'redis://[:password@]host:6379[/db]',
  sentinel: 'redis-sentinel://[:password@]host1:26379,host2:26379,host3:26379/mymaster[?db=0]',
  cluster: 'redis-cluster://[:password@]host1:7000,host2:7001,host3:7002',
};

const HOST_NAME = /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/i;
const IPV6 = /^[0-9a-f:.]+$/i;
const MASTER_NAME = /^[A-Za-z0-9._-]+$/;

function fail(message: string): never {
  throw new RedisUrlError(message);
}

function decode(part: string, what: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return fail(`the ${what} is not validly percent-encoded (encode reserved characters such as @ : / , as %40 %3A %2F %2C).`);
  }
}

function parseHost(text: string, defaultPort: number, kind: RedisTarget['kind']): RedisHost {
  let host: string;
  let portText: string | undefined;
  if (text.startsWith('[')) {
    const end = text.indexOf(']');
    if (end < 0) fail(`the IPv6 address "${text}" has no closing bracket.`);
    host = text.slice(1, end);
    const rest = text.slice(end + 1);
    if (rest && !rest.startsWith(':')) fail(`unexpected "${rest}" after the IPv6 address [${host}].`);
    portText = rest ? rest.slice(1) : undefined;
    if (!IPV6.test(host) || !host.includes(':')) fail(`"[${host}]" is not an IPv6 address.`);
  } else {
    const colon = text.lastIndexOf(':');
    host = colon < 0 ? text : text.slice(0, colon);
    portText = colon < 0 ? undefined : text.slice(colon + 1);
    if (!host) fail(`a host is missing (${EXAMPLES[kind]}).`);
    if (!HOST_NAME.test(host)) fail(`"${host}" is not a host name or address.`);
  }
  if (portText === undefined) return { host, port: defaultPort };
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port < 1 || port > 65535) fail(`"${portText}" is not a port (1-65535) of host ${host}.`);
  return { host, port };
}

function parseDb(text: string): number {
  const db = Number(text);
  if (!/^\d+$/.test(text) || db > 15_999) fail(`the database number "${text}" is not a number 0-15999 (it is usually 0).`);
  return db;
}

/** Reads REDIS_URL; throws RedisUrlError with what is wrong and the expected form. Never echoes the password. */
export function parseRedisUrl(url: string): RedisTarget {
  const schemeEnd = url.indexOf('://');
  if (schemeEnd < 0) fail(`expected one of ${Object.values(EXAMPLES).join(', ')}.`);
  const scheme = url.slice(0, schemeEnd).toLowerCase();
  const form = SCHEMES[scheme];
  if (!form) fail(`unknown scheme "${scheme}://": use redis:// or rediss:// (one Redis), redis-sentinel:// (a Sentinel group) or redis-cluster:// (a Redis Cluster).`);
  const { kind, tls, defaultPort } = form;
  let rest = url.slice(schemeEnd + 3);
  if (rest.includes('#')) fail('a URL fragment (#…) has no meaning here: remove it, or percent-encode # in the password as %23.');

  // userinfo: everything up to the last @ before the path (a password may contain an encoded @ only).
  const at = rest.lastIndexOf('@', rest.indexOf('/') < 0 ? rest.length : rest.indexOf('/'));
  let username: string | undefined;
  let password: string | undefined;
  if (at >= 0) {
    const userinfo = rest.slice(0, at);
    rest = rest.slice(at + 1);
    const colon = userinfo.indexOf(':');
    const user = colon < 0 ? userinfo : userinfo.slice(0, colon);
    username = user ? decode(user, 'user name') : undefined;
    password = colon < 0 ? undefined : decode(userinfo.slice(colon + 1), 'password');
    if (password === '') password = undefined;
  }

  const queryAt = rest.indexOf('?');
  const query = new URLSearchParams(queryAt < 0 ? '' : rest.slice(queryAt + 1));
  if (queryAt >= 0) rest = rest.slice(0, queryAt);
  const slash = rest.indexOf('/');
  const authority = slash < 0 ? rest : rest.slice(0, slash);
  const path = slash < 0 ? '' : rest.slice(slash + 1);
  if (!authority) fail(`a host is missing (${EXAMPLES[kind]}).`);
  const hosts = authority.split(',').map((h) => parseHost(h.trim(), defaultPort, kind));

  const allowed = new Set(kind === 'sentinel' ? ['db', 'sentinelPassword'] : kind === 'single' ? ['db'] : []);
  for (const name of query.keys()) {
    if (!allowed.has(name)) fail(`unknown option "${name}" for a ${kind === 'single' ? 'single Redis' : kind === 'sentinel' ? 'Sentinel' : 'cluster'} URL${allowed.size ? ` (known: ${[...allowed].join(', ')})` : ''}.`);
  }
  const base = { username, password, tls };

  if (kind === 'single') {
    if (hosts.length > 1) fail('redis:// names one Redis: for several hosts use redis-sentinel://…/masterName (a Sentinel group) or redis-cluster:// (a Redis Cluster).');
    if (path && query.has('db')) fail('the database number is given twice (path and ?db=): keep one.');
    const db = path ? parseDb(path) : query.has('db') ? parseDb(query.get('db')!) : 0;
    const [{ host, port }] = hosts as [RedisHost];
    return { kind, host, port, db, ...base };
  }
  if (kind === 'sentinel') {
    if (!path) fail(`the master's name is missing: ${EXAMPLES.sentinel} (the name the sentinels monitor, "sentinel monitor <name> …").`);
    const masterName = decode(path, "master's name");
    if (!MASTER_NAME.test(masterName)) fail(`"${masterName}" is not a master name (letters, digits, . _ -); the database number goes in ?db=N.`);
    const sentinelPassword = query.get('sentinelPassword') || undefined;
    return { kind, sentinels: hosts, masterName, db: query.has('db') ? parseDb(query.get('db')!) : 0, sentinelPassword, ...base };
  }
  if (path) fail('a Redis Cluster has only database 0 and no path: redis-cluster://host1:7000,host2:7001,host3:7002.');
  return { kind, nodes: hosts, ...base };
}

/** What REDIS_URL names, for logs and messages: hosts and kind, never a password. */
export function describeRedisTarget(target: RedisTarget): string {
  const list = (hosts: RedisHost[]) => hosts.map((h) => (h.host.includes(':') ? `[${h.host}]:${h.port}` : `${h.host}:${h.port}`)).join(', ');
  const tls = target.tls ? ' over TLS' : '';
  if (target.kind === 'single') return `Redis at ${list([target])}${tls}`;
  if (target.kind === 'sentinel') return `Redis Sentinel group "${target.masterName}" (sentinels ${list(target.sentinels)})${tls}`;
  return `Redis Cluster (seed nodes ${list(target.nodes)})${tls}`;
}

// Key prefix. On a cluster every key of the installation must hash to one slot (BullMQ's Lua
// scripts and the app's MULTI touch several keys at once), which Redis decides by the key's hash
// tag: the part between the first { and the next }. Every key starts with the prefix, so a prefix
// with a hash tag puts them all in one slot.

const PREFIX = /^[A-Za-z0-9:_{}-]+$/;

/** The hash tag of a prefix as Redis reads it (first { … next }, non-empty), or undefined. */
export function hashTag(prefix: string): string | undefined {
  const open = prefix.indexOf('{');
  if (open < 0) return undefined;
  const close = prefix.indexOf('}', open + 1);
  if (close < 0 || close === open + 1) return undefined;
  return prefix.slice(open + 1, close);
}

/** Checks REDIS_PREFIX; returns a message saying what is wrong, or undefined. */
export function redisPrefixProblem(prefix: string): string | undefined {
  if (!PREFIX.test(prefix)) return 'letters, digits and : _ - only, with an optional hash tag in braces, e.g. idm or {idm}';
  const braces = prefix.replace(/[^{}]/g, '');
  if (braces && (braces !== '{}' || hashTag(prefix) === undefined)) return 'at most one hash tag, written {name} with something between the braces, e.g. {idm}';
  return undefined;
}

/**
 * The prefix every key is written under. On a cluster a prefix without a hash tag is wrapped in
 * one (idm -> {idm}), so the default works there too; a prefix that has one is kept as it is.
 * A single Redis and a Sentinel group use the prefix as given (existing keys keep their names).
 */
export function effectiveRedisPrefix(prefix: string, target: RedisTarget): string {
  if (target.kind !== 'cluster' || hashTag(prefix) !== undefined) return prefix;
  return `{${prefix}}`;
}
