import { describe, expect, it } from 'vitest';
import {
  BerDecodeError,
  directoryEntry,
  LdapMessageFramer,
  PAGED_RESULTS_OID,
  SearchResponseDecoder,
} from './search-decoder';

const decoder = new SearchResponseDecoder();
const decodeSearchEntry = decoder.entry.bind(decoder);
const decodePagedResultsCookie = decoder.pagedResultsCookie.bind(decoder);
const readMessageHead = decoder.head.bind(decoder);

// Hand-built BER, so that every length form is exercised on purpose.
function length(n: number, longForm = false): number[] {
  if (n < 0x80 && !longForm) return [n];
  const bytes: number[] = [];
  for (let v = n; v > 0 || bytes.length === 0; v = Math.floor(v / 256)) bytes.unshift(v % 256);
  return [0x80 | bytes.length, ...bytes];
}
function tlv(tag: number, content: Buffer | number[], longForm = false): Buffer {
  const body = Buffer.isBuffer(content) ? content : Buffer.from(content);
  return Buffer.concat([Buffer.from([tag, ...length(body.length, longForm)]), body]);
}
const octets = (value: string | Buffer, longForm = false) => tlv(0x04, typeof value === 'string' ? Buffer.from(value, 'utf8') : value, longForm);
const int = (n: number) => tlv(0x02, n < 0x80 ? [n] : [n >> 8, n & 0xff]);
const seq = (...parts: Buffer[]) => tlv(0x30, Buffer.concat(parts));

function entryMessage(id: number, dn: string, attributes: [string, (string | Buffer)[]][], longForm = false): Buffer {
  const list = attributes.map(([type, values]) => seq(octets(type), tlv(0x31, Buffer.concat(values.map((v) => octets(v, longForm))), longForm)));
  return seq(int(id), tlv(0x64, Buffer.concat([octets(dn, longForm), tlv(0x30, Buffer.concat(list), longForm)]), longForm));
}
function doneMessage(id: number, cookie?: Buffer): Buffer {
  const result = tlv(0x65, Buffer.concat([tlv(0x0a, [0]), octets(''), octets('')]));
  if (!cookie) return seq(int(id), result);
  const paged = seq(octets(PAGED_RESULTS_OID), octets(seq(int(0), octets(cookie))));
  const other = seq(octets('1.2.3.4'), tlv(0x01, [0xff]), octets('x'));
  return seq(int(id), result, tlv(0xa0, Buffer.concat([other, paged])));
}
const decode = (message: Buffer, binary: string[] = []) => decodeSearchEntry(message, 0, message.length, new Set(binary));

describe('decodeSearchEntry', () => {
  it('reads the DN and attributes by lower-case name, multi-valued ones in the order sent', () => {
    const entry = decode(entryMessage(7, 'uid=a,ou=people,dc=example,dc=com', [['entryUUID', ['0f1e']], ['uid', ['a']], ['MAIL', ['a@x.org', 'b@x.org']], ['cn', []]]));
    expect(entry).toEqual(directoryEntry('uid=a,ou=people,dc=example,dc=com', { entryuuid: '0f1e', uid: 'a', mail: ['a@x.org', 'b@x.org'], cn: [] }));
    expect(entry.attributes.get('mail')).toEqual(['a@x.org', 'b@x.org']);
  });

  it('decodes non-ASCII text as UTF-8 and turns bytes that are not UTF-8 into U+FFFD', () => {
    const entry = decode(entryMessage(2, 'cn=Zoë Ångström\\2C Jr.,ou=people', [['givenName', ['Zoë']], ['sn', ['山田']], ['displayName', [Buffer.from([0x41, 0xff, 0x42])]]]));
    expect(entry.dn).toBe('cn=Zoë Ångström\\2C Jr.,ou=people');
    expect(entry.attributes.get('givenname')).toEqual(['Zoë']);
    expect(entry.attributes.get('sn')).toEqual(['山田']);
    expect(entry.attributes.get('displayname')).toEqual(['A\uFFFDB']);
  });

  it('keeps binary attributes (asked for, or ;binary) as bytes of their own', () => {
    const guid = Buffer.from('e004253f894fd3119a0c0305e82c3301', 'hex');
    const message = entryMessage(3, 'cn=x', [['objectGUID', [guid]], ['userCertificate;binary', [Buffer.from([0, 1, 2])]], ['sAMAccountName', ['x']]]);
    const entry = decode(message, ['objectguid']);
    const value = entry.attributes.get('objectguid')![0] as Buffer;
    expect(Buffer.isBuffer(value) && value.equals(guid)).toBe(true);
    message.fill(0); // a copy: the received chunk can be reused or freed
    expect(value.equals(guid)).toBe(true);
    expect(entry.attributes.get('usercertificate;binary')).toEqual([Buffer.from([0, 1, 2])]);
    expect(entry.attributes.get('samaccountname')).toEqual(['x']);
  });

  it('reads long-form lengths, also where the short form would do, and values over 64 KB', () => {
    const big = 'é'.repeat(40_000); // 80,000 bytes: a three-byte length
    const message = entryMessage(300, 'uid=long', [['description', [big, 'short']]], true);
    expect(message[1]).toBe(0x83);
    const entry = decode(message);
    expect(entry.dn).toBe('uid=long');
    expect(entry.attributes.get('description')).toEqual([big, 'short']);
    expect(readMessageHead(message, 0, message.length)).toEqual({ messageId: 300, op: 0x64 });
  });

  it('rejects broken messages instead of reading past them', () => {
    const good = entryMessage(1, 'uid=a', [['uid', ['a']]]);
    const truncated = Buffer.from(good);
    truncated[truncated.length - 3] = 0x20; // a value longer than its set
    expect(() => decode(truncated)).toThrow(BerDecodeError);
    expect(() => decode(Buffer.from([0x30, 0x03, 0x02, 0x01, 0x01]))).toThrow(/SearchResultEntry/);
    expect(() => decode(seq(int(1), tlv(0x64, [0x04, 0x85, 1, 1, 1, 1, 1])))).toThrow(/length form/);
  });

  it('rejects a length that stays inside the message but runs past its own element', () => {
    // uid's one value claims 10 bytes while its set holds 3: it must not swallow the mail attribute after it.
    const message = entryMessage(1, 'uid=a', [['uid', ['a']], ['mail', ['a@x.org']]]);
    const value = message.indexOf(Buffer.from([0x04, 0x01, 0x61])); // uid's value: OCTET STRING, 1 byte, 'a'
    message[value + 1] = 10;
    expect(() => decode(message)).toThrow(/a value of uid is longer than its enclosing element/);
  });
});

describe('decodePagedResultsCookie', () => {
  it('finds the paged-results control among the controls of SearchResultDone', () => {
    const done = doneMessage(9, Buffer.from([1, 2, 3, 0xff]));
    expect(decodePagedResultsCookie(done, 0, done.length)).toEqual(Buffer.from([1, 2, 3, 0xff]));
    expect(readMessageHead(done, 0, done.length)).toEqual({ messageId: 9, op: 0x65 });
  });
  it('is empty when the search is complete or the server sent no control', () => {
    const last = doneMessage(9, Buffer.alloc(0));
    expect(decodePagedResultsCookie(last, 0, last.length).length).toBe(0);
    const bare = doneMessage(9);
    expect(decodePagedResultsCookie(bare, 0, bare.length).length).toBe(0);
  });
});

describe('LdapMessageFramer', () => {
  const messages = [
    entryMessage(5, 'uid=a,ou=people', [['uid', ['a']], ['cn', ['Ann Æsir']]]),
    entryMessage(5, 'uid=b,ou=people', [['uid', ['b']], ['description', ['x'.repeat(300)]]]),
    entryMessage(5, 'uid=c,ou=people', [['uid', ['c']]], true),
    doneMessage(5, Buffer.from('next')),
  ];
  const stream = Buffer.concat(messages);
  const collect = (chunks: Buffer[]) => {
    const framer = new LdapMessageFramer();
    const out: Buffer[] = [];
    for (const chunk of chunks) framer.push(chunk, (buf, start, end) => out.push(Buffer.from(buf.subarray(start, end))));
    return out;
  };

  it('hands over several messages of one chunk, in order', () => {
    expect(collect([stream])).toEqual(messages);
  });

  it('assembles a message split across chunks, wherever the split falls (inside the header too)', () => {
    const expected = messages.map((m) => m.toString('hex')).join('|');
    for (let cut = 1; cut < stream.length; cut++) {
      const out = collect([stream.subarray(0, cut), stream.subarray(cut)]);
      if (out.map((m) => m.toString('hex')).join('|') !== expected) throw new Error(`wrong messages when split at byte ${cut}`);
    }
  });

  it('assembles a message that arrives a few bytes at a time', () => {
    const chunks: Buffer[] = [];
    for (let i = 0; i < stream.length; i += 3) chunks.push(stream.subarray(i, i + 3));
    expect(collect(chunks)).toEqual(messages);
  });

  it('assembles a message of 80 KB received in TCP-sized chunks', () => {
    const big = entryMessage(6, 'uid=big', [['jpegPhoto', [Buffer.alloc(80_000, 7)]]]);
    const chunks = [big.subarray(0, 1), big.subarray(1, 16_384), big.subarray(16_384, 65_536), Buffer.concat([big.subarray(65_536), messages[0]!])];
    const out = collect(chunks);
    expect(out.length).toBe(2);
    expect(out[0]!.equals(big) && out[1]!.equals(messages[0]!)).toBe(true);
    expect((decode(out[0]!, ['jpegphoto']).attributes.get('jpegphoto')![0] as Buffer).length).toBe(80_000);
  });

  it('refuses a stream that is not LDAP, or a length no entry has', () => {
    expect(() => collect([Buffer.from('HTTP/1.1 400 Bad Request\r\n')])).toThrow(BerDecodeError);
    expect(() => collect([Buffer.from([0x30, 0x84, 0x7f, 0xff, 0xff, 0xff])])).toThrow(/claims/);
  });
});
