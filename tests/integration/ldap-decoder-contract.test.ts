import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import net from 'node:net';
import path from 'node:path';
import { Client, MessageParser, PresenceFilter, SearchEntry, SearchReference, SearchRequest, SearchResponse, PagedResultsControl } from 'ldapts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PagedEntriesControl, SearchEntryRouter } from '@/lib/ldap/ldapts-seam';
import { SearchResponseDecoder, type DirectoryValue } from '@/lib/ldap/search-decoder';
import { freePort } from '@/scripts/services/ports';
import { startSlapd, type SlapdService } from '@/scripts/services/slapd';

// The contract of the fast LDAP decoding (lib/ldap/ldapts-seam.ts, search-decoder.ts): the bytes
// a real slapd sends for paged searches are captured on the wire, then decoded twice, by ldapts'
// own MessageParser and by our router, chunked as received and cut at other places. Both must
// give the same entries (binary attributes, non-ASCII text, multi-valued and empty attributes,
// a 120 KB value), the same referrals (handed to ldapts by the router), the same paged-results
// cookies, and the same for what slapd cannot send: Active Directory's ranged attributes, controls
// after an entry, and text that is not UTF-8 (slapd refuses to store it; other servers send it). The differences are the decoder's documented choices: attribute names
// keyed lower-case, and text that is not UTF-8 kept as text with U+FFFD (ldapts gives bytes).

const BASE = 'dc=example,dc=com';
const b64 = (value: string | Buffer) => (Buffer.isBuffer(value) ? value : Buffer.from(value, 'utf8')).toString('base64');
const PHOTO = randomBytes(3000);
/** A real certificate (userCertificate;binary has certificate syntax: slapd checks it). */
const CERT = selfSignedCertificate();
const NOT_UTF8 = Buffer.from([0x41, 0xff, 0xfe, 0x42]);

function selfSignedCertificate(): Buffer {
  const dir = mkdtempSync(path.join(tmpdir(), 'contract-cert-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', '/CN=Zoë Contract', '-days', '1', '-keyout', path.join(dir, 'key.pem'), '-outform', 'DER', '-out', path.join(dir, 'cert.der')], { stdio: 'ignore' });
    return readFileSync(path.join(dir, 'cert.der'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function ldif(): string {
  const people = Array.from({ length: 23 }, (_, i) => {
    const uid = `c${String(i).padStart(2, '0')}`;
    const lines = [`dn: uid=${uid},ou=people,${BASE}`, 'objectClass: inetOrgPerson', `uid: ${uid}`, `cn: ${uid}`, `sn:: ${b64(`Müller ${i} 山田 😀`)}`];
    if (i % 2 === 0) lines.push(`givenName:: ${b64('Zoë')}`, `mail: ${uid}@example.com`, `mail: ${uid}.second@example.com`);
    if (i % 5 === 0) lines.push(`jpegPhoto:: ${b64(PHOTO)}`, `userCertificate;binary:: ${b64(CERT)}`);
    if (i === 7) lines.push(`description:: ${b64('Ünïcödé '.repeat(15_000))}`);
    return lines.join('\n');
  });
  people.push([`dn:: ${b64(`cn=Smith\\, Jöhn+uid=smith,ou=people,${BASE}`)}`, 'objectClass: inetOrgPerson', 'uid: smith', `cn:: ${b64('Smith, Jöhn')}`, 'sn: Smith'].join('\n'));
  // A subordinate referral: a subtree search answers it with a SearchResultReference.
  people.push([`dn: ou=elsewhere,${BASE}`, 'objectClass: referral', 'objectClass: extensibleObject', 'ou: elsewhere', 'ref: ldap://other.example.com/ou=elsewhere,dc=example,dc=com'].join('\n'));
  return people.join('\n\n') + '\n';
}

const ATTRIBUTES = ['uid', 'cn', 'sn', 'givenName', 'mail', 'jpegPhoto', 'userCertificate;binary', 'description', 'displayName', 'employeeNumber'];
const BINARY = ['jpegPhoto'];

const root = path.resolve('.test-data', `ldap-decoder-contract-${process.pid}`);
let slapd: SlapdService;
let proxy: net.Server;
let proxyUrl = '';
/** What the server sent to each client connection, chunk by chunk as it arrived. */
const captured: Buffer[][] = [];

beforeAll(async () => {
  rmSync(root, { recursive: true, force: true });
  slapd = await startSlapd({ dataDir: path.join(root, 'slapd'), port: await freePort(), ldif: ldif() });
  const target = new URL(slapd.url);
  proxy = net.createServer((client) => {
    const chunks: Buffer[] = [];
    captured.push(chunks);
    const server = net.connect(Number(target.port), target.hostname);
    server.on('data', (chunk) => {
      chunks.push(Buffer.from(chunk));
      client.write(chunk);
    });
    client.on('data', (chunk) => server.write(chunk));
    client.on('close', () => server.destroy());
    server.on('close', () => client.destroy());
    client.on('error', () => server.destroy());
    server.on('error', () => client.destroy());
  });
  const port = await freePort();
  await new Promise<void>((resolve) => proxy.listen(port, '127.0.0.1', resolve));
  proxyUrl = `ldap://127.0.0.1:${port}`;
});

afterAll(async () => {
  if (proxy) await new Promise((resolve) => proxy.close(resolve));
  await slapd?.stop();
  rmSync(root, { recursive: true, force: true });
});

/** One connection's server bytes for paged searches made with ldapts alone (nothing of ours on the wire path). */
async function captureSearches(pageSize: number): Promise<Buffer[]> {
  const before = captured.length;
  const client = new Client({ url: proxyUrl, strictDN: false });
  await client.bind(slapd.syncDn, slapd.syncPassword);
  try {
    await client.search(BASE, { scope: 'sub', filter: '(|(objectClass=inetOrgPerson)(objectClass=referral))', attributes: ATTRIBUTES, paged: { pageSize }, explicitBufferAttributes: BINARY });
    await client.search(BASE, { scope: 'sub', filter: '(uid=smith)', attributes: ATTRIBUTES });
  } finally {
    await client.unbind();
  }
  await new Promise((r) => setTimeout(r, 50));
  return captured[before]!;
}

type Decoded = {
  entries: { id: number; dn: string; attributes: Record<string, DirectoryValue[]> }[];
  references: { id: number; uris: string[] }[];
  cookies: { id: number; cookie: string }[];
};

/** Message ids of the searches in a capture (each entry, reference and done names its request). */
function searchIds(chunks: Buffer[]): number[] {
  const decoder = new SearchResponseDecoder();
  const ids = new Set<number>();
  const all = Buffer.concat(chunks);
  for (let pos = 0; pos < all.length; ) {
    const head = decoder.head(all, pos, all.length);
    if ([0x64, 0x65, 0x73].includes(head.op)) ids.add(head.messageId);
    const first = all[pos + 1]!;
    const bytes = first & 0x80 ? first & 0x7f : 0;
    let length = first & 0x80 ? 0 : first;
    for (let i = 0; i < bytes; i++) length = length * 256 + all[pos + 2 + i]!;
    pos += 2 + bytes + length;
  }
  return [...ids];
}

function pendingFor(ids: number[], controls: (id: number) => PagedEntriesControl[] = () => []) {
  return new Map(
    ids.map((id) => [
      String(id),
      { message: new SearchRequest({ messageId: id, baseDN: BASE, scope: 'sub', filter: new PresenceFilter({ attribute: 'objectClass' }), attributes: ATTRIBUTES, controls: controls(id) }) },
    ]),
  );
}

/** ldapts' own reading, in our shape: names lower-case, every value in an array, bytes that are not UTF-8 as text with U+FFFD. */
function throughLdapts(chunks: Buffer[], ids: number[]): Decoded {
  const parser = new MessageParser();
  const out: Decoded = { entries: [], references: [], cookies: [] };
  parser.on('message', (message) => {
    if (message instanceof SearchEntry) {
      const object = message.toObject([], BINARY) as Record<string, unknown>;
      const attributes: Record<string, DirectoryValue[]> = {};
      for (const [name, raw] of Object.entries(object)) {
        if (name === 'dn') continue;
        const lower = name.toLowerCase();
        const binary = BINARY.map((b) => b.toLowerCase()).includes(lower) || lower.endsWith(';binary');
        attributes[lower] = (Array.isArray(raw) ? raw : [raw]).map((v) => (Buffer.isBuffer(v) && !binary ? v.toString('utf8') : (v as DirectoryValue)));
      }
      out.entries.push({ id: message.messageId, dn: message.name, attributes });
    } else if (message instanceof SearchReference) {
      out.references.push({ id: message.messageId, uris: message.uris });
    } else if (message instanceof SearchResponse) {
      const paged = message.controls?.find((c): c is PagedResultsControl => c instanceof PagedResultsControl);
      out.cookies.push({ id: message.messageId, cookie: paged?.value?.cookie?.toString('hex') ?? '' });
    }
  });
  parser.on('error', (error) => {
    throw error;
  });
  const pending = pendingFor(ids);
  for (const chunk of chunks) parser.read(chunk, pending as never);
  return out;
}

/** Our reading: the router in front of an ldapts parser, as on a connection; references and dones reach ldapts. */
function throughRouter(chunks: Buffer[], ids: number[]): Decoded {
  const inner = new MessageParser();
  const out: Decoded = { entries: [], references: [], cookies: [] };
  const controls = new Map(ids.map((id) => [id, new PagedEntriesControl({ size: 7, binaryAttributes: new Set(BINARY.map((b) => b.toLowerCase())) })]));
  inner.on('message', (message) => {
    if (message instanceof SearchReference) out.references.push({ id: message.messageId, uris: message.uris });
    if (message instanceof SearchEntry) throw new Error(`entry of search ${message.messageId} reached ldapts: the router should have decoded it`);
    if (message instanceof SearchResponse) {
      const control = controls.get(message.messageId)!;
      out.entries.push(...control.entries.splice(0).map((e) => ({ id: message.messageId, dn: e.dn, attributes: e.attributes.toRecord() })));
      out.cookies.push({ id: message.messageId, cookie: control.nextCookie.toString('hex') });
    }
  });
  inner.on('error', (error) => {
    throw error;
  });
  const router = new SearchEntryRouter(inner);
  const pending = pendingFor(ids, (id) => [controls.get(id)!]);
  for (const chunk of chunks) router.read(chunk, pending as never);
  return out;
}

/** The same bytes cut at other places: every `size` bytes. */
function rechunk(chunks: Buffer[], size: number): Buffer[] {
  const all = Buffer.concat(chunks);
  const out: Buffer[] = [];
  for (let i = 0; i < all.length; i += size) out.push(all.subarray(i, i + size));
  return out;
}

// Hand-built BER for what OpenLDAP does not send.
const tlv = (tag: number, body: Buffer) => {
  const len = body.length < 0x80 ? [body.length] : [0x82, body.length >> 8, body.length & 0xff];
  return Buffer.concat([Buffer.from([tag, ...len]), body]);
};
const str = (s: string | Buffer) => tlv(0x04, Buffer.isBuffer(s) ? s : Buffer.from(s));
const seq = (...parts: Buffer[]) => tlv(0x30, Buffer.concat(parts));
const int = (n: number) => tlv(0x02, Buffer.from([n]));
const attribute = (name: string, values: (string | Buffer)[]) => seq(str(name), tlv(0x31, Buffer.concat(values.map(str))));

describe('the fast LDAP decoding agrees with ldapts on captured server responses', () => {
  it('decodes every entry, referral and cookie of real paged searches as ldapts does, however the bytes are cut', async () => {
    const chunks = await captureSearches(7);
    const ids = searchIds(chunks);
    const reference = throughLdapts(chunks, ids);
    // What the capture holds: 24 people over 4 pages, the referral, the binary and non-ASCII values.
    expect(reference.entries).toHaveLength(25);
    // The referral answers both searches (a subtree search meets it whatever the filter).
    const referral = ['ldap://other.example.com/ou=elsewhere,dc=example,dc=com??sub']; // slapd adds the scope
    expect(reference.references.map((r) => r.uris)).toEqual([referral, referral]);
    expect(reference.cookies.filter((c) => c.cookie !== '').length).toBeGreaterThanOrEqual(3);
    const c00 = reference.entries.find((e) => e.dn.startsWith('uid=c00,'))!;
    expect(c00.attributes.jpegphoto).toEqual([PHOTO]);
    expect(c00.attributes['usercertificate;binary']).toEqual([CERT]);
    expect(c00.attributes.sn).toEqual(['Müller 0 山田 😀']);

    for (const cut of [chunks, rechunk(chunks, 1), rechunk(chunks, 3), rechunk(chunks, 997), rechunk(chunks, 65_536)]) {
      expect(throughRouter(cut, ids)).toEqual(reference);
    }
  });

  it("agrees on Active Directory's ranged attributes, controls after an entry and text that is not UTF-8", () => {
    const ranged = seq(
      int(9),
      tlv(0x64, Buffer.concat([str('CN=Group,DC=ad,DC=example'), seq(attribute('member;range=0-2', ['CN=a', 'CN=b', 'CN=c']), attribute('objectGUID', [Buffer.from('00112233445566778899aabbccddeeff', 'hex')]), attribute('member;range=3-*', []))])),
    );
    const withControls = seq(
      int(9),
      tlv(0x64, Buffer.concat([str('CN=Zoë,DC=ad'), seq(attribute('sAMAccountName', ['zoë']), attribute('displayName', [NOT_UTF8]))])),
      tlv(0xa0, seq(str('1.2.3.4.5'), str('opaque'))),
    );
    const done = seq(int(9), tlv(0x65, Buffer.concat([tlv(0x0a, Buffer.from([0])), str(''), str('')])), tlv(0xa0, seq(str('1.2.840.113556.1.4.319'), str(seq(int(0), str(Buffer.from([0xca, 0xfe])))))));
    const chunks = [ranged, withControls, done];
    const reference = throughLdapts(chunks, [9]);
    expect(reference.entries.map((e) => Object.keys(e.attributes))).toEqual([['member;range=0-2', 'objectguid', 'member;range=3-*'], ['samaccountname', 'displayname']]);
    expect(reference.entries[1]!.attributes.displayname).toEqual(['A\uFFFD\uFFFDB']);
    expect(reference.cookies).toEqual([{ id: 9, cookie: 'cafe' }]);
    // objectGUID is binary here only because ldapts' caller asks for it; ours is told the same way.
    const ours = throughRouter(chunks, [9]);
    expect(ours.entries[0]!.attributes['member;range=0-2']).toEqual(['CN=a', 'CN=b', 'CN=c']);
    expect({ ...ours, entries: ours.entries.map((e) => ({ ...e, attributes: { ...e.attributes, objectguid: undefined } })) }).toEqual({
      ...reference,
      entries: reference.entries.map((e) => ({ ...e, attributes: { ...e.attributes, objectguid: undefined } })),
    });
  });
});
