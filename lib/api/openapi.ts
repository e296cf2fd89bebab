// OpenAPI 3.1 description of REST API v1 and the operations endpoints, served at
// /api/v1/openapi.json. Kept beside the schemas it documents (lib/api/v1-schemas.ts); the API
// tests check that every route handler under app/api is listed here.

import { API_ERROR_CODES, STATUS_OF, type ApiErrorCode } from './errors';
import { RevocationReason } from '../generated/prisma/enums';
import { FILTER_PRESET_KEYS } from '../sync/job-options';
import { KNOWN_UNIQUE_IDS } from '../sync/unique-id';
import { NOTIFICATION_EVENT_TYPES } from '../notifications/events';
import { CONFIRMATION_RULES } from '../batch-jobs/confirmation-rule';

const REVOCATION_REASONS = Object.values(RevocationReason);
const errorRef = { $ref: '#/components/schemas/Error' };
const json = (schema: object, description = 'OK') => ({ description, content: { 'application/json': { schema } } });

/** What each error code means to a caller; a Record, so that a new code cannot go undocumented. */
const ERROR_MEANING: Record<ApiErrorCode, string> = {
  unauthenticated: 'No valid credentials',
  forbidden: 'The token or account lacks the role',
  not_found: 'No such resource',
  bad_request: 'The address has a malformed percent-encoding (it must be UTF-8) or a NUL or control character in its path or query',
  invalid_json: 'The body is not JSON or not UTF-8',
  length_required: 'A chunked body without a length (server actions only)',
  unsupported_media_type: 'The body is not sent as application/json',
  payload_too_large: 'The body is larger than 16 KiB',
  validation_failed: 'Invalid or unknown fields (with `fieldErrors`)',
  cross_origin_request: 'A change with a browser session came from another site',
  password_change_required: 'The signed-in account must change its password first',
  run_already_active: 'A run of this job is queued or running (with `activeRun`)',
  run_already_finished: 'The run already ended',
  schedule_conflict: 'expectedVersion is older than the saved schedule (with `currentVersion`)',
  run_not_stopped_at_threshold: 'The run did not stop at the threshold: there is nothing to confirm',
  run_not_restorable: 'The run cannot be restored: not a finished, non-dry run of the inactive job that changed someone',
  run_already_restored: 'The run was restored already (with `restoredBy`): restoring it again would change nothing',
  confirmation_refused: "The job's confirmation rule does not let the caller confirm (with `rule`)",
  rate_limited: 'Too many requests: 600 a minute per token, 30 unknown tokens a minute per address, 10 runs started a minute per caller; wait as `Retry-After` says',
  queue_unavailable: 'The run could not be queued: Redis unavailable',
  service_unavailable: 'A service the request needs is unavailable (Redis)',
  internal_error: 'An unexpected error in the server',
};

const RESPONSE_HEADERS: Partial<Record<number, object>> = {
  401: { 'WWW-Authenticate': { description: 'Bearer realm="idm"', schema: { type: 'string' } } },
  429: { 'Retry-After': { description: 'Seconds to wait before trying again', schema: { type: 'integer', minimum: 1 } } },
};

/** Every request passes the proxy's address check; every authenticated one these. */
const ADDRESS_ERRORS: ApiErrorCode[] = ['bad_request'];
const AUTH_ERRORS: ApiErrorCode[] = [...ADDRESS_ERRORS, 'unauthenticated', 'forbidden', 'password_change_required', 'rate_limited', 'internal_error'];
/** Operations that change something (a browser session must be same-origin) and take a JSON body. */
const CHANGE_ERRORS: ApiErrorCode[] = [...AUTH_ERRORS, 'cross_origin_request', 'invalid_json', 'payload_too_large', 'unsupported_media_type', 'validation_failed'];

/**
 * The error responses of an operation from the codes it can answer, grouped by status (the one
 * table of statuses is lib/api/errors.ts), each status with its codes' meanings and headers.
 */
export function errorResponses(codes: ApiErrorCode[], notes: Partial<Record<ApiErrorCode, string>> = {}, schemas: Partial<Record<ApiErrorCode, object>> = {}) {
  const byStatus = new Map<number, ApiErrorCode[]>();
  for (const code of new Set(codes)) byStatus.set(STATUS_OF[code], [...(byStatus.get(STATUS_OF[code]) ?? []), code]);
  return Object.fromEntries(
    [...byStatus.entries()]
      .sort(([a], [b]) => a - b)
      .map(([status, list]) => {
        const schema = list.map((c) => schemas[c]).find(Boolean) ?? errorRef;
        return [
          String(status),
          {
            description: list.map((c) => `${notes[c] ?? ERROR_MEANING[c]} (code \`${c}\`).`).join(' '),
            ...(RESPONSE_HEADERS[status] ? { headers: RESPONSE_HEADERS[status] } : {}),
            content: { 'application/json': { schema } },
          },
        ];
      }),
  );
}

const jobKey = { name: 'jobKey', in: 'path', required: true, schema: { type: 'string', enum: ['inactive-ldap-users', 'active-ldap-users'] } };
const runId = { name: 'runId', in: 'path', required: true, schema: { type: 'integer', minimum: 1 } };
const dateTime = { type: ['string', 'null'], format: 'date-time' };
const webhookId = { name: 'webhookId', in: 'path', required: true, schema: { type: 'integer', minimum: 1 } };
const webhookRef = { $ref: '#/components/schemas/Webhook' };
const eventTypes = { type: 'array', minItems: 1, items: { type: 'string', enum: NOTIFICATION_EVENT_TYPES } };

export const openApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'Identity Manager: LDAP batch synchronization API',
    version: '1.0.0',
    description:
      'Start and follow the batch jobs "Synchronize inactive LDAP Users to Identity Manager" (inactive-ldap-users) and ' +
      '"Synchronize active LDAP Users to Identity Manager" (active-ldap-users), change their schedules, clear the operator cache ' +
      'and look up people. Authenticate with an API token created by an administrator under Admin > API tokens: ' +
      '`Authorization: Bearer idm_...`. A signed-in browser session works too (changes only from the same origin). ' +
      'Errors are JSON `{ "code", "message" }` with a stable code.',
  },
  servers: [{ url: '/' }],
  security: [{ bearerAuth: [] }],
  tags: [{ name: 'jobs' }, { name: 'runs' }, { name: 'operator' }, { name: 'users' }, { name: 'webhooks' }, { name: 'operations' }],
  paths: {
    '/api/v1/jobs': {
      get: { tags: ['jobs'], summary: 'List the batch jobs (operator)', responses: { '200': json({ type: 'object', properties: { jobs: { type: 'array', items: { $ref: '#/components/schemas/Job' } } } }), ...errorResponses(AUTH_ERRORS) } },
    },
    '/api/v1/jobs/{jobKey}': {
      get: { tags: ['jobs'], summary: 'One batch job (operator)', parameters: [jobKey], responses: { '200': json({ $ref: '#/components/schemas/Job' }), ...errorResponses([...AUTH_ERRORS, 'not_found'], { not_found: 'No such job' }) } },
    },
    '/api/v1/jobs/{jobKey}/schedule': {
      put: {
        tags: ['jobs'],
        summary: "Save a job's schedule (administrator)",
        description: 'Takes effect for the scheduler at once. Operators see it in their cached views after Clear cache.',
        parameters: [jobKey],
        requestBody: {
          required: true,
          content: {
            'application/json': {
              schema: {
                type: 'object',
                additionalProperties: false,
                required: ['expression', 'timeZone'],
                properties: {
                  expression: {
                    type: ['string', 'null'],
                    description: 'Cron expression with 5 or 6 fields (seconds first); null or "" clears it. An expression that never fires in the next 8 years is refused.',
                    examples: ['0 2 * * *'],
                  },
                  timeZone: { type: 'string', description: 'IANA time zone', examples: ['Europe/Berlin'] },
                  paused: { type: 'boolean', default: false, description: 'Keep the expression but start no run on it. Omitted or false: the job is scheduled.' },
                  enabled: { type: 'boolean', deprecated: true, description: 'Before paused: `enabled: false` is `paused: true`.' },
                  expectedVersion: { type: 'integer', description: 'The job version you read; a newer save makes this request a 409.' },
                },
              },
            },
          },
        },
        responses: {
          '200': json(
            {
              allOf: [
                { $ref: '#/components/schemas/Job' },
                {
                  type: 'object',
                  properties: {
                    warnings: { type: 'array', items: { type: 'string' } },
                    scheduler: {
                      type: 'string',
                      enum: ['upserted', 'removed', 'unchanged', 'pending', 'failed'],
                      description: 'The BullMQ job scheduler as read back from Redis after the save; pending: Redis did not answer, failed: it holds something else (the worker reconciles both).',
                    },
                  },
                },
              ],
            },
            'The saved job',
          ),
          ...errorResponses([...CHANGE_ERRORS, 'not_found', 'schedule_conflict'], { not_found: 'No such job' }),
        },
      },
    },
    '/api/v1/jobs/{jobKey}/runs': {
      post: {
        tags: ['runs'],
        summary: 'Start a run now (operator)',
        parameters: [jobKey],
        requestBody: {
          required: false,
          content: {
            'application/json': {
              schema: {
                type: 'object',
                additionalProperties: false,
                properties: {
                  dryRun: { type: 'boolean', description: 'Plan and report, change nothing.' },
                  confirm: {
                    type: 'boolean',
                    description:
                      "Proceed although the run would deactivate more people than the threshold allows. Allowed only when the job's confirmationRule lets the caller confirm (403 `confirmation_refused` otherwise); under TWO_PERSON never: start without it and have another administrator confirm the stopped run (POST /api/v1/runs/{runId}/confirm).",
                  },
                },
              },
            },
          },
        },
        responses: {
          '202': json({ type: 'object', required: ['runId'], properties: { runId: { type: 'integer' }, run: { $ref: '#/components/schemas/Run' } } }, 'Queued; follow it at /api/v1/runs/{runId}'),
          ...errorResponses([...CHANGE_ERRORS, 'not_found', 'run_already_active', 'queue_unavailable', 'confirmation_refused'], { not_found: 'No such job', confirmation_refused: "confirm: the job's confirmation rule does not let the caller confirm (with `rule`)" }, {
            run_already_active: { allOf: [errorRef, { type: 'object', properties: { activeRun: { $ref: '#/components/schemas/Run' } } }] },
          }),
        },
      },
    },
    '/api/v1/runs/{runId}': {
      get: { tags: ['runs'], summary: 'Status, timestamps, counters and error of a run (operator)', parameters: [runId], responses: { '200': json({ $ref: '#/components/schemas/Run' }), ...errorResponses([...AUTH_ERRORS, 'not_found'], { not_found: 'No such run' }) } },
    },
    '/api/v1/runs/{runId}/items': {
      get: {
        tags: ['runs'],
        summary: 'What a run did to each person, paginated (operator)',
        parameters: [
          runId,
          { name: 'page', in: 'query', schema: { type: 'integer', minimum: 1, default: 1 } },
          { name: 'pageSize', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 500, default: 50 } },
          {
            name: 'outcome',
            in: 'query',
            description: 'One outcome, or DEACTIVATED: the UPDATED items that move a user from active to inactive (on a THRESHOLD_EXCEEDED run: the people a confirmed run would deactivate).',
            schema: { type: 'string', enum: ['CREATED', 'UPDATED', 'UNCHANGED', 'FAILED', 'DEACTIVATED'] },
          },
        ],
        responses: {
          '200': json({
            type: 'object',
            properties: {
              items: { type: 'array', items: { $ref: '#/components/schemas/RunItem' } },
              pagination: { type: 'object', properties: { page: { type: 'integer' }, pageSize: { type: 'integer' }, total: { type: 'integer' }, pages: { type: 'integer' }, hasNextPage: { type: 'boolean' } } },
            },
          }),
          ...errorResponses([...AUTH_ERRORS, 'not_found', 'validation_failed'], { not_found: 'No such run', validation_failed: 'Invalid query parameters' }),
        },
      },
    },
    '/api/v1/runs/{runId}/confirm': {
      post: {
        tags: ['runs'],
        summary: 'Confirm a run stopped at the threshold and run the job past it (who may: the job\'s confirmationRule)',
        description:
          "For a THRESHOLD_EXCEEDED run: starts the job again, confirmed. The job's confirmationRule decides who may: OPERATOR (any operator or administrator), ADMINISTRATOR (any administrator), TWO_PERSON (an administrator other than the one who started the run and the one who last changed the job's filter, threshold or rule; an API token counts as the administrator who created it). The stricter of the rule recorded when the run stopped and the job's current rule applies. A restore run that stopped at the threshold is confirmed the same way, by an administrator: the new run is the restore, confirmed. Who confirmed and when is recorded on both runs (confirmedBy, confirmedAt) and in the audit log (run.threshold_confirmed; a refusal: run.threshold_confirmation_refused).",
        parameters: [runId],
        responses: {
          '202': json({ type: 'object', required: ['runId'], properties: { runId: { type: 'integer' }, run: { $ref: '#/components/schemas/Run' } } }, 'The confirmed run, queued; follow it at /api/v1/runs/{runId}'),
          ...errorResponses([...CHANGE_ERRORS, 'not_found', 'confirmation_refused', 'run_not_stopped_at_threshold', 'run_already_active', 'queue_unavailable', 'run_not_restorable', 'run_already_restored'], {
            not_found: 'No such run',
            confirmation_refused: "The job's confirmation rule does not let the caller confirm; the message names the rule (with `rule`)",
          }),
        },
      },
    },
    '/api/v1/runs/{runId}/cancel': {
      post: {
        tags: ['runs'],
        summary: 'Cancel a queued or running run (operator)',
        description: 'A run that has not started is CANCELLED at once; a running run stops after the page in progress.',
        parameters: [runId],
        responses: {
          '200': json({ type: 'object', properties: { run: { $ref: '#/components/schemas/Run' }, cancelledNow: { type: 'boolean' } } }),
          ...errorResponses([...CHANGE_ERRORS, 'not_found', 'run_already_finished'], { not_found: 'No such run' }),
        },
      },
    },
    '/api/v1/runs/{runId}/restore': {
      post: {
        tags: ['runs'],
        summary: 'Restore the users a run changed (administrator)',
        description:
          'On a finished, non-dry run of "Synchronize inactive LDAP Users to Identity Manager": queues a restore run that puts users back to their previous state and attributes, ' +
          'credentials to their previous state, certificates the run put on hold back to VALID, and grants withdrawn roles again. Users the run created are kept, inactive. ' +
          'A certificate the run revoked stays revoked and is listed in the item (`changes.irreversible.certificatesRevoked`, with its credential). A person changed after the run ' +
          '(by a later run or by hand) is skipped and listed as a FAILED item whose reason names the conflict. `dryRun` (default true) is the preview: the same items and counts, nothing written. ' +
          'Counters of a restore run: updated = restored, unchanged = kept or already restored, failed = conflicts, credentialsChanged = credentials restored, certificatesChanged = certificates released, ' +
          'rolesWithdrawn = roles granted again, irreversible = certificates that stay revoked and roles that no longer exist. ' +
          "A restore is held to the job's safety threshold (the people it would restore against maxUsers / maxPercent of the active users): above it, `confirm: true` confirms it if the job's confirmationRule lets the caller (403 confirmation_refused otherwise); without `confirm` the restore records what it would do and stops THRESHOLD_EXCEEDED until an administrator allowed by the rule confirms it (POST /api/v1/runs/{runId}/confirm on the stopped restore).",
        parameters: [runId],
        requestBody: {
          required: false,
          content: {
            'application/json': {
              schema: {
                type: 'object',
                additionalProperties: false,
                properties: {
                  dryRun: { type: 'boolean', default: true, description: 'Preview only (the default).' },
                  confirm: { type: 'boolean', default: false, description: "Confirms a restore above the job's threshold, if the job's confirmationRule lets the caller." },
                },
              },
            },
          },
        },
        responses: {
          '202': json({ type: 'object', required: ['runId'], properties: { runId: { type: 'integer' }, run: { $ref: '#/components/schemas/Run' } } }, 'Queued; follow it at /api/v1/runs/{runId}'),
          ...errorResponses([...CHANGE_ERRORS, 'not_found', 'confirmation_refused', 'run_not_restorable', 'run_already_restored', 'run_already_active', 'queue_unavailable'], {
            not_found: 'No such run',
            confirmation_refused: "`confirm` was given but the job's confirmation rule does not let the caller confirm (with `rule`): start it without, for another administrator to confirm",
          }),
        },
      },
    },
    '/api/v1/operator/cache/clear': {
      post: { tags: ['operator'], summary: "Clear the operators' cache (operator)", responses: { '200': json({ type: 'object' }), ...errorResponses([...CHANGE_ERRORS, 'service_unavailable'], { service_unavailable: 'Redis unavailable' }) } },
    },
    '/api/v1/users/{username}': {
      get: {
        tags: ['users'],
        summary: 'A person with state, source, credentials, certificates and roles (operator)',
        parameters: [{ name: 'username', in: 'path', required: true, schema: { type: 'string', maxLength: 256 } }],
        responses: { '200': json({ $ref: '#/components/schemas/User' }), ...errorResponses([...AUTH_ERRORS, 'not_found'], { not_found: 'No such user' }) },
      },
    },
    '/api/v1/webhooks': {
      get: { tags: ['webhooks'], summary: 'List the webhooks (administrator)', responses: { '200': json({ type: 'object', properties: { webhooks: { type: 'array', items: webhookRef } } }), ...errorResponses(AUTH_ERRORS) } },
      post: {
        tags: ['webhooks'],
        summary: 'Add a webhook (administrator)',
        description:
          'Events are POSTed as JSON `{ id, type, createdAt, data }` signed with `X-IdM-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "t.body">` (README, Notifications). ' +
          'The answer holds the signing secret: it is never answered again. Leave `secret` out to have one generated.',
        requestBody: {
          required: true,
          content: {
            'application/json': {
              schema: {
                type: 'object',
                additionalProperties: false,
                required: ['name', 'url', 'events'],
                properties: { name: { type: 'string', maxLength: 100 }, url: { type: 'string', format: 'uri', description: 'http:// or https://' }, events: eventTypes, secret: { type: 'string', minLength: 16, maxLength: 200 } },
              },
            },
          },
        },
        responses: { '201': json({ type: 'object', properties: { webhook: webhookRef, secret: { type: 'string' } } }, 'Created'), ...errorResponses(CHANGE_ERRORS) },
      },
    },
    '/api/v1/webhooks/{webhookId}': {
      get: { tags: ['webhooks'], summary: 'One webhook (administrator)', parameters: [webhookId], responses: { '200': json(webhookRef), ...errorResponses([...AUTH_ERRORS, 'not_found'], { not_found: 'No such webhook' }) } },
      patch: {
        tags: ['webhooks'],
        summary: "Change a webhook's URL, events or whether it is enabled (administrator)",
        parameters: [webhookId],
        requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', additionalProperties: false, properties: { url: { type: 'string', format: 'uri' }, events: eventTypes, enabled: { type: 'boolean' } } } } } },
        responses: { '200': json(webhookRef), ...errorResponses([...CHANGE_ERRORS, 'not_found'], { not_found: 'No such webhook' }) },
      },
      delete: { tags: ['webhooks'], summary: 'Delete a webhook (administrator); its delivery log stays', parameters: [webhookId], responses: { '204': { description: 'Deleted' }, ...errorResponses([...AUTH_ERRORS, 'cross_origin_request', 'not_found'], { not_found: 'No such webhook' }) } },
    },
    '/api/v1/webhooks/{webhookId}/test': {
      post: {
        tags: ['webhooks'],
        summary: 'Send a webhook.test event to this webhook (administrator)',
        parameters: [webhookId],
        responses: { '202': json({ type: 'object', properties: { eventId: { type: 'string' } } }, 'Queued'), ...errorResponses([...CHANGE_ERRORS, 'not_found'], { not_found: 'No such webhook' }) },
      },
    },
    '/api/v1/webhooks/{webhookId}/deliveries': {
      get: {
        tags: ['webhooks'],
        summary: "The webhook's last 50 delivery attempts, newest first (administrator)",
        parameters: [webhookId],
        responses: {
          '200': json({
            type: 'object',
            properties: {
              deliveries: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    id: { type: 'integer' },
                    eventId: { type: 'string' },
                    eventType: { type: 'string' },
                    attempt: { type: 'integer' },
                    ok: { type: 'boolean' },
                    statusCode: { type: ['integer', 'null'] },
                    durationMs: { type: 'integer' },
                    error: { type: ['string', 'null'] },
                    at: { type: 'string', format: 'date-time' },
                  },
                },
              },
            },
          }),
          ...errorResponses([...AUTH_ERRORS, 'not_found'], { not_found: 'No such webhook' }),
        },
      },
    },
    '/api/health': {
      get: { tags: ['operations'], summary: 'Liveness', security: [], responses: { '200': json({ type: 'object', properties: { status: { const: 'ok' } } }), ...errorResponses(ADDRESS_ERRORS) } },
    },
    '/api/ready': {
      get: {
        tags: ['operations'],
        summary: 'Readiness: database, Redis and worker heartbeat',
        security: [],
        responses: { '200': json({ $ref: '#/components/schemas/Readiness' }), '503': json({ $ref: '#/components/schemas/Readiness' }, 'Not ready'), ...errorResponses(ADDRESS_ERRORS) },
      },
    },
    '/api/metrics': {
      get: {
        tags: ['operations'],
        summary: 'Prometheus metrics (operator token)',
        description: 'idm_batch_runs{job_key,status}, idm_batch_run_duration_seconds (histogram), idm_users_changed_total, idm_objects_changed_total, idm_batch_queue_jobs{state}, idm_ldap_errors_total{job_key,code}, idm_workers_live, idm_workers_not_fetching, idm_redis_up.',
        responses: { '200': { description: 'Prometheus text format 0.0.4', content: { 'text/plain': { schema: { type: 'string' } } } }, ...errorResponses(AUTH_ERRORS) },
      },
    },
    '/api/v1/openapi.json': {
      get: { tags: ['operations'], summary: 'This document', security: [], responses: { '200': json({ type: 'object' }), ...errorResponses(ADDRESS_ERRORS) } },
    },
  },
  components: {
    securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'API token `idm_...`, never accepted from cookies.' } },
    schemas: {
      Webhook: {
        type: 'object',
        properties: {
          id: { type: 'integer' },
          name: { type: 'string' },
          url: { type: 'string' },
          events: { type: 'array', items: { type: 'string', enum: NOTIFICATION_EVENT_TYPES } },
          enabled: { type: 'boolean' },
          createdBy: { type: ['string', 'null'] },
          createdAt: { type: 'string', format: 'date-time' },
          updatedAt: { type: 'string', format: 'date-time' },
          lastDelivery: { type: ['object', 'null'], properties: { at: { type: 'string', format: 'date-time' }, ok: { type: 'boolean' }, statusCode: { type: ['integer', 'null'] } } },
        },
      },
      Error: {
        type: 'object',
        required: ['code', 'message'],
        properties: {
          code: {
            type: 'string',
            enum: API_ERROR_CODES,
          },
          message: { type: 'string' },
          retryAfterSeconds: { type: 'integer', description: 'With rate_limited: the same as the Retry-After header.' },
          fieldErrors: { type: 'object', additionalProperties: { type: 'array', items: { type: 'string' } } },
        },
      },
      Run: {
        type: 'object',
        properties: {
          id: { type: 'integer' },
          jobKey: { type: 'string' },
          status: { type: 'string', enum: ['QUEUED', 'RUNNING', 'SUCCEEDED', 'COMPLETED_WITH_ERRORS', 'FAILED', 'CANCELLED', 'THRESHOLD_EXCEEDED'] },
          trigger: { type: 'string', enum: ['SCHEDULE', 'MANUAL', 'API', 'CLI'] },
          startedBy: { type: ['string', 'null'] },
          dryRun: { type: 'boolean' },
          confirmed: { type: 'boolean' },
          confirmsRunId: { type: ['integer', 'null'], description: 'The THRESHOLD_EXCEEDED run whose confirmation started this one.' },
          confirmedBy: { type: ['string', 'null'], description: 'Who confirmed the deactivation past the threshold: on the stopped run that was confirmed and on the run that carries the confirmation out (or a run started confirmed).' },
          confirmedAt: { ...dateTime, description: 'When it was confirmed.' },
          restoreOfRunId: { type: ['integer', 'null'], description: 'Of a restore run: the run whose changes it restores (POST /api/v1/runs/{runId}/restore).' },
          thresholdCheck: {
            type: ['object', 'null'],
            description:
              'The mass-deactivation check made before any write (inactive job, not confirmed). exceeded on a real run: it wrote nothing, ended THRESHOLD_EXCEEDED and lists as items the changes it would make; on a dry run: a real run would stop there.',
            properties: {
              wouldDeactivate: { type: 'integer' },
              activeUsers: { type: 'integer' },
              maxUsers: { type: ['integer', 'null'] },
              maxPercent: { type: ['number', 'null'] },
              exceeded: { type: 'boolean' },
            },
          },
          kind: {
            type: ['string', 'null'],
            enum: ['FULL', 'DELTA', null],
            description:
              "FULL: the run read every entry the job's filter matches; DELTA: only those changed since watermark.from, plus the people the Identity Manager let drift from the job's end state, re-checked against the directory. null: a restore run, or a run that ended before it read the directory.",
          },
          watermark: {
            type: 'object',
            description:
              "from: where a delta run started reading (the watermark the run it continues recorded; null for a full run); to: the directory's clock at this run's start, where the next delta starts if this run succeeds. modifyTimestamp (OpenLDAP, 389-DS): { type, value: GeneralizedTime, the server's time minus the overlap }; Active Directory: { type: 'usn', usn: highestCommittedUSN, invocationId, dnsHostName } of the domain controller that answered.",
            properties: { from: { $ref: '#/components/schemas/Watermark' }, to: { $ref: '#/components/schemas/Watermark' } },
          },
          fullRunReason: { type: ['string', 'null'], description: 'Why a job in delta mode ran in full (first run, job changed since its last full run, full-run period, unusable watermark: another domain controller, directory type changed, clock unreadable).' },
          queuedAt: { type: 'string', format: 'date-time' },
          startedAt: dateTime,
          finishedAt: dateTime,
          cancelRequestedAt: dateTime,
          counters: {
            type: 'object',
            properties: Object.fromEntries(
              ['pagesApplied', 'entriesRead', 'entriesTotal', 'created', 'updated', 'unchanged', 'failed', 'credentialsChanged', 'certificatesChanged', 'rolesWithdrawn', 'wouldDeactivate', 'irreversible'].map((k) => [k, { type: ['integer', 'null'] }]),
            ),
          },
          error: { type: ['object', 'null'], properties: { code: { type: ['string', 'null'] }, message: { type: ['string', 'null'] } } },
        },
      },
      Watermark: {
        oneOf: [
          { type: 'null' },
          { type: 'object', required: ['type', 'value'], properties: { type: { const: 'modifyTimestamp' }, value: { type: 'string', examples: ['20261206140000Z'] } } },
          {
            type: 'object',
            required: ['type', 'usn', 'invocationId'],
            properties: { type: { const: 'usn' }, usn: { type: 'string', description: 'A 64-bit integer as a string' }, invocationId: { type: 'string' }, dnsHostName: { type: ['string', 'null'] } },
          },
        ],
      },
      Job: {
        type: 'object',
        properties: {
          key: { type: 'string' },
          processName: { type: 'string' },
          symbolicName: { type: 'string', description: "The vendor's documented symbolic name, kept verbatim." },
          expression: { type: ['string', 'null'] },
          scheduleDescription: { type: ['string', 'null'] },
          timeZone: { type: 'string' },
          paused: { type: 'boolean' },
          scheduleState: { type: 'string', enum: ['SCHEDULED', 'PAUSED', 'NOT_SCHEDULED', 'NEVER_FIRES'] },
          enabled: { type: 'boolean', deprecated: true, description: '!paused' },
          nextRunAt: dateTime,
          version: { type: 'integer' },
          activeRun: { oneOf: [{ $ref: '#/components/schemas/Run' }, { type: 'null' }] },
          lastRun: { oneOf: [{ $ref: '#/components/schemas/Run' }, { type: 'null' }] },
          filterChangedBy: { type: ['string', 'null'], description: "Who last changed the filter the job runs with (preset, filter, status attribute or value), its threshold or its confirmation rule: the two-person rule excludes them from confirming. null: not changed since it was recorded." },
          filterChangedAt: dateTime,
          options: {
            oneOf: [{ $ref: '#/components/schemas/JobOptions' }, { type: 'null' }],
            description: 'What the job runs with. null: its saved options are incomplete (a custom filter without its unique id or username attribute) and its runs fail until an administrator completes them.',
          },
        },
      },
      JobOptions: {
        type: 'object',
        description:
          "The job's options as the engine runs them: the saved ones with every default of the filter preset applied. Read-only in the API: an administrator changes them on the job page (Admin > Batch Synchronization).",
        properties: {
          filterPreset: {
            type: 'string',
            enum: [...FILTER_PRESET_KEYS],
            description:
              'openldap-ppolicy: locked by the ppolicy overlay (unique id entryUUID); status-attribute: a status attribute has a given value (entryUUID); ' +
              'active-directory-disabled: ACCOUNTDISABLE set, accounts AD marks isCriticalSystemObject left out (objectGUID); directory-server-lock: ' +
              '389 Directory Server / Red Hat DS nsAccountLock (nsUniqueId); freeipa-lock: FreeIPA / Red Hat IdM disabled users (ipaUniqueID); ' +
              'custom: a filter of your own, with its unique id and username attribute named explicitly.',
          },
          filter: { type: 'string', description: 'The RFC 4515 filter this job searches with.' },
          uniqueIdAttribute: {
            type: 'string',
            description: `The attribute that identifies an entry for life and links it to its Identity Manager user: any attribute name. Known: ${KNOWN_UNIQUE_IDS.map((k) => k.attribute).join(', ')}; binary GUIDs (objectGUID, GUID) are given as their canonical string, other ids as lower-case text.`,
            examples: ['entryUUID', 'objectGUID', 'nsUniqueId', 'ipaUniqueID'],
          },
          mapping: {
            type: 'object',
            description: 'The LDAP attribute each user field is read from; null: not read.',
            required: ['username'],
            properties: {
              username: { type: 'string' },
              ...Object.fromEntries(['givenName', 'surname', 'displayName', 'email', 'employeeNumber'].map((f) => [f, { type: ['string', 'null'] }])),
            },
          },
          pageSize: { type: 'integer' },
          threshold: { type: 'object', properties: { maxUsers: { type: ['integer', 'null'] }, maxPercent: { type: ['number', 'null'] } } },
          runMode: { type: 'string', enum: ['full', 'delta'], description: 'full: every run reads the whole selection; delta: only what changed since the last successful run (see Run.kind).' },
          fullRunEvery: {
            type: 'object',
            description: 'In delta mode, a full run at least every `runs` runs and every `days` days (null: no such bound). Default: weekly.',
            properties: { runs: { type: ['integer', 'null'] }, days: { type: ['integer', 'null'] } },
          },
          confirmationRule: {
            type: 'string',
            enum: [...CONFIRMATION_RULES],
            description:
              'Who may confirm a run stopped at the threshold. OPERATOR (the default, the behaviour before the setting existed): the operator who started it or any other operator or administrator; ADMINISTRATOR: any administrator; TWO_PERSON: an administrator other than the one who started the run and the one who last changed the filter, threshold or rule. A run that stopped keeps the rule it stopped under if stricter than a later one; restores above the threshold are confirmed under the same rule (by an administrator).',
          },
        },
      },
      RunItem: {
        type: 'object',
        properties: {
          id: { type: 'string', description: '64-bit id as a string' },
          externalId: { type: ['string', 'null'], description: "The entry's unique id (the job's unique id attribute)." },
          username: { type: ['string', 'null'] },
          ldapDn: { type: ['string', 'null'], description: 'The DN of the entry, as the directory sent it.' },
          userId: { type: ['integer', 'null'] },
          outcome: { type: 'string', enum: ['CREATED', 'UPDATED', 'UNCHANGED', 'FAILED'] },
          reason: { type: ['string', 'null'], description: 'Why the item failed; for an ambiguous username it names every DN that claims it.' },
          changes: {
            description:
              'Before and after of the user (user.before/user.after; user.before null: created; source LOCAL -> LDAP: a local user linked to its directory entry), of each credential and certificate, and the roles withdrawn.',
          },
          createdAt: { type: 'string', format: 'date-time' },
        },
      },
      User: {
        type: 'object',
        properties: {
          id: { type: 'integer' },
          username: { type: 'string' },
          displayName: { type: ['string', 'null'] },
          givenName: { type: ['string', 'null'] },
          surname: { type: ['string', 'null'] },
          email: { type: ['string', 'null'] },
          employeeNumber: { type: ['string', 'null'] },
          state: { type: 'string', enum: ['ACTIVE', 'INACTIVE'] },
          source: { type: 'string', enum: ['LOCAL', 'LDAP'], description: 'LDAP once a synchronization linked the user to a directory entry.' },
          ldapDn: { type: ['string', 'null'], description: 'The DN of the linked entry exactly as the directory sent it (no Unicode normalization).' },
          lastSynchronizedAt: dateTime,
          credentials: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                id: { type: 'integer' },
                type: { type: 'string', enum: ['CARD', 'TEMPORARY_CARD', 'VIRTUAL_SMART_CARD', 'MOBILE_ID', 'SOFT_TOKEN'] },
                state: { type: 'string', enum: ['ACTIVE', 'INACTIVE', 'LOCKED'] },
                label: { type: ['string', 'null'] },
                certificates: { type: 'array', items: { $ref: '#/components/schemas/Certificate' } },
              },
            },
          },
          roles: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' }, assignedAt: { type: 'string', format: 'date-time' } } } },
        },
      },
      Certificate: {
        type: 'object',
        properties: {
          serial: { type: 'string' },
          state: { type: 'string', enum: ['VALID', 'ON_HOLD', 'REVOKED'] },
          subject: { type: 'string' },
          issuer: { type: ['string', 'null'] },
          validFrom: dateTime,
          validTo: dateTime,
          revocationReason: {
            type: ['string', 'null'],
            enum: [...REVOCATION_REASONS, null],
            description: 'RFC 5280 reason: certificateHold for a certificate on hold, e.g. cessationOfOperation for one the inactive job revoked; null for a valid certificate.',
          },
          revokedAt: { ...dateTime, description: 'The revocation date: when the certificate was revoked or put on hold; null for a valid certificate.' },
        },
      },
      Readiness: {
        type: 'object',
        properties: {
          status: { type: 'string', enum: ['ready', 'not_ready'] },
          checks: { type: 'object', additionalProperties: { type: 'object', properties: { ok: { type: 'boolean' }, message: { type: 'string' } } } },
        },
      },
    },
  },
} as const;
