import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ber, BerWriter, Control, MessageParser, MessageParserError, type Client } from 'ldapts';
import { LdapMessageFramer, PAGED_RESULTS_OID, SEARCH_RESULT_DONE, SEARCH_RESULT_ENTRY, SearchResponseDecoder, type DirectoryEntry, type MessageHead } from './search-decoder';

/*
 * The one place that relies on ldapts' internals (pinned to VERIFIED_LDAPTS_VERSION exactly):
 * a Client hands every received chunk to
 * `client.messageParser.read(data, messageDetailsByMessageId)` (its `socketDataHandler`), and
 * each pending request sits in that map with its controls. We put a router in place of the
 * parser: it cuts the stream into messages, decodes the entries of OUR paged searches (the
 * request carries a PagedEntriesControl) into DirectoryEntry objects, and hands every other
 * message, including our SearchResultDone, to ldapts' own parser. So connection, bind, StartTLS,
 * timeouts, result codes and their typed errors stay ldapts'. Three guards: the worker and the sync
 * CLI refuse to start with another ldapts version (checkLdaptsVersion), routeSearchEntries refuses
 * a Client whose parser is not where it was, and the contract test
 * (tests/integration/ldap-decoder-contract.test.ts) decodes captured server responses through
 * ldapts' own parser and through ours and requires the same entries. Each page is one `client.search` carrying the control (ldapts' searchPaginated
 * would end the search at a page whose entries it did not see).
 *
 * Why: on the bench directory ldapts spent ~250-380 ms of CPU decoding 20,000 entries (a
 * BerReader, Attribute, SearchEntry and plain object per entry); this path takes ~25 ms.
 */

// ldapts' map of requests awaiting their response, by message id (its Message type is not exported).
type PendingRequests = Map<string, { message: { controls?: Control[] } }>;

/**
 * RFC 2696 simple paged results, written exactly as ldapts' PagedResultsControl (which
 * `client.search` refuses as an argument); it also receives the page's entries and the next cookie.
 */
export class PagedEntriesControl extends Control {
  readonly entries: DirectoryEntry[] = [];
  /** The cookie of the page's SearchResultDone: empty when the search is complete. */
  nextCookie: Buffer = Buffer.alloc(0);
  readonly size: number;
  readonly cookie: Buffer;
  readonly binaryAttributes: ReadonlySet<string>;

  constructor(options: { size: number; cookie?: Buffer; binaryAttributes?: ReadonlySet<string> }) {
    super(PAGED_RESULTS_OID);
    this.size = options.size;
    this.cookie = options.cookie ?? Buffer.alloc(0);
    this.binaryAttributes = options.binaryAttributes ?? new Set();
  }

  protected override writeControl(writer: BerWriter): void {
    const value = new BerWriter();
    value.startSequence();
    value.writeInt(this.size);
    if (this.cookie.length) value.writeBuffer(this.cookie, Ber.OctetString);
    else value.writeString('');
    value.endSequence();
    writer.writeBuffer(value.buffer, Ber.OctetString);
  }
}

function pagedEntriesOf(pending: { message: { controls?: Control[] } } | undefined): PagedEntriesControl | undefined {
  const controls = pending?.message.controls;
  if (!controls) return undefined;
  for (const control of controls) if (control instanceof PagedEntriesControl) return control;
  return undefined;
}

/** Stands in for ldapts' MessageParser on one Client (see the comment at the top). */
export class SearchEntryRouter {
  private readonly framer = new LdapMessageFramer();
  private readonly decoder = new SearchResponseDecoder();
  private readonly head: MessageHead = { messageId: 0, op: 0 };
  private lastMessageId = -1;
  private lastPage: PagedEntriesControl | undefined;

  constructor(private readonly ldapts: MessageParser) {}

  read(data: Buffer, pending: PendingRequests): void {
    try {
      this.framer.push(data, (buf, start, end) => this.route(buf, start, end, pending));
    } catch (error) {
      // The stream cannot be cut into messages any more: fail every request waiting on it
      // instead of letting them wait for their timeout.
      this.framer.reset();
      for (const messageId of [...pending.keys()]) this.fail(Number(messageId), error);
    }
  }

  private route(buf: Buffer, start: number, end: number, pending: PendingRequests): void {
    const { messageId, op } = this.decoder.head(buf, start, end, this.head);
    if (op === SEARCH_RESULT_ENTRY || op === SEARCH_RESULT_DONE) {
      // Hundreds of entries answer one request: look it up once.
      if (messageId !== this.lastMessageId) {
        this.lastMessageId = messageId;
        this.lastPage = pagedEntriesOf(pending.get(String(messageId)));
      }
      const page = this.lastPage;
      if (op === SEARCH_RESULT_DONE) this.lastMessageId = -1;
      if (page) {
        try {
          if (op === SEARCH_RESULT_ENTRY) {
            page.entries.push(this.decoder.entry(buf, start, end, page.binaryAttributes));
            return;
          }
          page.nextCookie = this.decoder.pagedResultsCookie(buf, start, end);
        } catch (error) {
          this.fail(messageId, error);
          return;
        }
      }
    }
    this.ldapts.read(buf.subarray(start, end), pending as Parameters<MessageParser['read']>[1]);
  }

  /** ldapts' own error path: its Client rejects the request with this id and forgets it. */
  private fail(messageId: number, cause: unknown): void {
    // The rest of that search's entries go to ldapts, which drops them: the request is gone.
    if (messageId === this.lastMessageId) this.lastPage = undefined;
    const error = new MessageParserError(cause instanceof Error ? cause.message : String(cause));
    error.messageDetails = { messageId };
    this.ldapts.emit('error', error);
  }
}

type ClientInternals = { messageParser?: unknown; socketDataHandler?: unknown };

/** Puts a SearchEntryRouter in front of the client's parser (connectLdap does, once per client); idempotent. Call before the first byte is received. */
export function routeSearchEntries(client: Client): void {
  const internals = client as unknown as ClientInternals;
  if (internals.messageParser instanceof SearchEntryRouter) return;
  if (!(internals.messageParser instanceof MessageParser) || typeof internals.socketDataHandler !== 'function') {
    throw new Error(`ldapts no longer reads responses through client.messageParser (lib/ldap/ldapts-seam.ts relies on ldapts ${VERIFIED_LDAPTS_VERSION}); update the seam.`);
  }
  internals.messageParser = new SearchEntryRouter(internals.messageParser);
}

/** The ldapts release the seam and its contract test were verified against (package.json pins it). */
export const VERIFIED_LDAPTS_VERSION = '8.2.0';

/** The installed ldapts' version, from its package.json (not in its exports: found beside its entry point). */
export function installedLdaptsVersion(): string {
  const entry = createRequire(import.meta.url).resolve('ldapts'); // …/ldapts/dist/index.cjs
  return (JSON.parse(readFileSync(path.join(path.dirname(entry), '..', 'package.json'), 'utf8')) as { version: string }).version;
}

/**
 * The start-up check of the worker and the sync CLI: another ldapts may keep its parser where
 * the seam expects it and still parse differently, which only the contract test can tell.
 */
export function checkLdaptsVersion(installed: string = installedLdaptsVersion()): void {
  if (installed !== VERIFIED_LDAPTS_VERSION) {
    throw new Error(
      `ldapts ${installed} is installed, but lib/ldap/ldapts-seam.ts was verified against ${VERIFIED_LDAPTS_VERSION}. ` +
        'Run tests/integration/ldap-decoder-contract.test.ts against the new version, then update VERIFIED_LDAPTS_VERSION (or reinstall with npm ci).',
    );
  }
}
