import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pool } from '@/lib/db-pool';
import { resetConfigForTests } from '@/lib/config';
import { checkConnection } from '@/lib/ldap-settings/connection-check';
import { filterPreset, resolveJobOptions, type JobOptionsInput } from '@/lib/sync/job-options';
import { canRunDirectoryServer, startDirectoryServer, type DirectoryServerService } from '@/scripts/services/directory-server';
import { freePort } from '@/scripts/services/ports';
import { makeTestCertificates, type TestCertificates } from '@/scripts/services/test-certificates';
import {
  addEquippedUser,
  directorySettings,
  escapeRdnValue,
  ldifLine,
  readEntry,
  runItems,
  runJob,
  setConnection,
  setJobOptions,
  startDatabase,
  configureSync,
  userSnapshot,
  usernamesIn,
  usersByName,
  type DatabaseEnvironment,
} from '../fixtures/directory-environment';

// The engine against a real 389 Directory Server instance made for this file. The "389 Directory
// Server lock" preset: nsAccountLock=true, set on the entry (`dsidm account lock`) or given by a
// locked role (`dsidm role lock`, a class of service); nsUniqueId as the unique id, which every
// entry has, also those made before the entryuuid plugin (they have no entryUUID).

const INACTIVE = 'inactive-ldap-users';
const ACTIVE = 'active-ldap-users';
const BASE = 'dc=example,dc=com';
const ROLE = `cn=Leavers,${BASE}`;
const noThreshold = { threshold: { maxUsers: null, maxPercent: null } };
const preset = (more: JobOptionsInput = {}): JobOptionsInput => ({ filterPreset: 'directory-server-lock', ...noThreshold, ...more });
/** Both jobs on the preset (the active job's default, OpenLDAP's ppolicy preset, would match every 389 person too). */
const jobs = (inactive: JobOptionsInput = {}, active: JobOptionsInput = {}) => ({ inactive: preset(inactive), active: preset(active) });

type Person = {
  uid: string;
  cn: string;
  ou?: 'people' | 'leavers';
  givenName?: string;
  sn: string;
  displayName?: string;
  mail?: string;
  employeeNumber?: string;
  /** nsAccountLock on the entry: true, false (written as false), or absent. */
  lock?: boolean;
  /** Member of the Leavers role, which is locked. */
  leaver?: boolean;
};

const dnOf = (p: Pick<Person, 'cn' | 'ou'>) => `cn=${escapeRdnValue(p.cn)},ou=${p.ou ?? 'people'},${BASE}`;

function peopleLdif(list: Person[]): string {
  return list
    .map((p) => {
      const lines = [ldifLine('dn', dnOf(p)), 'objectClass: inetOrgPerson', ldifLine('cn', p.cn), ldifLine('sn', p.sn), ldifLine('uid', p.uid)];
      for (const [attr, value] of [['givenName', p.givenName], ['displayName', p.displayName], ['mail', p.mail], ['employeeNumber', p.employeeNumber]] as const) {
        if (value) lines.push(ldifLine(attr, value));
      }
      if (p.lock !== undefined) lines.push(`nsAccountLock: ${p.lock}`);
      if (p.leaver) lines.push(`nsRoleDN: ${ROLE}`);
      return lines.join('\n') + '\n';
    })
    .join('\n');
}

const n4 = (i: number) => String(i).padStart(4, '0');
// Made before the entryuuid plugin was switched on: no entryUUID.
const legacy: Person[] = Array.from({ length: 200 }, (_, i) => ({ uid: `old${n4(i)}`, cn: `Old ${n4(i)}`, sn: `Old ${n4(i)}`, lock: true }));
// Four in five locked; with the legacy people more than 2,000 entries: 389's default size limit.
const bulk: Person[] = Array.from({ length: 2000 }, (_, i) => ({
  uid: `p${n4(i)}`, cn: `Person ${n4(i)}`, givenName: 'Bulk', sn: `Person ${n4(i)}`, mail: `p${n4(i)}@example.com`, employeeNumber: `E${n4(i)}`, lock: i % 5 !== 0 ? true : undefined,
}));
const special: Person[] = [
  { uid: 'zoe.agren', cn: 'Zoë Ågren', givenName: 'Zoë', sn: 'Ågren', displayName: 'Zoë Ågren', lock: true },
  { uid: 'wang.wei', cn: '王伟', givenName: '伟', sn: '王', displayName: '王伟', lock: true },
  { uid: 'jsmith', cn: 'Smith, John', givenName: 'John', sn: 'Smith', lock: true },
  { uid: 'rename.me', cn: 'Rename Me', sn: 'Me', lock: true },
  { uid: 'move.me', cn: 'Move Me', sn: 'Me', lock: true },
  { uid: 'role.one', cn: 'Role One', sn: 'One', leaver: true },
  { uid: 'role.two', cn: 'Role Two', ou: 'leavers', sn: 'Two', leaver: true },
  { uid: 'toggle', cn: 'Toggle Person', givenName: 'Toggle', sn: 'Person', mail: 'toggle@example.com', employeeNumber: 'E-77' },
  { uid: 'role.toggle', cn: 'Role Toggle', sn: 'Toggle' },
  { uid: 'unlocked', cn: 'Explicitly Unlocked', sn: 'Unlocked', lock: false },
];
const people = [...legacy, ...bulk, ...special];
const isLocked = (p: Person) => p.lock === true || !!p.leaver;
const expectedInactive = people.filter(isLocked).map((p) => p.uid).sort();
const expectedActive = people.filter((p) => !isLocked(p)).map((p) => p.uid).sort();
const dnOfUid = (uid: string) => dnOf(people.find((p) => p.uid === uid)!);

/** The users both jobs make of the whole directory (what the first test leaves; made here when a test runs alone). */
async function syncedUsers() {
  if ((await usersByName()).size === 0) {
    await configureSync(ds, jobs({ pageSize: 1000 }, { pageSize: 1000 }));
    await runJob(INACTIVE);
    await runJob(ACTIVE);
  }
  return usersByName();
}

let db: DatabaseEnvironment;
let ds: DirectoryServerService;
let certs: TestCertificates;
const started = Date.now();

describe.skipIf(!canRunDirectoryServer())('389 Directory Server', () => {
  beforeAll(async () => {
    db = await startDatabase('directory-389ds');
    certs = makeTestCertificates(path.join(db.root, 'tls'));
    const [port, ldapsPort] = [await freePort(), await freePort()];
    const ous = ['people', 'leavers'].map((ou) => `dn: ou=${ou},${BASE}\nobjectClass: organizationalUnit\nou: ${ou}\n`).join('\n');
    const role = `dn: ${ROLE}\nobjectClass: top\nobjectClass: LDAPsubentry\nobjectClass: nsRoleDefinition\nobjectClass: nsSimpleRoleDefinition\nobjectClass: nsManagedRoleDefinition\ncn: Leavers\n`;
    ds = await startDirectoryServer({
      dataDir: path.join(db.root, 'dirsrv'),
      port,
      baseDn: BASE,
      ldifWithoutEntryUuid: `${ous}\n${peopleLdif(legacy)}`,
      ldif: `${role}\n${peopleLdif([...bulk, ...special])}`,
      tls: { certificates: certs, ldapsPort },
    });
    // The role's members get nsAccountLock from the class of service dsidm sets up.
    await ds.dsidm('role', 'lock', ROLE);
    console.log(`389 Directory Server ${ds.instanceName} up with ${people.length} people in ${Date.now() - started} ms`);
  }, 240_000);

  afterAll(async () => {
    await ds?.stop();
    await db?.stop();
    console.log(`directory-389ds: ${Date.now() - started} ms in all`);
  });

  it('the preset selects exactly the locked people, on the entry or by a locked role, pages past 1,000 entries, and a re-run changes nothing', async () => {
    await configureSync(ds, jobs({ pageSize: 1000 }, { pageSize: 500 }));
    const pages: number[] = [];
    const inactive = await runJob(INACTIVE, {}, (read) => pages.push(read));
    expect(inactive.error ?? '').toBe('');
    expect(inactive.status).toBe('SUCCEEDED');
    expect(inactive.counters).toMatchObject({ entriesRead: expectedInactive.length, created: expectedInactive.length, updated: 0, failed: 0 });
    expect(pages).toEqual([1000, expectedInactive.length]);
    const active = await runJob(ACTIVE);
    expect(active.status).toBe('SUCCEEDED');
    expect(active.counters).toMatchObject({ created: expectedActive.length, failed: 0 });

    expect(await usernamesIn('INACTIVE')).toEqual(expectedInactive);
    expect(await usernamesIn('ACTIVE')).toEqual(expectedActive);
    const users = await usersByName();
    expect(users.get('p0001')).toMatchObject({ given_name: 'Bulk', surname: 'Person 0001', email: 'p0001@example.com', employee_number: 'E0001' });

    await setJobOptions(INACTIVE, preset({ pageSize: 500 }));
    for (const [job, expected] of [[INACTIVE, expectedInactive], [ACTIVE, expectedActive]] as const) {
      const again = await runJob(job);
      expect(again.status).toBe('SUCCEEDED');
      expect(again.counters).toMatchObject({ entriesRead: expected.length, unchanged: expected.length, created: 0, updated: 0, failed: 0, credentialsChanged: 0, certificatesChanged: 0, rolesWithdrawn: 0 });
      expect(await runItems(again.runId)).toEqual([]);
    }
    expect(await usersByName()).toEqual(users);
  });

  it('links by nsUniqueId as the server reports it, also for entries without entryUUID', async () => {
    const users = await syncedUsers();
    for (const uid of ['old0000', 'p0001', 'wang.wei', 'jsmith', 'role.one', 'unlocked']) {
      const entry = await readEntry(ds.url, ds.rootDn, ds.rootPassword, dnOfUid(uid), ['nsUniqueId', 'entryUUID']);
      expect(entry?.nsUniqueId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}$/);
      expect(users.get(uid)?.ldap_external_id).toBe(entry?.nsUniqueId);
      if (uid === 'old0000') expect(entry?.entryUUID).toBeUndefined();
      else expect(entry?.entryUUID).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it('keeps non-ASCII names and an escaped comma in the DN; the 7-bit check refuses non-ASCII uid and mail', async () => {
    const users = await syncedUsers();
    expect(users.get('zoe.agren')).toMatchObject({ given_name: 'Zoë', surname: 'Ågren', display_name: 'Zoë Ågren', ldap_dn: `cn=Zoë Ågren,ou=people,${BASE}` });
    expect(users.get('wang.wei')).toMatchObject({ given_name: '伟', surname: '王', display_name: '王伟', ldap_dn: `cn=王伟,ou=people,${BASE}` });
    // As the server sends it; the stored DN finds the entry again.
    expect(users.get('jsmith')?.ldap_dn).toMatch(/^cn=Smith\\(,|2C) John,ou=people,dc=example,dc=com$/);
    expect((await readEntry(ds.url, ds.syncDn, ds.syncPassword, users.get('jsmith')!.ldap_dn!, ['uid']))?.uid).toBe('jsmith');

    const add = (uid: string, mail: string) => ds.ldapModify(peopleLdif([{ uid, mail, cn: `Seven Bit ${uid}`, sn: 'Bit' }]), { add: true });
    await expect(add('zoë', 'zoe@example.com')).rejects.toThrow(/7-bit/i);
    // mail is an IA5String: its syntax check refuses it before the 7-bit check would.
    await expect(add('zoe2', 'zoë@example.com')).rejects.toThrow(/7-bit|invalid per syntax/i);
  });

  it('keeps the same Identity Manager user when an entry is renamed or moved to another OU', async () => {
    await configureSync(ds, jobs({ pageSize: 1000 }));
    await runJob(INACTIVE);
    const before = await usersByName();
    const renamed = `cn=Renamed Person,ou=people,${BASE}`;
    const moved = `cn=Move Me,ou=leavers,${BASE}`;
    await ds.ldapModify(
      `dn: ${dnOfUid('rename.me')}\nchangetype: modrdn\nnewrdn: cn=Renamed Person\ndeleteoldrdn: 1\n\n` +
        `dn: ${dnOfUid('move.me')}\nchangetype: modrdn\nnewrdn: cn=Move Me\ndeleteoldrdn: 1\nnewsuperior: ou=leavers,${BASE}\n`,
    );
    try {
      const run = await runJob(INACTIVE);
      expect(run.counters).toMatchObject({ updated: 2, created: 0, failed: 0, unchanged: expectedInactive.length - 2 });
      const after = await usersByName();
      expect(after.get('rename.me')).toMatchObject({ id: before.get('rename.me')!.id, ldap_external_id: before.get('rename.me')!.ldap_external_id, ldap_dn: renamed });
      expect(after.get('move.me')).toMatchObject({ id: before.get('move.me')!.id, ldap_external_id: before.get('move.me')!.ldap_external_id, ldap_dn: moved });
      expect(after.size).toBe(before.size);
      const items = await runItems(run.runId);
      expect(items.map((i) => [i.username, i.outcome, i.changes?.user]).sort()).toEqual([
        ['move.me', 'UPDATED', { before: { ldapDn: dnOfUid('move.me') }, after: { ldapDn: moved } }],
        ['rename.me', 'UPDATED', { before: { ldapDn: dnOfUid('rename.me') }, after: { ldapDn: renamed } }],
      ]);
    } finally {
      await ds.ldapModify(
        `dn: ${renamed}\nchangetype: modrdn\nnewrdn: cn=Rename Me\ndeleteoldrdn: 1\n\n` +
          `dn: ${moved}\nchangetype: modrdn\nnewrdn: cn=Move Me\ndeleteoldrdn: 1\nnewsuperior: ou=people,${BASE}\n`,
      );
    }
  });

  it('moves a person between the two jobs when the account is locked and unlocked, on the entry and through the locked role', async () => {
    await configureSync(ds, jobs({ pageSize: 1000 }, { pageSize: 1000 }));
    await runJob(ACTIVE);
    await runJob(INACTIVE);
    const ids = await usersByName();
    const itemOf = async (runId: number, uid: string) => (await runItems(runId)).find((i) => i.username === uid);

    const lockings = [
      {
        uid: 'toggle',
        lock: () => ds.dsidm('account', 'lock', dnOfUid('toggle')),
        unlock: () => ds.dsidm('account', 'unlock', dnOfUid('toggle')),
      },
      {
        uid: 'role.toggle',
        lock: () => ds.ldapModify(`dn: ${dnOfUid('role.toggle')}\nchangetype: modify\nadd: nsRoleDN\nnsRoleDN: ${ROLE}\n`),
        unlock: () => ds.ldapModify(`dn: ${dnOfUid('role.toggle')}\nchangetype: modify\ndelete: nsRoleDN\nnsRoleDN: ${ROLE}\n`),
      },
    ];
    for (const { uid, lock, unlock } of lockings) {
      const id = ids.get(uid)!.id;
      expect(ids.get(uid)?.state).toBe('ACTIVE');
      await lock();
      try {
        const inactive = await runJob(INACTIVE);
        expect(inactive.counters, uid).toMatchObject({ updated: 1, created: 0, unchanged: expectedInactive.length, failed: 0 });
        expect(await itemOf(inactive.runId, uid)).toMatchObject({ outcome: 'UPDATED', user_id: id });
        expect((await usersByName()).get(uid)).toMatchObject({ id, state: 'INACTIVE' });
        const active = await runJob(ACTIVE);
        expect(active.counters, uid).toMatchObject({ unchanged: expectedActive.length - 1, updated: 0, created: 0 });
        expect(await itemOf(active.runId, uid)).toBeUndefined();
      } finally {
        await unlock();
      }
      const active = await runJob(ACTIVE);
      expect(active.counters, uid).toMatchObject({ updated: 1, unchanged: expectedActive.length - 1 });
      expect((await usersByName()).get(uid)).toMatchObject({ id, state: 'ACTIVE' });
      const inactive = await runJob(INACTIVE);
      expect(inactive.counters, uid).toMatchObject({ unchanged: expectedInactive.length, updated: 0, created: 0 });
    }
    if (ids.get('toggle')) expect((await usersByName()).get('toggle')).toMatchObject({ email: 'toggle@example.com', employee_number: 'E-77' });
  });

  it("389's size limit (2,000) stops a page of 2,000 or more with a message that says what to do; smaller pages read everything", async () => {
    const all = '(objectClass=inetOrgPerson)';
    // A page the size of the limit is refused too when more entries follow it.
    for (const pageSize of [2500, 2000]) {
      await configureSync(ds, jobs({ filter: all, pageSize }));
      const stopped = await runJob(INACTIVE, { dryRun: true });
      expect(stopped, `page size ${pageSize}`).toMatchObject({ status: 'FAILED', errorCode: 'LDAP_SIZE_LIMIT_EXCEEDED' });
      expect(stopped.error).toContain('389 Directory Server: nsPagedSizeLimit: -1 on the bind account, or a page size below');
    }
    await setJobOptions(INACTIVE, preset({ filter: all, pageSize: 1999 }));
    expect(await runJob(INACTIVE, { dryRun: true })).toMatchObject({ errorCode: null, counters: { entriesRead: people.length } });
    // What the message advises: an unlimited paged-search size limit for the sync account.
    await ds.ldapModify(`dn: ${ds.syncDn}\nchangetype: modify\nadd: nsPagedSizeLimit\nnsPagedSizeLimit: -1\n`);
    try {
      await setJobOptions(INACTIVE, preset({ filter: all, pageSize: 2500 }));
      expect(await runJob(INACTIVE, { dryRun: true })).toMatchObject({ errorCode: null, counters: { entriesRead: people.length } });
    } finally {
      await ds.ldapModify(`dn: ${ds.syncDn}\nchangetype: modify\ndelete: nsPagedSizeLimit\n`);
    }
  });

  describe('TLS with the test CA', () => {
    const job = () => resolveJobOptions(INACTIVE, preset({ pageSize: 1000 }));
    const host = (name: string, port: number | null, scheme = 'ldap') => `${scheme}://${name}:${port}`;

    it('Test connection over LDAPS and over StartTLS, the certificate checked against the CA and the host name', async () => {
      const ldaps = host('localhost', ds.ldapsPort, 'ldaps');
      expect(await checkConnection(directorySettings(ds, { urls: [ldaps], tlsCaCertificate: certs.caPem }), job())).toMatchObject({ ok: true, url: ldaps, matched: expectedInactive.length });
      const startTls = host('localhost', ds.port);
      expect(await checkConnection(directorySettings(ds, { urls: [startTls], startTls: true, tlsCaCertificate: certs.caPem }), job())).toMatchObject({
        ok: true,
        url: startTls,
        matched: expectedInactive.length,
      });
    });

    it('refuses a certificate from another CA, and one that does not name the host', async () => {
      for (const [url, startTls, ca, cause] of [
        [host('localhost', ds.ldapsPort, 'ldaps'), false, certs.otherCaPem, /certificate/i],
        [host('localhost', ds.port), true, certs.otherCaPem, /certificate/i],
        [host('127.0.0.1', ds.ldapsPort, 'ldaps'), false, certs.caPem, /ERR_TLS_CERT_ALTNAME_INVALID|does not match/],
        [host('127.0.0.1', ds.port), true, certs.caPem, /ERR_TLS_CERT_ALTNAME_INVALID|does not match/],
      ] as const) {
        const result = await checkConnection(directorySettings(ds, { urls: [url], startTls, tlsCaCertificate: ca }), job());
        expect(result, `${url} startTls=${startTls}`).toMatchObject({ ok: false, error: { code: 'LDAP_TLS_FAILURE' } });
        if (!result.ok) {
          expect(result.error.message).toContain(`TLS with ${url} failed`);
          expect(result.error.message).toMatch(cause);
        }
      }
    });

    it('runs over StartTLS, and a run with the wrong CA fails with LDAP_TLS_FAILURE and writes nothing', async () => {
      const url = host('localhost', ds.port);
      await configureSync(ds, { ...jobs({ pageSize: 1000 }), urls: [url], startTls: true, tlsCaCertificate: certs.caPem });
      expect(await runJob(INACTIVE)).toMatchObject({ status: 'SUCCEEDED', counters: { created: expectedInactive.length } });

      await setConnection(ds, { urls: [url], startTls: true, tlsCaCertificate: certs.otherCaPem });
      const before = await usersByName();
      await pool().query(`UPDATE users SET state = 'ACTIVE' WHERE username_key = 'p0001'`);
      const failed = await runJob(INACTIVE);
      expect(failed).toMatchObject({ status: 'FAILED', errorCode: 'LDAP_TLS_FAILURE' });
      expect(failed.error).toContain(`TLS with ${url} failed`);
      expect((await usersByName()).get('p0001')?.state).toBe('ACTIVE');
      expect((await usersByName()).size).toBe(before.size);
    });
  });

  it('two locked entries with the same uid in two OUs: both fail, each naming both DNs, and the Identity Manager user is left alone', async () => {
    const one: Person = { uid: 'dupe', cn: 'Dupe One', sn: 'One', lock: true };
    const two: Person = { uid: 'dupe', cn: 'Dupe Two', ou: 'leavers', sn: 'Two', lock: true };
    // 389 does not check uid uniqueness unless its attribute uniqueness plugin is configured (it is off by default).
    await ds.ldapModify(peopleLdif([one, two]), { add: true });
    try {
      const inactiveFilter = filterPreset('directory-server-lock').filters({ statusAttribute: 'employeeType', statusValue: 'inactive' })[INACTIVE];
      await configureSync(ds, jobs({ filter: `(&${inactiveFilter}(uid=dupe))` }));
      const id = await addEquippedUser('dupe');
      const before = await userSnapshot(id);
      const run = await runJob(INACTIVE);
      expect(run.status).toBe('COMPLETED_WITH_ERRORS');
      expect(run.counters).toMatchObject({ entriesRead: 2, failed: 2, created: 0, updated: 0, unchanged: 0 });
      const items = await runItems(run.runId);
      expect(items.map((i) => i.outcome)).toEqual(['FAILED', 'FAILED']);
      for (const item of items) {
        expect(item.reason).toContain(dnOf(one));
        expect(item.reason).toContain(dnOf(two));
      }
      expect(await userSnapshot(id)).toEqual(before);
    } finally {
      await ds.ldapModify(`dn: ${dnOf(one)}\nchangetype: delete\n\ndn: ${dnOf(two)}\nchangetype: delete\n`);
    }
  });
  it('delta runs: the server clock from cn=monitor, a lock written since the watermark is read, nothing else is', async () => {
    // No overlap and a pause past the second of the stamps: the delta reads only what changed.
    process.env.DELTA_OVERLAP_SECONDS = '0';
    resetConfigForTests();
    try {
      // From a fresh Identity Manager: the active job first, so that every person is known.
      await configureSync(ds, jobs({ pageSize: 1000, runMode: 'delta' }, { pageSize: 1000 }));
      await runJob(ACTIVE);
      expect((await runJob(INACTIVE)).kind).toBe('FULL');
      await new Promise((r) => setTimeout(r, 1100));
      const quiet = await runJob(INACTIVE);
      expect(quiet).toMatchObject({ status: 'SUCCEEDED', kind: 'DELTA', counters: { entriesRead: 0 } });
      expect(quiet.watermarkTo).toMatchObject({ type: 'modifyTimestamp', value: expect.stringMatching(/^\d{14}Z$/) });
      expect((await usersByName()).get('unlocked')?.state).toBe('ACTIVE');

      await ds.dsidm('account', 'lock', dnOfUid('unlocked'));
      try {
        await new Promise((r) => setTimeout(r, 1100));
        const delta = await runJob(INACTIVE);
        expect(delta).toMatchObject({ status: 'SUCCEEDED', kind: 'DELTA', watermarkFrom: quiet.watermarkTo, counters: { entriesRead: 1, updated: 1 } });
        expect((await usersByName()).get('unlocked')?.state).toBe('INACTIVE');
        expect((await runJob(INACTIVE)).counters.entriesRead).toBe(0);
      } finally {
        await ds.dsidm('account', 'unlock', dnOfUid('unlocked'));
        await setJobOptions(INACTIVE, preset({ pageSize: 1000 }));
        await runJob(ACTIVE);
      }
    } finally {
      delete process.env.DELTA_OVERLAP_SECONDS;
      resetConfigForTests();
    }
  });
});
