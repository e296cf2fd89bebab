import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type pg from 'pg';

// The generated directory of `npm run bench` and of the fault scenarios at scale
// (FAULT_SCENARIOS_PEOPLE): people user0000001 … under ou=people,dc=example,dc=com, every k-th
// one locked by ppolicy (the inactive job's default filter), and an Identity Manager in which
// every person exists, active, matched by username on the first run.
const TYPES = ['CARD', 'TEMPORARY_CARD', 'VIRTUAL_SMART_CARD', 'MOBILE_ID', 'SOFT_TOKEN'];
const BASE = 'dc=example,dc=com';

export type GeneratedDirectory = { people: number; inactiveShare: number };

const uid = (i: number) => `user${String(i).padStart(7, '0')}`;

export function isGeneratedInactive(i: number, inactiveShare: number): boolean {
  return i % Math.round(1 / inactiveShare) === 0;
}

/** How many of the generated people the inactive job matches. */
export function generatedInactiveCount({ people, inactiveShare }: GeneratedDirectory): number {
  return Math.floor(people / Math.round(1 / inactiveShare));
}

/** The people as LDIF for slapadd (streamed: a million entries is ~300 MB). */
export async function writeGeneratedLdif(file: string, { people, inactiveShare }: GeneratedDirectory): Promise<void> {
  const out = createWriteStream(file, { mode: 0o600 });
  for (let i = 1; i <= people; i++) {
    const lines = `dn: uid=${uid(i)},ou=people,${BASE}\nobjectClass: inetOrgPerson\nuid: ${uid(i)}\ncn: Person ${i}\ngivenName: Given${i}\nsn: Surname${i}\ndisplayName: Given${i} Surname${i}\nmail: ${uid(i)}@example.com\nemployeeNumber: E${i}\n${isGeneratedInactive(i, inactiveShare) ? 'pwdAccountLockedTime: 000001010000Z\n' : ''}\n`;
    if (!out.write(lines)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

/**
 * Every person, active, with 2-3 credentials each, 1-2 certificates per credential, two roles.
 * Set-based; foreign-key triggers are skipped (the rows are consistent by construction) so that
 * 1,000,000 people load in minutes. Needs a superuser (the embedded PostgreSQL's).
 */
export async function seedGeneratedIdentityManager(db: pg.Client, people: number): Promise<void> {
  await db.query(`SET session_replication_role = replica`);
  await db.query(`SET maintenance_work_mem = '256MB'`);
  await db.query(`INSERT INTO users (username, username_key, given_name, surname, state)
    SELECT 'user' || lpad(i::text, 7, '0'), 'user' || lpad(i::text, 7, '0'), 'Given' || i, 'Surname' || i, 'ACTIVE' FROM generate_series(1, $1) i`, [people]);
  await db.query(`INSERT INTO credentials (user_id, type, label)
    SELECT u.id, ($1::text[])[1 + (u.id + k) % 5]::"CredentialType", 'cred-' || u.id || '-' || k
    FROM users u CROSS JOIN generate_series(0, 2) k WHERE k < 2 + u.id % 2`, [TYPES]);
  await db.query(`INSERT INTO certificates (credential_id, serial, subject)
    SELECT c.id, c.id || '-' || k, 'CN=' || c.label FROM credentials c CROSS JOIN generate_series(0, 1) k WHERE k < 1 + c.id % 2`);
  await db.query(`INSERT INTO roles (name) SELECT 'Role ' || i FROM generate_series(1, 10) i`);
  await db.query(`INSERT INTO user_roles (user_id, role_id) SELECT u.id, 1 + (u.id + k) % 10 FROM users u CROSS JOIN generate_series(0, 1) k`);
  await db.query(`SET session_replication_role = DEFAULT`);
  await db.query('VACUUM ANALYZE');
}
