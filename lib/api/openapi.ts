import { z } from 'zod';
import { createDocument, type ZodOpenApiOperationObject, type ZodOpenApiPathsObject, type ZodOpenApiResponseObject } from 'zod-openapi';
import { REFUSALS } from '../errors/error-codes';
import { CONFIRMATION_RULES } from '../batch-jobs/confirmation-rule';
import { apiErrorBodySchema, type ApiErrorCode } from './errors';
import { livenessSchema, readinessSchema } from './check-readiness';
import { MAX_JSON_BODY_BYTES } from './read-json-body';
import { emptyBody, jobKeyPath, paginationQuery, restoreRunBody, runIdPath, scheduleBody, startRunBody, usernamePath } from './v1-schemas';
import {
  cancelledRunSchema,
  clearedCacheSchema,
  jobListSchema,
  jobSchema,
  queuedRunSchema,
  runItemsPageSchema,
  runSchema,
  runSnapshotSchema,
  savedScheduleSchema,
  userSchema,
} from './v1-representations';
import { createdWebhookSchema, createWebhookBody, deliveryListSchema, patchWebhookBody, webhookIdParam, webhookListSchema, webhookSchema, webhookTestSentSchema } from './webhooks-api';

// The OpenAPI 3.1 description of REST API v1 and the operations endpoints, served at
// /api/v1/openapi.json, generated from the zod schemas the handlers validate requests with and
// type their answers by (lib/api/v1-schemas.ts, v1-representations.ts, webhooks-api.ts). What is
// written here is only what zod cannot know: paths, operation ids, words and error codes.
// Checked by Spectral (openapi.test.ts) and by a typed client against the built app
// (tests/integration/api-typed-client.test.ts, through lib/api/openapi-paths.generated.ts).

/** The vocabulary's meaning of a code (lib/errors/error-codes.ts), with this document's figures where it has them. */
const meaningOf = (code: ApiErrorCode): string =>
  code === 'payload_too_large' ? `The body is larger than ${MAX_JSON_BODY_BYTES / 1024} KiB` : REFUSALS[code].meaning;

const RESPONSE_HEADERS: Partial<Record<number, ZodOpenApiResponseObject['headers']>> = {
  401: z.object({ 'WWW-Authenticate': z.string().meta({ description: 'Bearer realm="idm"' }) }),
  429: z.object({ 'Retry-After': z.number().int().min(1).meta({ description: 'Seconds to wait before trying again' }) }),
};

/** Details some codes add to the error body, each as the handler builds it. */
const errorWith = (id: string, shape: z.ZodRawShape) => apiErrorBodySchema.extend(shape).meta({ id, description: `An error with details: ${Object.keys(shape).join(', ')}.` });
const errorWithRun = errorWith('ErrorWithRun', { run: runSchema.optional().meta({ description: 'The run the error is about.' }) });
const ERROR_DETAILS: Partial<Record<ApiErrorCode, z.ZodType>> = {
  run_already_active: errorWith('ErrorWithActiveRun', { activeRun: runSchema }),
  queue_unavailable: errorWithRun,
  run_already_finished: errorWithRun,
  schedule_conflict: errorWith('ErrorWithCurrentVersion', { currentVersion: z.number().int().meta({ description: 'The version of the saved schedule.' }) }),
  run_already_restored: errorWith('ErrorWithRestoredBy', { restoredBy: z.number().int().nullable().meta({ description: 'The restore run that restored it.' }) }),
  confirmation_refused: errorWith('ErrorWithRule', { rule: z.enum(CONFIRMATION_RULES).meta({ description: 'The confirmation rule that refused.' }) }),
};

/** Every request passes the proxy's address check; every authenticated one these. */
const ADDRESS_ERRORS: ApiErrorCode[] = ['bad_request'];
const AUTH_ERRORS: ApiErrorCode[] = [...ADDRESS_ERRORS, 'unauthenticated', 'forbidden', 'password_change_required', 'rate_limited', 'internal_error'];
/** Operations that change something (a browser session must be same-origin) and take a JSON body. */
const CHANGE_ERRORS: ApiErrorCode[] = [...AUTH_ERRORS, 'cross_origin_request', 'invalid_json', 'payload_too_large', 'unsupported_media_type', 'validation_failed'];

/**
 * The error responses of an operation from the codes it can answer, grouped by status (the one
 * table of statuses is lib/api/errors.ts), each status with its codes' meanings and headers.
 * When several codes of one status add details, the body is any of them.
 */
export function errorResponses(codes: ApiErrorCode[], notes: Partial<Record<ApiErrorCode, string>> = {}): Record<string, ZodOpenApiResponseObject> {
  const byStatus = new Map<number, ApiErrorCode[]>();
  for (const code of new Set(codes)) byStatus.set(REFUSALS[code].status, [...(byStatus.get(REFUSALS[code].status) ?? []), code]);
  return Object.fromEntries(
    [...byStatus.entries()]
      .sort(([a], [b]) => a - b)
      .map(([status, list]) => {
        const detailed = list.flatMap((c) => (ERROR_DETAILS[c] ? [ERROR_DETAILS[c]] : []));
        const schema = detailed.length === 0 ? apiErrorBodySchema : detailed.length === 1 ? detailed[0]! : z.union([apiErrorBodySchema, ...detailed]);
        const response: ZodOpenApiResponseObject = {
          description: list.map((c) => `${notes[c] ?? meaningOf(c)} (code \`${c}\`).`).join(' '),
          ...(RESPONSE_HEADERS[status] ? { headers: RESPONSE_HEADERS[status] } : {}),
          content: { 'application/json': { schema } },
        };
        return [String(status), response];
      }),
  );
}

const json = (schema: z.ZodType, description: string): ZodOpenApiResponseObject => ({ description, content: { 'application/json': { schema } } });
const body = (schema: z.ZodType, required = true) => ({ required, content: { 'application/json': { schema } } });
const queuedHeaders = z.object({ Location: z.string().meta({ description: 'The new run: /api/v1/runs/{runId}' }) });
const webhookIdPath = z.object({ webhookId: webhookIdParam.meta({ description: 'The id of a webhook (a positive 32-bit integer).', examples: ['7'] }) });

type Operation = ZodOpenApiOperationObject & { operationId: string; description: string };

const paths = {
  '/api/v1/jobs': {
    get: {
      operationId: 'listJobs',
      tags: ['jobs'],
      summary: 'List the batch jobs (operator)',
      description: 'The batch jobs with their schedule, next run, last run and the options they run with.',
      responses: { '200': json(jobListSchema, 'The batch jobs'), ...errorResponses(AUTH_ERRORS) },
    },
  },
  '/api/v1/jobs/{jobKey}': {
    get: {
      operationId: 'getJob',
      tags: ['jobs'],
      summary: 'One batch job (operator)',
      description: 'One batch job with its schedule, next run, last run and the options it runs with.',
      requestParams: { path: jobKeyPath },
      responses: { '200': json(jobSchema, 'The batch job'), ...errorResponses([...AUTH_ERRORS, 'not_found'], { not_found: 'No such job' }) },
    },
  },
  '/api/v1/jobs/{jobKey}/schedule': {
    put: {
      operationId: 'saveJobSchedule',
      tags: ['jobs'],
      summary: "Save a job's schedule (administrator)",
      description: 'Takes effect for the scheduler at once. Operators see it in their cached views after Clear cache.',
      requestParams: { path: jobKeyPath },
      requestBody: body(scheduleBody),
      responses: { '200': json(savedScheduleSchema, 'The saved job'), ...errorResponses([...CHANGE_ERRORS, 'not_found', 'schedule_conflict'], { not_found: 'No such job' }) },
    },
  },
  '/api/v1/jobs/{jobKey}/runs': {
    post: {
      operationId: 'startJobRun',
      tags: ['runs'],
      summary: 'Start a run now (operator)',
      description: 'Queues a run of the job, as Start now does; follow it at /api/v1/runs/{runId}. The body may be left out.',
      requestParams: { path: jobKeyPath },
      requestBody: body(startRunBody, false),
      responses: {
        '202': { ...json(queuedRunSchema, 'Queued; follow it at /api/v1/runs/{runId}'), headers: queuedHeaders },
        ...errorResponses([...CHANGE_ERRORS, 'not_found', 'run_already_active', 'queue_unavailable', 'confirmation_refused'], {
          not_found: 'No such job',
          confirmation_refused: "confirm: the job's confirmation rule does not let the caller confirm (with `rule`)",
        }),
      },
    },
  },
  '/api/v1/runs/{runId}': {
    get: {
      operationId: 'getRun',
      tags: ['runs'],
      summary: 'Status, timestamps, counters and error of a run (operator)',
      description: "The run as recorded (counters are committed with each page) and the worker's live progress.",
      requestParams: { path: runIdPath },
      responses: { '200': json(runSnapshotSchema, 'The run'), ...errorResponses([...AUTH_ERRORS, 'not_found'], { not_found: 'No such run' }) },
    },
  },
  '/api/v1/runs/{runId}/items': {
    get: {
      operationId: 'listRunItems',
      tags: ['runs'],
      summary: 'What a run did to each person, paginated (operator)',
      description: 'The items of a run in the order they were applied; a page past the end is answered empty.',
      requestParams: { path: runIdPath, query: paginationQuery },
      responses: {
        '200': json(runItemsPageSchema, 'One page of items'),
        ...errorResponses([...AUTH_ERRORS, 'not_found', 'validation_failed'], { not_found: 'No such run', validation_failed: 'Invalid query parameters' }),
      },
    },
  },
  '/api/v1/runs/{runId}/confirm': {
    post: {
      operationId: 'confirmRun',
      tags: ['runs'],
      summary: "Confirm a run stopped at the threshold and run the job past it (who may: the job's confirmationRule)",
      description:
        "For a THRESHOLD_EXCEEDED run: starts the job again, confirmed. The job's confirmationRule decides who may: OPERATOR (any operator or administrator), ADMINISTRATOR (any administrator), TWO_PERSON (an administrator other than the one who started the run and the one who last changed the job's filter, threshold or rule; an API token counts as the administrator who created it). The stricter of the rule recorded when the run stopped and the job's current rule applies. A restore run that stopped at the threshold is confirmed the same way, by an administrator: the new run is the restore, confirmed. Who confirmed and when is recorded on both runs (confirmedBy, confirmedAt) and in the audit log (run.threshold_confirmed; a refusal: run.threshold_confirmation_refused).",
      requestParams: { path: runIdPath },
      requestBody: body(emptyBody, false),
      responses: {
        '202': { ...json(queuedRunSchema, 'The confirmed run, queued; follow it at /api/v1/runs/{runId}'), headers: queuedHeaders },
        ...errorResponses([...CHANGE_ERRORS, 'not_found', 'confirmation_refused', 'run_not_stopped_at_threshold', 'run_already_active', 'queue_unavailable', 'run_not_restorable', 'run_already_restored'], {
          not_found: 'No such run',
          confirmation_refused: "The job's confirmation rule does not let the caller confirm; the message names the rule (with `rule`)",
        }),
      },
    },
  },
  '/api/v1/runs/{runId}/cancel': {
    post: {
      operationId: 'cancelRun',
      tags: ['runs'],
      summary: 'Cancel a queued or running run (operator)',
      description: 'A run that has not started is CANCELLED at once; a running run stops after the page in progress (cancelRequestedAt is set).',
      requestParams: { path: runIdPath },
      requestBody: body(emptyBody, false),
      responses: { '200': json(cancelledRunSchema, 'The run'), ...errorResponses([...CHANGE_ERRORS, 'not_found', 'run_already_finished'], { not_found: 'No such run' }) },
    },
  },
  '/api/v1/runs/{runId}/restore': {
    post: {
      operationId: 'restoreRun',
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
      requestParams: { path: runIdPath },
      requestBody: body(restoreRunBody, false),
      responses: {
        '202': { ...json(queuedRunSchema, 'Queued; follow it at /api/v1/runs/{runId}'), headers: queuedHeaders },
        ...errorResponses([...CHANGE_ERRORS, 'not_found', 'confirmation_refused', 'run_not_restorable', 'run_already_restored', 'run_already_active', 'queue_unavailable'], {
          not_found: 'No such run',
          confirmation_refused: "`confirm` was given but the job's confirmation rule does not let the caller confirm (with `rule`): start it without, for another administrator to confirm",
        }),
      },
    },
  },
  '/api/v1/operator/cache/clear': {
    post: {
      operationId: 'clearOperatorCache',
      tags: ['operator'],
      summary: "Clear the operators' cache (operator)",
      description: "Operators' views (scheduled jobs, job details) show the saved configuration again.",
      requestBody: body(emptyBody, false),
      responses: { '200': json(clearedCacheSchema, 'Cleared'), ...errorResponses([...CHANGE_ERRORS, 'service_unavailable'], { service_unavailable: 'Redis unavailable' }) },
    },
  },
  '/api/v1/users/{username}': {
    get: {
      operationId: 'getUser',
      tags: ['users'],
      summary: 'A person with state, source, credentials, certificates and roles (operator)',
      description: 'Looks the username up in the Identity Manager (case-insensitive), never in the directory.',
      requestParams: { path: usernamePath },
      responses: { '200': json(userSchema, 'The person'), ...errorResponses([...AUTH_ERRORS, 'not_found'], { not_found: 'No such user' }) },
    },
  },
  '/api/v1/webhooks': {
    get: {
      operationId: 'listWebhooks',
      tags: ['webhooks'],
      summary: 'List the webhooks (administrator)',
      description: 'The webhooks with their latest delivery, without their secrets.',
      responses: { '200': json(webhookListSchema, 'The webhooks'), ...errorResponses(AUTH_ERRORS) },
    },
    post: {
      operationId: 'createWebhook',
      tags: ['webhooks'],
      summary: 'Add a webhook (administrator)',
      description:
        'Events are POSTed as JSON `{ id, type, createdAt, data }` signed with `X-IdM-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "t.body">` (README, Notifications). ' +
        'The answer holds the signing secret: it is never answered again. Leave `secret` out to have one generated.',
      requestBody: body(createWebhookBody),
      responses: { '201': json(createdWebhookSchema, 'Created'), ...errorResponses(CHANGE_ERRORS) },
    },
  },
  '/api/v1/webhooks/{webhookId}': {
    get: {
      operationId: 'getWebhook',
      tags: ['webhooks'],
      summary: 'One webhook (administrator)',
      description: 'One webhook with its latest delivery, without its secret.',
      requestParams: { path: webhookIdPath },
      responses: { '200': json(webhookSchema, 'The webhook'), ...errorResponses([...AUTH_ERRORS, 'not_found'], { not_found: 'No such webhook' }) },
    },
    patch: {
      operationId: 'updateWebhook',
      tags: ['webhooks'],
      summary: "Change a webhook's URL, events or whether it is enabled (administrator)",
      description: 'The fields left out stay as they are.',
      requestParams: { path: webhookIdPath },
      requestBody: body(patchWebhookBody),
      responses: { '200': json(webhookSchema, 'The changed webhook'), ...errorResponses([...CHANGE_ERRORS, 'not_found'], { not_found: 'No such webhook' }) },
    },
    delete: {
      operationId: 'deleteWebhook',
      tags: ['webhooks'],
      summary: 'Delete a webhook (administrator); its delivery log stays',
      description: 'No more events are posted to it; the log of its deliveries stays.',
      requestParams: { path: webhookIdPath },
      responses: { '204': { description: 'Deleted' }, ...errorResponses([...AUTH_ERRORS, 'cross_origin_request', 'not_found'], { not_found: 'No such webhook' }) },
    },
  },
  '/api/v1/webhooks/{webhookId}/test': {
    post: {
      operationId: 'sendWebhookTest',
      tags: ['webhooks'],
      summary: 'Send a webhook.test event to this webhook (administrator)',
      description: 'Queues a webhook.test event for this webhook only; its delivery appears in the deliveries.',
      requestParams: { path: webhookIdPath },
      requestBody: body(emptyBody, false),
      responses: { '202': json(webhookTestSentSchema, 'Queued'), ...errorResponses([...CHANGE_ERRORS, 'not_found'], { not_found: 'No such webhook' }) },
    },
  },
  '/api/v1/webhooks/{webhookId}/deliveries': {
    get: {
      operationId: 'listWebhookDeliveries',
      tags: ['webhooks'],
      summary: "The webhook's last 50 delivery attempts, newest first (administrator)",
      description: 'Each attempt with its event, HTTP status, duration and error.',
      requestParams: { path: webhookIdPath },
      responses: { '200': json(deliveryListSchema, 'The delivery attempts'), ...errorResponses([...AUTH_ERRORS, 'not_found'], { not_found: 'No such webhook' }) },
    },
  },
  '/api/health': {
    get: {
      operationId: 'getHealth',
      tags: ['operations'],
      summary: 'Liveness',
      description: 'The web process answers. It checks nothing else, so a database outage does not get it restarted.',
      security: [],
      responses: { '200': json(livenessSchema, 'Alive'), ...errorResponses(ADDRESS_ERRORS) },
    },
  },
  '/api/ready': {
    get: {
      operationId: 'getReadiness',
      tags: ['operations'],
      summary: 'Readiness: database, Redis and worker heartbeat',
      description: 'Answered to anyone; which dependency fails (`checks`) only to a signed-in account or an API token of any role.',
      security: [],
      responses: { '200': json(readinessSchema, 'Ready'), '503': json(readinessSchema, 'Not ready'), ...errorResponses(ADDRESS_ERRORS) },
    },
  },
  '/api/metrics': {
    get: {
      operationId: 'getMetrics',
      tags: ['operations'],
      summary: 'Prometheus metrics (operator token)',
      description:
        'idm_batch_runs{job_key,status}, idm_batch_run_duration_seconds (histogram), idm_users_changed_total, idm_objects_changed_total, idm_batch_queue_jobs{state}, idm_ldap_errors_total{job_key,code}, idm_workers_live, idm_redis_up.',
      responses: { '200': { description: 'Prometheus text format 0.0.4', content: { 'text/plain': { schema: z.string() } } }, ...errorResponses(AUTH_ERRORS) },
    },
  },
  '/api/v1/openapi.json': {
    get: {
      operationId: 'getOpenApiDocument',
      tags: ['operations'],
      summary: 'This document',
      description: 'The OpenAPI 3.1 description of this API; public, like any API documentation.',
      security: [],
      responses: { '200': json(z.record(z.string(), z.unknown()), 'The OpenAPI document'), ...errorResponses(ADDRESS_ERRORS) },
    },
  },
} satisfies Record<string, Partial<Record<'get' | 'put' | 'post' | 'patch' | 'delete', Operation>>>;

export const openApiDocument = createDocument({
  openapi: '3.1.0',
  info: {
    title: 'Identity Manager: LDAP batch synchronization API',
    version: '1.0.0',
    // The API is run by each installation: its administrators are whom a caller asks.
    contact: { name: 'The administrators of this Identity Manager installation' },
    description:
      'Start and follow the batch jobs "Synchronize inactive LDAP Users to Identity Manager" (inactive-ldap-users) and ' +
      '"Synchronize active LDAP Users to Identity Manager" (active-ldap-users), change their schedules, clear the operator cache ' +
      'and look up people. Authenticate with an API token created by an administrator under Admin > API tokens: ' +
      '`Authorization: Bearer idm_...`. A signed-in browser session works too (changes only from the same origin). ' +
      'Errors are JSON `{ "code", "message" }` with a stable code.',
  },
  servers: [{ url: '/' }],
  security: [{ bearerAuth: [] }],
  tags: [
    { name: 'jobs', description: 'The batch jobs and their schedules' },
    { name: 'runs', description: 'Runs of the batch jobs: start, follow, confirm, cancel, restore' },
    { name: 'operator', description: "The operators' cache" },
    { name: 'users', description: 'People in the Identity Manager' },
    { name: 'webhooks', description: 'Notifications posted to other systems' },
    { name: 'operations', description: 'Liveness, readiness, metrics and this document' },
  ],
  paths: paths satisfies ZodOpenApiPathsObject,
  components: {
    securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'API token `idm_...`, never accepted from cookies.' } },
  },
}, {
  // zod bounds every .int() by the safe integers; as a documented limit that is noise.
  override: ({ jsonSchema }) => {
    if (jsonSchema.minimum === Number.MIN_SAFE_INTEGER) delete jsonSchema.minimum;
    if (jsonSchema.maximum === Number.MAX_SAFE_INTEGER) delete jsonSchema.maximum;
  },
});
