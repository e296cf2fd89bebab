import type { CertificateState, CredentialState, CredentialType, UserSource, UserState } from '../generated/prisma/enums';
import { ACTIVE_LDAP_USERS, INACTIVE_LDAP_USERS, type SyncJobKey } from './job-options';

// A reference model of one run of "Synchronize inactive / active LDAP Users to Identity Manager":
// what the Identity Manager holds after a real (not dry), unconfirmed run with the threshold off,
// and the run's counters, computed from the directory and the Identity Manager as they were when
// the run started. Pure and deliberately naive (a loop over entries, linear searches, no pages):
// it is written from the design brief's outcome table and the matching rules, not from the engine,
// so that a property-based test can hold the engine to it (tests/integration/reference-model.test.ts).
// Nothing here depends on page size or on the order of the entries.

// ---------------------------------------------------------------------------------------------
// Inputs
// ---------------------------------------------------------------------------------------------

/** A directory entry below the base DN, with its values as the directory holds them. */
export type ModelEntry = {
  /** The DN exactly as the server sends it. */
  dn: string;
  /** The unique id attribute's value; null when the entry has none. */
  uniqueId: string | null;
  /** The username attribute's value; null when the entry has none. */
  username: string | null;
  givenName: string | null;
  surname: string | null;
  displayName: string | null;
  email: string | null;
  employeeNumber: string | null;
  /** Which of the two jobs' filters match the entry (both, one or none). */
  matchedBy: Record<SyncJobKey, boolean>;
};

export type ModelUser = {
  id: number;
  username: string;
  state: UserState;
  source: UserSource;
  /** Stored in lower case. */
  ldapExternalId: string | null;
  ldapDn: string | null;
  givenName: string | null;
  surname: string | null;
  displayName: string | null;
  email: string | null;
  employeeNumber: string | null;
};

export type ModelCredential = { id: number; userId: number; type: CredentialType; state: CredentialState };
export type ModelCertificate = { id: number; credentialId: number; state: CertificateState; revocationReason: string | null };
export type ModelRoleAssignment = { userId: number; roleId: number };

export type IdmState = {
  users: ModelUser[];
  credentials: ModelCredential[];
  certificates: ModelCertificate[];
  roleAssignments: ModelRoleAssignment[];
};

// ---------------------------------------------------------------------------------------------
// Outputs
// ---------------------------------------------------------------------------------------------

/** A user after the run; id null for a user the run created (the database gives it its id). */
export type ModelEndUser = Omit<ModelUser, 'id'> & { id: number | null };

export type ModelCounters = {
  entriesRead: number;
  created: number;
  updated: number;
  unchanged: number;
  failed: number;
  /** Credentials whose state the run changed. */
  credentialsChanged: number;
  /** Certificates whose state the run changed. */
  certificatesChanged: number;
  /** Role assignments the run removed. */
  rolesWithdrawn: number;
};

export type ModelOutcome = 'CREATED' | 'UPDATED' | 'UNCHANGED' | 'FAILED';

/** Why an entry failed: the model's own words (the engine's messages are not compared). */
export type ModelFailure =
  | 'no-unique-id'
  | 'no-username'
  | 'matched-by-both-filters'
  | 'username-claimed-by-several-entries'
  | 'username-linked-to-another-entry'
  | 'username-used-by-another-user';

export type ModelItem = {
  dn: string;
  outcome: ModelOutcome;
  failure: ModelFailure | null;
  /** The existing user the entry was matched to (null for a creation, or a failure that names nobody). */
  userId: number | null;
};

/**
 * Situations where the rules decided differently from a rule of thumb an engine might follow
 * ("the first entry of a page wins", "read the database as the earlier pages left it"): for
 * diagnosing a disagreement, never for deciding anything.
 */
export type ModelNote =
  /** Two or more entries (of either job) claim one username. */
  | 'claimants'
  /** An entry failed on a username held at the start by a user this run renames away. */
  | 'username-moves'
  /** A LOCAL user was linked to an entry and became an LDAP user. */
  | 'local-linked';

export type ModelRun = {
  state: { users: ModelEndUser[]; credentials: ModelCredential[]; certificates: ModelCertificate[]; roleAssignments: ModelRoleAssignment[] };
  counters: ModelCounters;
  /** One per entry the job's filter matches, in the entries' order. */
  items: ModelItem[];
  notes: ModelNote[];
};

// ---------------------------------------------------------------------------------------------
// The outcome table (design brief), written out
// ---------------------------------------------------------------------------------------------

type EndStates = { credential: CredentialState; certificate: CertificateState };

/** "Synchronize inactive LDAP Users": each credential and its certificates end in this state. */
export const INACTIVE_END_STATES: Record<CredentialType, EndStates> = {
  CARD: { credential: 'INACTIVE', certificate: 'ON_HOLD' },
  TEMPORARY_CARD: { credential: 'LOCKED', certificate: 'REVOKED' },
  VIRTUAL_SMART_CARD: { credential: 'INACTIVE', certificate: 'ON_HOLD' },
  MOBILE_ID: { credential: 'INACTIVE', certificate: 'ON_HOLD' },
  SOFT_TOKEN: { credential: 'INACTIVE', certificate: 'ON_HOLD' },
};

/** A certificate's state after the inactive job: revocation is final, so REVOKED wins over anything. */
export function certificateAfter(state: CertificateState, endState: CertificateState): CertificateState {
  if (state === 'REVOKED' || endState === 'REVOKED') return 'REVOKED';
  return 'ON_HOLD';
}

/** The reason recorded on a certificate the inactive job moves (README: RFC 5280 CRLReason). */
function revocationReasonFor(after: CertificateState): string {
  return after === 'ON_HOLD' ? 'certificateHold' : 'cessationOfOperation';
}

// ---------------------------------------------------------------------------------------------
// Values as the Identity Manager reads them
// ---------------------------------------------------------------------------------------------

/** Text values are trimmed and put in NFC; an empty one is absent. */
function text(value: string | null): string | null {
  if (value === null) return null;
  const t = value.normalize('NFC').trim();
  return t === '' ? null : t;
}

/** Unique ids are compared in lower case. */
export function externalIdOf(entry: ModelEntry): string | null {
  return text(entry.uniqueId)?.toLowerCase() ?? null;
}

export function usernameOf(entry: ModelEntry): string | null {
  return text(entry.username);
}

/** The case-insensitive username key: the lower-cased NFC username. */
export function usernameKey(username: string): string {
  return username.normalize('NFC').toLowerCase();
}

function otherJob(job: SyncJobKey): SyncJobKey {
  return job === INACTIVE_LDAP_USERS ? ACTIVE_LDAP_USERS : INACTIVE_LDAP_USERS;
}

// ---------------------------------------------------------------------------------------------
// One run
// ---------------------------------------------------------------------------------------------

type Decision =
  | { kind: 'failed'; failure: ModelFailure; userId: number | null }
  | { kind: 'create'; externalId: string; username: string }
  | { kind: 'update'; user: ModelUser; externalId: string; username: string; links: boolean };

/** What the job does with one entry its filter matches, judged on the state at the start of the run. */
function decide(entry: ModelEntry, job: SyncJobKey, entries: readonly ModelEntry[], idm: IdmState, notes: Set<ModelNote>): Decision {
  const externalId = externalIdOf(entry);
  const username = usernameOf(entry);
  const key = username === null ? null : usernameKey(username);
  const linkedUser = (id: string | null) => (id === null ? undefined : idm.users.find((u) => u.ldapExternalId === id));
  const userWithKey = (k: string) => idm.users.find((u) => usernameKey(u.username) === k);
  const failed = (failure: ModelFailure, userId: number | null = null): Decision => ({ kind: 'failed', failure, userId });

  if (externalId === null) return failed('no-unique-id');
  if (username === null || key === null) return failed('no-username');

  // Matched by the user's entry id if linked, else by an unlinked holder of the username: the
  // user the failures below name (nobody is changed by them).
  const byId = linkedUser(externalId);
  const byKey = userWithKey(key);
  const named = byId ?? (byKey && byKey.ldapExternalId === null ? byKey : undefined);

  if (entry.matchedBy[otherJob(job)]) return failed('matched-by-both-filters', named?.id ?? null);

  // Everyone of either job claiming this username, entries without a unique id included. Of two
  // or more, only the entry linked to the user who holds the username may take it; when nobody
  // holds it, or its holder is linked to none of them, nobody does.
  const claimants = entries.filter((e) => (e.matchedBy[INACTIVE_LDAP_USERS] || e.matchedBy[ACTIVE_LDAP_USERS]) && usernameOf(e) !== null && usernameKey(usernameOf(e)!) === key);
  if (claimants.length >= 2) {
    notes.add('claimants');
    const holderIsLinkedToThisEntry = byKey !== undefined && byKey.ldapExternalId === externalId;
    if (!holderIsLinkedToThisEntry) return failed('username-claimed-by-several-entries', named?.id ?? null);
  }

  if (byId) {
    if (byKey && byKey.id !== byId.id) {
      if (isRenamedAway(byKey, job, entries)) notes.add('username-moves');
      return failed('username-used-by-another-user', byId.id);
    }
    return { kind: 'update', user: byId, externalId, username, links: false };
  }
  if (byKey) {
    if (byKey.ldapExternalId !== null) {
      if (isRenamedAway(byKey, job, entries)) notes.add('username-moves');
      return failed('username-linked-to-another-entry', byKey.id);
    }
    return { kind: 'update', user: byKey, externalId, username, links: true };
  }
  return { kind: 'create', externalId, username };
}

/** Whether the user's own entry, read by this run, carries another username (for the notes only). */
function isRenamedAway(user: ModelUser, job: SyncJobKey, entries: readonly ModelEntry[]): boolean {
  if (user.ldapExternalId === null) return false;
  const own = entries.find((e) => e.matchedBy[job] && externalIdOf(e) === user.ldapExternalId);
  const name = own ? usernameOf(own) : null;
  return name !== null && usernameKey(name) !== usernameKey(user.username);
}

const FIELDS = ['username', 'givenName', 'surname', 'displayName', 'email', 'employeeNumber', 'state', 'source', 'ldapExternalId', 'ldapDn'] as const;

/**
 * The run: every entry the job's filter matches is decided on the state at the start, then the
 * decisions are applied. Failed entries change nobody.
 */
export function runReferenceModel(job: SyncJobKey, entries: readonly ModelEntry[], idm: IdmState): ModelRun {
  const endState = job === INACTIVE_LDAP_USERS ? 'INACTIVE' : 'ACTIVE';
  const users: ModelEndUser[] = idm.users.map((u) => ({ ...u }));
  const credentials = idm.credentials.map((c) => ({ ...c }));
  const certificates = idm.certificates.map((c) => ({ ...c }));
  let roleAssignments = idm.roleAssignments.map((r) => ({ ...r }));
  const counters: ModelCounters = { entriesRead: 0, created: 0, updated: 0, unchanged: 0, failed: 0, credentialsChanged: 0, certificatesChanged: 0, rolesWithdrawn: 0 };
  const items: ModelItem[] = [];
  const notes = new Set<ModelNote>();

  const read = entries.filter((e) => e.matchedBy[job]);
  const decisions = read.map((e) => decide(e, job, entries, idm, notes));

  read.forEach((entry, i) => {
    counters.entriesRead++;
    const decision = decisions[i]!;

    if (decision.kind === 'failed') {
      counters.failed++;
      items.push({ dn: entry.dn, outcome: 'FAILED', failure: decision.failure, userId: decision.userId });
      return;
    }

    if (decision.kind === 'create') {
      counters.created++;
      users.push({
        id: null,
        username: decision.username,
        state: endState,
        source: 'LDAP',
        ldapExternalId: decision.externalId,
        ldapDn: entry.dn,
        givenName: text(entry.givenName),
        surname: text(entry.surname),
        displayName: text(entry.displayName),
        email: text(entry.email),
        employeeNumber: text(entry.employeeNumber),
      });
      items.push({ dn: entry.dn, outcome: 'CREATED', failure: null, userId: null });
      return;
    }

    // An update: the directory's values win; a value the entry lacks is kept.
    const before = decision.user;
    if (decision.links && before.source === 'LOCAL') notes.add('local-linked');
    const after: ModelEndUser = {
      id: before.id,
      username: decision.username,
      givenName: text(entry.givenName) ?? before.givenName,
      surname: text(entry.surname) ?? before.surname,
      displayName: text(entry.displayName) ?? before.displayName,
      email: text(entry.email) ?? before.email,
      employeeNumber: text(entry.employeeNumber) ?? before.employeeNumber,
      state: endState,
      source: decision.links ? 'LDAP' : before.source,
      ldapExternalId: decision.externalId,
      ldapDn: entry.dn,
    };
    let changed = FIELDS.some((f) => after[f] !== before[f]);
    const index = users.findIndex((u) => u.id === before.id);
    users[index] = after;

    if (job === INACTIVE_LDAP_USERS) {
      for (const credential of credentials.filter((c) => c.userId === before.id)) {
        const target = INACTIVE_END_STATES[credential.type];
        if (credential.state !== target.credential) {
          credential.state = target.credential;
          counters.credentialsChanged++;
          changed = true;
        }
        for (const certificate of certificates.filter((c) => c.credentialId === credential.id)) {
          const next = certificateAfter(certificate.state, target.certificate);
          if (next !== certificate.state) {
            certificate.state = next;
            certificate.revocationReason = revocationReasonFor(next);
            counters.certificatesChanged++;
            changed = true;
          }
        }
      }
      const withdrawn = roleAssignments.filter((r) => r.userId === before.id);
      if (withdrawn.length) {
        roleAssignments = roleAssignments.filter((r) => r.userId !== before.id);
        counters.rolesWithdrawn += withdrawn.length;
        changed = true;
      }
    }

    if (changed) counters.updated++;
    else counters.unchanged++;
    items.push({ dn: entry.dn, outcome: changed ? 'UPDATED' : 'UNCHANGED', failure: null, userId: before.id });
  });

  return { state: { users, credentials, certificates, roleAssignments }, counters, items, notes: [...notes].sort() };
}

/** True when a run changes nothing: what every run must come to when nothing else changes. */
export function changesNothing(counters: ModelCounters): boolean {
  return counters.created === 0 && counters.updated === 0 && counters.credentialsChanged === 0 && counters.certificatesChanged === 0 && counters.rolesWithdrawn === 0;
}
