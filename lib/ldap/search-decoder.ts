/**
 * Reads LDAP search responses straight from their BER bytes (RFC 4511 section 4.5.2, RFC 2696).
 * ldapts builds several objects per attribute value (BerReader, Attribute, SearchEntry, then a
 * plain object per entry); the sync reads millions of entries, so entries of its own paged
 * searches are decoded here into one lean shape instead. Everything else (bind, StartTLS, result
 * codes, other operations) stays ldapts'.
 */

/** A value as the directory sent it: text (UTF-8 decoded) or bytes for binary attributes. */
export type DirectoryValue = string | Buffer;

/**
 * The attributes of one entry by lower-case name (LDAP names are case-insensitive). Parallel
 * arrays rather than a Map, and a single value held as such rather than in an array of one: an
 * entry has a handful of mostly single-valued attributes, and a run builds millions of entries.
 */
export class DirectoryAttributes {
  private readonly names: string[] = [];
  /** A value, or an array for none or several. */
  private readonly held: (DirectoryValue | DirectoryValue[])[] = [];

  private indexOf(lowerName: string): number {
    const names = this.names;
    for (let i = 0; i < names.length; i++) if (names[i] === lowerName) return i;
    return -1;
  }

  /** The first value of an attribute (lower-case name), as the directory listed it; undefined when it has none. */
  first(lowerName: string): DirectoryValue | undefined {
    const i = this.indexOf(lowerName);
    if (i < 0) return undefined;
    const held = this.held[i]!;
    return Array.isArray(held) ? held[0] : held;
  }

  /** Every value of an attribute (lower-case name) in the directory's order; undefined when the entry does not have it. */
  get(lowerName: string): DirectoryValue[] | undefined {
    const i = this.indexOf(lowerName);
    if (i < 0) return undefined;
    const held = this.held[i]!;
    return Array.isArray(held) ? [...held] : [held];
  }

  /** Every attribute with its values, by lower-case name, in the order received (tests, diagnostics). */
  toRecord(): Record<string, DirectoryValue[]> {
    const record: Record<string, DirectoryValue[]> = {};
    for (const name of this.names) record[name] = this.get(name)!;
    return record;
  }

  /** Declares an attribute (it may come without values). */
  declare(lowerName: string): void {
    if (this.indexOf(lowerName) < 0) {
      this.names.push(lowerName);
      this.held.push([]);
    }
  }

  /** Adds a value to an attribute, declaring it when new (a description repeated in one entry adds to it). */
  add(lowerName: string, value: DirectoryValue): void {
    const i = this.indexOf(lowerName);
    if (i < 0) {
      this.names.push(lowerName);
      this.held.push(value);
      return;
    }
    const held = this.held[i]!;
    if (Array.isArray(held)) {
      if (held.length === 0) this.held[i] = value;
      else held.push(value);
    } else this.held[i] = [held, value];
  }
}

/** One search result entry: its DN and its attributes. */
export type DirectoryEntry = {
  dn: string;
  attributes: DirectoryAttributes;
};

/** Builds a DirectoryEntry from plain attributes (any case), keyed as the decoder keys them: for tests and fixtures. */
export function directoryEntry(dn: string, attributes: Record<string, DirectoryValue | DirectoryValue[]>): DirectoryEntry {
  const list = new DirectoryAttributes();
  for (const [name, value] of Object.entries(attributes)) {
    list.declare(name.toLowerCase());
    for (const v of Array.isArray(value) ? value : [value]) list.add(name.toLowerCase(), v);
  }
  return { dn, attributes: list };
}

export const PAGED_RESULTS_OID = '1.2.840.113556.1.4.319';

/** protocolOp tags of the messages a search answers with (RFC 4511, [APPLICATION n]). */
export const SEARCH_RESULT_ENTRY = 0x64;
export const SEARCH_RESULT_DONE = 0x65;

const SEQUENCE = 0x30;
const SET = 0x31;
const INTEGER = 0x02;
const OCTET_STRING = 0x04;
const CONTROLS = 0xa0;

export class BerDecodeError extends Error {
  constructor(message: string) {
    super(`Malformed LDAP message: ${message}`);
    this.name = 'BerDecodeError';
  }
}

/**
 * A read position inside one message. Every element's length is checked against the end of the
 * element that encloses it (`limit`, the message's end by default), so that a broken length can
 * neither read past the message nor swallow the next element. Each decoder reuses its own
 * (decoding is synchronous).
 */
class Cursor {
  buf: Buffer = Buffer.alloc(0);
  pos = 0;
  end = 0;

  at(buf: Buffer, start: number, end: number): this {
    this.buf = buf;
    this.pos = start;
    this.end = end;
    return this;
  }

  /** Reads a tag and a definite length; returns the content's length, `pos` at its first byte. */
  header(expectedTag: number, what: string, limit = this.end): number {
    const tag = this.buf[this.pos];
    if (tag !== expectedTag || this.pos >= limit) throw new BerDecodeError(`expected tag 0x${expectedTag.toString(16)} (${what}), found ${tag === undefined || this.pos >= limit ? 'the end' : `0x${tag.toString(16)}`}`);
    this.pos++;
    return this.length(what, limit);
  }

  length(what: string, limit = this.end): number {
    if (this.pos >= limit) throw new BerDecodeError(`${what} has no length`);
    const first = this.buf[this.pos++]!;
    let length = first;
    if (first & 0x80) {
      const bytes = first & 0x7f;
      // LDAP forbids the indefinite form (0x80); more than 4 bytes cannot be a real message.
      if (bytes === 0 || bytes > 4) throw new BerDecodeError(`${what} has an unsupported length form 0x${first.toString(16)}`);
      if (this.pos + bytes > limit) throw new BerDecodeError(`${what} has a truncated length`);
      length = 0;
      for (let i = 0; i < bytes; i++) length = length * 256 + this.buf[this.pos++]!;
    }
    if (this.pos + length > limit) throw new BerDecodeError(`${what} is longer than its enclosing element`);
    return length;
  }

  integer(what: string): number {
    const length = this.header(INTEGER, what);
    if (length < 1 || length > 6) throw new BerDecodeError(`${what} has ${length} bytes`);
    // Two's complement, big-endian.
    const first = this.buf[this.pos++]!;
    let value = first & 0x80 ? first - 256 : first;
    for (let i = 1; i < length; i++) value = value * 256 + this.buf[this.pos++]!;
    return value;
  }

  skip(what: string): void {
    if (this.pos >= this.end) throw new BerDecodeError(`${what} is missing`);
    this.pos++;
    const length = this.length(what);
    this.pos += length;
  }
}

/** What every LDAPMessage starts with: its id and the kind of operation. */
export type MessageHead = { messageId: number; op: number };

/**
 * Attribute descriptions come in the same spelling and order in every entry of a search: the
 * lower-case name of the n-th description is kept with its bytes and reused while they match,
 * which spares a string and a lower-casing per attribute and entry.
 */
type AttributeName = { bytes: Buffer; lower: string; binaryOption: boolean };

/**
 * Decodes the messages of one connection's searches. Its state (a read cursor, the attribute
 * names seen lately) belongs to the instance: one per connection (lib/ldap/ldapts-seam.ts), none
 * shared between modules. Text goes through Buffer#toString, Node's public API (it was Node's
 * internal utf8Slice/latin1Slice: the same 20,000 entries decode in the same time within noise,
 * docs/performance.md, "LDAP decoding").
 */
export class SearchResponseDecoder {
  private readonly cursor = new Cursor();
  private readonly recentNames: AttributeName[] = [];

  /** messageID and protocolOp tag of one whole LDAPMessage (`start`/`end` bound it), written into `into`. */
  head(buf: Buffer, start: number, end: number, into: MessageHead = { messageId: 0, op: 0 }): MessageHead {
    const c = this.cursor.at(buf, start, end);
    c.header(SEQUENCE, 'LDAPMessage');
    into.messageId = c.integer('messageID');
    if (c.pos >= end) throw new BerDecodeError('protocolOp is missing');
    into.op = buf[c.pos]!;
    return into;
  }

  private attributeName(buf: Buffer, start: number, end: number, index: number): AttributeName {
    const recent = this.recentNames[index];
    if (recent !== undefined && recent.bytes.length === end - start) {
      const bytes = recent.bytes;
      let i = 0;
      while (i < bytes.length && bytes[i] === buf[start + i]) i++;
      if (i === bytes.length) return recent;
    }
    const lower = buf.toString('latin1', start, end).toLowerCase();
    const name = { bytes: Buffer.from(buf.subarray(start, end)), lower, binaryOption: lower.endsWith(';binary') };
    if (index < 64) this.recentNames[index] = name;
    return name;
  }

  /**
   * Decodes a SearchResultEntry message. Values of `binaryAttributes` (lower-case names) and of
   * `;binary` descriptions stay bytes; every other value is decoded as UTF-8 with bytes that are
   * not UTF-8 turned into U+FFFD, which the mapping reports as invalid (as it did with ldapts).
   */
  entry(buf: Buffer, start: number, end: number, binaryAttributes: ReadonlySet<string>): DirectoryEntry {
    const c = this.cursor.at(buf, start, end);
    const messageEnd = c.header(SEQUENCE, 'LDAPMessage') + c.pos;
    c.integer('messageID');
    const opEnd = c.header(SEARCH_RESULT_ENTRY, 'SearchResultEntry', messageEnd) + c.pos;
    const message = buf.toString('latin1', start, end);
    const dnLength = c.header(OCTET_STRING, 'objectName', opEnd);
    const dn = textAt(buf, c.pos, c.pos + dnLength, message, start);
    c.pos += dnLength;
    const listEnd = c.header(SEQUENCE, 'attributes', opEnd) + c.pos;
    const attributes = new DirectoryAttributes();
    for (let index = 0; c.pos < listEnd; index++) {
      const attributeEnd = c.header(SEQUENCE, 'PartialAttribute', listEnd) + c.pos;
      const typeLength = c.header(OCTET_STRING, 'attribute type', attributeEnd);
      const name = this.attributeName(buf, c.pos, c.pos + typeLength, index);
      c.pos += typeLength;
      const binary = name.binaryOption || binaryAttributes.has(name.lower);
      const setEnd = c.header(SET, `the values of ${name.lower}`, attributeEnd) + c.pos;
      if (c.pos === setEnd) attributes.declare(name.lower);
      while (c.pos < setEnd) {
        const length = c.header(OCTET_STRING, `a value of ${name.lower}`, setEnd);
        // A copy for bytes: a subarray would keep the whole received chunk alive.
        attributes.add(name.lower, binary ? Buffer.from(buf.subarray(c.pos, c.pos + length)) : textAt(buf, c.pos, c.pos + length, message, start));
        c.pos += length;
      }
      c.pos = attributeEnd;
    }
    return { dn, attributes };
  }

  /**
   * The cookie of the paged-results control (RFC 2696) in a SearchResultDone message; empty when
   * the search is complete or the server sent no such control.
   */
  pagedResultsCookie(buf: Buffer, start: number, end: number): Buffer {
    const c = this.cursor.at(buf, start, end);
    const messageEnd = c.header(SEQUENCE, 'LDAPMessage') + c.pos;
    c.integer('messageID');
    c.skip('SearchResultDone');
    if (c.pos >= messageEnd || buf[c.pos] !== CONTROLS) return Buffer.alloc(0);
    const controlsEnd = c.header(CONTROLS, 'controls') + c.pos;
    while (c.pos < controlsEnd) {
      const controlEnd = c.header(SEQUENCE, 'Control') + c.pos;
      const typeLength = c.header(OCTET_STRING, 'controlType');
      const type = buf.toString('latin1', c.pos, c.pos + typeLength);
      c.pos += typeLength;
      if (type === PAGED_RESULTS_OID) {
        if (buf[c.pos] === 0x01) c.skip('criticality');
        if (c.pos >= controlEnd) return Buffer.alloc(0);
        c.header(OCTET_STRING, 'controlValue');
        c.header(SEQUENCE, 'paged results value');
        c.integer('size');
        const cookieLength = c.header(OCTET_STRING, 'cookie');
        return Buffer.from(buf.subarray(c.pos, c.pos + cookieLength));
      }
      c.pos = controlEnd;
    }
    return Buffer.alloc(0);
  }
}

/**
 * The text of bytes [start, end) of the message. Most values are ASCII: they are cut out of
 * `latin1Message` (the whole message decoded once, byte for character, from `base`), which
 * costs far less than one native UTF-8 decoding per value; anything else is decoded as UTF-8.
 */
function textAt(buf: Buffer, start: number, end: number, latin1Message: string, base: number): string {
  for (let i = start; i < end; i++) if (buf[i]! >= 0x80) return buf.toString('utf8', start, end);
  return latin1Message.substring(start - base, end - base);
}

/** Larger than any entry a directory would send (a photo is a few hundred KB): a length beyond is a broken stream. */
const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

/**
 * Cuts a TCP byte stream into whole LDAPMessages: one chunk may hold many messages, and a
 * message may arrive split over several chunks. A split message is copied together once, when
 * all of its bytes are there (no re-concatenation per chunk for large entries).
 */
export class LdapMessageFramer {
  private pending: Buffer[] = [];
  private pendingLength = 0;
  /** Total length of the message being assembled, -1 while its header is incomplete. */
  private needed = -1;

  /** Calls `onMessage(buf, start, end)` for every whole message, in order. Throws BerDecodeError on a broken stream. */
  push(chunk: Buffer, onMessage: (buf: Buffer, start: number, end: number) => void): void {
    let buf = chunk;
    let pos = 0;
    if (this.pendingLength > 0) {
      if (this.needed < 0) {
        // Only a few header bytes are pending: read on as if they had come with this chunk.
        buf = Buffer.concat([...this.pending, chunk]);
        this.reset();
      } else {
        const missing = this.needed - this.pendingLength;
        if (chunk.length < missing) {
          this.pending.push(chunk);
          this.pendingLength += chunk.length;
          return;
        }
        const message = Buffer.concat([...this.pending, chunk.subarray(0, missing)], this.needed);
        this.reset();
        onMessage(message, 0, message.length);
        pos = missing;
      }
    }
    while (pos < buf.length) {
      const length = messageLength(buf, pos);
      if (length < 0 || pos + length > buf.length) {
        const rest = buf.subarray(pos);
        this.pending = [rest];
        this.pendingLength = rest.length;
        this.needed = length;
        return;
      }
      onMessage(buf, pos, pos + length);
      pos += length;
    }
  }

  /** Forgets a partial message (the connection it came from is gone). */
  reset(): void {
    this.pending = [];
    this.pendingLength = 0;
    this.needed = -1;
  }
}

/** Length of the message starting at `pos` (header included), or -1 when its header is not complete yet. */
function messageLength(buf: Buffer, pos: number): number {
  if (pos + 2 > buf.length) return -1;
  if (buf[pos] !== SEQUENCE) throw new BerDecodeError(`an LDAPMessage starts with 0x${buf[pos]!.toString(16)} instead of 0x30`);
  const first = buf[pos + 1]!;
  if (!(first & 0x80)) return 2 + first;
  const bytes = first & 0x7f;
  if (bytes === 0 || bytes > 4) throw new BerDecodeError(`an LDAPMessage has an unsupported length form 0x${first.toString(16)}`);
  if (pos + 2 + bytes > buf.length) return -1;
  let length = 0;
  for (let i = 0; i < bytes; i++) length = length * 256 + buf[pos + 2 + i]!;
  if (length > MAX_MESSAGE_BYTES) throw new BerDecodeError(`an LDAPMessage claims ${length} bytes`);
  return 2 + bytes + length;
}
