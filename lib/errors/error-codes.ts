// The product's one error vocabulary: every refusal and failure a person or a script sees has a
// code from here and a message written for a person. The engine, the use cases, the API and the
// pages all speak it, so a code means the same thing wherever it appears.
//
// Two families, told apart by their case because both are public and cannot be renamed:
// - Refusals of a request (lower_snake_case): a use case returns { code, message } and writes
//   nothing; the pages show the message, the API answers { code, message } with the status below.
// - Why a run did not simply succeed (UPPER_SNAKE_CASE): stored in runs.error_code beside the
//   engine's message, shown on the run page and as run.error.code in the API, with the next step
//   the page offers.

/** Refusals of a request: the HTTP status the API answers each with, and what it means to a caller (the OpenAPI document's words). */
export const REFUSALS = {
  unauthenticated: { status: 401, meaning: 'No valid credentials' },
  forbidden: { status: 403, meaning: 'The token or account lacks the role' },
  not_found: { status: 404, meaning: 'No such resource' },
  bad_request: {
    status: 400,
    meaning: 'The address has a malformed percent-encoding (it must be UTF-8) or a NUL or control character in its path or query',
  },
  invalid_json: { status: 400, meaning: 'The body is not JSON or not UTF-8' },
  length_required: { status: 411, meaning: 'A chunked body without a length (server actions only)' },
  unsupported_media_type: { status: 415, meaning: 'The body is not sent as application/json' },
  payload_too_large: { status: 413, meaning: 'The body is larger than the API accepts' },
  validation_failed: { status: 422, meaning: 'Invalid or unknown fields (with `fieldErrors`)' },
  cross_origin_request: { status: 403, meaning: 'A change with a browser session came from another site' },
  password_change_required: { status: 403, meaning: 'The signed-in account must change its password first' },
  run_already_active: { status: 409, meaning: 'A run of this job is queued or running (with `activeRun`)' },
  run_already_finished: { status: 409, meaning: 'The run already ended' },
  run_not_stopped_at_threshold: { status: 409, meaning: 'The run did not stop at the threshold: there is nothing to confirm' },
  confirmation_refused: { status: 403, meaning: "The job's confirmation rule does not let the caller confirm (with `rule`)" },
  run_not_restorable: { status: 409, meaning: 'The run cannot be restored: not a finished, non-dry run of the inactive job that changed someone' },
  run_already_restored: { status: 409, meaning: 'The run was restored already (with `restoredBy`): restoring it again would change nothing' },
  schedule_conflict: { status: 409, meaning: 'expectedVersion is older than the saved schedule (with `currentVersion`)' },
  settings_conflict: { status: 409, meaning: 'Someone saved the settings after the caller read them' },
  api_token_already_revoked: { status: 409, meaning: 'The API token was revoked already' },
  rate_limited: {
    status: 429,
    meaning: 'Too many requests: 600 a minute per token, 30 unknown tokens a minute per address, 10 runs started a minute per caller; wait as `Retry-After` says',
  },
  queue_unavailable: { status: 503, meaning: 'The run could not be queued: Redis unavailable' },
  service_unavailable: { status: 503, meaning: 'A service the request needs is unavailable (Redis)' },
  internal_error: { status: 500, meaning: 'An unexpected error in the server' },
} as const satisfies Record<string, { status: number; meaning: string }>;

export type RefusalCode = keyof typeof REFUSALS;

export const REFUSAL_CODES = Object.keys(REFUSALS) as RefusalCode[];

/**
 * What a use case returns instead of acting: a code, a message for the person, and what the caller
 * may need to show (the active run, the rule, the fields to correct). It changed nothing.
 */
export type Refusal<C extends RefusalCode, Extra extends object = object> = { code: C; message: string } & Extra;

/** What the worker depends on; its outage log names the one a failure says is unavailable. */
export type Dependency = 'Redis' | 'PostgreSQL' | 'LDAP directory';

type RunError = {
  /** A later attempt may succeed (BullMQ retries the run); otherwise a person must change something. */
  transient: boolean;
  /** The dependency this failure says is unavailable (jobs/outages.ts logs its outage once). */
  unavailable?: Dependency;
  /** The run page's next step after a sync run that FAILED with this code (a restore says its own). */
  nextStep?: string;
};

const LDAP_SETTINGS_STEP =
  "Ask an administrator to check the LDAP connection settings and the job's filter (Identity Manager Admin > LDAP connection), then start the job again.";

/** Why a run failed or stopped, stored in runs.error_code. */
export const RUN_ERRORS = {
  // The directory (lib/ldap/errors.ts turns what ldapts throws into these).
  LDAP_UNREACHABLE: { transient: true, unavailable: 'LDAP directory', nextStep: LDAP_SETTINGS_STEP },
  LDAP_CONNECTION_LOST: { transient: true, unavailable: 'LDAP directory', nextStep: LDAP_SETTINGS_STEP },
  LDAP_TIMEOUT: { transient: true, unavailable: 'LDAP directory', nextStep: LDAP_SETTINGS_STEP },
  // A response that cannot be decoded leaves the connection unusable; a new one may read it fine.
  LDAP_MALFORMED_RESPONSE: { transient: true, nextStep: LDAP_SETTINGS_STEP },
  LDAP_TLS_FAILURE: { transient: false, nextStep: LDAP_SETTINGS_STEP },
  LDAP_INVALID_CREDENTIALS: { transient: false, nextStep: LDAP_SETTINGS_STEP },
  LDAP_NO_SUCH_BASE_DN: { transient: false, nextStep: LDAP_SETTINGS_STEP },
  LDAP_FILTER_SYNTAX: { transient: false, nextStep: LDAP_SETTINGS_STEP },
  LDAP_SIZE_LIMIT_EXCEEDED: { transient: false, nextStep: LDAP_SETTINGS_STEP },
  LDAP_TIME_LIMIT_EXCEEDED: { transient: false, nextStep: LDAP_SETTINGS_STEP },
  LDAP_INSUFFICIENT_ACCESS: { transient: false, nextStep: LDAP_SETTINGS_STEP },
  LDAP_ERROR: { transient: false, nextStep: LDAP_SETTINGS_STEP },
  // The run's own services.
  DATABASE_UNAVAILABLE: { transient: true, unavailable: 'PostgreSQL' },
  PAGE_APPLY_FAILED: { transient: true },
  QUEUE_UNAVAILABLE: {
    transient: false,
    nextStep: 'The worker queue (Redis) did not answer. Check that Redis and the worker are running, then start the job again.',
  },
  // The job itself.
  INVALID_JOB_OPTIONS: { transient: false, nextStep: "Ask an administrator to correct the job's options, then start the job again." },
  UNKNOWN_JOB: { transient: false },
  // Stopped on purpose: above the deactivation threshold (waits for a confirmation), cancelled between pages.
  THRESHOLD_EXCEEDED: { transient: false },
  CANCELLED: { transient: false },
  // Lost with its queue job, or an error with no code of its own.
  RUN_LOST: { transient: false },
  RUN_FAILED: { transient: false },
} as const satisfies Record<string, RunError>;

export type RunErrorCode = keyof typeof RUN_ERRORS;

export function isRunErrorCode(code: unknown): code is RunErrorCode {
  return typeof code === 'string' && Object.hasOwn(RUN_ERRORS, code);
}

/** What the vocabulary says of a stored code (null for one it does not know, e.g. from an older version). */
export function runErrorOf(code: string | null): RunError | null {
  return isRunErrorCode(code) ? RUN_ERRORS[code] : null;
}
