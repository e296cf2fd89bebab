import { describe, expect, it } from 'vitest';
import { connectionOptions } from './create-redis';
import { parseRedisUrl } from './redis-url';

describe('connectionOptions', () => {
  it('one Redis: host, port, database and credentials; queue commands wait, cache commands give up', () => {
    const queue = connectionOptions(parseRedisUrl('rediss://idm:pw@h:6380/2'), 'queue', 'idm-worker');
    expect(queue).toMatchObject({ cluster: false, options: { host: 'h', port: 6380, db: 2, username: 'idm', password: 'pw', tls: {}, maxRetriesPerRequest: null, connectionName: 'idm-worker' } });
    const cache = connectionOptions(parseRedisUrl('redis://h'), 'cache');
    expect(cache).toMatchObject({ cluster: false, options: { maxRetriesPerRequest: 1, connectTimeout: 2_000 } });
    expect(cache.options).not.toHaveProperty('tls');
  });

  it('a Sentinel group: the sentinels and master name go to ioredis, which asks them for the master', () => {
    const made = connectionOptions(parseRedisUrl('redis-sentinel://:pw@s1:26379,s2/idm-master?db=1&sentinelPassword=sp'), 'queue');
    expect(made).toMatchObject({
      cluster: false,
      options: { sentinels: [{ host: 's1', port: 26379 }, { host: 's2', port: 26379 }], name: 'idm-master', db: 1, password: 'pw', sentinelPassword: 'sp', failoverDetector: true, maxRetriesPerRequest: null },
    });
    expect(made.options).not.toHaveProperty('host');
    if (made.cluster) throw new Error('not a cluster');
    // A demoted master's READONLY answer: reconnect (to the sentinels' new master) and resend.
    expect(made.options.reconnectOnError?.(new Error("READONLY You can't write against a read only replica."))).toBe(2);
    expect(made.options.reconnectOnError?.(new Error('WRONGTYPE'))).toBe(false);
    expect(connectionOptions(parseRedisUrl('rediss-sentinel://s1/m'), 'cache').options).toMatchObject({ tls: {}, sentinelTLS: {}, enableTLSForSentinelMode: true });
  });

  it('a cluster: seed nodes, the node options under redisOptions, and a queue that rides out a failover', () => {
    const queue = connectionOptions(parseRedisUrl('redis-cluster://:pw@n1:7000,n2:7001'), 'queue');
    expect(queue).toMatchObject({
      cluster: true,
      nodes: [{ host: 'n1', port: 7000 }, { host: 'n2', port: 7001 }],
      options: { redisOptions: { password: 'pw', maxRetriesPerRequest: null }, retryDelayOnFailover: 500, maxRedirections: 120, enableReadyCheck: false },
    });
    const cache = connectionOptions(parseRedisUrl('redis-cluster://n1:7000'), 'cache');
    expect(cache.options).not.toHaveProperty('maxRedirections');
    expect(cache).toMatchObject({ options: { redisOptions: { maxRetriesPerRequest: 1 }, enableReadyCheck: false } });
  });
});
