import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { pool } from '@/lib/db-pool';
import { countPages, NOTHING_CARRIED, RunTakenOverError } from '@/lib/sync/page-sql/count-pages';
import { runBatchJob } from '@/lib/sync/run-batch-job';
import { peopleLdif, queueRun, resetIdentityManager, startSyncTestEnvironment, type SyncTestEnvironment } from '../fixtures/sync-environment';

// Faults injected into real services while a run works: PostgreSQL killing the engine's
// connections (what a restart or a failover does to them), and a worker that hung and woke up
// after another attempt took its run over. Each run must end, in the end state of a run nobody
// disturbed, and a stale attempt must never write onto a run it no longer owns.
const BASE = 'dc=example,dc=com';
const PEOPLE = Array.from({ length: 12 }, (_, i) => ({ uid: `p${i}`, givenName: `Given${i}`, sn: `Surname${i}`, locked: i % 3 !== 2 }));

let env: SyncTestEnvironment;
beforeAll(async () => {
  env = await startSyncTestEnvironment('run-faults', peopleLdif(BASE, PEOPLE));
});
afterAll(async () => {
  await env?.stop();
});

const OPTIONS = { threshold: { maxUsers: null, maxPercent: null }, pageSize: 1 };

async function seed() {
  await resetIdentityManager(env.slapd, { inactive: OPTIONS });
  const db = pool();
  const role = (await db.query(`INSERT INTO roles (name) VALUES ('Employee') RETURNING id`)).rows[0].id;
  for (const p of PEOPLE) {
    const { rows } = await db.query(`INSERT INTO users (username, username_key, state) VALUES ($1, $1, 'ACTIVE') RETURNING id`, [p.uid]);
    await db.query('INSERT INTO user_roles (user_id, role_id) VALUES ($1, $2)', [rows[0].id, role]);
    const credential = await db.query(`INSERT INTO credentials (user_id, type, state, label) VALUES ($1, 'CARD', 'ACTIVE', 'card') RETURNING id`, [rows[0].id]);
    await db.query(`INSERT INTO certificates (credential_id, serial, subject, state) VALUES ($1, $2, 'CN=x', 'VALID')`, [credential.rows[0].id, `s-${p.uid}`]);
  }
}

/** The Identity Manager's end state, without ids and timestamps: what two runs must agree on. */
async function fingerprint() {
  const { rows } = await pool().query(`
    SELECT u.username, u.state::text, u.ldap_dn, (u.ldap_external_id IS NOT NULL) AS linked,
           (SELECT string_agg(c.state::text || '/' || ce.state::text || '/' || COALESCE(ce.revocation_reason::text, '-'), ',' ORDER BY ce.serial)
              FROM credentials c JOIN certificates ce ON ce.credential_id = c.id WHERE c.user_id = u.id) AS related,
           (SELECT count(*)::int FROM user_roles r WHERE r.user_id = u.id) AS roles
    FROM users u ORDER BY u.username`);
  const items = await pool().query(`SELECT count(*)::int AS n, count(DISTINCT (run_id, external_id))::int AS distinct_items FROM batch_run_items`);
  return { users: rows, items: items.rows[0] };
}

let undisturbed: Awaited<ReturnType<typeof fingerprint>>;

describe('faults while a run works', () => {
  beforeAll(async () => {
    await seed();
    const outcome = await runBatchJob({ runId: await queueRun('inactive-ldap-users') });
    expect(outcome.status).toBe('SUCCEEDED');
    undisturbed = await fingerprint();
  });
  beforeEach(seed);

  it('PostgreSQL terminating every connection of the engine mid-run (a restart) retries the page and ends in the same state', async () => {
    const killer = new pg.Client({ connectionString: env.databaseUrl });
    await killer.connect();
    let killed = 0;
    try {
      const outcome = await runBatchJob({
        runId: await queueRun('inactive-ldap-users'),
        onProgress: async (p) => {
          // At pages 3 and 6, with the next page already inside its transaction on another connection.
          if (p.page !== 3 && p.page !== 6) return;
          const { rows } = await killer.query(`SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`);
          killed += rows[0].n;
        },
      });
      expect(killed).toBeGreaterThan(0);
      expect(outcome).toMatchObject({ status: 'SUCCEEDED', errorCode: null });
      expect(outcome.counters).toMatchObject({ entriesRead: 8, updated: 8, failed: 0 });
      expect(await fingerprint()).toEqual(undisturbed);
    } finally {
      await killer.end();
    }
  });

  it('an attempt that hung while another attempt finished the run writes nothing when it wakes up', async () => {
    await pool().query('UPDATE batch_jobs SET options = $1', [JSON.stringify({ ...OPTIONS, pageSize: 500 })]);
    const runId = await queueRun('inactive-ldap-users');
    let wake!: () => void;
    const hung = new Promise<void>((resolve) => (wake = resolve));
    let reached!: () => void;
    const atPage = new Promise<void>((resolve) => (reached = resolve));
    // Attempt 1 commits its page and hangs in its report, as a stopped worker would.
    const first = runBatchJob({ runId, onProgress: async () => (reached(), hung) });
    await atPage;
    // Its lock ran out: attempt 2 takes the run over and finishes it.
    const second = await runBatchJob({ runId });
    expect(second).toMatchObject({ status: 'SUCCEEDED', errorCode: null });
    const finished = (await pool().query('SELECT status::text, attempts, finished_at, error_code, error FROM batch_runs WHERE id = $1', [runId])).rows[0];
    wake();
    const late = await first;
    expect(late.status).toBe('SUCCEEDED');
    expect((await pool().query('SELECT status::text, attempts, finished_at, error_code, error FROM batch_runs WHERE id = $1', [runId])).rows[0]).toEqual(finished);
    expect(finished).toMatchObject({ attempts: 2, error_code: null });
    // And the stale attempt's fencing token can no longer count a page.
    await expect(countPages(pool(), runId, 1, 2, NOTHING_CARRIED)).rejects.toThrow(RunTakenOverError);
    expect(await fingerprint()).toEqual(undisturbed);
  });
});
