import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { driftQuery } from '@/lib/sync/delta';
import { outcomeOf } from '@/lib/sync/outcome';
import { startUsersTestServices } from './users-support';

// Plans the engine's speed depends on, checked on PostgreSQL's own planner: the path meant, not
// another one that is as right and a thousand times slower at 1,000,000 people (the bench).

let services: Awaited<ReturnType<typeof startUsersTestServices>>;
let db: pg.Client;

beforeAll(async () => {
  services = await startUsersTestServices('engine-plans');
  db = new pg.Client({ connectionString: services.databaseUrl });
  await db.connect();
});

afterAll(async () => {
  await db?.end();
  await services?.release();
});

async function plan(statement: { text: string; values: unknown[] }): Promise<string> {
  const { rows } = await db.query(`EXPLAIN ${statement.text}`, statement.values);
  return rows.map((r: Record<string, string>) => r['QUERY PLAN']).join('\n');
}

describe('query plans of the engine', () => {
  it("finds a delta run's drifted users through users_drifted_idx, for both jobs", async () => {
    // Users enough that a scan of them all would be the planner's choice if the index could not answer.
    await db.query(`INSERT INTO users (username, username_key, state, source, ldap_external_id, last_synchronized_at, updated_at, related_settled)
      SELECT 'p' || i, 'p' || i, 'INACTIVE', 'LDAP', 'ext-' || i, now(), now(), true FROM generate_series(1, 20000) i`);
    await db.query(`UPDATE users SET updated_at = now() + interval '1 minute' WHERE username_key IN ('p7', 'p70')`);
    await db.query('ANALYZE users');
    for (const jobKey of ['inactive-ldap-users', 'active-ldap-users'] as const) {
      const statement = driftQuery(outcomeOf(jobKey), null, 10_000);
      expect(await plan(statement)).toContain('users_drifted_idx');
      const { rows } = await db.query(statement);
      expect(rows.map((r) => r.id)).toEqual(['ext-7', 'ext-70']);
    }
  });
});
