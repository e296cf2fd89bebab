import { rmSync } from 'node:fs';
import path from 'node:path';
import { Client } from 'ldapts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectLdap, searchEach, searchPages, type DirectoryEntry, type LdapConnectionSettings, type PagedSearch } from '@/lib/ldap/connection';
import { LdapError } from '@/lib/ldap/errors';
import { directoryEntry } from '@/lib/ldap/search-decoder';
import { mapEntry } from '@/lib/sync/mapping';
import { resolveJobOptions } from '@/lib/sync/job-options';
import { freePort } from '@/scripts/services/ports';
import { startSlapd, type SlapdService } from '@/scripts/services/slapd';
import { slapdSettings } from '../fixtures/sync-environment';

// The paged search decodes entries itself (lib/ldap/search-decoder.ts) and reads plain ldap://
// in batches (lib/ldap/batched-reads.ts): against a real slapd, it must return exactly what
// ldapts' own searchPaginated returns, page after page, including what is awkward on the wire.
const BASE = 'dc=example,dc=com';
const COUNT = 150;
const BIG = 'Ünïcödé '.repeat(12_000); // ~120 KB: spans many TCP reads, three-byte BER lengths

const b64 = (value: string) => Buffer.from(value, 'utf8').toString('base64');
function ldif(): string {
  const people = Array.from({ length: COUNT }, (_, i) => {
    const uid = `person${String(i).padStart(3, '0')}`;
    const lines = [`dn: uid=${uid},ou=people,${BASE}`, 'objectClass: inetOrgPerson', `uid: ${uid}`, `cn: ${uid}`, `sn:: ${b64(`Müller-${i} 山田`)}`, `givenName:: ${b64('Zoë')}`];
    if (i % 3 === 0) lines.push(`mail: ${uid}@example.com`, `mail: ${uid}.alt@example.com`);
    if (i % 10 === 0) lines.push('pwdAccountLockedTime: 000001010000Z');
    if (i === 42) lines.push(`description:: ${b64(BIG)}`);
    return lines.join('\n');
  });
  people.push([`dn:: ${b64(`cn=Smith\\, Jöhn+uid=smith,ou=people,${BASE}`)}`, 'objectClass: inetOrgPerson', 'uid: smith', `cn:: ${b64('Smith, Jöhn')}`, 'sn: Smith'].join('\n'));
  people.push([`dn: cn=no username here,ou=people,${BASE}`, 'objectClass: inetOrgPerson', 'cn: no id here', 'sn: Nobody'].join('\n'));
  return people.join('\n\n') + '\n';
}

const root = path.resolve('.test-data', `ldap-paged-search-${process.pid}`);
let slapd: SlapdService;

beforeAll(async () => {
  rmSync(root, { recursive: true, force: true });
  slapd = await startSlapd({ dataDir: path.join(root, 'slapd'), port: await freePort(), ldif: ldif() });
});
afterAll(async () => {
  await slapd?.stop();
  rmSync(root, { recursive: true, force: true });
});

function settings(overrides: Partial<LdapConnectionSettings> = {}): LdapConnectionSettings {
  return slapdSettings(slapd, BASE, { operationTimeoutMs: 10_000, ...overrides });
}

const ATTRIBUTES = ['entryUUID', 'uid', 'cn', 'sn', 'givenName', 'mail', 'description'];
const FILTER = '(objectClass=inetOrgPerson)';

/** What ldapts' own paged search returns, in the DirectoryEntry shape. */
async function ldaptsEntries(): Promise<DirectoryEntry[]> {
  const client = new Client({ url: slapd.url, strictDN: false });
  await client.bind(slapd.syncDn, slapd.syncPassword);
  const out: DirectoryEntry[] = [];
  try {
    for await (const page of client.searchPaginated(BASE, { scope: 'sub', filter: FILTER, attributes: ATTRIBUTES, paged: { pageSize: 7 } })) {
      for (const { dn, ...attributes } of page.searchEntries) {
        // ldapts lists requested attributes the entry lacks as []: the directory did not send them.
        out.push(directoryEntry(dn, Object.fromEntries(Object.entries(attributes).filter(([, v]) => !Array.isArray(v) || v.length > 0))));
      }
    }
  } finally {
    await client.unbind();
  }
  return out;
}

describe('searchPages', () => {
  it('returns what ldapts returns: DNs, multi-valued, non-ASCII and very long values, page by page', async () => {
    const connection = await connectLdap(settings());
    const pages: DirectoryEntry[][] = [];
    try {
      for await (const page of searchPages(connection, { filter: FILTER, attributes: ATTRIBUTES, pageSize: 7 })) pages.push(page);
    } finally {
      await connection.close();
    }
    expect(pages.length).toBe(Math.ceil((COUNT + 2) / 7));
    expect(Math.max(...pages.map((p) => p.length))).toBe(7);
    const ours = pages.flat();
    expect(ours).toEqual(await ldaptsEntries());

    const byUid = new Map(ours.map((e) => [e.attributes.first('uid'), e]));
    expect(byUid.get('person042')!.attributes.get('description')).toEqual([BIG]);
    expect(byUid.get('person003')!.attributes.get('mail')).toEqual(['person003@example.com', 'person003.alt@example.com']);
    expect(byUid.get('person001')!.attributes.get('sn')).toEqual(['Müller-1 山田']);
    // An escaped, multi-valued RDN with non-ASCII text, exactly as the directory spells it.
    expect(byUid.get('smith')!.dn).toMatch(/^cn=Smith\\(,|2C) Jöhn\+uid=smith,ou=people,dc=example,dc=com$/);
    expect(byUid.get('person001')!.attributes.get('entryuuid')![0]).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('feeds mapEntry: the job filter, attribute names in any case, an entry without username reported', async () => {
    const job = resolveJobOptions('inactive-ldap-users', { pageSize: 4 });
    const connection = await connectLdap(settings());
    const mapped = [];
    try {
      for await (const page of searchPages(connection, { filter: '(|(pwdAccountLockedTime=*)(cn=no username here))', attributes: ['ENTRYUUID', 'Uid', 'givenname', 'SN', 'mail'], pageSize: 4 })) {
        for (const entry of page) mapped.push(mapEntry(entry, job));
      }
    } finally {
      await connection.close();
    }
    expect(mapped).toHaveLength(COUNT / 10 + 1);
    const people = mapped.flatMap((m) => (m.ok ? [m.person] : []));
    expect(people).toHaveLength(COUNT / 10);
    expect(people.find((p) => p.username === 'person030')).toMatchObject({ givenName: 'Zoë', surname: 'Müller-30 山田', email: 'person030@example.com' });
    expect(mapped.find((m) => !m.ok)).toMatchObject({ ok: false, dn: `cn=no username here,ou=people,${BASE}`, reason: expect.stringContaining('no username') });
  });

  it('turns a missing base DN into the typed error, and stops cleanly when the caller stops early', async () => {
    const connection = await connectLdap(settings());
    try {
      const missing = searchPages(connection, { filter: FILTER, attributes: ['uid'], pageSize: 5, baseDn: `ou=nowhere,${BASE}` });
      const error = await missing.next().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(LdapError);
      expect(error).toMatchObject({ code: 'LDAP_NO_SUCH_BASE_DN' });

      const pages = searchPages(connection, { filter: FILTER, attributes: ['uid'], pageSize: 5 });
      expect((await pages.next()).value).toHaveLength(5);
      await pages.return(undefined);
      // The connection still serves the next search.
      let n = 0;
      for await (const page of searchPages(connection, { filter: '(uid=person1*)', attributes: ['uid'], pageSize: 50 })) n += page.length;
      expect(n).toBe(50); // person100 to person149
    } finally {
      await connection.close();
    }
  });
});

describe('searchEach', () => {
  const uids = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `(uid=person${String(from + i).padStart(3, '0')})`).join('');
  const all = async (connection: Awaited<ReturnType<typeof connectLdap>>, search: PagedSearch) => {
    const out: DirectoryEntry[] = [];
    for await (const page of searchPages(connection, search)) out.push(...page);
    return out;
  };

  it('returns the entries of each search in order, as searchPages does, whether one page holds them or not', async () => {
    const connection = await connectLdap(settings());
    try {
      // Chunks of 15 people, 10 in flight on one connection. With 4 per page, every search needs more
      // pages: slapd keeps one paged search's state per connection, so they are done again one by one.
      for (const pageSize of [1000, 4]) {
        const searches = Array.from({ length: 10 }, (_, k) => ({ filter: `(|${uids(k * 15, k * 15 + 15)})`, attributes: ATTRIBUTES, pageSize }));
        const results = await searchEach(connection, searches);
        expect(results.map((r) => r.length)).toEqual(Array(10).fill(15));
        for (const [k, search] of searches.entries()) expect(results[k]).toEqual(await all(connection, search));
      }
      // A failing search among the others reports its typed error; the connection serves the next search.
      const failing = [{ filter: `(|${uids(0, 5)})`, attributes: ['uid'], pageSize: 10 }, { filter: FILTER, attributes: ['uid'], pageSize: 10, baseDn: `ou=nowhere,${BASE}` }];
      await expect(searchEach(connection, failing)).rejects.toMatchObject({ code: 'LDAP_NO_SUCH_BASE_DN' });
      const [after] = await searchEach(connection, [{ filter: `(|${uids(0, 5)})`, attributes: ['uid'], pageSize: 10 }]);
      expect(after!.map((e) => e.attributes.first('uid'))).toEqual(['person000', 'person001', 'person002', 'person003', 'person004']);
    } finally {
      await connection.close();
    }
  });
});
