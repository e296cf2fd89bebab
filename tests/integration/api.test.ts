/* eslint-disable @typescript-eslint/no-explicit-any -- JSON bodies are checked field by field with expect() */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApiDocument } from '@/lib/api/openapi';
import { startApiTestEnvironment, type ApiTestEnvironment } from './api-support';

// REST API v1 and the operations endpoints against the built app (`next start`) on real
// PostgreSQL and Redis: every endpoint, its errors, and token authentication.

let env: ApiTestEnvironment;
let operatorToken: string;
let adminToken: string;
let db: typeof import('@/lib/db');

beforeAll(async () => {
  env = await startApiTestEnvironment('api');
  db = await import('@/lib/db');
  operatorToken = (await env.createToken('OPERATOR', 'nightly-scheduler')).token;
  adminToken = (await env.createToken('ADMINISTRATOR', 'provisioning')).token;
});

afterAll(async () => {
  await env?.stop();
});

const JOB = 'inactive-ldap-users';

async function json(res: Response): Promise<Record<string, any>> {
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  return (await res.json()) as Record<string, any>;
}

describe('authentication with API tokens', () => {
  it('refuses requests without credentials with 401, a stable code and a Bearer challenge', async () => {
    const res = await env.api('/api/v1/jobs');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(await json(res)).toMatchObject({ code: 'unauthenticated', message: expect.any(String) });
  });

  it('refuses malformed, unknown, revoked and expired tokens alike', async () => {
    const { revokeApiToken } = await import('@/lib/api/api-tokens');
    const revoked = await env.createToken('OPERATOR', 'revoked');
    await revokeApiToken({ id: revoked.id, actor: 'test' });
    const expired = await env.createToken('OPERATOR', 'expired', 1);
    await db.prisma().apiToken.update({ where: { id: expired.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    const unknown = `idm_${'A'.repeat(43)}`;
    for (const authorization of ['Bearer', `Basic ${Buffer.from('admin:x').toString('base64')}`, `Bearer ${unknown}`, `Bearer ${revoked.token}`, `Bearer ${expired.token}`]) {
      const res = await env.api('/api/v1/jobs', { headers: { authorization } });
      expect(res.status, authorization).toBe(401);
      expect((await json(res)).code).toBe('unauthenticated');
    }
  });

  it('never accepts a token from a cookie or the query string', async () => {
    for (const cookie of [`idm_session=${operatorToken}`, `token=${operatorToken}`, `authorization=Bearer ${operatorToken}`]) {
      const res = await env.api('/api/v1/jobs', { headers: { cookie } });
      expect(res.status, cookie).toBe(401);
      await res.body?.cancel();
    }
    const res = await env.api(`/api/v1/jobs?access_token=${operatorToken}`);
    expect(res.status).toBe(401);
    await res.body?.cancel();
  });

  it('a token acts only while the account that created it is enabled and holds the token\'s role', async () => {
    const { createApiToken, verifyApiToken } = await import('@/lib/api/api-tokens');
    const { createAccount } = await import('@/lib/auth/accounts');
    const { setAccountDisabled } = await import('@/lib/accounts/set-account-disabled');
    const { changeAccountRole } = await import('@/lib/accounts/change-account-role');
    const creator = await createAccount({ username: 'token-creator', password: 'Quiet-Harbour-Lantern-42', role: 'ADMINISTRATOR' });
    const actor = { accountId: creator.id, username: creator.username };
    const { token: adminScoped } = await createApiToken({ name: 'creator-admin', role: 'ADMINISTRATOR', actor });
    const { token: operatorScoped } = await createApiToken({ name: 'creator-operator', role: 'OPERATOR', actor });
    const schedule = (token: string) =>
      env.api(`/api/v1/jobs/${JOB}/schedule`, { method: 'PUT', token, body: { expression: '0 3 * * *', timeZone: 'UTC', paused: true } });
    const status = async (res: Response) => {
      await res.body?.cancel();
      return res.status;
    };
    expect(await status(await schedule(adminScoped))).toBe(200);

    // Disabled: both tokens stop at once, and work again when the account is enabled.
    await setAccountDisabled({ accountId: creator.id, disabled: true, actor: { username: 'test' } });
    expect(await verifyApiToken(adminScoped)).toBeNull();
    const refused = await schedule(adminScoped);
    expect(refused.status).toBe(401);
    expect(await json(refused)).toMatchObject({ code: 'unauthenticated', message: expect.stringContaining('disabled') });
    expect(await status(await env.api('/api/v1/jobs', { token: operatorScoped }))).toBe(401);
    await setAccountDisabled({ accountId: creator.id, disabled: false, actor: { username: 'test' } });
    expect(await status(await env.api('/api/v1/jobs', { token: operatorScoped }))).toBe(200);

    // Downgraded to operator: the administrator token stops, the operator token goes on.
    await changeAccountRole({ accountId: creator.id, role: 'OPERATOR', actor: { username: 'test' } });
    expect(await verifyApiToken(adminScoped)).toBeNull();
    expect(await verifyApiToken(operatorScoped)).toMatchObject({ role: 'OPERATOR' });
    expect(await status(await schedule(adminScoped))).toBe(401);
    expect(await status(await env.api('/api/v1/jobs', { token: adminScoped }))).toBe(401);
    expect(await status(await env.api('/api/v1/jobs', { token: operatorScoped }))).toBe(200);
  });

  it('records the last use of a token', async () => {
    const { token, id } = await env.createToken('OPERATOR', 'last-used');
    expect((await db.prisma().apiToken.findUniqueOrThrow({ where: { id } })).lastUsedAt).toBeNull();
    const res = await env.api('/api/v1/jobs', { token });
    expect(res.status).toBe(200);
    await res.body?.cancel();
    expect((await db.prisma().apiToken.findUniqueOrThrow({ where: { id } })).lastUsedAt).toBeInstanceOf(Date);
  });

  it('an operator token may not save a schedule (403 forbidden)', async () => {
    const res = await env.api(`/api/v1/jobs/${JOB}/schedule`, { method: 'PUT', token: operatorToken, body: { expression: '0 2 * * *', timeZone: 'UTC', paused: false } });
    expect(res.status).toBe(403);
    expect((await json(res)).code).toBe('forbidden');
  });

  it('a browser session works; its changes must come from the same origin', async () => {
    const { createSession } = await import('@/lib/auth/sessions');
    const account = await db.prisma().account.findUniqueOrThrow({ where: { username: env.accounts.operator.username } });
    const cookie = `idm_session=${(await createSession({ accountId: account.id })).token}`;
    const read = await env.api('/api/v1/jobs', { headers: { cookie } });
    expect(read.status).toBe(200);
    await read.body?.cancel();
    const crossSite = await env.api('/api/v1/operator/cache/clear', { method: 'POST', headers: { cookie, origin: 'http://attacker.example' } });
    expect(crossSite.status).toBe(403);
    expect((await json(crossSite)).code).toBe('cross_origin_request');
    const noOrigin = await env.api('/api/v1/operator/cache/clear', { method: 'POST', headers: { cookie } });
    expect(noOrigin.status).toBe(403);
    await noOrigin.body?.cancel();
    const sameSite = await env.api('/api/v1/operator/cache/clear', { method: 'POST', headers: { cookie, origin: env.baseUrl } });
    expect(sameSite.status).toBe(200);
    await sameSite.body?.cancel();
  });
});

describe('jobs', () => {
  it('GET /api/v1/jobs lists both batch jobs with schedule, time zone, paused, next and last run', async () => {
    const body = await json(await env.api('/api/v1/jobs', { token: operatorToken }));
    expect(body.jobs.map((j: any) => j.key).sort()).toEqual(['active-ldap-users', 'inactive-ldap-users']);
    const inactive = body.jobs.find((j: any) => j.key === JOB);
    expect(inactive).toMatchObject({ processName: 'Synchronize inactive LDAP Users to Identity Manager', timeZone: expect.any(String), paused: expect.any(Boolean), scheduleState: expect.any(String) });
    expect(inactive).toHaveProperty('expression');
    expect(inactive).toHaveProperty('nextRunAt');
    expect(inactive).toHaveProperty('lastRun');
  });

  it('answers the options each job runs with: preset, filter, unique id, mapping (read-only, every preset documented)', async () => {
    const saved = await db.prisma().batchJob.findUniqueOrThrow({ where: { key: JOB }, select: { options: true } });
    try {
      await db.prisma().batchJob.update({ where: { key: JOB }, data: { options: { filterPreset: 'directory-server-lock', mapping: { email: 'mailAlternateAddress' } } } });
      const body = await json(await env.api(`/api/v1/jobs/${JOB}`, { token: operatorToken }));
      expect(body.options).toEqual({
        filterPreset: 'directory-server-lock',
        filter: '(&(objectClass=inetOrgPerson)(nsAccountLock=true))',
        uniqueIdAttribute: 'nsUniqueId',
        mapping: { username: 'uid', givenName: 'givenName', surname: 'sn', displayName: 'displayName', email: 'mailAlternateAddress', employeeNumber: 'employeeNumber' },
        pageSize: 500,
        threshold: { maxUsers: 500, maxPercent: 10 },
        // Who may confirm a run stopped at the threshold: unset is any operator (four-eyes, issue 16).
        confirmationRule: 'OPERATOR',
        // Full runs unless the job is set to delta (issue 17); a delta job runs in full weekly.
        runMode: 'full',
        fullRunEvery: { runs: null, days: 7 },
      });
      await db.prisma().batchJob.update({ where: { key: JOB }, data: { options: { filterPreset: 'custom', filter: '(x=y)', uniqueIdAttribute: 'GUID', mapping: { username: 'cn' } } } });
      const list = await json(await env.api('/api/v1/jobs', { token: operatorToken }));
      expect(list.jobs.find((j: any) => j.key === JOB).options).toMatchObject({ filterPreset: 'custom', filter: '(x=y)', uniqueIdAttribute: 'GUID', mapping: { username: 'cn', email: null } });
      // Incomplete saved options (a custom filter without its unique id): null, the job still listed.
      await db.prisma().batchJob.update({ where: { key: JOB }, data: { options: { filterPreset: 'custom', filter: '(x=y)' } } });
      expect((await json(await env.api(`/api/v1/jobs/${JOB}`, { token: operatorToken }))).options).toBeNull();
      // The API changes no options: PUT schedule refuses them as an unknown field.
      const refused = await env.api(`/api/v1/jobs/${JOB}/schedule`, { method: 'PUT', token: adminToken, body: { expression: null, timeZone: 'UTC', options: { uniqueIdAttribute: 'objectGUID' } } });
      expect(refused.status).toBe(422);
    } finally {
      await db.prisma().batchJob.update({ where: { key: JOB }, data: { options: saved.options as object } });
    }
    const doc = await json(await env.api('/api/v1/openapi.json'));
    expect(doc.components.schemas.JobOptions.properties.filterPreset.enum).toEqual([
      'openldap-ppolicy',
      'status-attribute',
      'active-directory-disabled',
      'directory-server-lock',
      'freeipa-lock',
      'custom',
    ]);
    expect(doc.components.schemas.JobOptions.properties.uniqueIdAttribute.description).toMatch(/entryUUID, objectGUID, nsUniqueId, ipaUniqueID, GUID/);
  });

  it('GET /api/v1/jobs/{jobKey} answers one job, 404 for an unknown or malformed key', async () => {
    const res = await env.api(`/api/v1/jobs/${JOB}`, { token: operatorToken });
    expect(res.status).toBe(200);
    expect((await json(res)).key).toBe(JOB);
    for (const key of ['no-such-job', '..%2F..%2Fetc%2Fpasswd', 'INACTIVE-LDAP-USERS', 'a'.repeat(100)]) {
      const bad = await env.api(`/api/v1/jobs/${key}`, { token: operatorToken });
      expect(bad.status, key).toBe(404);
      expect((await json(bad)).code).toBe('not_found');
    }
  });

  it('PUT /api/v1/jobs/{jobKey}/schedule saves the schedule (200) and the next run follows it', async () => {
    const res = await env.api(`/api/v1/jobs/${JOB}/schedule`, {
      method: 'PUT',
      token: adminToken,
      body: { expression: '30 2 * * 1-5', timeZone: 'Europe/Berlin' },
    });
    expect(res.status).toBe(200);
    const job = await json(res);
    // No `paused` in the body: the job is scheduled, and the scheduler read back from Redis holds it.
    expect(job).toMatchObject({ key: JOB, expression: '30 2 * * 1-5', timeZone: 'Europe/Berlin', paused: false, scheduleState: 'SCHEDULED' });
    expect(['upserted', 'unchanged']).toContain(job.scheduler);
    expect(new Date(job.nextRunAt).getTime()).toBeGreaterThan(Date.now());
    const saved = await db.prisma().batchJob.findUniqueOrThrow({ where: { key: JOB } });
    expect(saved).toMatchObject({ cronExpression: '30 2 * * 1-5', timeZone: 'Europe/Berlin', paused: false, updatedBy: 'api-token:provisioning' });
    const audit = await db.prisma().auditEvent.findFirst({ where: { action: 'job.schedule.saved' }, orderBy: { id: 'desc' } });
    expect(audit?.actor).toBe('api-token:provisioning');
  });

  it('PUT schedule pauses with paused (or the deprecated enabled: false), and refuses an expression that never fires', async () => {
    const put = (body: unknown) => env.api(`/api/v1/jobs/${JOB}/schedule`, { method: 'PUT', token: adminToken, body });
    const paused = await json(await put({ expression: '0 4 * * *', timeZone: 'UTC', enabled: false }));
    expect(paused).toMatchObject({ paused: true, enabled: false, scheduleState: 'PAUSED', nextRunAt: null });
    const resumed = await json(await put({ expression: '0 4 * * *', timeZone: 'UTC' }));
    expect(resumed).toMatchObject({ paused: false, scheduleState: 'SCHEDULED', scheduler: 'upserted' });

    const before = await db.prisma().batchJob.findUniqueOrThrow({ where: { key: JOB } });
    for (const expression of ['0 0 31 2,4 *', '0 0 30 2 *', '0 0 * 2 1#5']) {
      const res = await put({ expression, timeZone: 'UTC' });
      expect(res.status, expression).toBe(422);
      expect((await json(res)).fieldErrors.expression[0]).toMatch(/never/);
    }
    expect(await db.prisma().batchJob.findUniqueOrThrow({ where: { key: JOB } })).toEqual(before);
  });

  it('PUT schedule answers 422 with field errors for a bad expression or time zone, and changes nothing', async () => {
    const before = await db.prisma().batchJob.findUniqueOrThrow({ where: { key: JOB } });
    const res = await env.api(`/api/v1/jobs/${JOB}/schedule`, {
      method: 'PUT',
      token: adminToken,
      body: { expression: '61 * * * *', timeZone: 'Mars/Olympus', paused: false },
    });
    expect(res.status).toBe(422);
    const body = await json(res);
    expect(body.code).toBe('validation_failed');
    expect(body.fieldErrors.expression[0]).toEqual(expect.any(String));
    expect(body.fieldErrors.timeZone[0]).toEqual(expect.any(String));
    expect((await db.prisma().batchJob.findUniqueOrThrow({ where: { key: JOB } })).version).toBe(before.version);
  });

  it('validates the body at the boundary: unknown fields, wrong types, not JSON, oversized, wrong media type', async () => {
    const url = `/api/v1/jobs/${JOB}/schedule`;
    const put = (body: unknown, headers?: Record<string, string>) => env.api(url, { method: 'PUT', token: adminToken, body, headers });
    const unknown = await json(await put({ expression: '0 2 * * *', timeZone: 'UTC', paused: false, enable: false }));
    expect(unknown).toMatchObject({ code: 'validation_failed', fieldErrors: { enable: ['Unknown field.'] } });
    const wrongType = await json(await put({ expression: '0 2 * * *', timeZone: 'UTC', paused: 'yes' }));
    expect(wrongType).toMatchObject({ code: 'validation_failed', fieldErrors: { paused: [expect.any(String)] } });
    const contradiction = await json(await put({ expression: '0 2 * * *', timeZone: 'UTC', paused: true, enabled: true }));
    expect(contradiction).toMatchObject({ code: 'validation_failed', fieldErrors: { paused: [expect.stringMatching(/contradict/)] } });
    const missing = await json(await put({}));
    expect(Object.keys(missing.fieldErrors).sort()).toEqual(['expression', 'timeZone']);
    const notJson = await put('{"expression": ');
    expect(notJson.status).toBe(400);
    expect((await json(notJson)).code).toBe('invalid_json');
    const big = await put({ expression: '0 2 * * *', timeZone: 'UTC', paused: false, padding: 'x'.repeat(100_000) });
    expect(big.status).toBe(413);
    expect((await json(big)).code).toBe('payload_too_large');
    const form = await put('expression=x', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(form.status).toBe(415);
    expect((await json(form)).code).toBe('unsupported_media_type');
  });

  it('PUT schedule with an outdated expectedVersion is a 409 conflict', async () => {
    const current = await db.prisma().batchJob.findUniqueOrThrow({ where: { key: JOB } });
    const res = await env.api(`/api/v1/jobs/${JOB}/schedule`, {
      method: 'PUT',
      token: adminToken,
      body: { expression: '0 3 * * *', timeZone: 'UTC', paused: true, expectedVersion: current.version - 1 },
    });
    expect(res.status).toBe(409);
    expect(await json(res)).toMatchObject({ code: 'schedule_conflict', currentVersion: current.version });
  });
});

describe('runs', () => {
  let runId: number;

  it('POST /api/v1/jobs/{jobKey}/runs queues a run: 202 with the runId', async () => {
    const res = await env.api(`/api/v1/jobs/${JOB}/runs`, { method: 'POST', token: operatorToken, body: { dryRun: true } });
    expect(res.status).toBe(202);
    const body = await json(res);
    runId = body.runId;
    expect(runId).toEqual(expect.any(Number));
    expect(res.headers.get('location')).toBe(`/api/v1/runs/${runId}`);
    const run = await db.prisma().batchRun.findUniqueOrThrow({ where: { id: runId } });
    expect(run).toMatchObject({ jobKey: JOB, status: 'QUEUED', trigger: 'API', dryRun: true, startedBy: 'api-token:nightly-scheduler' });
  });

  it('a second start while the run is active is a 409 with the active run', async () => {
    const res = await env.api(`/api/v1/jobs/${JOB}/runs`, { method: 'POST', token: operatorToken });
    expect(res.status).toBe(409);
    expect(await json(res)).toMatchObject({ code: 'run_already_active', activeRun: { id: runId, status: 'QUEUED' } });
  });

  it('POST runs validates its body and the job key', async () => {
    const unknown = await env.api(`/api/v1/jobs/${JOB}/runs`, { method: 'POST', token: operatorToken, body: { dryrun: true } });
    expect(unknown.status).toBe(422);
    expect((await json(unknown)).fieldErrors).toEqual({ dryrun: ['Unknown field.'] });
    const wrongType = await env.api(`/api/v1/jobs/${JOB}/runs`, { method: 'POST', token: operatorToken, body: { confirm: 'true' } });
    expect(wrongType.status).toBe(422);
    await wrongType.body?.cancel();
    const noJob = await env.api('/api/v1/jobs/no-such-job/runs', { method: 'POST', token: operatorToken, body: {} });
    expect(noJob.status).toBe(404);
    await noJob.body?.cancel();
  });

  it('GET /api/v1/runs/{runId} answers status, timestamps, counters and error', async () => {
    const body = await json(await env.api(`/api/v1/runs/${runId}`, { token: operatorToken }));
    expect(body).toMatchObject({ id: runId, jobKey: JOB, status: 'QUEUED', trigger: 'API', dryRun: true, finishedAt: null, error: null, finished: false });
    expect(body.counters).toMatchObject({ created: 0, updated: 0, unchanged: 0, failed: 0, entriesRead: 0 });
    expect(new Date(body.queuedAt).getTime()).toBeGreaterThan(0);
    // Not decided before the run reads the directory.
    expect(body).toMatchObject({ kind: null, watermark: { from: null, to: null }, fullRunReason: null });
    const documented = (await json(await env.api('/api/v1/openapi.json'))).components.schemas.Run.properties;
    expect(['kind', 'watermark', 'fullRunReason'].filter((k) => !(k in documented))).toEqual([]);
    for (const id of ['999999', 'abc', '0', '-1', '1.5', '99999999999']) {
      const res = await env.api(`/api/v1/runs/${id}`, { token: operatorToken });
      expect(res.status, id).toBe(404);
      await res.body?.cancel();
    }
  });

  it('GET /api/v1/runs/{runId} says which kind a run was and its watermarks', async () => {
    const from = { type: 'modifyTimestamp', value: '20261206120000Z' };
    const to = { type: 'modifyTimestamp', value: '20261206130000Z' };
    const { id } = await db.prisma().batchRun.create({
      data: { jobKey: JOB, status: 'SUCCEEDED', trigger: 'SCHEDULE', runKind: 'DELTA', watermarkFrom: from, watermarkTo: to, finishedAt: new Date() },
    });
    expect(await json(await env.api(`/api/v1/runs/${id}`, { token: operatorToken }))).toMatchObject({ kind: 'DELTA', watermark: { from, to }, fullRunReason: null });
    const full = await db.prisma().batchRun.create({
      data: { jobKey: JOB, status: 'SUCCEEDED', trigger: 'SCHEDULE', runKind: 'FULL', watermarkTo: to, fullRunReason: 'the job changed', finishedAt: new Date() },
    });
    expect(await json(await env.api(`/api/v1/runs/${full.id}`, { token: operatorToken }))).toMatchObject({ kind: 'FULL', watermark: { from: null, to }, fullRunReason: 'the job changed' });
    await db.prisma().batchRun.deleteMany({ where: { id: { in: [id, full.id] } } });
  });

  it('GET /api/v1/runs/{runId}/items pages through the items, filters by outcome', async () => {
    await db.prisma().batchRunItem.createMany({
      data: ['alice', 'bob', 'carol', 'dave', 'erin'].map((username, i) => ({
        runId,
        username,
        externalId: `ext-${i}`,
        outcome: i === 4 ? 'FAILED' : 'UPDATED',
        reason: i === 4 ? 'No username attribute' : null,
        changes: { user: { state: ['ACTIVE', 'INACTIVE'] } },
      })),
    });
    const first = await json(await env.api(`/api/v1/runs/${runId}/items?pageSize=2`, { token: operatorToken }));
    expect(first.items.map((i: any) => i.username)).toEqual(['alice', 'bob']);
    expect(first.pagination).toEqual({ page: 1, pageSize: 2, total: 5, pages: 3, hasNextPage: true });
    expect(first.items[0]).toMatchObject({ id: expect.any(String), outcome: 'UPDATED', changes: { user: { state: ['ACTIVE', 'INACTIVE'] } } });
    const last = await json(await env.api(`/api/v1/runs/${runId}/items?pageSize=2&page=3`, { token: operatorToken }));
    expect(last.items.map((i: any) => i.username)).toEqual(['erin']);
    expect(last.pagination.hasNextPage).toBe(false);
    const failed = await json(await env.api(`/api/v1/runs/${runId}/items?outcome=FAILED`, { token: operatorToken }));
    expect(failed.items).toEqual([expect.objectContaining({ username: 'erin', reason: 'No username attribute' })]);
    for (const query of ['pageSize=0', 'pageSize=501', 'page=x', 'outcome=DELETED', 'sort=username']) {
      const res = await env.api(`/api/v1/runs/${runId}/items?${query}`, { token: operatorToken });
      expect(res.status, query).toBe(422);
      await res.body?.cancel();
    }
    const missing = await env.api('/api/v1/runs/999999/items', { token: operatorToken });
    expect(missing.status).toBe(404);
    await missing.body?.cancel();
  });

  it('POST /api/v1/runs/{runId}/cancel cancels a queued run at once; a second cancel is a 409', async () => {
    const res = await env.api(`/api/v1/runs/${runId}/cancel`, { method: 'POST', token: operatorToken });
    expect(res.status).toBe(200);
    expect(await json(res)).toMatchObject({ cancelledNow: true, run: { id: runId, status: 'CANCELLED' } });
    const again = await env.api(`/api/v1/runs/${runId}/cancel`, { method: 'POST', token: operatorToken });
    expect(again.status).toBe(409);
    expect((await json(again)).code).toBe('run_already_finished');
    const missing = await env.api('/api/v1/runs/999999/cancel', { method: 'POST', token: operatorToken });
    expect(missing.status).toBe(404);
    await missing.body?.cancel();
    // The job is free again.
    const restart = await env.api(`/api/v1/jobs/${JOB}/runs`, { method: 'POST', token: operatorToken, body: { dryRun: true } });
    expect(restart.status).toBe(202);
    const { runId: second } = await json(restart);
    const cancelled = await env.api(`/api/v1/runs/${second}/cancel`, { method: 'POST', token: operatorToken, body: {} });
    expect(cancelled.status).toBe(200);
    await cancelled.body?.cancel();
  });
});

describe('operator cache and users', () => {
  it('POST /api/v1/operator/cache/clear clears the cache and audits who did it', async () => {
    const res = await env.api('/api/v1/operator/cache/clear', { method: 'POST', token: operatorToken });
    expect(res.status).toBe(200);
    expect(await json(res)).toMatchObject({ generation: expect.any(Number), clearedAt: expect.any(String) });
    const audit = await db.prisma().auditEvent.findFirst({ where: { action: 'cache.cleared' }, orderBy: { id: 'desc' } });
    expect(audit?.actor).toBe('api-token:nightly-scheduler');
  });

  it('GET /api/v1/users/{username} answers state, source, credentials with certificates (revocation reason and date), and roles', async () => {
    const [held, revoked] = [new Date('2026-12-01T08:00:00.000Z'), new Date('2026-12-02T09:30:00.000Z')];
    const [validFrom, validTo] = [new Date('2026-01-01T00:00:00.000Z'), new Date('2028-01-01T00:00:00.000Z')];
    const role = await db.prisma().role.create({ data: { name: 'Badge holder' } });
    await db.prisma().user.create({
      data: {
        username: 'JDoe',
        usernameKey: 'jdoe',
        displayName: 'Jane Doe',
        state: 'INACTIVE',
        source: 'LDAP',
        credentials: {
          create: [
            {
              type: 'CARD',
              state: 'INACTIVE',
              label: 'Card 0042',
              certificates: {
                create: [
                  { serial: '0A1B', subject: 'CN=Jane Doe', issuer: 'CN=Acme Issuing CA', state: 'ON_HOLD', revocationReason: 'certificateHold', revokedAt: held, validFrom, validTo },
                  { serial: '0A1C', subject: 'CN=Jane Doe', state: 'VALID' },
                ],
              },
            },
            { type: 'TEMPORARY_CARD', state: 'LOCKED', certificates: { create: [{ serial: '0C2D', subject: 'CN=Jane Doe', state: 'REVOKED', revocationReason: 'cessationOfOperation', revokedAt: revoked }] } },
          ],
        },
        roles: { create: [{ roleId: role.id }] },
      },
    });
    const body = await json(await env.api('/api/v1/users/jdoe', { token: operatorToken }));
    expect(body).toMatchObject({ username: 'JDoe', state: 'INACTIVE', source: 'LDAP', roles: [{ name: 'Badge holder' }] });
    expect(body.credentials).toEqual([
      expect.objectContaining({ type: 'CARD', state: 'INACTIVE', label: 'Card 0042', certificates: [expect.objectContaining({ serial: '0A1B', state: 'ON_HOLD' }), expect.objectContaining({ serial: '0A1C' })] }),
      expect.objectContaining({ type: 'TEMPORARY_CARD', state: 'LOCKED', certificates: [expect.objectContaining({ serial: '0C2D', state: 'REVOKED' })] }),
    ]);
    // What the operator's user page shows of each certificate: on hold since, revoked with reason and date.
    expect(body.credentials[0].certificates[0]).toEqual({
      serial: '0A1B',
      state: 'ON_HOLD',
      subject: 'CN=Jane Doe',
      issuer: 'CN=Acme Issuing CA',
      validFrom: validFrom.toISOString(),
      validTo: validTo.toISOString(),
      revocationReason: 'certificateHold',
      revokedAt: held.toISOString(),
    });
    expect(body.credentials[0].certificates[1]).toMatchObject({ state: 'VALID', revocationReason: null, revokedAt: null, issuer: null, validFrom: null });
    expect(body.credentials[1].certificates[0]).toMatchObject({ state: 'REVOKED', revocationReason: 'cessationOfOperation', revokedAt: revoked.toISOString() });
    const documented = (await json(await env.api('/api/v1/openapi.json'))).components.schemas.Certificate.properties;
    expect(Object.keys(documented).sort()).toEqual(Object.keys(body.credentials[0].certificates[0]).sort());
  });

  it('usernames with LDAP filter metacharacters or traversal are just names that do not exist', async () => {
    for (const name of ['*', '*)(uid=*', 'admin)(|(objectClass=*', '..%2F..%2Fetc', 'a'.repeat(300)]) {
      const res = await env.api(`/api/v1/users/${encodeURIComponent(decodeURIComponentSafe(name))}`, { token: operatorToken });
      expect(res.status, name).toBe(404);
      expect((await json(res)).code).toBe('not_found');
    }
    // A NUL is no name at all: refused before any lookup (PostgreSQL would refuse it with a 500).
    const nul = await env.api('/api/v1/users/%00', { token: operatorToken });
    expect(nul.status).toBe(400);
    expect((await json(nul)).code).toBe('bad_request');
  });
});

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

describe('operations endpoints', () => {
  it('GET /api/health answers without credentials', async () => {
    const res = await env.api('/api/health');
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({ status: 'ok' });
  });

  it('GET /api/ready reports database, Redis and the worker heartbeat; the detail only to a token or session', async () => {
    const anonymous = await env.api('/api/ready');
    expect(anonymous.status).toBe(503);
    expect(await json(anonymous)).toEqual({ status: 'not_ready' });
    const notReady = await env.api('/api/ready', { token: operatorToken });
    expect(notReady.status).toBe(503);
    const body = await json(notReady);
    expect(body).toMatchObject({ status: 'not_ready', checks: { database: { ok: true }, redis: { ok: true }, worker: { ok: false } } });
    const { redisConnection } = await import('@/lib/queue/connection');
    const { writeWorkerHeartbeat, clearWorkerHeartbeat } = await import('@/lib/queue/worker-heartbeat');
    const redis = redisConnection(env.services.redisUrl);
    try {
      const now = new Date().toISOString();
      await writeWorkerHeartbeat(redis, 'idm', { workerId: 'api-test', pid: process.pid, host: 'test', startedAt: now, at: now });
      const anonymousReady = await env.api('/api/ready');
      expect(anonymousReady.status).toBe(200);
      expect(await json(anonymousReady)).toEqual({ status: 'ready' });
      const ready = await env.api('/api/ready', { token: operatorToken });
      expect(ready.status).toBe(200);
      expect(await json(ready)).toMatchObject({ status: 'ready', checks: { worker: { ok: true } } });
      await clearWorkerHeartbeat(redis, 'idm', 'api-test');
    } finally {
      redis.disconnect();
    }
  });

  it('GET /api/metrics needs a token and answers Prometheus text with runs, durations, changes, queue depth and LDAP errors', async () => {
    const anonymous = await env.api('/api/metrics');
    expect(anonymous.status).toBe(401);
    await anonymous.body?.cancel();
    const started = new Date(Date.now() - 90_000);
    await db.prisma().batchRun.create({
      data: { jobKey: 'active-ldap-users', status: 'SUCCEEDED', trigger: 'SCHEDULE', startedAt: started, finishedAt: new Date(started.getTime() + 42_000), created: 3, updated: 7 },
    });
    await db.prisma().batchRun.create({
      data: { jobKey: 'active-ldap-users', status: 'FAILED', trigger: 'SCHEDULE', startedAt: started, finishedAt: started, errorCode: 'LDAP_UNREACHABLE', error: 'down' },
    });
    const res = await env.api('/api/metrics', { token: operatorToken });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    expect(text).toContain('idm_batch_runs{job_key="active-ldap-users",status="SUCCEEDED"} 1');
    expect(text).toContain('idm_batch_runs{job_key="inactive-ldap-users",status="CANCELLED"} 2');
    expect(text).toContain('idm_batch_run_duration_seconds_bucket{job_key="active-ldap-users",le="60"} 2');
    expect(text).toContain('idm_batch_run_duration_seconds_bucket{job_key="active-ldap-users",le="30"} 1');
    expect(text).toContain('idm_batch_run_duration_seconds_sum{job_key="active-ldap-users"} 42');
    expect(text).toContain('idm_users_changed_total{job_key="active-ldap-users",change="created"} 3');
    expect(text).toContain('idm_users_changed_total{job_key="active-ldap-users",change="updated"} 7');
    expect(text).toContain('idm_ldap_errors_total{job_key="active-ldap-users",code="LDAP_UNREACHABLE"} 1');
    expect(text).toMatch(/^idm_batch_queue_jobs\{state="waiting"\} \d+$/m);
    expect(text).toContain('idm_redis_up 1');
  });
});

describe('webhooks (administrator)', () => {
  it('creates a webhook answering its secret once, lists, changes, tests and deletes it; operators are refused', async () => {
    const refused = await env.api('/api/v1/webhooks', { token: operatorToken });
    expect(refused.status).toBe(403);
    await refused.body?.cancel();

    const invalid = await env.api('/api/v1/webhooks', { method: 'POST', token: adminToken, body: { name: 'x', url: 'ftp://example.com', events: [], extra: 1 } });
    expect(invalid.status).toBe(422);
    expect(Object.keys((await json(invalid)).fieldErrors).sort()).toEqual(['events', 'extra', 'url']);

    const created = await env.api('/api/v1/webhooks', { method: 'POST', token: adminToken, body: { name: 'SIEM', url: 'https://siem.example.com/idm', events: ['run.failed', 'restore.finished'] } });
    expect(created.status).toBe(201);
    const { webhook, secret } = await json(created);
    expect(secret).toMatch(/^whsec_/);
    expect(webhook).toMatchObject({ name: 'SIEM', url: 'https://siem.example.com/idm', events: ['run.failed', 'restore.finished'], enabled: true, createdBy: 'api-token:provisioning', lastDelivery: null });

    const listed = await env.api('/api/v1/webhooks', { token: adminToken });
    const listText = await listed.text();
    expect(listText).not.toContain(secret);
    expect(JSON.parse(listText).webhooks.map((w: { id: number }) => w.id)).toContain(webhook.id);

    const patched = await env.api(`/api/v1/webhooks/${webhook.id}`, { method: 'PATCH', token: adminToken, body: { enabled: false, events: ['run.threshold_exceeded'] } });
    expect(await json(patched)).toMatchObject({ id: webhook.id, enabled: false, events: ['run.threshold_exceeded'], url: 'https://siem.example.com/idm' });

    const tested = await env.api(`/api/v1/webhooks/${webhook.id}/test`, { method: 'POST', token: adminToken });
    expect(tested.status).toBe(202);
    expect((await json(tested)).eventId).toMatch(/^evt_\d+$/);
    expect(await json(await env.api(`/api/v1/webhooks/${webhook.id}/deliveries`, { token: adminToken }))).toEqual({ deliveries: [] });

    const deleted = await env.api(`/api/v1/webhooks/${webhook.id}`, { method: 'DELETE', token: adminToken });
    expect(deleted.status).toBe(204);
    const gone = await env.api(`/api/v1/webhooks/${webhook.id}`, { token: adminToken });
    expect(gone.status).toBe(404);
    expect((await json(gone)).code).toBe('not_found');
  });
});

describe('OpenAPI', () => {
  // Which handlers it describes, both ways: tests/integration/openapi-document.test.ts.
  it('is served as OpenAPI 3.1, publicly cacheable, exactly the document the code generates', async () => {
    const res = await env.api('/api/v1/openapi.json');
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('public, max-age=300');
    const doc = await json(res);
    expect(doc.openapi).toBe('3.1.0');
    expect(doc).toEqual(JSON.parse(JSON.stringify(openApiDocument)));
  });
});
