import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cachedView, cacheKeys, clearOperatorCache, configurationChangedSince, lastCacheClear } from '@/lib/cache';
import { prisma } from '@/lib/db';
import { freePort } from '@/scripts/services/ports';
import { startUsersTestServices } from './users-support';

let services: Awaited<ReturnType<typeof startUsersTestServices>>;
let redis: Redis;
const prefix = 'cachetest';

beforeAll(async () => {
  services = await startUsersTestServices('operator-cache');
  redis = new Redis(services.redisUrl);
});

afterAll(async () => {
  await redis?.quit();
  await services?.release();
});

describe('operator cache', () => {
  it('serves a view from Redis until Clear cache, then computes it again', async () => {
    let computed = 0;
    const compute = async () => ({ n: ++computed, at: new Date('2026-11-28T02:00:00Z') });
    const first = await cachedView('scheduled-jobs', compute, { redis, prefix });
    expect(first).toMatchObject({ value: { n: 1 }, fromCache: false, cacheUnavailable: false });
    const second = await cachedView('scheduled-jobs', compute, { redis, prefix });
    expect(second.fromCache).toBe(true);
    expect(second.value.n).toBe(1);
    expect(second.value.at).toEqual(new Date('2026-11-28T02:00:00Z'));
    expect(second.cachedAt).toEqual(first.cachedAt);

    // A second view is cleared by the same one increment.
    await cachedView('job:inactive-ldap-users', async () => 'details', { redis, prefix });
    const cleared = await clearOperatorCache({ actor: 'operator1', ip: '127.0.0.1', redis, prefix });
    expect(cleared.generation).toBe(1);
    expect(Number(await redis.get(cacheKeys(prefix).generation))).toBe(1);

    const third = await cachedView('scheduled-jobs', compute, { redis, prefix });
    expect(third).toMatchObject({ value: { n: 2 }, fromCache: false });
    expect(third.cachedAt.getTime()).toBeGreaterThanOrEqual(cleared.clearedAt.getTime());
    let detailsComputed = false;
    await cachedView('job:inactive-ldap-users', async () => ((detailsComputed = true), 'details'), { redis, prefix });
    expect(detailsComputed).toBe(true);
    // Views of the old generation expire on their own.
    expect(await redis.ttl(cacheKeys(prefix).view(0, 'scheduled-jobs'))).toBeGreaterThan(0);

    expect(await lastCacheClear({ redis, prefix })).toEqual({ at: cleared.clearedAt, by: 'operator1' });
    const audit = await prisma().auditEvent.findMany({ where: { action: 'cache.cleared' } });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor: 'operator1', ip: '127.0.0.1', target: 'operator-cache', details: { generation: 1 } });
  });

  it('tells when the configuration was saved after the cached view was built', async () => {
    const view = await cachedView('notice-view', async () => 'old schedule', { redis, prefix });
    expect(await configurationChangedSince(view.cachedAt)).toBeNull();

    // A run starting writes active_run_id with raw SQL: not a configuration change.
    await prisma().$executeRaw`UPDATE batch_jobs SET active_run_id = NULL WHERE key = 'inactive-ldap-users'`;
    expect(await configurationChangedSince(view.cachedAt)).toBeNull();

    await new Promise((r) => setTimeout(r, 5));
    await prisma().batchJob.update({ where: { key: 'inactive-ldap-users' }, data: { cronExpression: '0 2 * * *', updatedBy: 'admin', version: { increment: 1 } } });
    const change = await configurationChangedSince(view.cachedAt);
    expect(change).toMatchObject({ jobKey: 'inactive-ldap-users', changedBy: 'admin' });
    expect(change!.changedAt.getTime()).toBeGreaterThan(view.cachedAt.getTime());
    expect(await configurationChangedSince(view.cachedAt, { jobKey: 'active-ldap-users' })).toBeNull();

    await clearOperatorCache({ actor: 'operator1', redis, prefix });
    const fresh = await cachedView('notice-view', async () => 'new schedule', { redis, prefix });
    expect(fresh.value).toBe('new schedule');
    expect(await configurationChangedSince(fresh.cachedAt)).toBeNull();
  });

  it('computes the view when Redis does not answer, and refuses to clear without Redis', async () => {
    const dead = new Redis(`redis://127.0.0.1:${await freePort()}`, { maxRetriesPerRequest: 0, lazyConnect: true, retryStrategy: () => null });
    dead.on('error', () => undefined);
    try {
      const view = await cachedView('scheduled-jobs', async () => 'from the database', { redis: dead, prefix });
      expect(view).toMatchObject({ value: 'from the database', fromCache: false, cacheUnavailable: true });
      await expect(clearOperatorCache({ actor: 'operator1', redis: dead, prefix })).rejects.toThrow();
      expect(await prisma().auditEvent.count({ where: { action: 'cache.cleared' } })).toBe(2);
    } finally {
      dead.disconnect();
    }
  });
});
