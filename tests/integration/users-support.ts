import pg from 'pg';
import { resetConfigForTests } from '@/lib/config';
import { disconnectDb } from '@/lib/db';
import { disconnectCacheRedis } from '@/lib/cache';
import { startTestServices, type TestServices } from '@/tests/setup/services';

// Helpers of the Users and operator-cache integration tests: private services with this process's
// lib/config, lib/db and cache connection pointed at them, and a compact way to insert people.

export async function startUsersTestServices(name: string): Promise<TestServices & { release: () => Promise<void> }> {
  const services = await startTestServices({ name });
  await disconnectDb();
  await disconnectCacheRedis();
  Object.assign(process.env, { DATABASE_URL: services.databaseUrl, REDIS_URL: services.redisUrl, REDIS_PREFIX: `idmtest${process.pid}` });
  resetConfigForTests();
  return {
    ...services,
    release: async () => {
      await disconnectCacheRedis();
      await disconnectDb();
      await services.stop();
    },
  };
}

export type TestPerson = {
  username: string;
  displayName?: string;
  givenName?: string;
  surname?: string;
  email?: string;
  employeeNumber?: string;
  state?: 'ACTIVE' | 'INACTIVE';
};

/** Inserts people (username key = lower(username)); returns their ids in the same order. */
export async function insertPeople(databaseUrl: string, people: TestPerson[]): Promise<number[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ id: number; username: string }>(
      `INSERT INTO users (username, username_key, display_name, given_name, surname, email, employee_number, state)
       SELECT p.username, lower(p.username), p.display_name, p.given_name, p.surname, p.email, p.employee_number, COALESCE(p.state, 'ACTIVE')::"UserState"
       FROM jsonb_to_recordset($1::jsonb) AS p(username text, display_name text, given_name text, surname text, email text, employee_number text, state text)
       RETURNING id, username`,
      [JSON.stringify(people.map((p) => ({ username: p.username, display_name: p.displayName, given_name: p.givenName, surname: p.surname, email: p.email, employee_number: p.employeeNumber, state: p.state })))],
    );
    const ids = new Map(rows.map((r) => [r.username, r.id]));
    return people.map((p) => ids.get(p.username)!);
  } finally {
    await client.end();
  }
}
