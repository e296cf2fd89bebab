import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkFilterOverlap } from '@/lib/batch-jobs/check-filter-overlap';
import { saveJobSchedule } from '@/lib/batch-jobs/save-job-schedule';
import { prisma } from '@/lib/db';
import { pool } from '@/lib/db-pool';
import { getJobSettings } from '@/lib/job-settings/get-job-settings';
import { parseJobOptionsFields } from '@/lib/job-settings/job-options-form';
import { parseLdapSettingsForm } from '@/lib/ldap-settings/ldap-settings-input';
import { checkLdapSettings } from '@/lib/ldap-settings/check-ldap-settings';
import { ACTIVE_LDAP_USERS, INACTIVE_LDAP_USERS, type SyncJobKey } from '@/lib/sync/job-options';
import { runBatchJob } from '@/lib/sync/run-batch-job';
import { startTestServices, type TestServices } from '@/tests/setup/services';
import { peopleLdif, queueRun, resetIdentityManager, slapdSettings } from '../fixtures/sync-environment';
import { jobsEnv, releaseClients, useEnv } from './jobs-support';

// "Overlap is caught when it is made": Save on a job page and Test connection count the people
// whom both jobs' filters match, against real slapd and PostgreSQL, and what they count is what
// a run then fails.

const BASE = 'dc=example,dc=com';
const GONE = Array.from({ length: 8 }, (_, i) => `gone${String(i + 1).padStart(2, '0')}`);
const HERE = ['here1', 'here2', 'here3'];
const LDIF = peopleLdif(BASE, [
  ...GONE.map((uid) => ({ uid, sn: 'Gone', mail: `${uid}@example.com`, locked: true })),
  ...HERE.map((uid) => ({ uid, sn: 'Here', mail: `${uid}@example.com` })),
]);
/** What an administrator types into the active job's filter: it forgets to leave out the locked people. */
const EVERY_PERSON = '(objectClass=inetOrgPerson)';
const DEAD_URL = 'ldap://127.0.0.1:1';

let services: TestServices;

beforeAll(async () => {
  services = await startTestServices({ name: 'filter-overlap', ldif: LDIF });
  await useEnv(jobsEnv(services, { APP_ENCRYPTION_KEY: randomBytes(32).toString('base64') }));
});

afterAll(async () => {
  await releaseClients();
  await services?.stop();
});

/** Save on the job page: the form's fields (as posted) with `changes`, through the same use case. */
async function saveJob(jobKey: SyncJobKey, changes: Record<string, string>) {
  const settings = (await getJobSettings(jobKey))!;
  const parsed = parseJobOptionsFields({ ...settings.fields, ...changes });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.fieldErrors));
  return saveJobSchedule({ jobKey, cronExpression: '', timeZone: 'UTC', expectedVersion: settings.job.version, actor: 'alice', options: parsed.options });
}

async function lastSaveAudit(jobKey: SyncJobKey) {
  return prisma().auditEvent.findFirstOrThrow({ where: { action: 'job.schedule.saved', target: jobKey }, orderBy: { id: 'desc' } });
}

describe('Save on a job page', () => {
  it('warns with the number and examples of the people a run will fail in both jobs, saves anyway, and a run fails exactly them', async () => {
    await resetIdentityManager(services.ldap);
    const saved = await saveJob(ACTIVE_LDAP_USERS, { filter: EVERY_PERSON });
    expect(saved).toMatchObject({ ok: true, filterOverlap: { status: 'found', count: GONE.length, stoppedBy: null } });
    if (!saved.ok || saved.filterOverlap?.status !== 'found') throw new Error('unreachable');
    expect(saved.filterOverlap.examples).toHaveLength(5);
    for (const example of saved.filterOverlap.examples) {
      expect(GONE).toContain(example.username);
      expect(example.dn).toBe(`uid=${example.username},ou=people,${BASE}`);
    }
    expect(saved.filterOverlap.filters).toEqual({
      [INACTIVE_LDAP_USERS]: '(&(objectClass=inetOrgPerson)(pwdAccountLockedTime=*))',
      [ACTIVE_LDAP_USERS]: EVERY_PERSON,
    });
    // Saved despite the overlap, and the audit event says what the check found (no DNs).
    expect((await getJobSettings(ACTIVE_LDAP_USERS))!.effectiveFilter).toBe(EVERY_PERSON);
    const audit = await lastSaveAudit(ACTIVE_LDAP_USERS);
    expect(audit.details).toMatchObject({ after: { options: { filter: EVERY_PERSON } }, filterOverlap: { status: 'found', count: GONE.length, exact: true, stoppedBy: null } });
    expect(JSON.stringify(audit.details)).not.toContain('uid=gone');

    // The run fails exactly the people the warning counted, and creates the others.
    const run = await runBatchJob({ runId: await queueRun(ACTIVE_LDAP_USERS) });
    expect(run.counters).toMatchObject({ entriesRead: GONE.length + HERE.length, created: HERE.length, failed: GONE.length });
    const { rows } = await pool().query(`SELECT username, reason FROM batch_run_items WHERE run_id = $1 AND outcome = 'FAILED' ORDER BY username`, [run.runId]);
    expect(rows.map((r) => r.username)).toEqual(GONE);
    for (const row of rows) expect(row.reason).toContain('matched by the filters of both');

    // Saving the other job (its filter untouched) warns as well: the overlap is a pair's property.
    const other = await saveJob(INACTIVE_LDAP_USERS, {});
    expect(other).toMatchObject({ ok: true, filterOverlap: { status: 'found', count: GONE.length } });
  });

  it('asks no directory when the filters exclude each other (both jobs on one preset)', async () => {
    // The directory is unreachable: an answer other than "unchecked" cannot have come from it.
    await resetIdentityManager(services.ldap, { urls: [DEAD_URL], inactive: { filterPreset: 'status-attribute', statusValue: 'left' } });
    const saved = await saveJob(ACTIVE_LDAP_USERS, { filterPreset: 'status-attribute', statusValue: 'left' });
    expect(saved).toMatchObject({ ok: true, filterOverlap: { status: 'none', provenBy: 'filters' } });
    // Another preset on one job only: the filters no longer exclude each other, so the directory must be asked.
    const mixed = await saveJob(ACTIVE_LDAP_USERS, { filterPreset: 'openldap-ppolicy' });
    expect(mixed).toMatchObject({ ok: true, filterOverlap: { status: 'unchecked', code: 'LDAP_UNREACHABLE' } });
  });

  it('reports none when the directory has nobody in both, though the filters alone cannot tell', async () => {
    await resetIdentityManager(services.ldap);
    const saved = await saveJob(ACTIVE_LDAP_USERS, { filter: '(&(objectClass=inetOrgPerson)(uid=here*))' });
    expect(saved).toMatchObject({ ok: true, filterOverlap: { status: 'none', provenBy: 'directory' } });
    expect((await lastSaveAudit(ACTIVE_LDAP_USERS)).details).toMatchObject({ filterOverlap: { status: 'none', count: 0 } });
  });

  it('saves when the directory cannot be reached and says why the overlap was not checked', async () => {
    await resetIdentityManager(services.ldap, { urls: [DEAD_URL] });
    const started = Date.now();
    const saved = await saveJob(ACTIVE_LDAP_USERS, { filter: EVERY_PERSON });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(saved).toMatchObject({ ok: true, filterOverlap: { status: 'unchecked', code: 'LDAP_UNREACHABLE', reason: expect.stringContaining(DEAD_URL) } });
    expect((await getJobSettings(ACTIVE_LDAP_USERS))!.effectiveFilter).toBe(EVERY_PERSON);
    expect((await lastSaveAudit(ACTIVE_LDAP_USERS)).details).toMatchObject({ filterOverlap: { status: 'unchecked', code: 'LDAP_UNREACHABLE' } });

    // No connection configured at all.
    await prisma().ldapSettings.deleteMany();
    const unconfigured = await saveJob(ACTIVE_LDAP_USERS, {});
    expect(unconfigured).toMatchObject({ ok: true, filterOverlap: { status: 'unchecked', reason: expect.stringContaining('No LDAP connection is configured') } });
  });
});

describe('the bounds of the check', () => {
  const overlapping = { [INACTIVE_LDAP_USERS]: {}, [ACTIVE_LDAP_USERS]: { filter: EVERY_PERSON } };

  it('stops counting above the limit and says so', async () => {
    const result = await checkFilterOverlap({ jobOptions: overlapping, settings: slapdSettings(services.ldap, BASE), limit: 3 });
    expect(result).toMatchObject({ status: 'found', limit: 3, stoppedBy: 'limit' });
    if (result.status === 'found') expect(result.count).toBeGreaterThan(3);
  });

  it('gives up after its timeout on a directory that accepts connections but never answers, and lets go of the socket', async () => {
    const sockets = new Set<net.Socket>();
    const silent = net.createServer((socket) => {
      sockets.add(socket);
      socket.resume(); // reads the requests (so it sees the client hang up), answers none
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as net.AddressInfo).port;
    try {
      const started = Date.now();
      const result = await checkFilterOverlap({
        jobOptions: overlapping,
        // The connection's own timeouts are far longer than the check's.
        settings: slapdSettings(services.ldap, BASE, { urls: [`ldap://127.0.0.1:${port}`], connectTimeoutMs: 60_000, operationTimeoutMs: 60_000 }),
        timeoutMs: 800,
      });
      const elapsed = Date.now() - started;
      expect(result).toMatchObject({ status: 'unchecked', code: 'LDAP_TIMEOUT', reason: 'The directory did not answer within 0.8 seconds. Check the directory\'s load and the LDAP connection settings.' });
      expect(elapsed).toBeGreaterThanOrEqual(750);
      expect(elapsed).toBeLessThan(3_000);
      // The bind waiting in the background ends with the check's timeout too: no socket is left open.
      const deadline = Date.now() + 5_000;
      while (sockets.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(sockets.size).toBe(0);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});

describe('Test connection', () => {
  const input = (bindPassword: string) => {
    const parsed = parseLdapSettingsForm({
      urls: services.ldap.url,
      startTls: '',
      tlsRejectUnauthorized: 'on',
      tlsCaCertificate: '',
      bindDn: services.ldap.syncDn,
      bindPassword,
      baseDn: BASE,
      scope: 'sub',
      connectTimeoutMs: '3000',
      operationTimeoutMs: '10000',
    });
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.fieldErrors));
    return parsed.input;
  };

  it('counts the people both saved filters match in the directory as typed', async () => {
    // The saved connection points nowhere: Test connection uses the settings as typed.
    await resetIdentityManager(services.ldap, { urls: [DEAD_URL], active: { filter: EVERY_PERSON } });
    const result = await checkLdapSettings(input(services.ldap.syncPassword));
    expect(result).toMatchObject({ ok: true, matched: GONE.length, overlap: { status: 'found', count: GONE.length, stoppedBy: null } });

    await resetIdentityManager(services.ldap, { urls: [DEAD_URL] });
    expect(await checkLdapSettings(input(services.ldap.syncPassword))).toMatchObject({ ok: true, overlap: { status: 'none', provenBy: 'filters' } });
  });

  it('does not bind a second time with a password the directory refused', async () => {
    await resetIdentityManager(services.ldap, { active: { filter: EVERY_PERSON } });
    const wrong = await checkLdapSettings(input('not-the-password'));
    expect(wrong).toMatchObject({ ok: false, error: { code: 'LDAP_INVALID_CREDENTIALS' } });
    expect(wrong).not.toHaveProperty('overlap');
  });
});
