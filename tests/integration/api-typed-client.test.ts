import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import createClient, { type Middleware } from 'openapi-fetch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { paths } from '@/lib/api/openapi-types.generated';
import { addEmployees, addLockedPeople, startApiTestEnvironment, type ApiTestEnvironment } from './api-support';
import { prepareJobs, startWorker, waitFor, type WorkerProcess } from './jobs-support';

// REST API v1 driven by a client typed from the generated OpenAPI document (openapi-typescript's
// `paths`, committed in lib/api/openapi-types.generated.ts, and openapi-fetch) against the built
// app, the real worker, PostgreSQL, Redis and slapd. A drift breaks the build twice over: `tsc`
// refuses a call or a field the document no longer has, and every answer is validated (ajv,
// JSON Schema 2020-12) against the response the document served at /api/v1/openapi.json gives
// for its status, so an undocumented status, a missing field or an extra one fails the test.

const JOB = 'inactive-ldap-users';
const PEOPLE = ['tc.one', 'tc.two'];

let env: ApiTestEnvironment;
let worker: WorkerProcess | undefined;
let operator: ReturnType<typeof typedClient>;
let admin: ReturnType<typeof typedClient>;
let anonymous: ReturnType<typeof typedClient>;
let served: { paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, unknown> }> }>> };
let ajv: Ajv2020;
const checked: string[] = [];

/** Validates every answer against the served document's response for its path, method and status. */
const conformsToDocument: Middleware = {
  async onResponse({ request, response, schemaPath }) {
    const method = request.method.toLowerCase();
    const status = String(response.status);
    const documented = served.paths[schemaPath]?.[method]?.responses[status];
    if (!documented) throw new Error(`${request.method} ${schemaPath} answered ${status}, which the document does not describe`);
    const media = documented.content ? Object.keys(documented.content)[0] : undefined;
    if (!media) {
      expect(await response.clone().text(), `${request.method} ${schemaPath} ${status} has no body in the document`).toBe('');
      return;
    }
    expect(response.headers.get('content-type'), `${request.method} ${schemaPath} ${status}`).toContain(media);
    if (media !== 'application/json') {
      checked.push(`${request.method} ${schemaPath} ${status}`);
      return;
    }
    const pointer = ['paths', schemaPath, method, 'responses', status, 'content', media, 'schema'].map((s) => s.replaceAll('~', '~0').replaceAll('/', '~1')).join('/');
    const validate = ajv.getSchema(`openapi.json#/${pointer}`);
    if (!validate) throw new Error(`No schema at ${pointer}`);
    const body: unknown = await response.clone().json();
    if (!validate(body)) throw new Error(`${request.method} ${schemaPath} ${status} does not match the document: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(body).slice(0, 2000)}`);
    checked.push(`${request.method} ${schemaPath} ${status}`);
  },
};

function typedClient(token: string | null) {
  const client = createClient<paths>({ baseUrl: env.baseUrl, headers: token ? { authorization: `Bearer ${token}` } : {} });
  client.use(conformsToDocument);
  return client;
}

/** GET /api/v1/runs/{runId} until the run has ended. */
async function ended(runId: number) {
  return waitFor(
    async () => {
      const { data } = await operator.GET('/api/v1/runs/{runId}', { params: { path: { runId: String(runId) } } });
      return data?.finished ? data : undefined;
    },
    `run #${runId} to end`,
    60_000,
    250,
  );
}

beforeAll(async () => {
  env = await startApiTestEnvironment('api-typed-client');
  const res = await fetch(`${env.baseUrl}/api/v1/openapi.json`);
  expect(res.status).toBe(200);
  served = await res.json();
  ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema(served, 'openapi.json');
  operator = typedClient((await env.createToken('OPERATOR', 'typed-operator')).token);
  admin = typedClient((await env.createToken('ADMINISTRATOR', 'typed-admin')).token);
  anonymous = typedClient(null);
  await prepareJobs(env.services, env.encryptionKey, 50);
  await addLockedPeople(env.services.ldap, PEOPLE, 'Typed');
  await addEmployees(PEOPLE, ['CARD']);
}, 240_000);

afterAll(async () => {
  await worker?.stop();
  await env?.stop();
});

describe('a client typed from the OpenAPI document drives the API', () => {
  it('lists the jobs and gets one', async () => {
    const list = await operator.GET('/api/v1/jobs');
    expect(list.response.status).toBe(200);
    const keys = list.data!.jobs.map((j) => j.key);
    expect(keys).toEqual(expect.arrayContaining([JOB, 'active-ldap-users']));
    const one = await operator.GET('/api/v1/jobs/{jobKey}', { params: { path: { jobKey: JOB } } });
    expect(one.data).toMatchObject({ key: JOB, processName: 'Synchronize inactive LDAP Users to Identity Manager', options: { filterPreset: 'openldap-ppolicy' } });
  });

  it('starts a dry run, reads it and cancels it while it is queued (no worker yet); a second cancel is a 409', async () => {
    const started = await operator.POST('/api/v1/jobs/{jobKey}/runs', { params: { path: { jobKey: JOB } }, body: { dryRun: true } });
    expect(started.response.status).toBe(202);
    const runId = started.data!.runId;
    expect(started.response.headers.get('location')).toBe(`/api/v1/runs/${runId}`);
    expect(started.data!.run).toMatchObject({ id: runId, status: 'QUEUED', dryRun: true, trigger: 'API' });
    const run = await operator.GET('/api/v1/runs/{runId}', { params: { path: { runId: String(runId) } } });
    expect(run.data).toMatchObject({ id: runId, status: 'QUEUED', finished: false, processName: 'Synchronize inactive LDAP Users to Identity Manager' });
    const cancelled = await operator.POST('/api/v1/runs/{runId}/cancel', { params: { path: { runId: String(runId) } } });
    expect(cancelled.data).toMatchObject({ cancelledNow: true, run: { id: runId, status: 'CANCELLED' } });
    const again = await operator.POST('/api/v1/runs/{runId}/cancel', { params: { path: { runId: String(runId) } } });
    expect(again.response.status).toBe(409);
    expect(again.error).toMatchObject({ code: 'run_already_finished' });
  });

  it('runs the job (a dry run, then for real), lists its items and previews a restore', async () => {
    worker = startWorker({ DATABASE_URL: env.services.databaseUrl, REDIS_URL: env.services.redisUrl, APP_ENCRYPTION_KEY: env.encryptionKey, NODE_ENV: 'production' });
    await worker.waitForLine(/started: queue/);
    const dry = await operator.POST('/api/v1/jobs/{jobKey}/runs', { params: { path: { jobKey: JOB } }, body: { dryRun: true } });
    expect(await ended(dry.data!.runId)).toMatchObject({ status: 'SUCCEEDED', dryRun: true, counters: { updated: 2 } });

    const real = await operator.POST('/api/v1/jobs/{jobKey}/runs', { params: { path: { jobKey: JOB } } });
    expect(real.response.status).toBe(202);
    const runId = real.data!.runId;
    expect(await ended(runId)).toMatchObject({ status: 'SUCCEEDED', dryRun: false, counters: { updated: 2, rolesWithdrawn: 2 } });

    const items = await operator.GET('/api/v1/runs/{runId}/items', { params: { path: { runId: String(runId) }, query: { outcome: 'DEACTIVATED', pageSize: 1 } } });
    expect(items.data!.pagination).toEqual({ page: 1, pageSize: 1, total: 2, pages: 2, hasNextPage: true });
    expect(PEOPLE).toContain(items.data!.items[0]!.username);
    expect(items.data!.items[0]).toMatchObject({ outcome: 'UPDATED', reason: null });

    const preview = await admin.POST('/api/v1/runs/{runId}/restore', { params: { path: { runId: String(runId) } }, body: { dryRun: true } });
    expect(preview.response.status).toBe(202);
    expect(preview.data!.run).toMatchObject({ restoreOfRunId: runId, dryRun: true });
    expect(await ended(preview.data!.runId)).toMatchObject({ status: 'SUCCEEDED', restoreOfRunId: runId, counters: { updated: 2 } });
  });

  it('looks up a user the run deactivated', async () => {
    const user = await operator.GET('/api/v1/users/{username}', { params: { path: { username: 'TC.ONE' } } });
    expect(user.response.status).toBe(200);
    expect(user.data).toMatchObject({ username: 'tc.one', state: 'INACTIVE', roles: [] });
    expect(user.data!.credentials).toEqual([expect.objectContaining({ type: 'CARD', state: 'INACTIVE', certificates: [expect.objectContaining({ state: 'ON_HOLD', revocationReason: 'certificateHold' })] })]);
  });

  it('adds, lists, changes, tests and deletes a webhook', async () => {
    const created = await admin.POST('/api/v1/webhooks', { body: { name: 'typed', url: 'https://hooks.example.com/idm', events: ['run.finished'] } });
    expect(created.response.status).toBe(201);
    const id = String(created.data!.webhook.id);
    expect(created.data!.secret).toMatch(/^whsec_/);
    const list = await admin.GET('/api/v1/webhooks');
    expect(list.data!.webhooks.map((w) => w.name)).toEqual(['typed']);
    expect((await admin.GET('/api/v1/webhooks/{webhookId}', { params: { path: { webhookId: id } } })).data).toMatchObject({ name: 'typed', enabled: true, lastDelivery: null });
    const sent = await admin.POST('/api/v1/webhooks/{webhookId}/test', { params: { path: { webhookId: id } } });
    expect(sent.response.status).toBe(202);
    expect(sent.data!.eventId).toMatch(/^evt_/);
    expect((await admin.GET('/api/v1/webhooks/{webhookId}/deliveries', { params: { path: { webhookId: id } } })).response.status).toBe(200);
    const changed = await admin.PATCH('/api/v1/webhooks/{webhookId}', { params: { path: { webhookId: id } }, body: { enabled: false } });
    expect(changed.data).toMatchObject({ enabled: false, url: 'https://hooks.example.com/idm' });
    const deleted = await admin.DELETE('/api/v1/webhooks/{webhookId}', { params: { path: { webhookId: id } } });
    expect(deleted.response.status).toBe(204);
  });

  it('clears the operator cache and saves a schedule', async () => {
    const cleared = await operator.POST('/api/v1/operator/cache/clear');
    expect(cleared.response.status).toBe(200);
    expect(new Date(cleared.data!.clearedAt).getTime()).toBeGreaterThan(0);
    const saved = await admin.PUT('/api/v1/jobs/{jobKey}/schedule', { params: { path: { jobKey: JOB } }, body: { expression: '0 3 * * *', timeZone: 'UTC', paused: true } });
    expect(saved.data).toMatchObject({ key: JOB, expression: '0 3 * * *', paused: true, scheduleState: 'PAUSED' });
  });

  it('answers errors in the documented shapes: 401, 403, 404, 409 and 422', async () => {
    const unauthenticated = await anonymous.GET('/api/v1/jobs');
    expect(unauthenticated.response.status).toBe(401);
    expect(unauthenticated.error).toMatchObject({ code: 'unauthenticated' });
    const forbidden = await operator.GET('/api/v1/webhooks');
    expect(forbidden.response.status).toBe(403);
    expect(forbidden.error).toMatchObject({ code: 'forbidden' });
    const noRun = await operator.GET('/api/v1/runs/{runId}', { params: { path: { runId: '999999' } } });
    expect(noRun.response.status).toBe(404);
    expect(noRun.error).toEqual({ code: 'not_found', message: 'There is no run #999999.' });
    const noJob = await operator.POST('/api/v1/jobs/{jobKey}/runs', { params: { path: { jobKey: 'no-such-job' } }, body: { dryRun: true } });
    expect(noJob.response.status).toBe(404);
    const invalid = await admin.PUT('/api/v1/jobs/{jobKey}/schedule', { params: { path: { jobKey: JOB } }, body: { expression: 'every day', timeZone: 'UTC' } });
    expect(invalid.response.status).toBe(422);
    expect(invalid.error).toMatchObject({ code: 'validation_failed', fieldErrors: { expression: [expect.any(String)] } });
    const badQuery = await operator.GET('/api/v1/runs/{runId}/items', { params: { path: { runId: '1' }, query: { pageSize: 501 } } });
    expect(badQuery.response.status).toBe(422);
    expect(badQuery.error).toMatchObject({ code: 'validation_failed', fieldErrors: { pageSize: [expect.any(String)] } });
    // The save above made the job's version at least 2: the one before it is stale.
    const { version } = (await operator.GET('/api/v1/jobs/{jobKey}', { params: { path: { jobKey: JOB } } })).data!;
    const stale = await admin.PUT('/api/v1/jobs/{jobKey}/schedule', { params: { path: { jobKey: JOB } }, body: { expression: null, timeZone: 'UTC', expectedVersion: version - 1 } });
    expect(stale.response.status).toBe(409);
    expect(stale.error).toMatchObject({ code: 'schedule_conflict', currentVersion: expect.any(Number) });
  });

  it('reads liveness, readiness, the metrics and the document itself', async () => {
    expect((await anonymous.GET('/api/health')).data).toEqual({ status: 'ok' });
    const ready = await anonymous.GET('/api/ready');
    expect(ready.data ?? ready.error).toEqual({ status: expect.stringMatching(/^(ready|not_ready)$/) });
    const withChecks = await operator.GET('/api/ready');
    expect(Object.keys((withChecks.data ?? withChecks.error)!.checks!)).toEqual(['database', 'redis', 'worker']);
    const metrics = await operator.GET('/api/metrics', { parseAs: 'text' });
    expect(metrics.data).toMatch(/^# HELP idm_/m);
    const document = await anonymous.GET('/api/v1/openapi.json');
    expect(document.data).toMatchObject({ openapi: '3.1.0' });
  });

  it('checked every answer above against the served document', () => {
    expect(checked.length).toBeGreaterThanOrEqual(30);
    expect(new Set(checked.map((c) => c.split(' ').slice(0, 2).join(' '))).size).toBeGreaterThanOrEqual(16);
  });
});
