import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import { config } from '../config';
import { parseRedisUrl, type RedisTarget } from './redis-url';

/** A connection to whatever REDIS_URL names: one Redis or a Sentinel group (Redis), or a cluster (Cluster). */
export type RedisClient = Redis | Cluster;

export type RedisPurpose =
  /**
   * BullMQ's queues and workers and what the worker keeps beside them: commands wait for Redis to
   * come back (`maxRetriesPerRequest: null`, BullMQ's requirement) and ride out a failover.
   */
  | 'queue'
  /** The web app's cache and rate limits: a command gives up quickly, a page can do without Redis. */
  | 'cache';

export type CreateRedisOptions = {
  purpose: RedisPurpose;
  /** Shown by CLIENT LIST on the server. */
  connectionName?: string;
  /** Connection errors: ioredis reconnects by itself, but without a listener prints each failed attempt. */
  onError?: (error: Error) => void;
  /** Defaults to REDIS_URL's. */
  target?: RedisTarget;
};

/** Failover of a cluster master takes cluster-node-timeout (15 s by default) plus the election. */
const CLUSTER_FAILOVER_RETRY_MS = 500;
const CLUSTER_QUEUE_REDIRECTIONS = 120; // 120 x 500 ms: a minute of failover ridden out
const CACHE_CONNECT_TIMEOUT_MS = 2_000;

// A Sentinel failover turns the old master into a replica; a connection still on it gets READONLY
// for its writes: reconnect (which asks the sentinels for the new master) and resend the command.
const reconnectOnReadonly = (error: Error) => (error.message.startsWith('READONLY') ? 2 : false);

/** What ioredis is given for `target`: one Redis (also a Sentinel group, which ioredis resolves itself) or a cluster. */
export type ConnectionOptions =
  | { cluster: false; options: RedisOptions }
  | { cluster: true; nodes: Array<{ host: string; port: number }>; options: ClusterOptions };

export function connectionOptions(target: RedisTarget, purpose: RedisPurpose, connectionName?: string): ConnectionOptions {
  const queue = purpose === 'queue';
  const common: RedisOptions = {
    connectionName,
    username: target.username,
    password: target.password,
    ...(target.tls ? { tls: {} } : {}),
    ...(queue ? { maxRetriesPerRequest: null } : { maxRetriesPerRequest: 1, connectTimeout: CACHE_CONNECT_TIMEOUT_MS }),
  };
  switch (target.kind) {
    case 'single':
      return { cluster: false, options: { ...common, host: target.host, port: target.port, db: target.db, reconnectOnError: reconnectOnReadonly } };
    case 'sentinel':
      return {
        cluster: false,
        options: {
          ...common,
          sentinels: target.sentinels,
          name: target.masterName,
          db: target.db,
          sentinelPassword: target.sentinelPassword,
          ...(target.tls ? { sentinelTLS: {}, enableTLSForSentinelMode: true } : {}),
          // Subscribes to the sentinels' +switch-master: reconnects to the new master at once rather
          // than when the old one's socket finally fails.
          failoverDetector: true,
          reconnectOnError: reconnectOnReadonly,
        },
      };
    case 'cluster':
      return {
        cluster: true,
        nodes: target.nodes,
        options: {
          redisOptions: common,
          // A master's connection closed: refresh the slot map and retry, until a replica took over.
          retryDelayOnFailover: CLUSTER_FAILOVER_RETRY_MS,
          // No CLUSTER INFO ready check on (re)connect. When it fails (sent to a master that has just
          // died, or cluster_state:fail during the election) ioredis reconnects but leaves the promise
          // of that connect() pending forever; BullMQ awaits it after its blocking-read watchdog fires,
          // and the worker fetched no job again (docs/upstream/ioredis-cluster-connect-ready-check.md).
          // Commands sent while the cluster is down get CLUSTERDOWN and are retried below.
          enableReadyCheck: false,
          retryDelayOnClusterDown: CLUSTER_FAILOVER_RETRY_MS,
          ...(queue ? { maxRedirections: CLUSTER_QUEUE_REDIRECTIONS } : {}),
          // TLS nodes are reached by the names the cluster announces: keep certificate checks on them.
          ...(target.tls ? { dnsLookup: (address: string, callback: (error: null, address: string) => void) => callback(null, address) } : {}),
        },
      };
  }
}

/** What ioredis rejects a command with when its connection closed under it, or once the client has ended. */
export const CONNECTION_CLOSED = 'Connection is closed.';
const RECONNECT_AFTER_END_MS = 100;

/**
 * A Sentinel client that does not end when a failover is announced while it reconnects. ioredis's
 * failover detector (+switch-master) stops the client's connector; when that lands while the
 * client, already reconnecting after its master died, is asking a sentinel where the master is,
 * the connect fails with "Connection is closed." and ioredis sets the client's status to "end":
 * no more reconnects, and every command fails the same way (a web app could not queue a run
 * until restarted; seen once in the Sentinel failover test). That failed connect is the only
 * source of this error event (ioredis emits none for a disconnect or quit of ours), so the client
 * answers it by connecting again, unless it was closed on purpose. The commands waiting at that
 * moment fail (ioredis flushes them with the error); later ones wait for the new connection.
 * Duplicates (BullMQ's blocking connections) are made the same way.
 * docs/upstream/ioredis-sentinel-failover-end.md
 */
export class SentinelRedis extends Redis {
  private closedOnPurpose = false;
  private connectFailed = false;

  constructor(options: RedisOptions) {
    super(options);
    this.on('error', (error: Error) => {
      if (error.message === CONNECTION_CLOSED) this.connectFailed = true;
    });
    this.on('end', () => {
      if (!this.connectFailed) return;
      this.connectFailed = false;
      setTimeout(() => {
        if (this.status === 'end' && !this.closedOnPurpose) this.connect().catch(() => undefined);
      }, RECONNECT_AFTER_END_MS).unref();
    });
  }

  override disconnect(reconnect = false): void {
    if (!reconnect) this.closedOnPurpose = true;
    super.disconnect(reconnect);
  }

  override quit(callback?: Parameters<Redis['quit']>[0]): ReturnType<Redis['quit']> {
    this.closedOnPurpose = true;
    return super.quit(callback);
  }

  override duplicate(override?: Partial<RedisOptions>): Redis {
    return new SentinelRedis({ ...this.options, ...override });
  }
}

/** The one place a Redis connection is made. */
export function createRedis(options: CreateRedisOptions): RedisClient {
  const target = options.target ?? parseRedisUrl(config().REDIS_URL);
  const made = connectionOptions(target, options.purpose, options.connectionName);
  const client: RedisClient = made.cluster ? new Cluster(made.nodes, made.options) : target.kind === 'sentinel' ? new SentinelRedis(made.options) : new Redis(made.options);
  client.on('error', options.onError ?? (() => undefined));
  return client;
}

export function isCluster(client: RedisClient): client is Cluster {
  return (client as Cluster).isCluster === true;
}
