import { z } from 'zod';
import { prisma } from '../db';
import { batchJobsQueue, queueRedis, type BatchJobsQueue } from '../queue/batch-jobs-queue';
import { redisPrefix } from '../queue/connection';
import { withRedisTimeout } from '../queue/redis-timeout';
import { liveWorkers } from '../queue/worker-heartbeat';

export type ReadinessCheck = { ok: boolean; message: string };
export type Readiness = { ready: boolean; checks: { database: ReadinessCheck; redis: ReadinessCheck; worker: ReadinessCheck } };

/** What GET /api/health answers: the web process is alive. */
export const livenessSchema = z.object({ status: z.literal('ok') });
export const LIVENESS: z.infer<typeof livenessSchema> = { status: 'ok' };

const readinessCheckSchema = z.object({ ok: z.boolean(), message: z.string() });

/** What GET /api/ready answers: `checks` only to a caller who authenticated (it tells an outsider what to attack). */
export const readinessSchema = z
  .object({
    status: z.enum(['ready', 'not_ready']),
    checks: z.object({ database: readinessCheckSchema, redis: readinessCheckSchema, worker: readinessCheckSchema }).optional(),
  })
  .meta({ id: 'Readiness' });

export function readinessRepresentation(readiness: Readiness, withChecks: boolean): z.infer<typeof readinessSchema> {
  const status = readiness.ready ? 'ready' : 'not_ready';
  return withChecks ? { status, checks: readiness.checks } : { status };
}

const TIMEOUT_MS = 2_000;

function timeout<T>(work: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    work,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not answer within ${TIMEOUT_MS} ms`)), TIMEOUT_MS);
    }),
  ]).finally(() => clearTimeout(timer));
}

/**
 * Whether this installation can do its work: the database answers, Redis answers, and at least
 * one worker wrote its heartbeat recently. Messages name the failing part, never a secret
 * (connection strings carry passwords: they are not echoed).
 */
export async function checkReadiness(options: { queue?: BatchJobsQueue } = {}): Promise<Readiness> {
  const database = await timeout(prisma().$queryRaw`SELECT 1`, 'PostgreSQL')
    .then(() => ({ ok: true, message: 'PostgreSQL answers.' }))
    .catch(() => ({ ok: false, message: 'PostgreSQL does not answer: check the database and DATABASE_URL.' }));
  let redis: ReadinessCheck = { ok: false, message: 'Redis does not answer: check Redis and REDIS_URL.' };
  let worker: ReadinessCheck = { ok: false, message: 'Unknown: Redis does not answer.' };
  try {
    const connection = queueRedis(options.queue ?? batchJobsQueue());
    await withRedisTimeout(connection.ping(), 'answer a ping', TIMEOUT_MS);
    redis = { ok: true, message: 'Redis answers.' };
    const workers = await withRedisTimeout(liveWorkers(connection, redisPrefix()), 'list the worker heartbeats', TIMEOUT_MS);
    worker = workers.length
      ? { ok: true, message: `${workers.length} worker(s) alive.` }
      : { ok: false, message: 'No worker heartbeat: start the worker (npm run worker).' };
  } catch {
    // the defaults above say what is missing
  }
  return { ready: database.ok && redis.ok && worker.ok, checks: { database, redis, worker } };
}
