import {
  InvalidCredentialsError,
  NoSuchObjectError,
  SizeLimitExceededError,
  TimeLimitExceededError,
  InvalidDNSyntaxError,
  InsufficientAccessError,
  MessageParserError,
  ProtocolError,
  ResultCodeError,
} from 'ldapts';
import { RUN_ERRORS, type RunErrorCode } from '../errors/error-codes';

/** The directory's failures, from the product's one vocabulary (lib/errors/error-codes.ts). */
export type LdapErrorCode = Extract<RunErrorCode, `LDAP_${string}`>;

/** Every LDAP failure the product shows: a code for programs, a message a person can act on. */
export class LdapError extends Error {
  readonly code: LdapErrorCode;
  readonly transient: boolean;
  constructor(code: LdapErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LdapError';
    this.code = code;
    this.transient = RUN_ERRORS[code].transient;
  }
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT']);

function describeCause(error: unknown): string {
  if (error && typeof error === 'object' && 'code' in error && typeof (error as { code: unknown }).code === 'string') {
    return `${(error as { code: string }).code}: ${(error as unknown as Error).message}`;
  }
  return error instanceof Error ? error.message : String(error);
}

export function isTlsError(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  if (typeof code === 'string' && (code.startsWith('ERR_TLS') || code.startsWith('ERR_SSL') || /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|HOSTNAME/.test(code))) return true;
  return error instanceof Error && /certificate|TLS|SSL/i.test(error.message);
}

export function isNetworkError(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
  return error instanceof Error && /timeout|socket|connection (closed|timeout|reset)|not connected/i.test(error.message);
}

/** Failure to reach one URL, kept so that the final message names every URL tried. */
export function connectFailureCause(url: string, error: unknown): string {
  return `${url} (${describeCause(error)})`;
}

/**
 * Turns what ldapts throws during an operation into an LdapError. `context` says what was being
 * done (e.g. "searching ou=people,dc=example,dc=com") for the message.
 */
export function toLdapError(error: unknown, context: { url?: string; baseDn?: string; filter?: string; bindDn?: string }): LdapError {
  if (error instanceof LdapError) return error;
  if (error instanceof InvalidCredentialsError) {
    return new LdapError(
      'LDAP_INVALID_CREDENTIALS',
      `The directory rejected the bind DN or password (${context.bindDn ?? 'bind DN'}). Check the bind DN and password in the LDAP connection settings.`,
      { cause: error },
    );
  }
  if (error instanceof NoSuchObjectError || error instanceof InvalidDNSyntaxError) {
    return new LdapError(
      'LDAP_NO_SUCH_BASE_DN',
      `The base DN "${context.baseDn ?? ''}" does not exist in the directory (or is not a valid DN). Check the base DN in the LDAP connection settings.`,
      { cause: error },
    );
  }
  if (error instanceof SizeLimitExceededError) {
    return new LdapError(
      'LDAP_SIZE_LIMIT_EXCEEDED',
      // 389-DS applies its size limit (2,000 by default) to each page; OpenLDAP to the whole paged search.
      'The directory stopped the search at its size limit. Give the bind account an unlimited paged-search limit ' +
        '(OpenLDAP: limits ... size.prtotal=unlimited; 389 Directory Server: nsPagedSizeLimit: -1 on the bind account, ' +
        "or a page size below the server's size limit, 2,000 by default) or narrow the filter.",
      { cause: error },
    );
  }
  if (error instanceof TimeLimitExceededError) {
    return new LdapError(
      'LDAP_TIME_LIMIT_EXCEEDED',
      'The directory stopped the search at its time limit. Raise the time limit of the bind account or narrow the filter.',
      { cause: error },
    );
  }
  if (error instanceof InsufficientAccessError) {
    return new LdapError('LDAP_INSUFFICIENT_ACCESS', `The bind account may not read ${context.baseDn ?? 'the base DN'}. Grant it read access.`, { cause: error });
  }
  if (error instanceof ProtocolError && context.filter) {
    return new LdapError('LDAP_FILTER_SYNTAX', `The directory rejected the filter ${context.filter}: ${error.message}. Correct the job's filter.`, { cause: error });
  }
  if (isTlsError(error)) {
    return new LdapError(
      'LDAP_TLS_FAILURE',
      `TLS with ${context.url ?? 'the directory'} failed (${describeCause(error)}). Check the URL scheme, StartTLS and the CA certificate.`,
      { cause: error },
    );
  }
  if (error instanceof Error && /timeout/i.test(error.message)) {
    return new LdapError('LDAP_TIMEOUT', `The directory ${context.url ?? ''} did not answer in time (${error.message}). Check the server load or raise the operation timeout.`, { cause: error });
  }
  if (isNetworkError(error)) {
    return new LdapError('LDAP_CONNECTION_LOST', `The connection to ${context.url ?? 'the directory'} was lost (${describeCause(error)}). The run will be retried.`, { cause: error });
  }
  if (error instanceof MessageParserError) {
    return new LdapError(
      'LDAP_MALFORMED_RESPONSE',
      `${context.url ?? 'The directory'} sent a response that is not valid LDAP (${error.message}). The run will be retried; if this repeats, check that the URL points at an LDAP v3 server and not at a proxy or another service.`,
      { cause: error },
    );
  }
  if (error instanceof ResultCodeError) {
    return new LdapError('LDAP_ERROR', `The directory answered with an error (code ${error.code}): ${error.message}`, { cause: error });
  }
  return new LdapError('LDAP_ERROR', `LDAP operation failed: ${describeCause(error)}`, { cause: error });
}
