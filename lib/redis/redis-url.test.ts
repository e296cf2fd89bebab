import { describe, expect, it } from 'vitest';
import { config, ConfigError, resetConfigForTests } from '../config';
import { describeRedisTarget, effectiveRedisPrefix, hashTag, parseRedisUrl, redisPrefixProblem, RedisUrlError } from './redis-url';

function problem(url: string): string {
  try {
    parseRedisUrl(url);
  } catch (error) {
    expect(error).toBeInstanceOf(RedisUrlError);
    return (error as Error).message;
  }
  throw new Error(`${url} was accepted`);
}

describe('parseRedisUrl: one Redis', () => {
  it('reads host, port, database and credentials as before', () => {
    expect(parseRedisUrl('redis://127.0.0.1:6379')).toEqual({ kind: 'single', host: '127.0.0.1', port: 6379, db: 0, tls: false, username: undefined, password: undefined });
    expect(parseRedisUrl('redis://:s3cret@redis.internal/2')).toMatchObject({ host: 'redis.internal', port: 6379, db: 2, password: 's3cret', username: undefined });
    expect(parseRedisUrl('rediss://idm:p%40ss%3Aword@h:6380?db=3')).toMatchObject({ tls: true, username: 'idm', password: 'p@ss:word', port: 6380, db: 3 });
    expect(parseRedisUrl('redis://[::1]:7000')).toMatchObject({ host: '::1', port: 7000 });
    expect(parseRedisUrl('redis://default@h')).toMatchObject({ username: 'default', password: undefined });
  });

  it('refuses what it cannot mean, naming the form to use', () => {
    expect(problem('127.0.0.1:6379')).toMatch(/expected one of redis:\/\//);
    expect(problem('http://h:6379')).toMatch(/unknown scheme "http:\/\/".*redis-sentinel:\/\/.*redis-cluster:\/\//);
    expect(problem('redis://h1:6379,h2:6379')).toMatch(/redis:\/\/ names one Redis.*redis-sentinel.*redis-cluster/);
    expect(problem('redis://h:99999')).toMatch(/"99999" is not a port/);
    expect(problem('redis://h:63a')).toMatch(/"63a" is not a port/);
    expect(problem('redis://h/x')).toMatch(/database number "x"/);
    expect(problem('redis://h/1?db=2')).toMatch(/given twice/);
    expect(problem('redis://h?timeout=5')).toMatch(/unknown option "timeout"/);
    expect(problem('redis:///0')).toMatch(/host is missing/);
    expect(problem('redis://ho st')).toMatch(/not a host name/);
    expect(problem('redis://[::1')).toMatch(/no closing bracket/);
  });

  it('never repeats the password in a message', () => {
    for (const url of ['redis://:topsecret@h:70000', 'redis://:topsecret@h1,h2', 'redis-sentinel://:topsecret@h:26379', 'redis-cluster://:topsecret@h:7000/1']) {
      expect(problem(url)).not.toContain('topsecret');
    }
    expect(problem('redis://:top%zzsecret@h')).not.toContain('secret');
    expect(describeRedisTarget(parseRedisUrl('redis-sentinel://:topsecret@h1,h2/mymaster'))).not.toContain('topsecret');
  });
});

describe('parseRedisUrl: a Sentinel group', () => {
  it('reads the sentinels, the master name, the database and both passwords', () => {
    expect(parseRedisUrl('redis-sentinel://:pw@s1:26379,s2:26380,[::1]/mymaster?db=1&sentinelPassword=sp')).toEqual({
      kind: 'sentinel',
      sentinels: [
        { host: 's1', port: 26379 },
        { host: 's2', port: 26380 },
        { host: '::1', port: 26379 },
      ],
      masterName: 'mymaster',
      db: 1,
      password: 'pw',
      username: undefined,
      sentinelPassword: 'sp',
      tls: false,
    });
    expect(parseRedisUrl('rediss-sentinel://s1/idm-master')).toMatchObject({ tls: true, sentinels: [{ host: 's1', port: 26379 }], db: 0 });
  });

  it('requires the master name and refuses unknown options', () => {
    expect(problem('redis-sentinel://s1:26379,s2:26379')).toMatch(/master's name is missing: redis-sentinel:\/\//);
    expect(problem('redis-sentinel://s1/mymaster/0')).toMatch(/not a master name.*\?db=N/);
    expect(problem('redis-sentinel://s1/mymaster?password=x')).toMatch(/unknown option "password".*known: db, sentinelPassword/);
  });
});

describe('parseRedisUrl: a cluster', () => {
  it('reads the seed nodes and credentials', () => {
    expect(parseRedisUrl('redis-cluster://:pw@n1:7000,n2:7001,n3')).toEqual({
      kind: 'cluster',
      nodes: [
        { host: 'n1', port: 7000 },
        { host: 'n2', port: 7001 },
        { host: 'n3', port: 6379 },
      ],
      password: 'pw',
      username: undefined,
      tls: false,
    });
    expect(parseRedisUrl('rediss-cluster://n1:7000').tls).toBe(true);
  });

  it('has no database to choose', () => {
    expect(problem('redis-cluster://n1:7000/1')).toMatch(/only database 0/);
    expect(problem('redis-cluster://n1:7000?db=1')).toMatch(/unknown option "db" for a cluster URL/);
  });
});

describe('key prefix', () => {
  it('finds the hash tag as Redis does', () => {
    expect(hashTag('idm')).toBeUndefined();
    expect(hashTag('{idm}')).toBe('idm');
    expect(hashTag('acme:{idm}')).toBe('idm');
    expect(hashTag('{}idm')).toBeUndefined();
  });

  it('accepts a prefix with at most one well-formed hash tag', () => {
    for (const ok of ['idm', 'idm-prod:eu', '{idm}', 'acme:{idm}']) expect(redisPrefixProblem(ok)).toBeUndefined();
    expect(redisPrefixProblem('idm prod')).toMatch(/letters, digits/);
    for (const bad of ['{idm', 'idm}', '{}', '{a}{b}', '}idm{']) expect(redisPrefixProblem(bad)).toMatch(/at most one hash tag/);
  });

  it('is wrapped in a hash tag on a cluster only, unless it has one', () => {
    const cluster = parseRedisUrl('redis-cluster://n1:7000');
    expect(effectiveRedisPrefix('idm', cluster)).toBe('{idm}');
    expect(effectiveRedisPrefix('acme:{idm}', cluster)).toBe('acme:{idm}');
    expect(effectiveRedisPrefix('idm', parseRedisUrl('redis://h'))).toBe('idm');
    expect(effectiveRedisPrefix('idm', parseRedisUrl('redis-sentinel://s/m'))).toBe('idm');
  });
});

describe('config()', () => {
  const withEnv = (env: Record<string, string | undefined>) => {
    const saved = { ...process.env };
    Object.assign(process.env, { DATABASE_URL: 'postgresql://u@h/db' }, env);
    for (const [k, v] of Object.entries(env)) if (v === undefined) delete process.env[k];
    resetConfigForTests();
    try {
      return config();
    } finally {
      process.env = saved;
      resetConfigForTests();
    }
  };

  it('gives the parsed target and the prefix keys are written under', () => {
    const c = withEnv({ REDIS_URL: 'redis-cluster://:pw@n1:7000,n2:7001', REDIS_PREFIX: undefined });
    expect(c.REDIS_PREFIX).toBe('{idm}');
    expect(c.redisTarget).toMatchObject({ kind: 'cluster', nodes: [{ port: 7000 }, { port: 7001 }] });
    expect(withEnv({ REDIS_URL: undefined, REDIS_PREFIX: 'idmtest' })).toMatchObject({ REDIS_PREFIX: 'idmtest', redisTarget: { kind: 'single', port: 6379 } });
  });

  it('refuses a bad REDIS_URL or REDIS_PREFIX with a message naming the variable', () => {
    expect(() => withEnv({ REDIS_URL: 'redis-sentinel://:hunter22@s1:26379' })).toThrow(ConfigError);
    expect(() => withEnv({ REDIS_URL: 'redis-sentinel://:hunter22@s1:26379' })).toThrow(/REDIS_URL: the master's name is missing/);
    expect(() => withEnv({ REDIS_URL: 'redis-sentinel://:hunter22@s1:26379' })).not.toThrow(/hunter22/);
    expect(() => withEnv({ REDIS_PREFIX: '{idm' })).toThrow(/REDIS_PREFIX: at most one hash tag/);
  });
});
