import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { Client as LdapClient } from 'ldapts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pool } from '@/lib/db-pool';
import { runBatchJob, type RunOutcome } from '@/lib/sync/run-batch-job';
import { ACTIVE_LDAP_USERS, INACTIVE_LDAP_USERS, type SyncJobKey } from '@/lib/sync/job-options';
import {
  changesNothing,
  runReferenceModel,
  usernameKey,
  type IdmState,
  type ModelCounters,
  type ModelEndUser,
  type ModelEntry,
  type ModelRun,
} from '@/lib/sync/reference-model';
import type { CertificateState, CredentialState, CredentialType, UserSource, UserState } from '@/lib/generated/prisma/enums';
import { queueRun, resetIdentityManager, startSyncTestEnvironment, type SyncTestEnvironment } from '../fixtures/sync-environment';
import { BASE, caseArb, REGRESSION_CASES, describeCase, FILTERS, firstDirectory, initialIdm, insertionOrder, laterDirectory, MAPPING, modelEntries, ROLE_IDS, show, UNIQUE_ID_ATTRIBUTE, type Case, type Directory, type FirstRun, type IdmTouch } from '../fixtures/reference-model-cases';

// The real engine against the reference model (lib/sync/reference-model.ts): small random
// directories in a real slapd and Identity Manager states in a real PostgreSQL, one run of the
// real engine, and the end state, the counters and each entry's outcome must be the model's.
// Every case is then run again until the model says a run changes nothing (at least twice):
// each of those runs must agree with the model too, and the last one must write nothing. The
// first run of a case may be preceded by a dry run, confirmed, or interrupted by a worker dying
// and resumed; some cases then change the directory and run either job again the same way.
//
// Reproducible: the seed is REFERENCE_MODEL_SEED (a fixed default, so CI always runs the same
// cases); REFERENCE_MODEL_RUNS random cases (default 300) after the REGRESSION_CASES. On a
// failure fast-check shrinks the case; the seed, the replay path and the smallest case found
// are printed as a table with every difference.
// Replay it: REFERENCE_MODEL_SEED=<seed> REFERENCE_MODEL_PATH=<path> npx vitest run
//   --project integration tests/integration/reference-model.test.ts

const SEED = Number(process.env.REFERENCE_MODEL_SEED ?? 20261213);
/** Random cases, after the REGRESSION_CASES. */
const NUM_RUNS = Number(process.env.REFERENCE_MODEL_RUNS ?? 300);
const REPLAY_PATH = process.env.REFERENCE_MODEL_PATH || undefined;
/**
 * For diagnosing an engine that does not follow some rules yet: cases where the model notes one of
 * these (claimants, username-moves, local-linked; comma-separated) are not compared.
 */
const SKIP_NOTES = new Set((process.env.REFERENCE_MODEL_SKIP_NOTES ?? '').split(',').filter(Boolean));

// ---------------------------------------------------------------------------------------------
// Loading a case into slapd and PostgreSQL, reading PostgreSQL back
// ---------------------------------------------------------------------------------------------

let env: SyncTestEnvironment;
let ldap: LdapClient;
/** How many cases saw each outcome, failure and note: what the generator really reaches. */
const coverage = new (class {
  private readonly counts = new Map<string, number>();
  private readonly seen = new Set<string>();
  add(what: string) {
    this.seen.add(what);
  }
  /** Closes a case: each thing it saw counts once. */
  endCase() {
    for (const what of this.seen) this.counts.set(what, (this.counts.get(what) ?? 0) + 1);
    this.seen.clear();
  }
  toString() {
    return [...this.counts].sort(([a], [b]) => a.localeCompare(b)).map(([what, n]) => `  ${what}: ${n}`).join('\n');
  }
})();

/** Empties the case's subtree and adds the entries (the unique id is an attribute of ours, so an entry added again is the same person). */
async function loadDirectory(directory: Directory): Promise<void> {
  const { searchEntries } = await ldap.search(BASE, { scope: 'one', filter: '(objectClass=*)', attributes: ['1.1'] });
  for (const e of searchEntries) await ldap.del(e.dn);
  const models = modelEntries(directory);
  for (const i of insertionOrder(directory)) {
    const e = directory.entries[i]!;
    const model = models[i]!;
    const dn = model.dn;
    const attributes: Record<string, string | string[]> = { objectClass: 'inetOrgPerson', cn: dn.slice(3, dn.indexOf(',')), sn: e.surname };
    if (model.uniqueId !== null) attributes[UNIQUE_ID_ATTRIBUTE] = model.uniqueId;
    if (e.username !== null) attributes.uid = e.username;
    if (e.givenName !== null) attributes.givenName = e.givenName;
    if (e.displayName !== null) attributes.displayName = e.displayName;
    if (e.email !== null) attributes.mail = e.email;
    if (e.employeeNumber !== null) attributes.employeeNumber = e.employeeNumber;
    const types = [...(model.matchedBy[INACTIVE_LDAP_USERS] ? ['inactive'] : []), ...(model.matchedBy[ACTIVE_LDAP_USERS] ? ['active'] : [])];
    if (types.length) attributes.employeeType = types;
    await ldap.add(dn, attributes);
  }
}

async function loadIdentityManager(c: Case, idm: IdmState): Promise<void> {
  const options = (job: SyncJobKey) => ({
    filterPreset: 'custom' as const,
    filter: FILTERS[job],
    uniqueIdAttribute: UNIQUE_ID_ATTRIBUTE,
    mapping: MAPPING,
    pageSize: c.pageSize,
    threshold: { maxUsers: null, maxPercent: null },
  });
  await resetIdentityManager(env.slapd, { inactive: options(INACTIVE_LDAP_USERS), active: options(ACTIVE_LDAP_USERS) });
  const db = pool();
  await db.query('UPDATE ldap_settings SET base_dn = $1', [BASE]);
  await db.query(`INSERT INTO roles (id, name) SELECT id, 'role ' || id FROM unnest($1::int[]) AS id`, [ROLE_IDS]);
  await db.query(
    `INSERT INTO users (id, username, username_key, state, source, ldap_external_id, ldap_dn, given_name, surname, display_name, email, employee_number)
     SELECT id, username, username_key, state::"UserState", source::"UserSource", ldap_external_id, ldap_dn, given_name, surname, display_name, email, employee_number
     FROM json_to_recordset($1::json) AS u(id int, username text, username_key text, state text, source text, ldap_external_id text, ldap_dn text,
                                           given_name text, surname text, display_name text, email text, employee_number text)`,
    [
      JSON.stringify(
        idm.users.map((u) => ({
          id: u.id, username: u.username, username_key: usernameKey(u.username), state: u.state, source: u.source, ldap_external_id: u.ldapExternalId,
          ldap_dn: u.ldapDn, given_name: u.givenName, surname: u.surname, display_name: u.displayName, email: u.email, employee_number: u.employeeNumber,
        })),
      ),
    ],
  );
  await db.query(
    `INSERT INTO credentials (id, user_id, type, state, label)
     SELECT id, user_id, type::"CredentialType", state::"CredentialState", 'credential ' || id FROM json_to_recordset($1::json) AS c(id int, user_id int, type text, state text)`,
    [JSON.stringify(idm.credentials.map((c) => ({ id: c.id, user_id: c.userId, type: c.type, state: c.state })))],
  );
  await db.query(
    `INSERT INTO certificates (id, credential_id, serial, subject, state, revocation_reason, revoked_at)
     SELECT id, credential_id, 'serial-' || id, 'CN=test', state::"CertificateState", reason::"RevocationReason",
            CASE WHEN state <> 'VALID' THEN timestamptz '2020-01-01' END
     FROM json_to_recordset($1::json) AS c(id int, credential_id int, state text, reason text)`,
    [JSON.stringify(idm.certificates.map((c) => ({ id: c.id, credential_id: c.credentialId, state: c.state, reason: c.revocationReason })))],
  );
  await db.query(`INSERT INTO user_roles (user_id, role_id) SELECT user_id, role_id FROM json_to_recordset($1::json) AS r(user_id int, role_id int)`, [
    JSON.stringify(idm.roleAssignments.map((r) => ({ user_id: r.userId, role_id: r.roleId }))),
  ]);
  // Users the engine creates get ids after the seeded ones.
  await db.query(`SELECT setval(pg_get_serial_sequence('users', 'id'), (SELECT COALESCE(max(id), 0) + 1 FROM users), false)`);
}

/** Another application's changes to the IdM, by plain SQL (the triggers that watch the sync's shortcuts see them). */
async function touchIdentityManager(touches: IdmTouch[]): Promise<void> {
  const db = pool();
  const nth = async (table: string, n: number): Promise<number | undefined> => {
    const { rows } = await db.query(`SELECT id FROM ${table} ORDER BY id`);
    return rows.length ? (rows[n % rows.length].id as number) : undefined;
  };
  for (const touch of touches) {
    if (touch.kind === 'grant-role') {
      const user = await nth('users', touch.n);
      if (user !== undefined) await db.query('INSERT INTO user_roles (user_id, role_id) VALUES ($1, $2) ON CONFLICT DO NOTHING', [user, ROLE_IDS[touch.n % ROLE_IDS.length]]);
    } else if (touch.kind === 'reactivate-credential') {
      const credential = await nth('credentials', touch.n);
      if (credential !== undefined) await db.query(`UPDATE credentials SET state = 'ACTIVE', updated_at = now() WHERE id = $1`, [credential]);
    } else {
      const credential = await nth('credentials', touch.n);
      if (credential !== undefined) {
        await db.query(
          `INSERT INTO certificates (id, credential_id, serial, subject, state)
           SELECT COALESCE(max(id), 0) + 1, $1, 'serial-' || (COALESCE(max(id), 0) + 1), 'CN=test', 'VALID' FROM certificates`,
          [credential],
        );
      }
    }
  }
  if (touches.length) coverage.add('another application changed the IdM between the phases');
}

type Raw = { users: Record<string, unknown>[]; credentials: Record<string, unknown>[]; certificates: Record<string, unknown>[]; roles: Record<string, unknown>[] };

/** Every row the runs may touch, timestamps included (a run that changes nothing must write nothing). */
async function rawSnapshot(): Promise<Raw> {
  const q = async (sql: string) => (await pool().query(sql)).rows;
  return {
    users: await q(`SELECT id, username, username_key, state::text, source::text, ldap_external_id, ldap_dn, given_name, surname, display_name, email, employee_number,
                           updated_at, last_synchronized_at FROM users ORDER BY id`),
    credentials: await q(`SELECT id, user_id, type::text, state::text, updated_at FROM credentials ORDER BY id`),
    certificates: await q(`SELECT id, credential_id, state::text, revocation_reason::text, revoked_at, updated_at FROM certificates ORDER BY id`),
    roles: await q(`SELECT user_id, role_id FROM user_roles ORDER BY user_id, role_id`),
  };
}

function idmOf(raw: Raw): IdmState & { usernameKeys: Map<number, string> } {
  return {
    users: raw.users.map((u) => ({
      id: u.id as number,
      username: u.username as string,
      state: u.state as UserState,
      source: u.source as UserSource,
      ldapExternalId: u.ldap_external_id as string | null,
      ldapDn: u.ldap_dn as string | null,
      givenName: u.given_name as string | null,
      surname: u.surname as string | null,
      displayName: u.display_name as string | null,
      email: u.email as string | null,
      employeeNumber: u.employee_number as string | null,
    })),
    credentials: raw.credentials.map((c) => ({ id: c.id as number, userId: c.user_id as number, type: c.type as CredentialType, state: c.state as CredentialState })),
    certificates: raw.certificates.map((c) => ({ id: c.id as number, credentialId: c.credential_id as number, state: c.state as CertificateState, revocationReason: c.revocation_reason as string | null })),
    roleAssignments: raw.roles.map((r) => ({ userId: r.user_id as number, roleId: r.role_id as number })),
    usernameKeys: new Map(raw.users.map((u) => [u.id as number, u.username_key as string])),
  };
}

// ---------------------------------------------------------------------------------------------
// Comparing
// ---------------------------------------------------------------------------------------------

/** Users in a comparable order: existing ones by id, the run's creations (id null) by external id. */
function comparableUsers(users: ModelEndUser[]): ModelEndUser[] {
  return [...users].sort((a, b) => (a.id ?? Infinity) - (b.id ?? Infinity) || String(a.ldapExternalId).localeCompare(String(b.ldapExternalId)));
}

function listDifferences<T>(label: string, expected: T[], actual: T[], keyOf: (x: T) => string): string[] {
  const e = new Map(expected.map((x) => [keyOf(x), x]));
  const a = new Map(actual.map((x) => [keyOf(x), x]));
  const lines: string[] = [];
  for (const key of new Set([...e.keys(), ...a.keys()])) {
    if (!isDeepStrictEqual(e.get(key), a.get(key))) lines.push(`  ${label} ${key}:\n    model:  ${show(e.get(key) ?? null)}\n    engine: ${show(a.get(key) ?? null)}`);
  }
  return lines;
}

class Disagreement extends Error {
  constructor(c: Case, run: string, model: ModelRun, differences: string[]) {
    super(
      `The engine and the reference model disagree on ${run} of this case:\n${describeCase(c)}\n` +
        `model notes: ${model.notes.join(', ') || '-'}\ndifferences:\n${differences.join('\n')}`,
    );
    this.name = 'Disagreement';
  }
}

/** The run counters the model predicts that the engine's differ in. */
function counterDifferences(label: string, model: ModelCounters, engine: ModelCounters): string[] {
  return (Object.keys(model) as (keyof ModelCounters)[]).filter((k) => model[k] !== engine[k]).map((k) => `  ${label}${k}: model ${model[k]}, engine ${engine[k]}`);
}

/** The engine's run, done as `how` says (null: a plain run); differences of a dry run before it go to `differences`. */
async function engineRun(job: SyncJobKey, how: FirstRun | null, model: ModelRun, beforeRaw: Raw, differences: string[]): Promise<RunOutcome> {
  if (how?.dryRunBefore) {
    const dry = await runBatchJob({ runId: await queueRun(job, { dryRun: true }) });
    if (dry.error !== null) differences.push(`  dry run ${dry.status}: ${dry.errorCode} ${dry.error}`);
    differences.push(...counterDifferences('dry run counter ', model.counters, dry.counters));
    if (!isDeepStrictEqual(beforeRaw, await rawSnapshot())) differences.push('  the dry run wrote to users, credentials, certificates or roles');
  }
  const runId = await queueRun(job, { confirmed: how?.confirmed ?? false });
  const dieAfter = how?.dieAfterPage ?? null;
  if (dieAfter === null) return runBatchJob({ runId });
  const died = new Error('the worker died');
  const first = await runBatchJob({
    runId,
    onProgress: (p) => {
      if (p.page >= dieAfter) throw died;
    },
  }).catch((error: unknown) => error);
  if (first !== died) {
    if (first instanceof Error) throw first;
    return first as RunOutcome; // fewer pages than that: it never died
  }
  coverage.add('a worker died and the run was resumed');
  return runBatchJob({ runId });
}

/** Runs the job, compares with the model; returns the model's run. */
async function runAndCompare(c: Case, job: SyncJobKey, entries: ModelEntry[], run: string, how: FirstRun | null): Promise<ModelRun | 'skipped'> {
  const beforeRaw = await rawSnapshot();
  const before = idmOf(beforeRaw);
  const model = runReferenceModel(job, entries, before);
  if (model.notes.some((n) => SKIP_NOTES.has(n))) return 'skipped';

  const differences: string[] = [];
  const outcome = await engineRun(job, how, model, beforeRaw, differences);
  const afterRaw = await rawSnapshot();
  const after = idmOf(afterRaw);
  if (outcome.error !== null || !['SUCCEEDED', 'COMPLETED_WITH_ERRORS'].includes(outcome.status)) {
    differences.push(`  run status ${outcome.status}: ${outcome.errorCode ?? ''} ${outcome.error ?? ''}`);
  }
  const expectedStatus = model.counters.failed > 0 ? 'COMPLETED_WITH_ERRORS' : 'SUCCEEDED';
  if (outcome.status !== expectedStatus) differences.push(`  status: model ${expectedStatus}, engine ${outcome.status}`);

  differences.push(...counterDifferences('counter ', model.counters, outcome.counters));

  // Each entry's outcome by DN (an unchanged user gets no run item).
  const { rows } = await pool().query(`SELECT ldap_dn, outcome::text AS outcome, user_id, reason FROM batch_run_items WHERE run_id = $1`, [outcome.runId]);
  const modelItems = model.items.filter((i) => i.outcome !== 'UNCHANGED').map((i) => ({ dn: i.dn, outcome: i.outcome, note: i.failure ?? '' }));
  const engineItems = rows.map((r) => ({ dn: r.ldap_dn as string, outcome: r.outcome as string, note: (r.reason as string | null) ?? '' }));
  if (new Set(engineItems.map((i) => i.dn)).size !== engineItems.length) differences.push(`  an entry has more than one run item: ${show(engineItems.map((i) => i.dn))}`);
  const lineOf = (i: { dn: string; outcome: string }) => `${show(i.dn)}: ${i.outcome}`;
  const itemLines = listDifferences('entry', modelItems.map(lineOf), engineItems.map(lineOf), (x) => x.slice(0, x.lastIndexOf(':')));
  if (itemLines.length) {
    differences.push(...itemLines);
    differences.push(`  (model reasons: ${modelItems.filter((i) => i.note).map((i) => `${show(i.dn)} ${i.note}`).join('; ') || '-'})`);
    differences.push(`  (engine reasons: ${engineItems.filter((i) => i.note).map((i) => `${show(i.dn)} ${i.note}`).join('; ') || '-'})`);
  }

  const seededIds = new Set(before.users.map((u) => u.id));
  const engineUsers = after.users.map((u): ModelEndUser => (seededIds.has(u.id) ? u : { ...u, id: null }));
  const userKey = (u: ModelEndUser) => (u.id === null ? `created ${u.ldapExternalId}` : `#${u.id}`);
  differences.push(...listDifferences('user', comparableUsers(model.state.users), comparableUsers(engineUsers), userKey));
  for (const u of after.users) {
    if (after.usernameKeys.get(u.id) !== usernameKey(u.username)) differences.push(`  user #${u.id}: username_key ${show(after.usernameKeys.get(u.id))} is not the key of ${show(u.username)}`);
  }
  differences.push(...listDifferences('credential', model.state.credentials, after.credentials, (x) => `#${x.id}`));
  differences.push(...listDifferences('certificate', model.state.certificates, after.certificates, (x) => `#${x.id}`));
  const roleKey = (r: { userId: number; roleId: number }) => `user #${r.userId} role ${r.roleId}`;
  differences.push(...listDifferences('role assignment', model.state.roleAssignments, after.roleAssignments, roleKey));

  // A run that changes nothing writes nothing (timestamps included).
  if (!differences.length && changesNothing(model.counters) && !isDeepStrictEqual(beforeRaw, afterRaw)) differences.push('  a run that changes nothing wrote to users, credentials, certificates or roles');

  if (differences.length) throw new Disagreement(c, run, model, differences);
  for (const item of model.items) coverage.add(item.failure ? `FAILED ${item.failure}` : item.outcome);
  for (const note of model.notes) coverage.add(`note ${note}`);
  if (model.counters.credentialsChanged) coverage.add('credentials changed');
  if (model.counters.certificatesChanged) coverage.add('certificates changed');
  if (model.counters.rolesWithdrawn) coverage.add('roles withdrawn');
  return model;
}

/** Runs `job` until the model says a run changes nothing (at least twice), comparing every run. */
async function runUntilNothingChanges(c: Case, phase: string, job: SyncJobKey, directory: Directory, first: FirstRun | null): Promise<'done' | 'skipped'> {
  const entries = modelEntries(directory);
  // Each run can hand one username on (a move chain of k people takes k + 1 runs).
  const maxRuns = entries.length + 2;
  for (let run = 1; run <= maxRuns; run++) {
    const model = await runAndCompare(c, job, entries, `${phase}run ${run} (${job})`, run === 1 ? first : null);
    if (model === 'skipped') return 'skipped';
    if (run >= 2 && changesNothing(model.counters)) {
      if (run > 2) coverage.add(`nothing changed only after ${run} runs`);
      return 'done';
    }
  }
  throw new Error(`The model did not come to a run that changes nothing within ${maxRuns} runs:\n${describeCase(c)}`);
}

/** Loads the case and runs it: its job, then (if any) the later job on the changed directory. */
async function check(c: Case): Promise<void> {
  if (SKIP_NOTES.size) fc.pre(!runReferenceModel(c.job, modelEntries(firstDirectory(c)), initialIdm(c)).notes.some((n) => SKIP_NOTES.has(n)));
  await loadDirectory(firstDirectory(c));
  await loadIdentityManager(c, initialIdm(c));
  if ((await runUntilNothingChanges(c, '', c.job, firstDirectory(c), c.first)) === 'skipped') return;
  const later = laterDirectory(c);
  if (!c.later || !later) return;
  await touchIdentityManager(c.later.touches);
  await loadDirectory(later);
  coverage.add(`later phase ${c.later.job === c.job ? 'same job' : 'sibling job'}`);
  await runUntilNothingChanges(c, 'after the directory changed, ', c.later.job, later, null);
}

// ---------------------------------------------------------------------------------------------

beforeAll(async () => {
  env = await startSyncTestEnvironment('reference-model', '');
  ldap = new LdapClient({ url: env.slapd.url });
  await ldap.bind(env.slapd.adminDn, env.slapd.adminPassword);
  await ldap.add(BASE, { objectClass: 'organizationalUnit', ou: 'model' });
});

afterAll(async () => {
  await ldap?.unbind().catch(() => undefined);
  await env?.stop();
});

describe('the engine against the reference model', () => {
  it(
    `agrees on random directories and IdM states (seed ${SEED}, ${NUM_RUNS} cases)`,
    async () => {
      const started = Date.now();
      let cases = 0;
      const result = await fc.check(
        fc.asyncProperty(caseArb, async (c) => {
          cases++;
          await check(c);
          coverage.endCase();
        }),
        { seed: SEED, numRuns: REGRESSION_CASES.length + NUM_RUNS, path: REPLAY_PATH, examples: REGRESSION_CASES.map((r) => [r.case]) },
      );
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      if (result.failed) {
        const report = fc.defaultReportMessage(result) ?? '';
        const error = result.errorInstance instanceof Error ? result.errorInstance.message : String(result.errorInstance);
        console.error(
          `reference model: FAILED after ${result.numRuns} case(s), ${result.numShrinks} shrink(s), ${cases} executions in ${seconds} s.\n` +
            `Replay: REFERENCE_MODEL_SEED=${result.seed} REFERENCE_MODEL_PATH=${result.counterexamplePath} ` +
            `npx vitest run --project integration tests/integration/reference-model.test.ts\n\n${error}\n\n${report.split('\n').slice(0, 4).join('\n')}`,
        );
      } else {
        console.log(`reference model: ${result.numRuns} cases agree (seed ${SEED}, ${result.numSkips} skipped), ${seconds} s; cases that saw\n${coverage}`);
      }
      expect(result.failed, 'see the shrunk case printed above').toBe(false);
    },
    30 * 60_000,
  );
});
