import { Client as LdapClient, Attribute, Change } from 'ldapts';
import pg from 'pg';
import { encryptSecret } from '@/lib/crypto';

// The test directory and Identity Manager of the operator e2e specs: a few people in slapd and
// their IdM users with credentials, certificates and roles, written through LDAP and SQL (the
// product's own screens for this are not what these specs test).

export type E2eDirectory = { url: string; baseDn: string; adminDn: string; adminPassword: string; syncDn: string; syncPassword: string };

export function e2eDirectory(): E2eDirectory {
  const raw = process.env.E2E_LDAP;
  if (!raw) throw new Error('E2E_LDAP is not set: run the tests through playwright.config.ts (global setup)');
  return JSON.parse(raw) as E2eDirectory;
}

export async function withDatabase<T>(fn: (db: pg.Client) => Promise<T>): Promise<T> {
  const db = new pg.Client({ connectionString: process.env.E2E_DATABASE_URL });
  await db.connect();
  try {
    return await fn(db);
  } finally {
    await db.end();
  }
}

/** A connection to the test directory bound as its administrator, for writing fixtures. */
export async function withDirectory<T>(fn: (ldap: LdapClient, dir: E2eDirectory) => Promise<T>): Promise<T> {
  const dir = e2eDirectory();
  const ldap = new LdapClient({ url: dir.url });
  await ldap.bind(dir.adminDn, dir.adminPassword);
  try {
    return await fn(ldap, dir);
  } finally {
    await ldap.unbind();
  }
}

// Locked by the ppolicy overlay "for ever": what the default filter preset selects as inactive.
const LOCKED_FOREVER = '000001010000Z';

export type FixturePerson = { uid: string; givenName: string; sn: string; locked: boolean };

/** Adds the people below ou=people (created when missing). */
export async function addDirectoryPeople(people: FixturePerson[]): Promise<void> {
  await withDirectory(async (ldap, dir) => {
    for (const p of people) {
      const attributes: Record<string, string | string[]> = {
        objectClass: ['inetOrgPerson'],
        uid: p.uid,
        cn: `${p.givenName} ${p.sn}`,
        givenName: p.givenName,
        sn: p.sn,
        mail: `${p.uid}@example.com`,
        employeeNumber: `E2E-${p.uid}`,
      };
      if (p.locked) attributes.pwdAccountLockedTime = LOCKED_FOREVER;
      await ldap.add(`uid=${p.uid},ou=people,${dir.baseDn}`, attributes);
    }
  });
}

/** Removes people a spec added, so that the specs after it read only their own (the directory is shared). */
export async function removeDirectoryPeople(uids: string[]): Promise<void> {
  await withDirectory(async (ldap, dir) => {
    for (const uid of uids) await ldap.del(`uid=${uid},ou=people,${dir.baseDn}`);
  });
}

/** Locks existing directory people (as an administrator disabling accounts would). */
export async function lockDirectoryPeople(uids: string[]): Promise<void> {
  await withDirectory(async (ldap, dir) => {
    for (const uid of uids) {
      await ldap.modify(`uid=${uid},ou=people,${dir.baseDn}`, [
        new Change({ operation: 'add', modification: new Attribute({ type: 'pwdAccountLockedTime', values: [LOCKED_FOREVER] }) }),
      ]);
    }
  });
}

export type FixtureUser = {
  username: string;
  source?: 'LDAP' | 'LOCAL';
  /** One credential of each type listed, each with one VALID certificate. */
  credentialTypes: string[];
  roles: string[];
};

/** IdM users (ACTIVE) with their credentials, certificates and roles. */
export async function addIdentityUsers(users: FixtureUser[]): Promise<void> {
  await withDatabase(async (db) => {
    for (const u of users) {
      const { rows } = await db.query(
        `INSERT INTO users (username, username_key, given_name, surname, email, employee_number, state, source, updated_at)
         VALUES ($1, lower($1), $1, 'E2E', $1 || '@example.com', 'E2E-' || $1, 'ACTIVE', $2::"UserSource", now()) RETURNING id`,
        [u.username, u.source ?? 'LDAP'],
      );
      const userId = rows[0].id as number;
      for (const [i, type] of u.credentialTypes.entries()) {
        const { rows: c } = await db.query(
          `INSERT INTO credentials (user_id, type, state, label, updated_at) VALUES ($1, $2::"CredentialType", 'ACTIVE', $3, now()) RETURNING id`,
          [userId, type, `${type} of ${u.username}`],
        );
        await db.query(
          `INSERT INTO certificates (credential_id, serial, subject, state, updated_at) VALUES ($1, $2, $3, 'VALID', now())`,
          [c[0].id, `E2E-${u.username}-${i}`, `CN=${u.username}`],
        );
      }
      for (const role of u.roles) {
        await db.query(`INSERT INTO roles (name) VALUES ($1) ON CONFLICT (name) DO NOTHING`, [role]);
        await db.query(`INSERT INTO user_roles (user_id, role_id) SELECT $1, id FROM roles WHERE name = $2`, [userId, role]);
      }
    }
  });
}

/** Points the Identity Manager at the test directory (the sync account of scripts/services/slapd.ts). */
export async function configureDirectoryConnection(): Promise<void> {
  const dir = e2eDirectory();
  await withDatabase((db) =>
    db.query(
      `INSERT INTO ldap_settings (id, urls, bind_dn, bind_password_encrypted, base_dn, updated_by, updated_at)
       VALUES (1, $1, $2, $3, $4, 'e2e', now())
       ON CONFLICT (id) DO UPDATE SET urls = EXCLUDED.urls, bind_dn = EXCLUDED.bind_dn,
         bind_password_encrypted = EXCLUDED.bind_password_encrypted, base_dn = EXCLUDED.base_dn`,
      [[dir.url], dir.syncDn, encryptSecret(dir.syncPassword), dir.baseDn],
    ),
  );
}

/** A user's end state as stored: for assertions after a run. */
export async function identityOf(username: string) {
  return withDatabase(async (db) => {
    const { rows: users } = await db.query(`SELECT id, state::text AS state FROM users WHERE username_key = lower($1)`, [username]);
    const user = users[0] as { id: number; state: string } | undefined;
    if (!user) return null;
    const { rows: credentials } = await db.query(
      `SELECT c.type::text AS type, c.state::text AS state,
              COALESCE(array_agg(ce.state::text ORDER BY ce.id) FILTER (WHERE ce.id IS NOT NULL), '{}') AS certificates
       FROM credentials c LEFT JOIN certificates ce ON ce.credential_id = c.id WHERE c.user_id = $1 GROUP BY c.id ORDER BY c.id`,
      [user.id],
    );
    const { rows: roles } = await db.query(`SELECT count(*)::int AS n FROM user_roles WHERE user_id = $1`, [user.id]);
    return { state: user.state, credentials: credentials as { type: string; state: string; certificates: string[] }[], roles: roles[0].n as number };
  });
}
