import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { ensureRedisServer } from '@/scripts/services/redis';
import { waitForPort } from '@/scripts/services/ports';

// Private Redis deployments for the failover tests, on loopback and free ports, each process
// under dataDir (removed on stop): a Redis Cluster of masters with one replica each, and a
// Sentinel group (a primary, a replica, sentinels). Debian's redis-server runs as a sentinel with
// --sentinel; redis-cli (redis-tools, a dependency of redis-server) builds the cluster.

const run = promisify(execFile);

export type RedisNode = { port: number; process: ChildProcess; exited: Promise<void> };

/** `count` distinct free loopback ports, held together while they are picked so none repeats. */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<net.Server>((resolve, reject) => {
          const server = net.createServer();
          server.on('error', reject);
          server.listen(0, '127.0.0.1', () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as net.AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

function startNode(dataDir: string, port: number, lines: string[], args: string[] = []): RedisNode {
  mkdirSync(dataDir, { recursive: true });
  const confPath = path.join(dataDir, 'redis.conf');
  writeFileSync(
    confPath,
    [
      'bind 127.0.0.1',
      `port ${port}`,
      'daemonize no',
      `dir ${dataDir}`,
      'maxmemory-policy noeviction',
      // Redis 7 waits 5 s before a diskless first sync, for more replicas to join: not needed here.
      'repl-diskless-sync-delay 0',
      'appendonly no',
      'save ""',
      `logfile ${path.join(dataDir, 'redis.log')}`,
      ...lines,
    ].join('\n') + '\n',
  );
  const child = spawn(ensureRedisServer(), [confPath, ...args], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return { port, process: child, exited };
}

async function stopNodes(nodes: RedisNode[], dataDir: string): Promise<void> {
  await Promise.all(
    nodes.map(async (n) => {
      if (n.process.exitCode === null && n.process.signalCode === null) n.process.kill('SIGKILL');
      await n.exited;
    }),
  );
  rmSync(dataDir, { recursive: true, force: true });
}

export async function redisCli(port: number, ...args: string[]): Promise<string> {
  const { stdout } = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { timeout: 30_000 });
  return stdout.trim();
}

/** Polls `probe` until it returns true. */
async function until(probe: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export type RedisCluster = {
  url: string;
  nodes: RedisNode[];
  /** The master serving `key`'s slot now. */
  masterOf: (key: string) => Promise<RedisNode>;
  /** Resolves once a node other than `former` serves `key`'s slot as master and the cluster is ok. */
  waitForNewMaster: (key: string, former: RedisNode, timeoutMs?: number) => Promise<RedisNode>;
  stop: () => Promise<void>;
};

/**
 * 3 masters, each with a replica, every replica in sync. `nodeTimeoutMs` (cluster-node-timeout,
 * 1 s unless given; Redis's default is 15 s) is how long a killed master goes unnoticed.
 */
export async function startRedisCluster(dataDir: string, options: { nodeTimeoutMs?: number } = {}): Promise<RedisCluster> {
  rmSync(dataDir, { recursive: true, force: true });
  const ports = await freePorts(12);
  const nodes: RedisNode[] = [];
  const stop = () => stopNodes(nodes, dataDir);
  try {
    for (let i = 0; i < 6; i++) {
      const dir = path.join(dataDir, `node-${i}`);
      nodes.push(
        startNode(dir, ports[i]!, [
          'cluster-enabled yes',
          `cluster-config-file ${path.join(dir, 'nodes.conf')}`,
          // The bus port, explicit: the default (port + 10000) may be taken or out of range.
          `cluster-port ${ports[i + 6]!}`,
          `cluster-node-timeout ${options.nodeTimeoutMs ?? 1000}`,
        ]),
      );
    }
    await Promise.all(nodes.map((n) => waitForPort(n.port)));
    await run('redis-cli', ['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-replicas', '1', '--cluster-yes'], { timeout: 60_000 });
    for (const n of nodes) await until(async () => (await redisCli(n.port, 'CLUSTER', 'INFO')).includes('cluster_state:ok'), `cluster state ok on ${n.port}`);
    // A replica that never completed its first sync refuses to take over: wait for every link.
    for (const n of nodes) {
      await until(async () => {
        const info = await redisCli(n.port, 'INFO', 'replication');
        return info.includes('role:master') || info.includes('master_link_status:up');
      }, `replica ${n.port} in sync`);
    }

    const masterOf = async (key: string, except?: RedisNode): Promise<RedisNode> => {
      const asker = nodes.find((n) => n !== except && n.process.exitCode === null && n.process.signalCode === null)!;
      const slot = Number(await redisCli(asker.port, 'CLUSTER', 'KEYSLOT', key));
      for (const line of (await redisCli(asker.port, 'CLUSTER', 'NODES')).split('\n')) {
        const [, address, flags, , , , , state, ...slots] = line.split(' ');
        if (!flags?.includes('master') || flags.includes('fail') || state !== 'connected') continue;
        const serves = slots.some((range) => {
          const [from, to = from] = range.split('-').map(Number);
          return slot >= from! && slot <= to!;
        });
        if (serves) {
          const port = Number(address!.split('@')[0]!.split(':')[1]);
          const node = nodes.find((n) => n.port === port);
          if (node) return node;
        }
      }
      throw new Error(`no connected master serves the slot of ${key}`);
    };
    const waitForNewMaster = async (key: string, former: RedisNode, timeoutMs = 30_000) => {
      let found: RedisNode | undefined;
      await until(
        async () => {
          const node = await masterOf(key, former);
          if (node === former) return false;
          const info = await redisCli(node.port, 'CLUSTER', 'INFO');
          found = node;
          return info.includes('cluster_state:ok');
        },
        `a new master for ${key}`,
        timeoutMs,
      );
      return found!;
    };
    return { url: `redis-cluster://${nodes.slice(0, 3).map((n) => `127.0.0.1:${n.port}`).join(',')}`, nodes, masterOf: (key) => masterOf(key), waitForNewMaster, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

export type RedisSentinelGroup = {
  url: string;
  masterName: string;
  primary: RedisNode;
  replica: RedisNode;
  sentinels: RedisNode[];
  /** The port of the master the sentinels name now. */
  masterPort: () => Promise<number>;
  stop: () => Promise<void>;
};

/** A primary, its replica and three sentinels (quorum 2), failing over a second after the primary stops answering. */
export async function startRedisSentinelGroup(dataDir: string, masterName = 'idm-test'): Promise<RedisSentinelGroup> {
  rmSync(dataDir, { recursive: true, force: true });
  const [primaryPort, replicaPort, ...sentinelPorts] = (await freePorts(5)) as [number, number, number, number, number];
  const all: RedisNode[] = [];
  const stop = () => stopNodes(all, dataDir);
  try {
    const primary = startNode(path.join(dataDir, 'primary'), primaryPort, []);
    all.push(primary);
    const replica = startNode(path.join(dataDir, 'replica'), replicaPort, [`replicaof 127.0.0.1 ${primaryPort}`]);
    all.push(replica);
    await Promise.all([waitForPort(primaryPort), waitForPort(replicaPort)]);
    await until(async () => (await redisCli(replicaPort, 'INFO', 'replication')).includes('master_link_status:up'), 'the replica in sync');
    const sentinels = sentinelPorts.map((port, i) => {
      const node = startNode(
        path.join(dataDir, `sentinel-${i}`),
        port,
        [
          `sentinel monitor ${masterName} 127.0.0.1 ${primaryPort} 2`,
          `sentinel down-after-milliseconds ${masterName} 1000`,
          `sentinel failover-timeout ${masterName} 10000`,
          `sentinel parallel-syncs ${masterName} 1`,
        ],
        ['--sentinel'],
      );
      all.push(node);
      return node;
    });
    await Promise.all(sentinels.map((s) => waitForPort(s.port)));
    // Each sentinel has found the replica and the other sentinels: a failover can be agreed on.
    for (const s of sentinels) {
      await until(async () => {
        const info = await redisCli(s.port, 'SENTINEL', 'MASTER', masterName);
        const fields = info.split('\n');
        const value = (name: string) => Number(fields[fields.indexOf(name) + 1]);
        return value('num-slaves') === 1 && value('num-other-sentinels') === 2;
      }, `sentinel ${s.port} to know the group`);
    }
    const masterPort = async () => Number((await redisCli(sentinels[0]!.port, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', masterName)).split('\n')[1]);
    return {
      url: `redis-sentinel://${sentinels.map((s) => `127.0.0.1:${s.port}`).join(',')}/${masterName}`,
      masterName,
      primary,
      replica,
      sentinels,
      masterPort,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
