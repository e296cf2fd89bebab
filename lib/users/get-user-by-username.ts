import { prisma } from '../db';
import type { CertificateState, CredentialState, CredentialType, UserSource, UserState } from '../generated/prisma/enums';

export type UserWithCredentials = {
  id: number;
  username: string;
  displayName: string | null;
  givenName: string | null;
  surname: string | null;
  email: string | null;
  employeeNumber: string | null;
  state: UserState;
  source: UserSource;
  ldapDn: string | null;
  lastSynchronizedAt: Date | null;
  credentials: Array<{
    id: number;
    type: CredentialType;
    state: CredentialState;
    label: string | null;
    certificates: Array<{ serial: string; state: CertificateState; subject: string; validTo: Date | null; revokedAt: Date | null }>;
  }>;
  roles: Array<{ name: string; assignedAt: Date }>;
};

/**
 * One person of the Identity Manager by username (case-insensitive, through username_key), with
 * the credentials, certificates and roles the sync outcome is about; null when nobody has it.
 */
export async function getUserByUsername(username: string): Promise<UserWithCredentials | null> {
  const user = await prisma().user.findUnique({
    where: { usernameKey: username.toLowerCase() },
    include: {
      credentials: {
        orderBy: { id: 'asc' },
        include: { certificates: { orderBy: { id: 'asc' } } },
      },
      roles: { include: { role: true }, orderBy: { assignedAt: 'asc' } },
    },
  });
  if (!user) return null;
  return {
    id: user.id,
    username: user.username,
    displayName: user.displayName,
    givenName: user.givenName,
    surname: user.surname,
    email: user.email,
    employeeNumber: user.employeeNumber,
    state: user.state,
    source: user.source,
    ldapDn: user.ldapDn,
    lastSynchronizedAt: user.lastSynchronizedAt,
    credentials: user.credentials.map((c) => ({
      id: c.id,
      type: c.type,
      state: c.state,
      label: c.label,
      certificates: c.certificates.map((cert) => ({
        serial: cert.serial,
        state: cert.state,
        subject: cert.subject,
        validTo: cert.validTo,
        revokedAt: cert.revokedAt,
      })),
    })),
    roles: user.roles.map((r) => ({ name: r.role.name, assignedAt: r.assignedAt })),
  };
}
