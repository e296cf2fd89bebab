import { z } from 'zod';

// Worker tuning from the environment. Defaults suit production; tests shorten the stalled-job
// timings so that a killed worker's run is picked up again within seconds.
const schema = z.object({
  /** Runs executed at the same time (each job key still has at most one active run). */
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(16).default(2),
  /** How long a run's lock lives without renewal: a killed worker's run is considered stalled after it. */
  WORKER_LOCK_DURATION_MS: z.coerce.number().int().min(1_000).default(30_000),
  /** How often the worker looks for stalled runs. */
  WORKER_STALLED_INTERVAL_MS: z.coerce.number().int().min(500).default(30_000),
  /** Stalls tolerated before a run is failed (each worker crash is one stall). */
  WORKER_MAX_STALLED_COUNT: z.coerce.number().int().min(0).default(2),
  /** After SIGTERM: how long to wait for the pages in progress before leaving runs to recovery. */
  WORKER_SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).default(25_000),
  /** First retry delay after a transient failure; each further retry waits twice as long. */
  WORKER_RETRY_DELAY_MS: z.coerce.number().int().min(100).default(10_000),
  /** Schedules are also reconciled on this period (a FLUSHALL does not reconnect). */
  WORKER_RECONCILE_INTERVAL_MS: z.coerce.number().int().min(1_000).default(60_000),
  /** Runs whose queue job was lost (FLUSHALL, a replaced Redis) are found on this period, and lost schedules too. */
  WORKER_RUN_RECONCILE_INTERVAL_MS: z.coerce.number().int().min(500).default(5_000),
  /** Sessions past their expiry are deleted on this period (a sign-in page nobody returns to leaves rows behind). */
  WORKER_SESSION_CLEANUP_INTERVAL_MS: z.coerce.number().int().min(1_000).default(3_600_000),
  /** How often the notification outbox is drained into the notifications queue (events appear within it). */
  WORKER_NOTIFICATION_DISPATCH_INTERVAL_MS: z.coerce.number().int().min(100).default(1_000),
  /** First retry delay of a failed webhook or e-mail delivery; each further retry waits twice as long. */
  WORKER_NOTIFICATION_RETRY_DELAY_MS: z.coerce.number().int().min(100).default(5_000),
  /** Deliveries made at the same time. */
  WORKER_NOTIFICATION_CONCURRENCY: z.coerce.number().int().min(1).max(32).default(4),
});

export type WorkerSettings = z.infer<typeof schema>;

export function workerSettings(env: NodeJS.ProcessEnv = process.env): WorkerSettings {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`Invalid worker environment:\n${lines.join('\n')}`);
  }
  return parsed.data;
}
