import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectionOptions, createRedis, SentinelRedis, type RedisClient } from '@/lib/redis/create-redis';
import { parseRedisUrl } from '@/lib/redis/redis-url';
import { startRedisSentinelGroup, type RedisSentinelGroup } from '@/tests/setup/redis-ha';

// ioredis ends a Sentinel client for good when its failover detector (+switch-master) stops the
// connector while the client, reconnecting, asks a sentinel where the master is (lib/redis/
// create-redis.ts SentinelRedis). The race is made certain here: the sentinel lookup of the next
// connect is preceded by exactly what the detector does, connector.disconnect().

let dir: string;
let group: RedisSentinelGroup;
const clients: RedisClient[] = [];

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'idm-sentinel-'));
  group = await startRedisSentinelGroup(path.join(dir, 'group'));
}, 60_000);

afterAll(async () => {
  for (const client of clients) client.disconnect();
  await group?.stop();
  rmSync(dir, { recursive: true, force: true });
});

type Internals = { connector: { disconnect(): void; resolve(endpoint: unknown): Promise<unknown> } };

/** The next connect of `client` meets a failover announced while it asks a sentinel for the master. */
async function failoverDuringReconnect(client: Redis): Promise<void> {
  await client.ping();
  const { connector } = client as unknown as Internals;
  const resolve = connector.resolve.bind(connector);
  let raced = false;
  connector.resolve = async (endpoint) => {
    if (!raced) {
      raced = true;
      connector.disconnect(); // FailoverDetector.disconnect() on +switch-master
    }
    return resolve(endpoint);
  };
  client.disconnect(true); // the master's connection lost: reconnect
}

const pingWithin = (client: Redis, ms: number) => Promise.race([client.ping(), new Promise((_, reject) => setTimeout(() => reject(new Error(`no PONG within ${ms} ms (status ${client.status})`)), ms))]);

/** PONG again within `ms`: the commands waiting when the connect failed fail with it (ioredis flushes them), later ones are answered. */
async function answersAgainWithin(client: Redis, ms: number): Promise<string> {
  const until = Date.now() + ms;
  for (;;) {
    try {
      return (await pingWithin(client, 1_000)) as string;
    } catch (error) {
      if (Date.now() > until) throw error;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

describe('a Sentinel client when a failover is announced while it reconnects', () => {
  it("ends for good as ioredis makes it (the upstream behaviour this guards against)", async () => {
    const made = connectionOptions(parseRedisUrl(group.url), 'queue');
    if (made.cluster) throw new Error('a Sentinel group expected');
    const plain = new Redis(made.options);
    plain.on('error', () => undefined);
    clients.push(plain);
    await failoverDuringReconnect(plain);
    await expect(pingWithin(plain, 3_000)).rejects.toThrow('Connection is closed.');
    await new Promise((r) => setTimeout(r, 1_000));
    expect(plain.status).toBe('end');
    await expect(plain.ping()).rejects.toThrow('Connection is closed.');
  });

  it('connects again, and so do its duplicates (BullMQ blocking connections), but not once closed on purpose', async () => {
    const client = createRedis({ purpose: 'queue', target: parseRedisUrl(group.url) });
    clients.push(client);
    expect(client).toBeInstanceOf(SentinelRedis);
    const sentinel = client as SentinelRedis;
    await failoverDuringReconnect(sentinel);
    expect(await answersAgainWithin(sentinel, 5_000)).toBe('PONG');
    expect(sentinel.status).toBe('ready');

    const duplicate = sentinel.duplicate({ connectionName: 'blocking' });
    clients.push(duplicate);
    expect(duplicate).toBeInstanceOf(SentinelRedis);
    await failoverDuringReconnect(duplicate);
    expect(await answersAgainWithin(duplicate, 5_000)).toBe('PONG');

    // Closed by us while the race ends it: it stays closed.
    const closing = createRedis({ purpose: 'queue', target: parseRedisUrl(group.url) }) as SentinelRedis;
    clients.push(closing);
    await failoverDuringReconnect(closing);
    closing.disconnect();
    await new Promise((r) => setTimeout(r, 1_500));
    expect(closing.status).toBe('end');
  });
});
