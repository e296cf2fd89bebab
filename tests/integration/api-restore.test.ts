/* eslint-disable @typescript-eslint/no-explicit-any -- JSON bodies are checked field by field with expect() */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addEmployees, addLockedPeople, startApiTestEnvironment, type ApiTestEnvironment } from './api-support';
import { prepareJobs, startWorker, waitFor, type WorkerProcess } from './jobs-support';

// POST /api/v1/runs/{runId}/restore over HTTP against the built app (`next start`), the real
// worker, PostgreSQL, Redis and slapd: token authentication and roles, the preview by default,
// the restore itself, every refusal, the OpenAPI document and the audit log.

const JOB = 'inactive-ldap-users';
const PEOPLE = ['ra.one', 'ra.two'];

let env: ApiTestEnvironment;
let worker: WorkerProcess;
let adminToken: string;
let operatorToken: string;
let db: typeof import('@/lib/db');
let syncRunId: number;

async function json(res: Response): Promise<Record<string, any>> {
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  return (await res.json()) as Record<string, any>;
}

function restore(runId: number | string, init: { token?: string | null; body?: unknown } = {}) {
  return env.api(`/api/v1/runs/${runId}/restore`, { method: 'POST', token: init.token === undefined ? adminToken : init.token, body: init.body });
}

/** GET /api/v1/runs/{runId} until the run has ended. */
async function ended(runId: number): Promise<Record<string, any>> {
  return waitFor(
    async () => {
      const run = await json(await env.api(`/api/v1/runs/${runId}`, { token: adminToken }));
      return run.finished ? run : undefined;
    },
    `run #${runId} to end`,
    60_000,
    250,
  );
}

async function states(): Promise<Record<string, { state: string; roles: number; credentials: string[]; certificates: string[] }>> {
  const { pool } = await import('@/lib/db-pool');
  const { rows } = await pool().query(
    `SELECT u.username, u.state::text AS state,
            (SELECT count(*)::int FROM user_roles ur WHERE ur.user_id = u.id) AS roles,
            (SELECT coalesce(array_agg(c.state::text ORDER BY c.id), '{}') FROM credentials c WHERE c.user_id = u.id) AS credentials,
            (SELECT coalesce(array_agg(ce.state::text ORDER BY ce.id), '{}') FROM certificates ce JOIN credentials c ON c.id = ce.credential_id WHERE c.user_id = u.id) AS certificates
     FROM users u WHERE u.username = ANY($1) ORDER BY u.username`,
    [PEOPLE],
  );
  return Object.fromEntries(rows.map((r) => [r.username, { state: r.state, roles: r.roles, credentials: r.credentials, certificates: r.certificates }]));
}

async function auditOf(action: string) {
  return db.prisma().auditEvent.findMany({ where: { action }, orderBy: { id: 'asc' } });
}

beforeAll(async () => {
  env = await startApiTestEnvironment('api-restore');
  db = await import('@/lib/db');
  adminToken = (await env.createToken('ADMINISTRATOR', 'restorer')).token;
  operatorToken = (await env.createToken('OPERATOR', 'nightly')).token;
  await prepareJobs(env.services, env.encryptionKey, 50);
  await addLockedPeople(env.services.ldap, PEOPLE, 'Restore');
  await addEmployees(PEOPLE, ['CARD', 'TEMPORARY_CARD']);
  worker = startWorker({ DATABASE_URL: env.services.databaseUrl, REDIS_URL: env.services.redisUrl, APP_ENCRYPTION_KEY: env.encryptionKey, NODE_ENV: 'production' });
  await worker.waitForLine(/started: queue/);
  // The run to restore, started through the API like any other.
  const started = await env.api(`/api/v1/jobs/${JOB}/runs`, { method: 'POST', token: operatorToken });
  expect(started.status).toBe(202);
  syncRunId = (await json(started)).runId;
  expect(await ended(syncRunId)).toMatchObject({ status: 'SUCCEEDED', counters: { updated: 2 } });
}, 240_000);

afterAll(async () => {
  await worker?.stop();
  await env?.stop();
});

const DEACTIVATED = { state: 'INACTIVE', roles: 0, credentials: ['INACTIVE', 'LOCKED'], certificates: ['ON_HOLD', 'REVOKED'] };

describe('POST /api/v1/runs/{runId}/restore', () => {
  it('needs an API token (401) and the administrator role (403 for an operator token), and starts nothing then', async () => {
    const anonymous = await restore(syncRunId, { token: null });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect((await json(anonymous)).code).toBe('unauthenticated');
    const operator = await restore(syncRunId, { token: operatorToken, body: { dryRun: false } });
    expect(operator.status).toBe(403);
    expect((await json(operator)).code).toBe('forbidden');
    expect(await db.prisma().batchRun.count({ where: { restoreOfRunId: { not: null } } })).toBe(0);
  });

  it('refuses an unknown run (404), a run that cannot be restored (409) and a body it does not understand (422)', async () => {
    const unknown = await restore(999_999);
    expect(unknown.status).toBe(404);
    expect(await json(unknown)).toMatchObject({ code: 'not_found', message: 'There is no run #999999.' });
    const notANumber = await restore('abc');
    expect(notANumber.status).toBe(404);
    await notANumber.body?.cancel();

    // A dry run changed nothing: nothing to restore.
    const dry = await env.api(`/api/v1/jobs/${JOB}/runs`, { method: 'POST', token: operatorToken, body: { dryRun: true } });
    const dryRunId = (await json(dry)).runId as number;
    await ended(dryRunId);
    const ofDryRun = await restore(dryRunId);
    expect(ofDryRun.status).toBe(409);
    expect(await json(ofDryRun)).toMatchObject({ code: 'run_not_restorable', message: `Run #${dryRunId} was a dry run: it changed nothing.` });

    for (const body of [{ dryRun: 'false' }, { dryrun: false }]) {
      const res = await restore(syncRunId, { body });
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect((await json(res)).code).toBe('validation_failed');
    }
    expect(await db.prisma().batchRun.count({ where: { restoreOfRunId: { not: null } } })).toBe(0);
  });

  let previewId: number;
  it('without a body it is the preview (dryRun true): 202, a dry restore run that writes nothing, audited', async () => {
    const before = await states();
    expect(before).toEqual({ 'ra.one': DEACTIVATED, 'ra.two': DEACTIVATED });
    const res = await restore(syncRunId);
    expect(res.status).toBe(202);
    const body = await json(res);
    previewId = body.runId;
    expect(res.headers.get('location')).toBe(`/api/v1/runs/${previewId}`);
    expect(body.run).toMatchObject({ id: previewId, jobKey: JOB, dryRun: true, trigger: 'API', startedBy: 'api-token:restorer', restoreOfRunId: syncRunId });
    const run = await ended(previewId);
    expect(run).toMatchObject({ status: 'SUCCEEDED', dryRun: true, restoreOfRunId: syncRunId, counters: { updated: 2, failed: 0, credentialsChanged: 4, certificatesChanged: 2, rolesWithdrawn: 2 } });
    expect(await states()).toEqual(before);

    // Its items say what the restore would do, the revoked certificates listed with their credential.
    const items = (await json(await env.api(`/api/v1/runs/${previewId}/items`, { token: adminToken }))).items as any[];
    expect(items.map((i) => [i.username, i.outcome])).toEqual([
      ['ra.one', 'UPDATED'],
      ['ra.two', 'UPDATED'],
    ]);
    expect(items[0].changes.irreversible.certificatesRevoked).toEqual([
      expect.objectContaining({ serial: 'ra.one-TEMPORARY_CARD', credentialType: 'TEMPORARY_CARD', credentialLabel: 'TEMPORARY_CARD-ra.one' }),
    ]);

    const audited = await auditOf('run.restore.previewed');
    expect(audited).toHaveLength(1);
    expect(audited[0]).toMatchObject({ actor: 'api-token:restorer', target: JOB, details: { runId: previewId, dryRun: true, trigger: 'API', restoreOfRunId: syncRunId } });
  });

  it('dryRun true said explicitly is the preview too', async () => {
    const res = await restore(syncRunId, { body: { dryRun: true } });
    expect(res.status).toBe(202);
    const body = await json(res);
    expect(body.run.dryRun).toBe(true);
    await ended(body.runId);
    expect((await states())['ra.one']?.state).toBe('INACTIVE');
  });

  let restoreId: number;
  it('dryRun false starts the restore itself: the people are back, revoked certificates stay revoked, audited', async () => {
    const res = await restore(syncRunId, { body: { dryRun: false } });
    expect(res.status).toBe(202);
    const body = await json(res);
    restoreId = body.runId;
    expect(body.run).toMatchObject({ dryRun: false, restoreOfRunId: syncRunId, startedBy: 'api-token:restorer' });
    const run = await ended(restoreId);
    expect(run).toMatchObject({ status: 'SUCCEEDED', dryRun: false, counters: { updated: 2, credentialsChanged: 4, certificatesChanged: 2, rolesWithdrawn: 2 } });
    const back = { state: 'ACTIVE', roles: 1, credentials: ['ACTIVE', 'ACTIVE'], certificates: ['VALID', 'REVOKED'] };
    expect(await states()).toEqual({ 'ra.one': back, 'ra.two': back });

    const audited = await auditOf('run.restore.started');
    expect(audited).toHaveLength(1);
    expect(audited[0]).toMatchObject({ actor: 'api-token:restorer', target: JOB, details: { runId: restoreId, dryRun: false, trigger: 'API', restoreOfRunId: syncRunId } });
  });

  it('a run restored once is refused (409 run_already_restored, naming the restore); a restore run cannot be restored', async () => {
    const again = await restore(syncRunId, { body: { dryRun: false } });
    expect(again.status).toBe(409);
    expect(await json(again)).toMatchObject({ code: 'run_already_restored', restoredBy: restoreId });
    const preview = await restore(syncRunId);
    expect(preview.status).toBe(409);
    expect((await json(preview)).code).toBe('run_already_restored');
    const ofRestore = await restore(restoreId);
    expect(ofRestore.status).toBe(409);
    expect(await json(ofRestore)).toMatchObject({ code: 'run_not_restorable', message: `Run #${restoreId} is itself a restore; it cannot be restored.` });
    expect(await db.prisma().batchRun.count({ where: { restoreOfRunId: syncRunId, dryRun: false } })).toBe(1);
  });
});

describe('the OpenAPI document', () => {
  it('describes the restore operation, its body and every response', async () => {
    const res = await env.api('/api/v1/openapi.json');
    expect(res.status).toBe(200);
    const doc = await json(res);
    const operation = doc.paths['/api/v1/runs/{runId}/restore']?.post;
    expect(operation).toBeDefined();
    expect(operation.summary).toMatch(/administrator/);
    expect(operation.parameters).toEqual([expect.objectContaining({ name: 'runId', in: 'path', required: true })]);
    expect(operation.requestBody.content['application/json'].schema.properties.dryRun).toMatchObject({ type: 'boolean', default: true });
    expect(Object.keys(operation.responses).sort()).toEqual(expect.arrayContaining(['202', '401', '403', '404', '409', '422']));
    expect(operation.responses['202'].content['application/json'].schema.properties.runId).toEqual({ type: 'integer' });
    const conflicts = operation.responses['409'].description as string;
    for (const code of ['run_not_restorable', 'run_already_restored', 'run_already_active']) expect(conflicts).toContain(`\`${code}\``);
    expect(operation.responses['404'].description).toContain('`not_found`');
    expect(operation.responses['403'].description).toContain('`forbidden`');
    expect(doc.components.schemas.Run.properties.restoreOfRunId).toBeDefined();
  });
});
