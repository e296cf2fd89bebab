import type pg from 'pg';
import { pool } from '../db-pool';
import { batchJobsQueue, queueRedis, type BatchJobsQueue } from '../queue/batch-jobs-queue';
import { redisPrefix } from '../queue/connection';
import { withRedisTimeout } from '../queue/redis-timeout';
import { liveWorkers } from '../queue/worker-heartbeat';
import { histogramSamples, renderPrometheusText, type MetricFamily } from './prometheus-text';

// The product's metrics, computed at scrape time from the database (the source of truth for
// runs) and from Redis (queue depth, workers). Nothing is kept in process memory, so every web
// instance answers the same and a restart loses nothing.

/** Run duration buckets in seconds: a sync takes seconds to an hour. */
export const RUN_DURATION_BUCKETS = [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600] as const;

const QUEUE_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'waiting-children', 'failed', 'completed'] as const;

export type CollectMetricsOptions = { db?: pg.Pool; queue?: BatchJobsQueue };

export async function collectMetrics(options: CollectMetricsOptions = {}): Promise<string> {
  const db = options.db ?? pool();
  const families: MetricFamily[] = [];

  const byStatus = await db.query<{ job_key: string; status: string; n: string }>(
    `SELECT job_key, status::text AS status, count(*) AS n FROM batch_runs GROUP BY job_key, status ORDER BY job_key, status`,
  );
  families.push({
    name: 'idm_batch_runs',
    help: 'Runs of each batch job by status (all recorded runs).',
    type: 'gauge',
    samples: byStatus.rows.map((r) => ({ labels: { job_key: r.job_key, status: r.status }, value: Number(r.n) })),
  });

  const bucketColumns = RUN_DURATION_BUCKETS.map((le, i) => `count(*) FILTER (WHERE d <= ${le}) AS b${i}`).join(', ');
  const durations = await db.query<Record<string, string>>(
    `SELECT job_key, ${bucketColumns}, coalesce(sum(d), 0) AS total, count(*) AS n
       FROM (SELECT job_key, extract(epoch FROM finished_at - started_at)::float8 AS d
               FROM batch_runs WHERE started_at IS NOT NULL AND finished_at IS NOT NULL) runs
      GROUP BY job_key ORDER BY job_key`,
  );
  families.push({
    name: 'idm_batch_run_duration_seconds',
    help: 'Duration of finished runs, from start to end, in seconds.',
    type: 'histogram',
    samples: durations.rows.flatMap((r) =>
      histogramSamples(
        { job_key: r.job_key! },
        RUN_DURATION_BUCKETS.map((le, i) => ({ le, count: Number(r[`b${i}`]) })),
        Number(r.total),
        Number(r.n),
      ),
    ),
  });

  // Dry runs change nobody: they are left out.
  const changed = await db.query<{ job_key: string; created: string; updated: string; credentials: string; certificates: string; roles: string }>(
    `SELECT job_key, coalesce(sum(created), 0) AS created, coalesce(sum(updated), 0) AS updated,
            coalesce(sum(credentials_changed), 0) AS credentials, coalesce(sum(certificates_changed), 0) AS certificates,
            coalesce(sum(roles_withdrawn), 0) AS roles
       FROM batch_runs WHERE NOT dry_run GROUP BY job_key ORDER BY job_key`,
  );
  families.push({
    name: 'idm_users_changed_total',
    help: 'People created or updated in the Identity Manager by batch runs (dry runs excluded).',
    type: 'counter',
    samples: changed.rows.flatMap((r) => [
      { labels: { job_key: r.job_key, change: 'created' }, value: Number(r.created) },
      { labels: { job_key: r.job_key, change: 'updated' }, value: Number(r.updated) },
    ]),
  });
  families.push({
    name: 'idm_objects_changed_total',
    help: 'Credentials and certificates changed and roles withdrawn by batch runs (dry runs excluded).',
    type: 'counter',
    samples: changed.rows.flatMap((r) => [
      { labels: { job_key: r.job_key, object: 'credential' }, value: Number(r.credentials) },
      { labels: { job_key: r.job_key, object: 'certificate' }, value: Number(r.certificates) },
      { labels: { job_key: r.job_key, object: 'role' }, value: Number(r.roles) },
    ]),
  });

  const ldapErrors = await db.query<{ job_key: string; code: string; n: string }>(
    `SELECT job_key, error_code AS code, count(*) AS n FROM batch_runs
      WHERE error_code LIKE 'LDAP\\_%' GROUP BY job_key, error_code ORDER BY job_key, error_code`,
  );
  families.push({
    name: 'idm_ldap_errors_total',
    help: 'Runs that ended on an LDAP error, by error code (LDAP_UNREACHABLE, LDAP_INVALID_CREDENTIALS ...).',
    type: 'counter',
    samples: ldapErrors.rows.map((r) => ({ labels: { job_key: r.job_key, code: r.code }, value: Number(r.n) })),
  });

  // Redis may be away: the database metrics still answer, and idm_redis_up says why the rest is missing.
  let redisUp = 0;
  try {
    const queue = options.queue ?? batchJobsQueue();
    const counts = await withRedisTimeout(queue.getJobCounts(...QUEUE_STATES), 'read the queue depth', 2_000);
    const workers = await withRedisTimeout(liveWorkers(queueRedis(queue), redisPrefix()), 'read the worker heartbeats', 2_000);
    redisUp = 1;
    families.push({
      name: 'idm_batch_queue_jobs',
      help: 'Jobs in the batch-jobs queue by state.',
      type: 'gauge',
      samples: QUEUE_STATES.map((state) => ({ labels: { state }, value: counts[state] ?? 0 })),
    });
    families.push({ name: 'idm_workers_live', help: 'Workers whose heartbeat is fresh.', type: 'gauge', samples: [{ value: workers.length }] });
    families.push({
      name: 'idm_workers_not_fetching',
      help: 'Live workers that took no job for a while although one waited and they had a free slot (restart them).',
      type: 'gauge',
      samples: [{ value: workers.filter((w) => w.fetchStalledSince).length }],
    });
  } catch {
    // reported through idm_redis_up
  }
  families.push({ name: 'idm_redis_up', help: '1 when Redis answered this scrape.', type: 'gauge', samples: [{ value: redisUp }] });
  return renderPrometheusText(families);
}
