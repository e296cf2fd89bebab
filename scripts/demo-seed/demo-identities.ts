import type { PrismaClient } from '@/lib/generated/prisma/client';
import { INACTIVE_OUTCOME } from '@/lib/sync/outcome';
import { createRandom, type DemoPerson } from '@/scripts/demo-data';
import { usernameKey } from '@/lib/users/username-key';
import type {
  CertificateState,
  CredentialState,
  CredentialType,
  RevocationReason,
  UserSource,
  UserState,
} from '@/lib/generated/prisma/enums';

// The demo's Identity Manager side: people matching the demo directory, each holding credentials
// of the five types with certificates, and roles. Generated with a seeded PRNG so every demo
// database looks the same; written set-based (a few multi-row inserts), never row by row.

/** What the seed needs to know about a directory person. */
export type DirectoryPerson = Pick<DemoPerson, 'uid' | 'givenName' | 'sn' | 'displayName' | 'mail' | 'employeeNumber' | 'department' | 'active' | 'entryUUID' | 'dn'>;

export const DEMO_ROLES = [
  { name: 'Employee', description: 'Every member of staff' },
  { name: 'VPN access', description: 'Remote access to the corporate network' },
  { name: 'Building access', description: 'Door access with the staff card' },
  { name: 'Payroll approver', description: 'Approves payroll runs' },
  { name: 'Helpdesk', description: 'Resets passwords and unlocks cards for others' },
] as const;

const CREDENTIAL_TYPES: readonly CredentialType[] = ['CARD', 'TEMPORARY_CARD', 'VIRTUAL_SMART_CARD', 'MOBILE_ID', 'SOFT_TOKEN'];

// People the demo shows as already synchronized inactive are in exactly the end state of the
// outcome table of "Synchronize inactive LDAP Users to Identity Manager" (its one source).
const INACTIVE_END_STATE = INACTIVE_OUTCOME.credentials!;

const ISSUERS: Record<CredentialType, string> = {
  CARD: 'CN=Example Smart Card CA,O=Example Corporation,C=SE',
  TEMPORARY_CARD: 'CN=Example Smart Card CA,O=Example Corporation,C=SE',
  VIRTUAL_SMART_CARD: 'CN=Example Device CA,O=Example Corporation,C=SE',
  MOBILE_ID: 'CN=Example Mobile ID CA,O=Example Corporation,C=SE',
  SOFT_TOKEN: 'CN=Example Soft Token CA,O=Example Corporation,C=SE',
};

const DAY = 86_400_000;
const CHUNK = 1000;

export type DemoIdentitySummary = {
  seeded: boolean;
  users: number;
  missingFromIdm: number;
  alreadyInactive: number;
  credentials: number;
  certificates: number;
  revokedCertificates: number;
  roleAssignments: number;
};

type Options = {
  people: readonly DirectoryPerson[];
  seed?: number;
  /** Share of directory people without an IdM user, so the first sync creates them. */
  missingShare?: number;
  now?: Date;
};


function shuffled<T>(random: () => number, items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

function chunks<T>(items: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}

function credentialLabel(type: CredentialType, random: () => number, n: number): string {
  const digits = (len: number) => Array.from({ length: len }, () => Math.floor(random() * 10)).join('');
  switch (type) {
    case 'CARD':
      return `Card ${digits(4)}-${String(n).padStart(6, '0')}`;
    case 'TEMPORARY_CARD':
      return `Temporary card T-${String(n).padStart(6, '0')}`;
    case 'VIRTUAL_SMART_CARD':
      return `Virtual smart card LAPTOP-${digits(4)}-${n}`;
    case 'MOBILE_ID':
      return `Mobile ID +46 70 ${digits(3)} ${digits(2)} ${digits(2)} #${n}`;
    case 'SOFT_TOKEN':
      return `Soft token ST-${String(n).padStart(6, '0')}`;
  }
}

type PlannedCertificate = {
  serial: string;
  subject: string;
  issuer: string;
  state: CertificateState;
  validFrom: Date;
  validTo: Date;
  revocationReason: RevocationReason | null;
  revokedAt: Date | null;
};
type PlannedCredential = { type: CredentialType; state: CredentialState; label: string; certificates: PlannedCertificate[] };
export type PlannedUser = {
  username: string;
  usernameKey: string;
  givenName: string;
  surname: string;
  displayName: string;
  email: string;
  employeeNumber: string;
  state: UserState;
  source: UserSource;
  ldapExternalId: string | null;
  ldapDn: string | null;
  lastSynchronizedAt: Date | null;
  credentials: PlannedCredential[];
  /** Role names. */
  roles: string[];
};

/** The demo's Identity Manager people for the directory's people: pure, deterministic for a seed and a date. */
export function planDemoIdentities(options: Options): { users: PlannedUser[]; missing: number } {
  const random = createRandom(options.seed ?? 4711);
  const missingShare = options.missingShare ?? 0.08;
  const now = options.now ?? new Date();
  const otherRoles = DEMO_ROLES.map((r) => r.name).filter((n) => n !== 'Employee');

  const planned: PlannedUser[] = [];
  let missing = 0;
  let inactiveSeen = 0;
  let credentialNo = 0;
  let certificateNo = 0;
  for (const person of options.people) {
    // Zoë is inactive in the directory and unknown to the IdM: the first inactive sync creates her.
    if (person.uid === 'zlindqvist' || (random() < missingShare && person.uid !== 'sostergaard')) {
      missing++;
      continue;
    }
    // Every other inactive person was synchronized before and is already in the end state; the
    // others are still active in the IdM. Few enough for the first inactive run of the demo to stay
    // under the default mass-deactivation threshold (10% of active users).
    const alreadyInactive = !person.active && (person.uid === 'sostergaard' || inactiveSeen++ % 2 === 1);
    // Most people were linked by an earlier sync; some were created locally and are matched by
    // username (case-insensitively) on the first sync, then linked.
    const linked = random() < 0.85;
    const username = !linked && random() < 0.5 ? person.uid.charAt(0).toUpperCase() + person.uid.slice(1) : person.uid;
    const types = shuffled(random, CREDENTIAL_TYPES).slice(0, random() < 0.5 ? 2 : 3);
    const credentials = types.map((type): PlannedCredential => {
      const certificateCount = random() < 0.5 ? 1 : 2;
      const certificates = Array.from({ length: certificateCount }, (): PlannedCertificate => {
        certificateNo++;
        const validFrom = new Date(now.getTime() - Math.floor(30 + random() * 700) * DAY);
        const validTo = new Date(validFrom.getTime() + (2 + Math.floor(random() * 2)) * 365 * DAY);
        const serial = `${certificateNo.toString(16).padStart(6, '0')}${Math.floor(random() * 2 ** 48).toString(16).padStart(12, '0')}`.toUpperCase();
        const base = { serial, subject: `CN=${person.displayName},OU=${person.department},O=Example Corporation,C=SE`, issuer: ISSUERS[type], validFrom, validTo };
        if (alreadyInactive) {
          const state = INACTIVE_END_STATE[type].certificate;
          const revokedAt = new Date(now.getTime() - Math.floor(1 + random() * 60) * DAY);
          return { ...base, state, revokedAt, revocationReason: state === 'REVOKED' ? 'cessationOfOperation' : 'certificateHold' };
        }
        // Revocation is final: some certificates of active people were revoked already (lost card, new phone).
        if (random() < 0.05) {
          const reason: RevocationReason = random() < 0.5 ? 'keyCompromise' : 'superseded';
          return { ...base, state: 'REVOKED', revocationReason: reason, revokedAt: new Date(now.getTime() - Math.floor(1 + random() * 300) * DAY) };
        }
        return { ...base, state: 'VALID', revocationReason: null, revokedAt: null };
      });
      credentialNo++;
      return {
        type,
        state: alreadyInactive ? INACTIVE_END_STATE[type].credential : 'ACTIVE',
        label: credentialLabel(type, random, credentialNo),
        certificates,
      };
    });
    planned.push({
      username,
      usernameKey: usernameKey(username),
      givenName: person.givenName,
      surname: person.sn,
      displayName: person.displayName,
      email: person.mail,
      employeeNumber: person.employeeNumber,
      state: alreadyInactive ? 'INACTIVE' : 'ACTIVE',
      source: linked ? 'LDAP' : 'LOCAL',
      ldapExternalId: linked ? person.entryUUID : null,
      ldapDn: linked ? person.dn : null,
      lastSynchronizedAt: linked ? new Date(now.getTime() - Math.floor(1 + random() * 30) * DAY) : null,
      credentials,
      roles: alreadyInactive ? [] : ['Employee', otherRoles[Math.floor(random() * otherRoles.length)] as string],
    });
  }

  return { users: planned, missing };
}

/**
 * Roles always (idempotent); people, credentials, certificates and role assignments only into an
 * empty Identity Manager, so a second start keeps what synchronizations did since.
 */
export async function seedDemoIdentities(db: PrismaClient, options: Options): Promise<DemoIdentitySummary> {
  await db.role.createMany({ data: DEMO_ROLES.map((r) => ({ ...r })), skipDuplicates: true });
  const empty: DemoIdentitySummary = {
    seeded: false, users: 0, missingFromIdm: 0, alreadyInactive: 0, credentials: 0, certificates: 0, revokedCertificates: 0, roleAssignments: 0,
  };
  if ((await db.user.count()) > 0) return empty;

  const roles = await db.role.findMany({ where: { name: { in: DEMO_ROLES.map((r) => r.name) } } });
  const roleId = new Map(roles.map((r) => [r.name, r.id]));
  const { users: planned, missing } = planDemoIdentities(options);

  return db.$transaction(
    async (tx) => {
      // Two demo starts at once must not both seed: the second waits, then finds users.
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(727001)`;
      if ((await tx.user.count()) > 0) return empty;
      const userIds = new Map<string, number>();
      for (const part of chunks(planned)) {
        const rows = await tx.user.createManyAndReturn({
          data: part.map(({ credentials: _c, roles: _r, ...user }) => user),
          select: { id: true, usernameKey: true },
        });
        for (const row of rows) userIds.set(row.usernameKey, row.id);
      }
      const idOf = (u: PlannedUser) => userIds.get(u.usernameKey) as number;

      // Labels are unique in this seed, so they map returned ids back to the plan.
      const credentialRows = planned.flatMap((u) => u.credentials.map((c) => ({ userId: idOf(u), type: c.type, state: c.state, label: c.label })));
      const credentialIds = new Map<string, number>();
      for (const part of chunks(credentialRows)) {
        const rows = await tx.credential.createManyAndReturn({ data: part, select: { id: true, label: true } });
        for (const row of rows) credentialIds.set(row.label ?? '', row.id);
      }

      const certificateRows = planned.flatMap((u) =>
        u.credentials.flatMap((c) => c.certificates.map((cert) => ({ ...cert, credentialId: credentialIds.get(c.label) as number }))),
      );
      for (const part of chunks(certificateRows)) await tx.certificate.createMany({ data: part });

      const assignments = planned.flatMap((u) => u.roles.map((name) => ({ userId: idOf(u), roleId: roleId.get(name) as number })));
      for (const part of chunks(assignments)) await tx.userRole.createMany({ data: part });

      return {
        seeded: true,
        users: planned.length,
        missingFromIdm: missing,
        alreadyInactive: planned.filter((u) => u.state === 'INACTIVE').length,
        credentials: credentialRows.length,
        certificates: certificateRows.length,
        revokedCertificates: certificateRows.filter((c) => c.state === 'REVOKED').length,
        roleAssignments: assignments.length,
      };
    },
    { timeout: 60_000 },
  );
}
