import { readFileSync } from 'node:fs';
import path from 'node:path';
import { BerWriter, Client, MessageParser, PagedResultsControl, SearchEntry, SearchRequest, SearchResponse, PresenceFilter } from 'ldapts';
import { describe, expect, it } from 'vitest';
import { checkLdaptsVersion, installedLdaptsVersion, PagedEntriesControl, routeSearchEntries, SearchEntryRouter, VERIFIED_LDAPTS_VERSION } from './ldapts-seam';
import { toLdapError } from './errors';

// BER of the messages a server sends for a search (see search-decoder.test.ts for the decoder itself).
const tlv = (tag: number, body: Buffer) => {
  const len = body.length < 0x80 ? [body.length] : [0x82, body.length >> 8, body.length & 0xff];
  return Buffer.concat([Buffer.from([tag, ...len]), body]);
};
const str = (s: string | Buffer) => tlv(0x04, Buffer.isBuffer(s) ? s : Buffer.from(s));
const seq = (...parts: Buffer[]) => tlv(0x30, Buffer.concat(parts));
const id = (n: number) => tlv(0x02, Buffer.from([n]));
const entry = (messageId: number, dn: string, uid: string) => seq(id(messageId), tlv(0x64, Buffer.concat([str(dn), seq(seq(str('uid'), tlv(0x31, str(uid))))])));
const done = (messageId: number, resultCode: number, cookie: string) =>
  seq(id(messageId), tlv(0x65, Buffer.concat([tlv(0x0a, Buffer.from([resultCode])), str(''), str(resultCode ? 'no such object' : '')])), tlv(0xa0, seq(str('1.2.840.113556.1.4.319'), str(seq(id(0), str(cookie))))));

function pendingSearch(messageId: number, controls: PagedEntriesControl[] = []) {
  const message = new SearchRequest({ messageId, baseDN: 'dc=example,dc=com', scope: 'sub', filter: new PresenceFilter({ attribute: 'objectClass' }), attributes: ['uid'], controls });
  return [String(messageId), { message }] as const;
}

describe('ldapts seam', () => {
  it('is the ldapts this module was verified against, and refuses another at start-up', () => {
    const pkg = JSON.parse(readFileSync(path.resolve('node_modules/ldapts/package.json'), 'utf8')) as { version: string };
    expect(installedLdaptsVersion()).toBe(pkg.version);
    expect(pkg.version).toBe(VERIFIED_LDAPTS_VERSION);
    expect(() => checkLdaptsVersion()).not.toThrow();
    expect(() => checkLdaptsVersion('8.3.0')).toThrow(/ldapts 8.3.0 is installed, but lib\/ldap\/ldapts-seam.ts was verified against 8.2.0/);
    const client = new Client({ url: 'ldap://127.0.0.1:1' });
    routeSearchEntries(client);
    routeSearchEntries(client); // idempotent
    expect((client as unknown as { messageParser: unknown }).messageParser).toBeInstanceOf(SearchEntryRouter);
  });

  it('writes the paged-results control byte for byte as ldapts does', () => {
    for (const cookie of [Buffer.alloc(0), Buffer.from([1, 2, 3])]) {
      const ours = new BerWriter();
      new PagedEntriesControl({ size: 500, cookie }).write(ours);
      const theirs = new BerWriter();
      new PagedResultsControl({ value: { size: 500, cookie } }).write(theirs);
      expect(ours.buffer.equals(theirs.buffer)).toBe(true);
    }
  });
});

describe('SearchEntryRouter', () => {
  function setup() {
    const ldapts = new MessageParser();
    const received: unknown[] = [];
    const errors: unknown[] = [];
    ldapts.on('message', (m) => received.push(m));
    ldapts.on('error', (e) => errors.push(e));
    return { router: new SearchEntryRouter(ldapts), received, errors };
  }

  it('keeps the entries of its own searches and hands the rest, SearchResultDone included, to ldapts', () => {
    const { router, received, errors } = setup();
    const page = new PagedEntriesControl({ size: 2 });
    const pending = new Map([pendingSearch(4, [page]), pendingSearch(5)]);
    const stream = Buffer.concat([entry(4, 'uid=a,dc=example,dc=com', 'a'), entry(5, 'uid=z,dc=example,dc=com', 'z'), entry(4, 'uid=ü,dc=example,dc=com', 'ü'), done(4, 0, 'c1')]);
    // Across two chunks, cut inside the second entry.
    router.read(stream.subarray(0, 40), pending);
    router.read(stream.subarray(40), pending);
    expect(errors).toEqual([]);
    expect(page.entries.map((e) => [e.dn, e.attributes.get('uid')])).toEqual([
      ['uid=a,dc=example,dc=com', ['a']],
      ['uid=ü,dc=example,dc=com', ['ü']],
    ]);
    expect(page.nextCookie.toString()).toBe('c1');
    // The other search's entry went the ldapts way; ldapts saw our Done (status, controls) but none of our entries.
    expect(received.map((m) => (m as object).constructor.name)).toEqual([SearchEntry.name, SearchResponse.name]);
    expect((received[0] as SearchEntry).messageId).toBe(5);
    expect((received[1] as SearchResponse).status).toBe(0);
  });

  it('leaves result codes to ldapts, so they become its typed errors', () => {
    const { router, received } = setup();
    const page = new PagedEntriesControl({ size: 2 });
    router.read(done(6, 32, ''), new Map([pendingSearch(6, [page])]));
    expect((received[0] as SearchResponse).status).toBe(32);
    expect(page.nextCookie.length).toBe(0);
  });

  it('fails the search whose entry cannot be decoded, through ldapts error path', () => {
    const { router, errors } = setup();
    const page = new PagedEntriesControl({ size: 2 });
    const broken = seq(id(7), tlv(0x64, Buffer.concat([str('uid=a'), tlv(0x31, Buffer.alloc(0))])));
    router.read(broken, new Map([pendingSearch(7, [page])]));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ messageDetails: { messageId: 7 }, message: expect.stringMatching(/Malformed LDAP message/) });
    expect(page.entries).toEqual([]);
    // The rest of that search's entries are not decoded into a page nobody reads any more.
    router.read(seq(id(7), tlv(0x64, Buffer.concat([str('uid=b'), seq()]))), new Map([pendingSearch(7, [page])]));
    expect(page.entries).toEqual([]);
    // What the search's caller then sees: a message naming the server, retried as transient.
    const error = toLdapError(errors[0], { url: 'ldap://dir.example.com' });
    expect(error).toMatchObject({ code: 'LDAP_MALFORMED_RESPONSE', transient: true });
    expect(error.message).toMatch(/^ldap:\/\/dir\.example\.com sent a response that is not valid LDAP \(Malformed LDAP message: .*\)\. The run will be retried/);
  });

  it('fails every waiting request when the stream is not LDAP any more', () => {
    const { router, errors } = setup();
    router.read(Buffer.from('garbage'), new Map([pendingSearch(8), pendingSearch(9)]));
    expect(errors.map((e) => (e as { messageDetails: { messageId: number } }).messageDetails.messageId)).toEqual([8, 9]);
  });
});
