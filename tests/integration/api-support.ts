import { startAuthTestEnvironment, type AuthTestEnvironment } from '@/e2e/support/app-server';
import { Client as LdapClient } from 'ldapts';
import { generateEncryptionKey } from '@/lib/crypto';

// The running app (`next start`) on private PostgreSQL, Redis and slapd, with this test process
// pointed at the same database and Redis so that it can arrange data through lib/ and check the
// outcome. Used by tests/integration/api*.test.ts and security*.test.ts.

export type ApiTestEnvironment = AuthTestEnvironment & {
  /** The key the server encrypts secrets with (the test process uses the same). */
  encryptionKey: string;
  /** Makes an API token for a role through lib/api (as the admin UI does) and returns its value. */
  createToken: (role: 'ADMINISTRATOR' | 'OPERATOR', name?: string, expiresInDays?: number | null) => Promise<{ id: number; token: string }>;
  /** fetch against the app with a Bearer token (or none), JSON body when given. */
  api: (path: string, init?: { method?: string; token?: string | null; body?: unknown; headers?: Record<string, string> }) => Promise<Response>;
};

export async function startApiTestEnvironment(name: string, options: { keepServerOutput?: boolean } = {}): Promise<ApiTestEnvironment> {
  const encryptionKey = generateEncryptionKey();
  const env = await startAuthTestEnvironment({ name, env: { APP_ENCRYPTION_KEY: encryptionKey }, keepServerOutput: options.keepServerOutput });
  // lib/ reads its environment lazily: point this process at the test services before first use.
  process.env.DATABASE_URL = env.services.databaseUrl;
  process.env.REDIS_URL = env.services.redisUrl;
  process.env.APP_ENCRYPTION_KEY = encryptionKey;
  const { prisma } = await import('@/lib/db');
  const { createApiToken } = await import('@/lib/api/api-tokens');
  const admin = await prisma().account.findUniqueOrThrow({ where: { username: env.accounts.admin.username } });
  let counter = 0;
  return {
    ...env,
    encryptionKey,
    createToken: async (role, tokenName, expiresInDays = null) => {
      const { token, apiToken } = await createApiToken({
        name: tokenName ?? `${role.toLowerCase()}-${++counter}`,
        role,
        expiresInDays,
        actor: { accountId: admin.id, username: admin.username },
      });
      return { id: apiToken.id, token };
    },
    api: (path, init = {}) => {
      const headers = new Headers(init.headers);
      if (init.token) headers.set('authorization', `Bearer ${init.token}`);
      let body: string | undefined;
      if (init.body !== undefined) {
        body = typeof init.body === 'string' ? init.body : JSON.stringify(init.body);
        if (!headers.has('content-type')) headers.set('content-type', 'application/json');
      }
      return fetch(env.baseUrl + path, { method: init.method ?? 'GET', headers, body, redirect: 'manual' });
    },
    stop: async () => {
      const { disconnectDb } = await import('@/lib/db');
      const { closeBatchJobsQueue } = await import('@/lib/queue/batch-jobs-queue');
      const { disconnectCacheRedis } = await import('@/lib/cache/redis');
      await closeBatchJobsQueue().catch(() => undefined);
      await disconnectCacheRedis().catch(() => undefined);
      await disconnectDb();
      await env.stop();
    },
  };
}

/** Adds locked people (what the inactive job's filter matches) to the test directory, as its administrator. */
export async function addLockedPeople(ldap: { url: string; baseDn: string; adminDn: string; adminPassword: string }, uids: readonly string[], surname: string): Promise<void> {
  const client = new LdapClient({ url: ldap.url });
  await client.bind(ldap.adminDn, ldap.adminPassword);
  try {
    for (const uid of uids) {
      await client.add(`uid=${uid},ou=people,${ldap.baseDn}`, {
        objectClass: ['inetOrgPerson'],
        uid,
        cn: uid,
        sn: surname,
        mail: `${uid}@example.com`,
        pwdAccountLockedTime: '000001010000Z',
      });
    }
  } finally {
    await client.unbind();
  }
}

/**
 * Identity Manager users for `uids`, active, each with an active credential of every type in
 * `credentialTypes` (label TYPE-uid, one valid certificate, serial uid-TYPE) and the role Employee:
 * what a run of the inactive job then deactivates.
 */
export async function addEmployees(uids: readonly string[], credentialTypes: readonly string[]): Promise<void> {
  const { pool } = await import('@/lib/db-pool');
  await pool().query(`INSERT INTO roles (name) VALUES ('Employee') ON CONFLICT DO NOTHING`);
  for (const uid of uids) {
    const { rows } = await pool().query(`INSERT INTO users (username, username_key, state, updated_at) VALUES ($1, $1, 'ACTIVE', now()) RETURNING id`, [uid]);
    for (const type of credentialTypes) {
      const { rows: c } = await pool().query(`INSERT INTO credentials (user_id, type, state, label, updated_at) VALUES ($1, $2, 'ACTIVE', $3, now()) RETURNING id`, [rows[0].id, type, `${type}-${uid}`]);
      await pool().query(`INSERT INTO certificates (credential_id, serial, subject, state, updated_at) VALUES ($1, $2, 'CN=x', 'VALID', now())`, [c[0].id, `${uid}-${type}`]);
    }
    await pool().query(`INSERT INTO user_roles (user_id, role_id) SELECT $1, id FROM roles WHERE name = 'Employee'`, [rows[0].id]);
  }
}
