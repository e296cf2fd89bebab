import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pool } from '@/lib/db-pool';
import { checkConnection } from '@/lib/ldap-settings/connection-check';
import { filterPreset, resolveJobOptions, type JobOptionsInput } from '@/lib/sync/job-options';
import { canRunSambaAd, startSambaAd, type SambaAdService } from '@/scripts/services/samba-ad';
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

// The engine against a real Active Directory: a Samba AD DC provisioned for this file (it holds
// the fixed ports 389/636, so every Samba test lives here and runs one after the other). The
// "Active Directory disabled accounts" preset: ACCOUNTDISABLE in userAccountControl, built-in
// accounts left out, objectGUID as the unique id, sAMAccountName as the username.

const INACTIVE = 'inactive-ldap-users';
const ACTIVE = 'active-ldap-users';
const noThreshold = { threshold: { maxUsers: null, maxPercent: null } };
const preset = (more: JobOptionsInput = {}): JobOptionsInput => ({ filterPreset: 'active-directory-disabled', ...noThreshold, ...more });

type Person = { sam: string; cn: string; ou?: 'People' | 'Leavers'; givenName?: string; sn?: string; displayName?: string; mail?: string; employeeId?: string; disabled: boolean };

const BULK = 1200;
const bulk: Person[] = Array.from({ length: BULK }, (_, i) => {
  const n = String(i).padStart(4, '0');
  // Seven in eight are disabled: the inactive job reads 1,050 + the special people below, past AD's 1,000-entry page.
  return { sam: `p${n}`, cn: `Person ${n}`, givenName: 'Bulk', sn: `Person ${n}`, mail: `p${n}@acme.test`, employeeId: `E${n}`, disabled: i % 8 !== 0 };
});
const special: Person[] = [
  { sam: 'zoë', cn: 'Zoë Ågren', givenName: 'Zoë', sn: 'Ågren', displayName: 'Zoë Ågren', disabled: true },
  { sam: 'wang.wei', cn: '王伟', givenName: '伟', sn: '王', displayName: '王伟', disabled: true },
  { sam: 'jsmith', cn: 'Smith, John', givenName: 'John', sn: 'Smith', disabled: true },
  { sam: 'rename.me', cn: 'Rename Me', sn: 'Me', disabled: true },
  { sam: 'move.me', cn: 'Move Me', sn: 'Me', disabled: true },
  { sam: 'toggle', cn: 'Toggle Person', givenName: 'Toggle', sn: 'Person', mail: 'toggle@acme.test', employeeId: 'E-77', disabled: false },
  { sam: 'still.here', cn: 'Still Here', ou: 'Leavers', sn: 'Here', disabled: false },
];
const people = [...bulk, ...special];

const dnOf = (p: Pick<Person, 'cn' | 'ou'>, base: string) => `CN=${escapeRdnValue(p.cn)},OU=${p.ou ?? 'People'},${base}`;

function peopleLdif(list: Person[], base: string): string {
  return list
    .map((p) => {
      const lines = [ldifLine('dn', dnOf(p, base)), 'objectClass: user', ldifLine('sAMAccountName', p.sam)];
      for (const [attr, value] of [['givenName', p.givenName], ['sn', p.sn], ['displayName', p.displayName], ['mail', p.mail], ['employeeID', p.employeeId]] as const) {
        if (value) lines.push(ldifLine(attr, value));
      }
      // NORMAL_ACCOUNT | PASSWD_NOTREQD, with ACCOUNTDISABLE (2) for the disabled: test people never bind.
      lines.push(`userAccountControl: ${p.disabled ? 546 : 544}`);
      return lines.join('\n') + '\n';
    })
    .join('\n');
}

const expectedInactive = people.filter((p) => p.disabled).map((p) => p.sam).sort();
// The sync account is an ordinary enabled user, so the active job finds it too.
const expectedActive = [...people.filter((p) => !p.disabled).map((p) => p.sam), 'idm-sync'].sort();

/** The users both jobs make of the whole directory (what the first test leaves; made here when a test runs alone). */
async function syncedUsers() {
  if ((await usersByName()).size === 0) {
    await configureSync(ad, { inactive: preset({ pageSize: 1000 }), active: preset({ pageSize: 1000 }) });
    await runJob(INACTIVE);
    await runJob(ACTIVE);
  }
  return usersByName();
}

let db: DatabaseEnvironment;
let ad: SambaAdService;
let certs: TestCertificates;
const started = Date.now();

describe.skipIf(!canRunSambaAd())('Samba Active Directory', () => {
  beforeAll(async () => {
    db = await startDatabase('directory-samba-ad');
    certs = makeTestCertificates(path.join(db.root, 'tls'));
    ad = await startSambaAd({ dataDir: path.join(db.root, 'samba'), tls: certs });
    const t = Date.now();
    await ad.addLdif(
      `dn: OU=People,${ad.baseDn}\nobjectClass: organizationalUnit\n\ndn: OU=Leavers,${ad.baseDn}\nobjectClass: organizationalUnit\n\n` + peopleLdif(people, ad.baseDn),
    );
    console.log(`Samba AD DC up ${t - started} ms, ${people.length} people added in ${Date.now() - t} ms`);
  }, 240_000);

  afterAll(async () => {
    await ad?.stop();
    await db?.stop();
    console.log(`directory-samba-ad: ${Date.now() - started} ms in all`);
  });

  it('the preset selects exactly the disabled people, leaves out Administrator, Guest and krbtgt, pages past 1,000 entries, and a re-run changes nothing', async () => {
    await configureSync(ad, { inactive: preset({ pageSize: 1000 }), active: preset({ pageSize: 500 }) });
    const pages: number[] = [];
    const inactive = await runJob(INACTIVE, {}, (read) => pages.push(read));
    expect(inactive.error ?? '').toBe('');
    expect(inactive.status).toBe('SUCCEEDED');
    expect(inactive.counters).toMatchObject({ entriesRead: expectedInactive.length, created: expectedInactive.length, updated: 0, failed: 0 });
    expect(expectedInactive.length).toBeGreaterThan(1000);
    expect(pages).toEqual([1000, expectedInactive.length]); // two pages of AD's maximum size
    const active = await runJob(ACTIVE);
    expect(active.status).toBe('SUCCEEDED');
    expect(active.counters).toMatchObject({ created: expectedActive.length, failed: 0 });

    expect(await usernamesIn('INACTIVE')).toEqual(expectedInactive);
    expect(await usernamesIn('ACTIVE')).toEqual(expectedActive);
    // Guest and krbtgt are disabled and Administrator is enabled, yet AD marks all three critical: neither job touches them.
    const users = await usersByName();
    for (const builtIn of ['administrator', 'guest', 'krbtgt']) expect(users.has(builtIn)).toBe(false);
    expect(users.get('p0001')).toMatchObject({ given_name: 'Bulk', surname: 'Person 0001', email: 'p0001@acme.test', employee_number: 'E0001' });

    // A re-run of each job, with another page size: everything unchanged, no item recorded, no row written.
    await setJobOptions(INACTIVE, preset({ pageSize: 500 }));
    for (const [job, expected] of [[INACTIVE, expectedInactive], [ACTIVE, expectedActive]] as const) {
      const again = await runJob(job);
      expect(again.status).toBe('SUCCEEDED');
      expect(again.counters).toMatchObject({ entriesRead: expected.length, unchanged: expected.length, created: 0, updated: 0, failed: 0, credentialsChanged: 0, certificatesChanged: 0, rolesWithdrawn: 0 });
      expect(await runItems(again.runId)).toEqual([]);
    }
    expect(await usersByName()).toEqual(users);
  });

  it('stores objectGUID in the canonical form samba-tool shows, and keeps non-ASCII names and an escaped comma in the DN', async () => {
    const users = await syncedUsers();
    for (const sam of ['p0001', 'wang.wei', 'jsmith', 'zoë', 'toggle']) {
      const shown = await ad.sambaTool('user', 'show', sam, '--attributes=objectGUID');
      const guid = /^objectGUID: ([0-9a-f-]{36})$/m.exec(shown)?.[1];
      expect(guid, shown).toBeTruthy();
      expect(users.get(sam)?.ldap_external_id).toBe(guid);
    }
    expect(users.get('zoë')).toMatchObject({ username: 'zoë', given_name: 'Zoë', surname: 'Ågren', display_name: 'Zoë Ågren', ldap_dn: `CN=Zoë Ågren,OU=People,${ad.baseDn}` });
    expect(users.get('wang.wei')).toMatchObject({ given_name: '伟', surname: '王', display_name: '王伟', ldap_dn: `CN=王伟,OU=People,${ad.baseDn}` });
    // As AD sends it, RFC 4514 escape included; the stored DN finds the entry again.
    expect(users.get('jsmith')?.ldap_dn).toBe(`CN=Smith\\, John,OU=People,${ad.baseDn}`);
    const entry = await readEntry(ad.url, ad.syncDn, ad.syncPassword, users.get('jsmith')!.ldap_dn!, ['sAMAccountName']);
    expect(entry?.sAMAccountName).toBe('jsmith');
  });

  it('keeps the same Identity Manager user when an entry is renamed or moved to another OU', async () => {
    await configureSync(ad, { inactive: preset({ pageSize: 1000 }) });
    await runJob(INACTIVE);
    const before = await usersByName();
    const renamed = `CN=Renamed Person,OU=People,${ad.baseDn}`;
    const moved = `CN=Move Me,OU=Leavers,${ad.baseDn}`;
    await ad.ldapModify(
      `dn: CN=Rename Me,OU=People,${ad.baseDn}\nchangetype: modrdn\nnewrdn: CN=Renamed Person\ndeleteoldrdn: 1\n\n` +
        `dn: CN=Move Me,OU=People,${ad.baseDn}\nchangetype: modrdn\nnewrdn: CN=Move Me\ndeleteoldrdn: 1\nnewsuperior: OU=Leavers,${ad.baseDn}\n`,
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
        ['move.me', 'UPDATED', { before: { ldapDn: `CN=Move Me,OU=People,${ad.baseDn}` }, after: { ldapDn: moved } }],
        ['rename.me', 'UPDATED', { before: { ldapDn: `CN=Rename Me,OU=People,${ad.baseDn}` }, after: { ldapDn: renamed } }],
      ]);
    } finally {
      await ad.ldapModify(
        `dn: ${renamed}\nchangetype: modrdn\nnewrdn: CN=Rename Me\ndeleteoldrdn: 1\n\n` +
          `dn: ${moved}\nchangetype: modrdn\nnewrdn: CN=Move Me\ndeleteoldrdn: 1\nnewsuperior: OU=People,${ad.baseDn}\n`,
      );
    }
  });

  it('moves a person between the two jobs when the account is disabled (samba-tool) and enabled again (userAccountControl)', async () => {
    await configureSync(ad, { inactive: preset({ pageSize: 1000 }), active: preset({ pageSize: 1000 }) });
    await runJob(ACTIVE);
    const id = (await usersByName()).get('toggle')!.id;
    const toggleItem = async (runId: number) => (await runItems(runId)).find((i) => i.username === 'toggle');

    await ad.sambaTool('user', 'disable', 'toggle');
    try {
      const inactive = await runJob(INACTIVE);
      expect(inactive.counters).toMatchObject({ created: expectedInactive.length, updated: 1, failed: 0 });
      expect(await toggleItem(inactive.runId)).toMatchObject({ outcome: 'UPDATED', user_id: id });
      expect((await usersByName()).get('toggle')).toMatchObject({ id, state: 'INACTIVE', email: 'toggle@acme.test', employee_number: 'E-77' });
      const active = await runJob(ACTIVE);
      expect(active.counters).toMatchObject({ unchanged: expectedActive.length - 1, created: 0, updated: 0 });
      expect((await usersByName()).get('toggle')?.state).toBe('INACTIVE');
    } finally {
      // Enabled again the way other tools do it: NORMAL_ACCOUNT, without the ACCOUNTDISABLE bit.
      await ad.ldapModify(`dn: CN=Toggle Person,OU=People,${ad.baseDn}\nchangetype: modify\nreplace: userAccountControl\nuserAccountControl: 512\n`);
    }
    const active = await runJob(ACTIVE);
    expect(active.counters).toMatchObject({ updated: 1, unchanged: expectedActive.length - 1 });
    expect(await toggleItem(active.runId)).toMatchObject({ outcome: 'UPDATED', user_id: id });
    expect((await usersByName()).get('toggle')).toMatchObject({ id, state: 'ACTIVE' });
    const inactive = await runJob(INACTIVE);
    expect(inactive.counters).toMatchObject({ unchanged: expectedInactive.length, updated: 0, created: 0 });
    expect(await toggleItem(inactive.runId)).toBeUndefined();
  });

  it("delta runs: uSNChanged above this DC's highestCommittedUSN; a watermark from another DC (invocation id) means a full run, and says so", async () => {
    // From a fresh Identity Manager: the active job first, so that every person is known.
    await configureSync(ad, { inactive: preset({ pageSize: 1000, runMode: 'delta' }), active: preset({ pageSize: 1000 }) });
    await runJob(ACTIVE);
    expect((await runJob(INACTIVE)).kind).toBe('FULL');
    const quiet = await runJob(INACTIVE);
    expect(quiet).toMatchObject({ status: 'SUCCEEDED', kind: 'DELTA', counters: { entriesRead: 0 } });
    expect(quiet.watermarkTo).toMatchObject({ type: 'usn', usn: expect.stringMatching(/^\d+$/), invocationId: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-/), dnsHostName: expect.stringMatching(/^dc1\./) });
    await ad.sambaTool('user', 'disable', 'toggle');
    try {
      const delta = await runJob(INACTIVE);
      expect(delta).toMatchObject({ status: 'SUCCEEDED', kind: 'DELTA', watermarkFrom: quiet.watermarkTo, counters: { entriesRead: 1, updated: 1 } });
      expect((await usersByName()).get('toggle')?.state).toBe('INACTIVE');
      // As if another domain controller had answered the last run: its USNs say nothing here.
      await pool().query(`UPDATE batch_runs SET watermark_to = jsonb_set(watermark_to, '{invocationId}', '"00000000-0000-0000-0000-000000000001"') WHERE id = $1`, [delta.runId]);
      const other = await runJob(INACTIVE);
      expect(other).toMatchObject({ status: 'SUCCEEDED', kind: 'FULL', fullRunReason: expect.stringMatching(/another domain controller/), counters: { entriesRead: expectedInactive.length + 1 } });
      expect((await runJob(INACTIVE)).kind).toBe('DELTA');
    } finally {
      await ad.ldapModify(`dn: CN=Toggle Person,OU=People,${ad.baseDn}\nchangetype: modify\nreplace: userAccountControl\nuserAccountControl: 512\n`);
      await setJobOptions(INACTIVE, preset({ pageSize: 1000 }));
      await runJob(ACTIVE);
    }
  });

  it('binds with the DN, the user principal name and the down-level logon name, and refuses a wrong password for each', async () => {
    const job = resolveJobOptions(INACTIVE, preset({ pageSize: 1000 }));
    for (const bindDn of [ad.syncDn, `idm-sync@${ad.realm.toLowerCase()}`, `${ad.domain}\\idm-sync`]) {
      expect(await checkConnection(directorySettings(ad, { bindDn }), job), bindDn).toMatchObject({ ok: true, matched: expectedInactive.length });
      expect(await checkConnection(directorySettings(ad, { bindDn, bindPassword: 'wrong' }), job), bindDn).toMatchObject({ ok: false, error: { code: 'LDAP_INVALID_CREDENTIALS' } });
    }
  });

  describe('TLS with the test CA', () => {
    const job = () => resolveJobOptions(INACTIVE, preset({ pageSize: 1000 }));

    it('Test connection over LDAPS and over StartTLS, the certificate checked against the CA and the host name', async () => {
      const ldaps = await checkConnection(directorySettings(ad, { urls: ['ldaps://localhost:636'], tlsCaCertificate: certs.caPem }), job());
      expect(ldaps).toMatchObject({ ok: true, url: 'ldaps://localhost:636', matched: expectedInactive.length });
      const startTls = await checkConnection(directorySettings(ad, { urls: ['ldap://localhost:389'], startTls: true, tlsCaCertificate: certs.caPem }), job());
      expect(startTls).toMatchObject({ ok: true, url: 'ldap://localhost:389', matched: expectedInactive.length });
    });

    it('refuses a certificate from another CA, and one that does not name the host', async () => {
      for (const [urls, startTls, ca, cause] of [
        [['ldaps://localhost:636'], false, certs.otherCaPem, /certificate/i],
        [['ldap://localhost:389'], true, certs.otherCaPem, /certificate/i],
        // The certificate names localhost only: 127.0.0.1 is not a name it holds.
        [['ldaps://127.0.0.1:636'], false, certs.caPem, /ERR_TLS_CERT_ALTNAME_INVALID|does not match/],
        [['ldap://127.0.0.1:389'], true, certs.caPem, /ERR_TLS_CERT_ALTNAME_INVALID|does not match/],
      ] as const) {
        const result = await checkConnection(directorySettings(ad, { urls: [...urls], startTls, tlsCaCertificate: ca }), job());
        expect(result, `${urls[0]} startTls=${startTls}`).toMatchObject({ ok: false, error: { code: 'LDAP_TLS_FAILURE' } });
        if (!result.ok) {
          expect(result.error.message).toContain(`TLS with ${urls[0]} failed`);
          expect(result.error.message).toMatch(cause);
        }
      }
    });

    it('runs over LDAPS, and a run with the wrong CA fails with LDAP_TLS_FAILURE and writes nothing', async () => {
      await configureSync(ad, { inactive: preset({ pageSize: 1000 }), urls: ['ldaps://localhost:636'], tlsCaCertificate: certs.caPem });
      const run = await runJob(INACTIVE);
      expect(run).toMatchObject({ status: 'SUCCEEDED', counters: { created: expectedInactive.length } });

      await setConnection(ad, { urls: ['ldaps://localhost:636'], tlsCaCertificate: certs.otherCaPem });
      const before = await usersByName();
      await pool().query(`UPDATE users SET state = 'ACTIVE' WHERE username_key = 'p0001'`);
      const failed = await runJob(INACTIVE);
      expect(failed).toMatchObject({ status: 'FAILED', errorCode: 'LDAP_TLS_FAILURE' });
      expect(failed.error).toContain('TLS with ldaps://localhost:636 failed');
      expect(failed.error).toContain('CA certificate');
      expect((await usersByName()).get('p0001')?.state).toBe('ACTIVE');
      expect((await usersByName()).size).toBe(before.size);
    });
  });

  describe('two entries with the same username', () => {
    it('AD itself refuses a second sAMAccountName, even in another OU and another case', async () => {
      await expect(ad.addLdif(`dn: CN=Second Toggle,OU=Leavers,${ad.baseDn}\nobjectClass: user\nsAMAccountName: TOGGLE\n`)).rejects.toThrow(/already in use/);
    });

    it('with the username mapped to mail, fails both entries, names both DNs and leaves the Identity Manager user alone', async () => {
      const shared = 'shared@acme.test';
      const one: Person = { sam: 'shared.one', cn: 'Shared One', mail: shared, sn: 'One', disabled: true };
      const two: Person = { sam: 'shared.two', cn: 'Shared Two', ou: 'Leavers', mail: shared, sn: 'Two', disabled: true };
      await ad.addLdif(peopleLdif([one, two], ad.baseDn));
      try {
        const inactiveFilter = filterPreset('active-directory-disabled').filters({ statusAttribute: 'employeeType', statusValue: 'inactive' })[INACTIVE];
        await configureSync(ad, { inactive: preset({ mapping: { username: 'mail' }, filter: `(&${inactiveFilter}(mail=${shared}))` }) });
        const id = await addEquippedUser(shared);
        const before = await userSnapshot(id);
        const run = await runJob(INACTIVE);
        expect(run.status).toBe('COMPLETED_WITH_ERRORS');
        expect(run.counters).toMatchObject({ entriesRead: 2, failed: 2, created: 0, updated: 0, unchanged: 0 });
        const items = await runItems(run.runId);
        expect(items.map((i) => i.outcome)).toEqual(['FAILED', 'FAILED']);
        for (const item of items) {
          expect(item.reason).toContain(dnOf(one, ad.baseDn));
          expect(item.reason).toContain(dnOf(two, ad.baseDn));
        }
        expect(await userSnapshot(id)).toEqual(before);
      } finally {
        await ad.ldapModify(`dn: ${dnOf(one, ad.baseDn)}\nchangetype: delete\n\ndn: ${dnOf(two, ad.baseDn)}\nchangetype: delete\n`);
      }
    });
  });
});
