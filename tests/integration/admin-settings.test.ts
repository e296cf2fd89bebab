import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import path from 'node:path';
import { Client as LdapClient } from 'ldapts';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { listAuditEvents } from '@/lib/audit/list-audit-events';
import { saveJobSchedule } from '@/lib/batch-jobs/save-job-schedule';
import { decryptSecret } from '@/lib/crypto';
import { prisma } from '@/lib/db';
import { getJobSettings } from '@/lib/job-settings/get-job-settings';
import { parseJobOptionsFields, jobOptionsToFields } from '@/lib/job-settings/job-options-form';
import { parseLdapSettingsForm, type LdapSettingsInput } from '@/lib/ldap-settings/ldap-settings-input';
import { readLdapSettings } from '@/lib/ldap-settings/read-ldap-settings';
import { saveLdapSettings } from '@/lib/ldap-settings/save-ldap-settings';
import { checkLdapSettings } from '@/lib/ldap-settings/check-ldap-settings';
import { batchJobsQueue } from '@/lib/queue/batch-jobs-queue';
import { schedulerIdFor } from '@/lib/queue/job-schedulers';
import { INACTIVE_LDAP_USERS } from '@/lib/sync/job-options';
import { startTestServices, type TestServices } from '@/tests/setup/services';
import { jobsEnv, releaseClients, useEnv } from './jobs-support';

// The administrator's use cases behind Identity Manager Admin (LDAP connection settings, the job
// page's save with options, the audit log query) against real PostgreSQL, Redis and slapd.

let services: TestServices;

// Five locked (inactive) people and two active ones in the test directory.
const LDIF = [
  ...Array.from({ length: 5 }, (_, i) => ({ uid: `gone${i + 1}`, locked: true })),
  { uid: 'here1', locked: false },
  { uid: 'here2', locked: false },
]
  .map(
    (p) => `dn: uid=${p.uid},ou=people,dc=example,dc=com
objectClass: inetOrgPerson
uid: ${p.uid}
cn: ${p.uid}
sn: Person
mail: ${p.uid}@example.com
${p.locked ? 'pwdAccountLockedTime: 000001010000Z\n' : ''}`,
  )
  .join('\n');

beforeAll(async () => {
  services = await startTestServices({ name: 'admin-settings', ldif: LDIF });
  await useEnv(jobsEnv(services, { APP_ENCRYPTION_KEY: randomBytes(32).toString('base64') }));
});

afterAll(async () => {
  await releaseClients();
  await services?.stop();
});

function input(overrides: Partial<Record<string, string>> = {}): LdapSettingsInput {
  const parsed = parseLdapSettingsForm({
    urls: services.ldap.url,
    startTls: '',
    tlsRejectUnauthorized: 'on',
    tlsCaCertificate: '',
    bindDn: services.ldap.syncDn,
    bindPassword: services.ldap.syncPassword,
    baseDn: services.ldap.baseDn,
    scope: 'sub',
    connectTimeoutMs: '3000',
    operationTimeoutMs: '10000',
    ...overrides,
  });
  if (!parsed.ok) throw new Error(`invalid test input: ${JSON.stringify(parsed.fieldErrors)}`);
  return parsed.input;
}

describe('LDAP connection settings', () => {
  beforeEach(async () => {
    await prisma().ldapSettings.deleteMany();
    await prisma().auditEvent.deleteMany();
  });

  it('stores the bind password encrypted, keeps it when left blank, and audits without it', async () => {
    expect(await saveLdapSettings({ input: input({ bindPassword: '' }), expectedVersion: 0, actor: 'alice' })).toMatchObject({
      ok: false,
      code: 'validation_failed',
      fieldErrors: { bindPassword: 'Enter the bind password: none is stored yet.' },
    });

    const first = await saveLdapSettings({ input: input(), expectedVersion: 0, actor: 'alice', ip: '127.0.0.1' });
    expect(first).toMatchObject({ ok: true, bindPasswordChanged: true, settings: { version: 1, hasBindPassword: true } });
    const row = await prisma().ldapSettings.findUniqueOrThrow({ where: { id: 1 } });
    expect(row.bindPasswordEncrypted).not.toContain(services.ldap.syncPassword);
    expect(decryptSecret(row.bindPasswordEncrypted!)).toBe(services.ldap.syncPassword);
    // What the page reads has no password field at all.
    expect(JSON.stringify(await readLdapSettings())).not.toContain(services.ldap.syncPassword);

    const second = await saveLdapSettings({ input: input({ bindPassword: '', operationTimeoutMs: '20000' }), expectedVersion: 1, actor: 'bob' });
    expect(second).toMatchObject({ ok: true, bindPasswordChanged: false, settings: { version: 2, operationTimeoutMs: 20000, updatedBy: 'bob' } });
    const kept = await prisma().ldapSettings.findUniqueOrThrow({ where: { id: 1 } });
    expect(kept.bindPasswordEncrypted).toBe(row.bindPasswordEncrypted);

    const audit = await prisma().auditEvent.findMany({ where: { action: 'ldap.settings.changed' }, orderBy: { id: 'asc' } });
    expect(audit).toHaveLength(2);
    expect(JSON.stringify(audit.map((a) => a.details))).not.toContain(services.ldap.syncPassword);
    expect(audit[0]).toMatchObject({ actor: 'alice', ip: '127.0.0.1', details: { before: null, bindPasswordChanged: true, after: { hasBindPassword: true } } });
    expect(audit[1]).toMatchObject({
      actor: 'bob',
      details: { bindPasswordChanged: false, before: { operationTimeoutMs: 10000 }, after: { operationTimeoutMs: 20000 } },
    });
  });

  it('refuses a stale save and keeps the other administrator\'s change', async () => {
    await saveLdapSettings({ input: input(), expectedVersion: 0, actor: 'alice' });
    await saveLdapSettings({ input: input({ bindPassword: '', baseDn: 'ou=people,dc=example,dc=com' }), expectedVersion: 1, actor: 'bob' });
    const stale = await saveLdapSettings({ input: input({ bindPassword: '' }), expectedVersion: 1, actor: 'carol' });
    expect(stale).toMatchObject({ ok: false, code: 'settings_conflict', message: expect.stringContaining('bob changed the LDAP connection settings') });
    expect((await readLdapSettings()).baseDn).toBe('ou=people,dc=example,dc=com');
    // Two first saves at once: only one creates the row.
    const again = await saveLdapSettings({ input: input(), expectedVersion: 0, actor: 'dave' });
    expect(again).toMatchObject({ ok: false, code: 'settings_conflict' });
  });

  it('Test connection counts what the inactive filter matches and shows the first entries; a wrong password gets its message', async () => {
    const ok = await checkLdapSettings(input());
    expect(ok).toMatchObject({ ok: true, matched: 5, filter: '(&(objectClass=inetOrgPerson)(pwdAccountLockedTime=*))' });
    if (!ok.ok) return;
    expect(ok.entries.map((e) => (e.ok ? e.person.username : null)).sort()).toEqual(['gone1', 'gone2', 'gone3', 'gone4', 'gone5']);

    const wrong = await checkLdapSettings(input({ bindPassword: 'wrong' }));
    expect(wrong).toMatchObject({
      ok: false,
      error: { code: 'LDAP_INVALID_CREDENTIALS', message: expect.stringContaining('The directory rejected the bind DN or password') },
    });

    // Blank password: the stored one, or a clear message when none is stored.
    expect(await checkLdapSettings(input({ bindPassword: '' }))).toMatchObject({ ok: false, error: { message: 'Enter the bind password: none is stored yet.' } });
    await saveLdapSettings({ input: input(), expectedVersion: 0, actor: 'alice' });
    expect(await checkLdapSettings(input({ bindPassword: '' }))).toMatchObject({ ok: true, matched: 5 });

    const unreachable = await checkLdapSettings(input({ urls: 'ldap://127.0.0.1:1' }));
    expect(unreachable).toMatchObject({ ok: false, error: { code: 'LDAP_UNREACHABLE' } });
  });

  it('never sends the stored bind password to another server, bind DN or TLS setting: Test and Save ask for it again', async () => {
    // A listener standing in for an attacker's server: it records every byte anyone sends it.
    const received: Buffer[] = [];
    let connections = 0;
    const sockets = new Set<Socket>();
    const listener = createServer((socket) => {
      connections++;
      sockets.add(socket);
      socket.on('data', (chunk) => received.push(chunk));
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    const trap = `ldap://127.0.0.1:${(listener.address() as AddressInfo).port}`;
    try {
      await saveLdapSettings({ input: input(), expectedVersion: 0, actor: 'alice' });
      const stored = await prisma().ldapSettings.findUniqueOrThrow({ where: { id: 1 } });
      const retype = (what: string) => ({ ok: false, code: 'validation_failed', fieldErrors: { bindPassword: expect.stringContaining(`Type the bind password again: the ${what} changed`) } });

      // Test connection with the password field blank, against changed endpoints.
      expect(await checkLdapSettings(input({ bindPassword: '', urls: trap }))).toMatchObject(retype('server address'));
      expect(await checkLdapSettings(input({ bindPassword: '', urls: `${services.ldap.url}\n${trap}` }))).toMatchObject(retype('server address'));
      expect(await checkLdapSettings(input({ bindPassword: '', bindDn: 'cn=someone-else,dc=example,dc=com' }))).toMatchObject(retype('bind DN'));
      expect(await checkLdapSettings(input({ bindPassword: '', tlsRejectUnauthorized: '' }))).toMatchObject(retype('TLS settings'));
      // Save likewise, and changes nothing.
      const save = await saveLdapSettings({ input: input({ bindPassword: '', urls: trap }), expectedVersion: 1, actor: 'mallory' });
      expect(save).toMatchObject({ ok: false, code: 'validation_failed', fieldErrors: { bindPassword: expect.stringContaining('Type the bind password again: the server address changed') } });
      expect(await prisma().ldapSettings.findUniqueOrThrow({ where: { id: 1 } })).toEqual(stored);
      expect(await prisma().auditEvent.count({ where: { actor: 'mallory' } })).toBe(0);

      // Let any connection attempt arrive before looking.
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(connections).toBe(0);
      expect(Buffer.concat(received).toString('latin1')).not.toContain(services.ldap.syncPassword);

      // The same endpoint (URLs in another order or case count as the same) keeps working with a blank field.
      expect(await checkLdapSettings(input({ bindPassword: '', urls: services.ldap.url.toUpperCase().replace('LDAP://', 'ldap://') }))).toMatchObject({ ok: true });
      // With the password typed again, the new endpoint is tried (and gets what was typed, not the stored one).
      const typed = await checkLdapSettings(input({ bindPassword: 'typed-for-the-trap', urls: trap, connectTimeoutMs: '500', operationTimeoutMs: '1000' }));
      expect(typed.ok).toBe(false);
      expect(connections).toBeGreaterThan(0);
      expect(Buffer.concat(received).toString('latin1')).not.toContain(services.ldap.syncPassword);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => listener.close(resolve));
    }
  });

  it('the directory the tests and the demo start keeps its configuration and initial LDIF (with passwords) readable by its owner only', () => {
    for (const file of ['slapd.conf', 'initial.ldif']) expect(statSync(path.join(services.dataDir, 'slapd', file)).mode & 0o777, file).toBe(0o600);
  });

  it('shows the first ten of more than ten matches', async () => {
    const ldap = new LdapClient({ url: services.ldap.url });
    await ldap.bind(services.ldap.adminDn, services.ldap.adminPassword);
    try {
      for (let i = 6; i <= 12; i++) {
        await ldap.add(`uid=gone${i},ou=people,${services.ldap.baseDn}`, { objectClass: 'inetOrgPerson', uid: `gone${i}`, cn: `gone${i}`, sn: 'Person', pwdAccountLockedTime: '000001010000Z' });
      }
    } finally {
      await ldap.unbind();
    }
    const result = await checkLdapSettings(input());
    expect(result).toMatchObject({ ok: true, matched: 12 });
    if (result.ok) expect(result.entries).toHaveLength(10);
  });
});

describe('the job page\'s save (schedule and options)', () => {
  it('saves options with the schedule under one version, audits both, and updates the scheduler', async () => {
    const before = await getJobSettings(INACTIVE_LDAP_USERS);
    const fields = { ...before!.fields, filterPreset: 'status-attribute', statusValue: 'left', 'mapping.email': 'mailPrimaryAddress', maxUsers: '25', maxPercent: '' };
    const options = parseJobOptionsFields(fields);
    if (!options.ok) throw new Error(JSON.stringify(options.fieldErrors));
    const saved = await saveJobSchedule({
      jobKey: INACTIVE_LDAP_USERS,
      cronExpression: '0 6 * * 1-5',
      timeZone: 'Europe/Berlin',
      paused: false,
      expectedVersion: before!.job.version,
      actor: 'alice',
      options: options.options,
    });
    expect(saved).toMatchObject({ ok: true, job: { version: before!.job.version + 1 } });
    const after = await getJobSettings(INACTIVE_LDAP_USERS);
    expect(after!.fields).toMatchObject({ filterPreset: 'status-attribute', statusValue: 'left', 'mapping.email': 'mailPrimaryAddress', maxUsers: '25', maxPercent: '' });
    expect(after!.effectiveFilter).toBe('(&(objectClass=inetOrgPerson)(employeeType=left))');
    expect(jobOptionsToFields((await prisma().batchJob.findUniqueOrThrow({ where: { key: INACTIVE_LDAP_USERS } })).options)).toEqual(after!.fields);
    expect(await batchJobsQueue().getJobScheduler(schedulerIdFor(INACTIVE_LDAP_USERS))).toMatchObject({ pattern: '0 6 * * 1-5', tz: 'Europe/Berlin' });
    const audit = await prisma().auditEvent.findFirstOrThrow({ where: { action: 'job.schedule.saved' }, orderBy: { id: 'desc' } });
    expect(audit.details).toMatchObject({
      before: { options: { filterPreset: 'openldap-ppolicy' } },
      after: { cronExpression: '0 6 * * 1-5', options: { filterPreset: 'status-attribute', statusValue: 'left', threshold: { maxUsers: 25, maxPercent: null } } },
    });

    // A stale save changes neither the schedule nor the options.
    const stale = await saveJobSchedule({
      jobKey: INACTIVE_LDAP_USERS,
      cronExpression: '0 7 * * *',
      timeZone: 'UTC',
      paused: false,
      expectedVersion: before!.job.version,
      actor: 'bob',
      options: { ...options.options, statusValue: 'other' },
    });
    expect(stale).toMatchObject({ ok: false, code: 'schedule_conflict' });
    expect((await getJobSettings(INACTIVE_LDAP_USERS))!.fields.statusValue).toBe('left');
  });
});

describe('listAuditEvents', () => {
  beforeAll(async () => {
    await prisma().auditEvent.deleteMany();
    const start = Date.UTC(2026, 10, 1, 8, 0, 0);
    await prisma().auditEvent.createMany({
      data: Array.from({ length: 60 }, (_, i) => ({
        at: new Date(start + i * 3_600_000),
        actor: i % 3 === 0 ? 'Alice' : 'bob',
        action: i % 2 === 0 ? 'auth.sign_in' : 'job.schedule.saved',
        target: i % 2 === 0 ? `account:${i % 3 === 0 ? 'alice' : 'bob'}` : INACTIVE_LDAP_USERS,
      })),
    });
  });

  it('pages newest first in the database', async () => {
    const page1 = await listAuditEvents({ pageSize: 25 });
    expect(page1).toMatchObject({ total: 60, page: 1, pageCount: 3 });
    expect(page1.events).toHaveLength(25);
    expect(page1.events[0]!.at.getTime()).toBeGreaterThan(page1.events[24]!.at.getTime());
    const page3 = await listAuditEvents({ pageSize: 25, page: 3 });
    expect(page3.events).toHaveLength(10);
    // A page past the end is the last page.
    expect((await listAuditEvents({ pageSize: 25, page: 99 })).page).toBe(3);
  });

  it('filters by action, action family, actor (case-insensitive), target and time range', async () => {
    expect((await listAuditEvents({ filter: { action: 'auth.sign_in' } })).total).toBe(30);
    expect((await listAuditEvents({ filter: { action: 'auth.' } })).total).toBe(30);
    expect((await listAuditEvents({ filter: { actor: 'alice' } })).total).toBe(20);
    expect((await listAuditEvents({ filter: { target: 'ldap-users', actor: 'ALICE' } })).total).toBe(10);
    const range = await listAuditEvents({ filter: { from: new Date(Date.UTC(2026, 10, 1, 10)), to: new Date(Date.UTC(2026, 10, 1, 14)) } });
    expect(range.total).toBe(4);
  });
});
