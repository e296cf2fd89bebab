import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '@/e2e/support/app-server';
import { appPages, appRouteHandlers, builtServerActions, postFormAction, routeMethods, type BuiltAction } from '@/e2e/support/app-surface';
import { CRON_CORPUS } from '@/e2e/support/cron-corpus';
import { openApiDocument } from '@/lib/api/openapi';
import { validateCronExpression } from '@/lib/cron';
import { FILTER_PRESET_KEYS } from '@/lib/sync/job-options';
import { startApiTestEnvironment, type ApiTestEnvironment } from './api-support';

// The hostile-input suite: every page, route handler, OpenAPI operation and server action of
// the built app, enumerated from the app itself (app/ route tree, the OpenAPI document, the
// build's server reference manifest), is sent crafted input (malformed JSON, wrong content
// types, oversized bodies, NUL, invalid UTF-8, lone surrogates, path traversal, prototype keys,
// huge numbers, LDAP and SQL metacharacters) as anonymous, operator and administrator. Required
// everywhere: no 5xx, no secret in any answer, callers without the role never get a 2xx from an
// administrator's (or operator's) route or action, and a refused request leaves the database as
// it was. Then the cron corpus through the REST API and through the admin form's server action.

await ensureBuilt();

type Caller = 'anonymous' | 'operator' | 'administrator';
const CALLERS: Caller[] = ['anonymous', 'operator', 'administrator'];
const JOB = 'inactive-ldap-users';
const BIND_PASSWORD = `Bind-${Math.random().toString(36).slice(2)}-Secret!`;

let env: ApiTestEnvironment;
let db: typeof import('@/lib/db');
let fingerprintClient: pg.Client;
const cookieOf: Record<Caller, string | null> = { anonymous: null, operator: null, administrator: null };
const tokenOf: Record<Caller, string | null> = { anonymous: null, operator: null, administrator: null };
let secrets: string[] = [];
let runId = 0;

beforeAll(async () => {
  env = await startApiTestEnvironment('hostile-input');
  db = await import('@/lib/db');
  const { seedLdapSettings } = await import('@/lib/seed/ldap-settings');
  const { parseEncryptionKey } = await import('@/lib/crypto');
  const { createSession } = await import('@/lib/auth/sessions');
  const { hashApiToken } = await import('@/lib/api/api-tokens');
  await seedLdapSettings(db.prisma() as never, { url: env.services.ldap.url, bindDn: 'cn=sync,dc=example,dc=com', bindPassword: BIND_PASSWORD, baseDn: 'dc=example,dc=com' }, parseEncryptionKey(env.encryptionKey));
  for (const [caller, username] of [['operator', env.accounts.operator.username], ['administrator', env.accounts.admin.username]] as const) {
    const account = await db.prisma().account.findUniqueOrThrow({ where: { username } });
    cookieOf[caller] = `idm_session=${(await createSession({ accountId: account.id })).token}`;
    tokenOf[caller] = (await env.createToken(caller === 'operator' ? 'OPERATOR' : 'ADMINISTRATOR', `hostile-${caller}`)).token;
  }
  // A finished run (cancel and confirm are refused, nothing starts) and a user, for the dynamic segments.
  runId = (await db.prisma().batchRun.create({ data: { jobKey: JOB, status: 'SUCCEEDED', trigger: 'MANUAL', startedBy: 'admin', startedAt: new Date(), finishedAt: new Date() } })).id;
  await db.prisma().user.create({ data: { username: 'hostile.user', usernameKey: 'hostile.user', state: 'ACTIVE', source: 'LDAP' } });

  const accounts = await db.prisma().account.findMany();
  const sessions = await db.prisma().session.findMany();
  const tokens = await db.prisma().apiToken.findMany();
  secrets = [
    BIND_PASSWORD,
    env.encryptionKey,
    env.accounts.admin.password,
    env.accounts.operator.password,
    ...Object.values(cookieOf).flatMap((c) => (c ? [c.replace('idm_session=', '')] : [])),
    ...Object.values(tokenOf).flatMap((t) => (t ? [t, hashApiToken(t)] : [])),
    ...accounts.map((a) => a.passwordHash),
    ...sessions.map((s) => s.id),
    ...tokens.map((t) => t.tokenHash),
  ];
  expect(secrets.length).toBeGreaterThan(10);
  fingerprintClient = new pg.Client({ connectionString: env.services.databaseUrl });
  await fingerprintClient.connect();
});

afterAll(async () => {
  await fingerprintClient?.end();
  await env?.stop();
});

// ---------------------------------------------------------------------------------------------
// The database fingerprint: every table of the schema but sessions (a request may touch its
// session), without the columns that record use rather than change (last use of a token or
// session, failed sign-ins), and without the audit events of failed sign-ins and password
// changes (a refused sign-in is recorded on purpose).

const VOLATILE_COLUMNS = ['last_used_at', 'last_seen_at', 'failed_sign_ins', 'locked_until'];
const RECORDED_REFUSALS = ['auth.sign_in.failed', 'auth.password_change.failed'];
let fingerprintSql: string | undefined;

async function fingerprint(): Promise<string> {
  if (!fingerprintSql) {
    const { rows } = await fingerprintClient.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'
         AND table_name NOT IN ('_prisma_migrations', 'sessions') ORDER BY table_name`,
    );
    const volatile = `ARRAY[${VOLATILE_COLUMNS.map((c) => `'${c}'`).join(',')}]`;
    fingerprintSql = rows
      .map(({ table_name: t }) => {
        const where = t === 'audit_events' ? `WHERE action NOT IN (${RECORDED_REFUSALS.map((a) => `'${a}'`).join(',')})` : '';
        return `SELECT '${t}' AS t, md5(COALESCE(string_agg((to_jsonb(x) - ${volatile})::text, '|' ORDER BY (to_jsonb(x) - ${volatile})::text), '')) AS h FROM "${t}" x ${where}`;
      })
      .join(' UNION ALL ');
  }
  const { rows } = await fingerprintClient.query<{ t: string; h: string }>(fingerprintSql);
  return rows.map((r) => `${r.t}:${r.h}`).join(',');
}

// ---------------------------------------------------------------------------------------------
// Sending and checking one request.

type Outcome = { what: string; status: number; body: string; changed: boolean };
const outcomes: Outcome[] = [];

async function send(what: string, caller: Caller, url: string, init: { method?: string; headers?: Record<string, string>; body?: BodyInit; token?: boolean } = {}): Promise<Outcome> {
  const headers = new Headers(init.headers);
  if (cookieOf[caller] && !headers.has('cookie')) headers.set('cookie', cookieOf[caller]!);
  if (init.token && tokenOf[caller]) headers.set('authorization', `Bearer ${tokenOf[caller]}`);
  const before = await fingerprint();
  let status: number;
  let body: string;
  try {
    const res = await fetch(env.baseUrl + url, { method: init.method ?? 'GET', headers, body: init.body, redirect: 'manual' });
    status = res.status;
    const head = [...res.headers.entries()].map(([k, v]) => `${k}: ${v}`).join('\n');
    if (res.headers.get('content-type')?.startsWith('text/event-stream')) {
      // The live run page's stream: read its first event only.
      const reader = res.body!.getReader();
      const chunk = await Promise.race([reader.read(), new Promise<{ value?: Uint8Array }>((r) => setTimeout(() => r({}), 500))]);
      await reader.cancel();
      body = `${head}\n\n${Buffer.from(chunk.value ?? new Uint8Array()).toString()}`;
    } else {
      body = `${head}\n\n${await res.text()}`;
    }
  } catch (error) {
    // A connection dropped mid-answer (as items.csv?q=%00 did) is as bad as a 500.
    status = 599;
    body = String((error as Error)?.cause ?? error);
  }
  const changed = (await fingerprint()) !== before;
  const outcome = { what: `${caller} ${init.method ?? 'GET'} ${url} ${what}`.slice(0, 300), status, body, changed };
  outcomes.push(outcome);
  return outcome;
}

function problemsOf(list: Outcome[], rule: (o: Outcome) => string | null): string[] {
  return list.flatMap((o) => {
    const problem = rule(o);
    return problem ? [`${o.what} -> ${o.status}: ${problem} ${o.body.split('\n\n').slice(1).join('').slice(0, 160)}`] : [];
  });
}

/** The rules of the whole suite; `allowed` says whether the caller may use the target at all. */
function checkAll(list: Outcome[], allowed: (o: Outcome) => boolean) {
  // Readiness answers 503 while a dependency (here: the worker, not started) is missing: that is its job.
  const readiness = (o: Outcome) => o.status === 503 && / \/api\/ready[?\s]/.test(o.what) && o.body.includes('"not_ready"');
  expect(problemsOf(list, (o) => (o.status >= 500 && !readiness(o) ? 'server error' : null)), 'no 5xx').toEqual([]);
  expect(problemsOf(list, (o) => (secrets.some((s) => o.body.includes(s)) ? 'secret in the answer' : null)), 'no secret in any answer').toEqual([]);
  expect(problemsOf(list, (o) => (!allowed(o) && o.status < 300 ? 'reached by a caller without the role' : null)), 'authorization matrix').toEqual([]);
  expect(problemsOf(list, (o) => ((o.status >= 400 || !allowed(o)) && o.changed ? 'refused, yet the database changed' : null)), 'refused requests change nothing').toEqual([]);
}

// ---------------------------------------------------------------------------------------------
// The corpus.

/** Values for a dynamic segment, raw (already percent-encoded where they need it). */
const SEGMENT_CORPUS = [
  '%00',
  'a%00b',
  '%C0%AE',
  '%ED%A0%80', // a UTF-16 surrogate encoded as UTF-8: not UTF-8
  '%FF',
  '%',
  '%ZZ',
  '..%2F..%2F..%2Fetc%2Fpasswd',
  '%2e%2e',
  '..%5C..%5Cwindows',
  '__proto__',
  'constructor',
  '99999999999',
  '-1',
  '1e309',
  '%27%20OR%201%3D1--',
  '*)(uid%3D*))(%7C(uid%3D*',
  '%01%1B%7F',
  'x'.repeat(3000),
];

/** Query strings for every page and GET route: the search boxes, audit filters, paging and outcome. */
const QUERY_CORPUS = [
  'q=%00',
  'q=ab%00cd',
  'q=%C0%AE',
  'q=%ED%A0%80',
  'q=%27%20OR%201%3D1--',
  'q=*)(uid%3D*)',
  'q=%5C%2A%28%29',
  `q=${'x'.repeat(5000)}`,
  'actor=%00&target=%00&action=%00',
  'from=2026-13-45&to=2026-02-30',
  'from=0000-01-01&to=99999-01-01',
  'page=99999999999&pageSize=99999999999',
  'page=-1&pageSize=1e309',
  'outcome=%00',
  'outcome=__proto__',
  '__proto__=1&constructor=1',
  'state=%00',
  'after=%00&before=%C0%AE',
  'next=%2F.%2F%2Fevil.example',
  'q=%',
];

const bytes = (...parts: Array<string | number[]>) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))));

/** Bodies for route handlers that take one: none of them is a valid request. */
const BODY_CORPUS: Array<{ what: string; body: BodyInit; type?: string }> = [
  { what: 'truncated JSON', body: '{' },
  { what: 'JSON array', body: '[]' },
  { what: 'JSON null', body: 'null' },
  { what: 'JSON string', body: '"x"' },
  { what: 'JSON number 1e309', body: '1e309' },
  { what: '__proto__ key', body: '{"__proto__":{"paused":true,"dryRun":true}}' },
  { what: 'constructor key', body: '{"constructor":{"prototype":{"polluted":true}}}' },
  { what: 'huge expectedVersion', body: '{"expression":"0 2 * * *","timeZone":"UTC","expectedVersion":99999999999}' },
  { what: 'NUL in a string', body: '{"expression":"0 2 * * *\\u0000","timeZone":"UTC","dryRun":"\\u0000"}' },
  { what: 'lone surrogate', body: '{"expression":"\\ud800","timeZone":"\\udc00"}' },
  { what: 'invalid UTF-8', body: bytes('{"expression":"', [0xc0, 0xae, 0xff], '","timeZone":"UTC"}') },
  { what: 'LDAP metacharacters', body: '{"expression":"*)(uid=*))(|(uid=*","timeZone":"UTC"}' },
  { what: 'SQL metacharacters', body: `{"expression":"0 2 * * *","timeZone":"UTC'; DROP TABLE users; --"}` },
  { what: 'wrong type for dryRun', body: '{"dryRun":"yes","confirm":1}' },
  { what: 'text/plain', body: '{"dryRun":true}', type: 'text/plain' },
  { what: 'form-urlencoded', body: 'dryRun=true', type: 'application/x-www-form-urlencoded' },
  { what: 'multipart', body: '--b\r\nContent-Disposition: form-data; name="dryRun"\r\n\r\ntrue\r\n--b--\r\n', type: 'multipart/form-data; boundary=b' },
  { what: 'XML', body: '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>', type: 'application/xml' },
  { what: '20 KB', body: JSON.stringify({ expression: 'x'.repeat(20_000) }) },
  { what: '2 MB', body: JSON.stringify({ expression: 'x'.repeat(2_000_000) }) },
];

// ---------------------------------------------------------------------------------------------
// The app's surface, from the app itself.

const sample: Record<string, () => string> = { jobKey: () => JOB, runId: () => String(runId), username: () => 'hostile.user' };
const fill = (template: string) => template.replace(/\[(\w+)\]|\{(\w+)\}/g, (_, a?: string, b?: string) => sample[(a ?? b)!]?.() ?? 'sample');
/** Variants of a path with each dynamic segment in turn replaced by each corpus value. */
function hostilePaths(template: string): string[] {
  const parts = template.split('/');
  const out: string[] = [];
  parts.forEach((part, i) => {
    if (!/^(\[\w+\]|\{\w+\})$/.test(part)) return;
    for (const value of SEGMENT_CORPUS) out.push(parts.map((p, j) => (j === i ? value : fill(p))).join('/'));
  });
  return out;
}

/** Who may use a URL: the same classification as the authorization matrix, by prefix. */
function accessOf(route: string, method: string): 'PUBLIC' | 'OPERATOR' | 'ADMINISTRATOR' {
  if (['/login', '/', '/api/health', '/api/ready', '/api/v1/openapi.json', '/account/password'].includes(route)) return 'PUBLIC';
  if (/^\/api\/v1\/jobs\/[^/]+\/schedule$/.test(route) && method !== 'GET') return 'ADMINISTRATOR';
  if (route.startsWith('/admin')) return 'ADMINISTRATOR';
  if (route.startsWith('/api/v1/webhooks')) return 'ADMINISTRATOR';
  return 'OPERATOR';
}
const mayUse = (caller: Caller, access: string) => access === 'PUBLIC' || caller === 'administrator' || (caller === 'operator' && access === 'OPERATOR');

type Target = { route: string; template: string; methods: string[]; page: boolean; source: string };

function surface(): Target[] {
  const byTemplate = new Map<string, Target>();
  const add = (template: string, methods: string[], page: boolean, source: string) => {
    const route = template.replace(/\{(\w+)\}/g, '[$1]');
    const existing = byTemplate.get(route);
    if (existing) {
      existing.methods = [...new Set([...existing.methods, ...methods])];
      existing.source += `, ${source}`;
    } else byTemplate.set(route, { route, template: route, methods, page, source });
  };
  for (const p of appPages()) add(p.file.replace(/^app/, '').replace(/\/page\.tsx?$/, '') || '/', ['GET'], true, p.file);
  for (const h of appRouteHandlers()) add(h.file.replace(/^app/, '').replace(/\/route\.ts$/, ''), routeMethods(h.file), false, h.file);
  for (const [path, operations] of Object.entries(openApiDocument.paths ?? {})) add(path, Object.keys(operations).map((m) => m.toUpperCase()), false, 'openapi');
  return [...byTemplate.values()].sort((a, b) => a.route.localeCompare(b.route));
}

// ---------------------------------------------------------------------------------------------

describe('finding 7: crafted input gets a 4xx in the API vocabulary, never a 500', () => {
  const operator = (url: string, init: Parameters<typeof send>[3] = {}) => send('finding 7', 'operator', url, init);
  const admin = (url: string, init: Parameters<typeof send>[3] = {}) => send('finding 7', 'administrator', url, init);
  const json = (o: Outcome) => JSON.parse(o.body.split('\n\n').slice(1).join('\n\n')) as { code: string; message: string; fieldErrors?: Record<string, string[]> };

  it('a NUL in the users search, the run page search, the CSV, the audit filters and a user page is a 400 bad_request', async () => {
    for (const url of ['/operator/users?q=%00', `/operator/runs/${runId}?q=ab%00`, `/operator/runs/${runId}/items.csv?q=%00`, '/admin/audit-log?actor=%00', '/operator/users/%00']) {
      const res = await admin(url);
      expect(res.status, url).toBe(400);
      expect(json(res).code, url).toBe('bad_request');
      expect(json(res).message, url).toMatch(/NUL/);
    }
  });

  it('a path segment that is not UTF-8 percent-encoding (%C0%AE) is a 400 on every dynamic route, pages and API', async () => {
    for (const url of ['/operator/users/%C0%AE', '/operator/jobs/%C0%AE', `/operator/runs/%C0%AE`, '/admin/batch-synchronization/%C0%AE', '/api/v1/jobs/%C0%AE', '/api/v1/users/%C0%AE', '/api/v1/runs/%C0%AE/items']) {
      const res = await admin(url, { token: true });
      expect(res.status, url).toBe(400);
      expect(json(res).code, url).toBe('bad_request');
    }
    // Prefetch requests used to skip the proxy: they are checked too.
    expect((await admin('/api/v1/jobs/%C0%AE', { token: true, headers: { 'next-router-prefetch': '1' } })).status).toBe(400);
  });

  it('audit from=2026-13-45 shows a clear inline error on the page instead of crashing it', async () => {
    const res = await admin('/admin/audit-log?from=2026-13-45&to=2026-02-30');
    expect(res.status).toBe(200);
    expect(res.body).toContain('From “2026-13-45” is not a date: use YYYY-MM-DD');
    expect(res.body).toContain('To “2026-02-30” is not a date');
  });

  it('JSON keys __proto__ and constructor are unknown fields (422), not a TypeError', async () => {
    for (const [url, method] of [[`/api/v1/jobs/${JOB}/schedule`, 'PUT'], [`/api/v1/jobs/${JOB}/runs`, 'POST']] as const) {
      for (const body of ['{"__proto__":{"x":1}}', '{"constructor":1}']) {
        const res = await admin(url, { method, token: true, body, headers: { 'content-type': 'application/json' } });
        expect(res.status, `${url} ${body}`).toBe(422);
        expect(json(res).code).toBe('validation_failed');
        expect(Object.keys(json(res).fieldErrors ?? {})).toContain(Object.keys(JSON.parse(body) as object)[0] ?? '__proto__');
      }
    }
    const query = await operator(`/api/v1/runs/${runId}/items?constructor=1`, { token: true });
    expect(query.status).toBe(422);
  });

  it('expectedVersion 99999999999 (beyond int32) is a 422 from the schema, not an integer overflow', async () => {
    const res = await admin(`/api/v1/jobs/${JOB}/schedule`, { method: 'PUT', token: true, body: '{"expression":"0 2 * * *","timeZone":"UTC","expectedVersion":99999999999}', headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(422);
    expect(json(res).fieldErrors?.expectedVersion).toBeDefined();
  });

  it('a server-action body over 1 MiB is a 413, a cross-origin server action a 403, before the action runs', async () => {
    const action = builtServerActions().find((a) => a.exportedName === 'signInAction')!;
    const big = new FormData();
    big.set('_1_username', 'x'.repeat(1_100_000));
    big.set('0', '[{},"$K1"]');
    const tooLarge = await send('finding 7', 'anonymous', '/login', { method: 'POST', headers: { 'Next-Action': action.id, Origin: env.baseUrl }, body: big });
    expect(tooLarge.status).toBe(413);
    expect(json(tooLarge).code).toBe('payload_too_large');
    const small = new FormData();
    small.set('_1_username', env.accounts.admin.username);
    small.set('_1_password', env.accounts.admin.password);
    small.set('0', '[{},"$K1"]');
    for (const origin of ['http://attacker.example', 'null', 'http://[']) {
      const crossSite = await send('finding 7', 'anonymous', '/login', { method: 'POST', headers: { 'Next-Action': action.id, Origin: origin }, body: small });
      expect(crossSite.status, origin).toBe(403);
      expect(json(crossSite).code).toBe('cross_origin_request');
      expect(crossSite.body).not.toContain('idm_session=');
    }
    // The same form from the site itself still signs in: the checks read a copy of the body.
    const signedIn = await postFormAction(env.baseUrl, { file: 'app/_lib/session-actions.ts', name: 'signInAction', page: '/login' }, { username: env.accounts.admin.username, password: env.accounts.admin.password });
    expect(signedIn.token).toBeDefined();
  });
});

describe('every page, route handler and OpenAPI operation, with crafted paths, queries and bodies', () => {
  const targets = surface();

  it('enumerates the app: pages, route handlers and the OpenAPI document', () => {
    expect(targets.filter((t) => t.page).length).toBeGreaterThanOrEqual(15);
    expect(targets.filter((t) => t.source.includes('openapi')).length).toBeGreaterThanOrEqual(10);
    expect(targets.map((t) => t.route)).toEqual(expect.arrayContaining(['/operator/users/[username]', '/api/v1/jobs/[jobKey]/schedule', '/operator/runs/[runId]/items.csv']));
  });

  for (const caller of CALLERS) {
    it(`as ${caller}`, { timeout: 180_000 }, async () => {
      const mine: Outcome[] = [];
      const record = async (p: Promise<Outcome>) => mine.push(await p);
      for (const target of targets) {
        for (const method of target.methods.filter((m) => m !== 'HEAD' && m !== 'OPTIONS')) {
          const token = !target.page;
          const base = fill(target.template);
          const withBody = !['GET', 'DELETE'].includes(method);
          const urls = [...hostilePaths(target.template), ...(method === 'GET' ? QUERY_CORPUS.map((q) => `${base}?${q}`) : [])];
          for (const url of urls) {
            await record(send('', caller, url, { method, token, ...(withBody ? { body: '{}', headers: { 'content-type': 'application/json' } } : {}) }));
          }
          if (withBody) {
            for (const b of BODY_CORPUS) {
              await record(send(b.what, caller, base, { method, token, body: b.body, headers: { 'content-type': b.type ?? 'application/json' } }));
            }
          }
        }
      }
      checkAll(mine, (o) => {
        const [, method, url] = o.what.split(' ');
        return mayUse(caller, accessOf(url!.split('?')[0]!, method!));
      });
    });
  }
});

describe('every server action, with crafted payloads', () => {
  const actions = builtServerActions();

  /** Payloads a browser never sends; each must be refused before (or by) the action. */
  function payloads(): Array<{ what: string; body: BodyInit; type?: string; origin?: string }> {
    // React's arguments ("0") come last, as browsers send them: the server resolves "$K1" to the
    // form fields that came before it, so fields after it would never reach the action.
    const form = (fields: Record<string, string>) => {
      const f = new FormData();
      for (const [k, v] of Object.entries(fields)) if (k !== '0') f.set(k, v);
      if ('0' in fields) f.set('0', fields['0']!);
      return f;
    };
    return [
      { what: 'truncated JSON', body: '[[[', type: 'text/plain;charset=UTF-8' },
      { what: 'JSON object', body: '{"__proto__":{"polluted":1}}', type: 'text/plain;charset=UTF-8' },
      { what: 'JSON string', body: '"x"', type: 'text/plain;charset=UTF-8' },
      { what: 'NUL', body: '["a\\u0000b"]', type: 'text/plain;charset=UTF-8' },
      { what: 'lone surrogate', body: '["\\ud800"]', type: 'text/plain;charset=UTF-8' },
      { what: 'invalid UTF-8', body: bytes('["', [0xc0, 0xae], '"]'), type: 'text/plain;charset=UTF-8' },
      { what: 'application/json', body: '[]', type: 'application/json' },
      { what: 'multipart NUL field', body: form({ '0': '[{},"$K1"]', _1_username: 'a\u0000', _1_jobKey: JOB }) },
      { what: 'multipart NUL escape', body: form({ '0': '[{"x":"\\u0000"},"$K1"]' }) },
      { what: 'multipart malformed 0', body: form({ '0': '[{' }) },
      { what: 'multipart __proto__ and huge version', body: form({ '0': '[{"__proto__":{"polluted":1},"version":99999999999},"$K1"]', _1_version: '99999999999', _1_accountId: '99999999999', _1_id: '99999999999', _1_runId: '99999999999', _1_jobKey: "' OR 1=1 --" }) },
      { what: 'multipart LDAP metacharacters', body: form({ '0': '[{},"$K1"]', _1_filter: '*)(uid=*))(|(uid=*', _1_bindDn: 'cn=*)(', _1_urls: 'ldap://127.0.0.1:1/', _1_jobKey: '../../etc/passwd' }) },
      { what: 'over 1 MiB', body: form({ '0': '[{},"$K1"]', _1_x: 'x'.repeat(1_100_000) }) },
      { what: 'cross-origin', body: form({ '0': '[{},"$K1"]' }), origin: 'http://attacker.example' },
      { what: 'Origin null', body: form({ '0': '[{},"$K1"]' }), origin: 'null' },
    ];
  }

  /** A page that carries the action, with real values in its dynamic segments. */
  const pageOf = (action: BuiltAction) =>
    action.pages[0]!.replace(/\/(users|runs|jobs|batch-synchronization)\/sample(?=\/|$)/, (_m, parent: string) => `/${parent}/${parent === 'users' ? 'hostile.user' : parent === 'runs' ? runId : JOB}`);

  it('enumerates the server actions of the build', () => {
    expect(actions.length).toBeGreaterThanOrEqual(10);
    expect(actions.every((a) => a.pages.length > 0)).toBe(true);
  });

  for (const caller of CALLERS) {
    it(`as ${caller}`, { timeout: 120_000 }, async () => {
      const mine: Outcome[] = [];
      for (const action of actions) {
        // Sign out takes no input and would end this caller's session for the rest of the suite.
        if (action.exportedName === 'signOutAction' && caller !== 'anonymous') continue;
        const page = pageOf(action);
        for (const p of payloads()) {
          const headers: Record<string, string> = { 'Next-Action': action.id, Origin: p.origin ?? env.baseUrl, Accept: 'text/x-component' };
          if (p.type) headers['content-type'] = p.type;
          const o = await send(`${action.file}#${action.exportedName} ${p.what}`, caller, page, { method: 'POST', headers, body: p.body });
          mine.push(o);
        }
      }
      const access = (o: Outcome) => {
        const file = o.what.split(' ')[3]!;
        if (file.startsWith('app/admin/')) return 'ADMINISTRATOR';
        if (file.startsWith('app/operator/')) return 'OPERATOR';
        return 'PUBLIC';
      };
      checkAll(mine, (o) => mayUse(caller, access(o)));
      // Each payload is refused (4xx in front of the action, or the action's own error state), so
      // none changes the database. Clear cache takes no input: any form clears it, and audits that.
      expect(problemsOf(mine, (o) => (o.changed && !o.what.includes('#clearCacheAction') ? 'a crafted payload changed the database' : null))).toEqual([]);
    });
  }
});

describe('the cron corpus through the REST API and the admin form', () => {
  const savedExpression = async () => (await db.prisma().batchJob.findUniqueOrThrow({ where: { key: JOB } })).cronExpression;

  it('PUT /api/v1/jobs/{jobKey}/schedule saves exactly what the validator accepts, and refuses the rest with 4xx and no change', async () => {
    const problems: string[] = [];
    for (const { expression, valid } of CRON_CORPUS) {
      const expected = validateCronExpression(expression);
      if (valid !== undefined) expect(expected.ok, `the validator on ${JSON.stringify(expression)}`).toBe(valid);
      const before = await savedExpression();
      const res = await send(`cron ${JSON.stringify(expression)}`, 'administrator', `/api/v1/jobs/${JOB}/schedule`, { method: 'PUT', token: true, body: JSON.stringify({ expression, timeZone: 'UTC' }), headers: { 'content-type': 'application/json' } });
      const after = await savedExpression();
      if (expression.trim() === '') {
        if (res.status !== 200 || after !== null) problems.push(`${JSON.stringify(expression)}: ${res.status}, saved ${JSON.stringify(after)} (blank clears the schedule)`);
      } else if (expected.ok) {
        if (res.status !== 200 || after !== expected.expression) problems.push(`${JSON.stringify(expression)}: ${res.status}, saved ${JSON.stringify(after)}`);
      } else if (res.status !== 422 || after !== before || res.changed) {
        problems.push(`${JSON.stringify(expression)}: ${res.status}, saved ${JSON.stringify(after)} (was ${JSON.stringify(before)})`);
      }
    }
    expect(problems).toEqual([]);
  });

  // Posted as Chromium posts it (e2e/admin-cron-corpus.spec.ts types the same corpus into the real
  // form): the bound job key, useActionState's previous state and the form as part 1.
  it("the admin form's Save (its server action, posted as a browser does) saves exactly what the validator accepts, refuses the rest and changes nothing then", async () => {
    const action = builtServerActions().find((a) => a.exportedName === 'saveBatchJobAction')!;
    const page = `/admin/batch-synchronization/${JOB}`;
    const problems: string[] = [];
    for (const { expression } of CRON_CORPUS) {
      const expected = validateCronExpression(expression);
      const job = await db.prisma().batchJob.findUniqueOrThrow({ where: { key: JOB } });
      const form = new FormData();
      for (const [k, v] of Object.entries({ cronExpression: expression, timeZone: 'UTC', version: String(job.version), filterPreset: FILTER_PRESET_KEYS[0], pageSize: '500' })) form.set(`_1_${k}`, v);
      // The arguments last, as Chromium sends them (a "0" before the fields left the action without
      // them: "The form was incomplete"): the bound job key, useActionState's previous state, the form.
      form.set('0', JSON.stringify([JOB, { status: 'idle', version: job.version }, '$K1']));
      const res = await send(`form cron ${JSON.stringify(expression)}`, 'administrator', page, { method: 'POST', headers: { 'Next-Action': action.id, Origin: env.baseUrl, Accept: 'text/x-component' }, body: form });
      const after = await db.prisma().batchJob.findUniqueOrThrow({ where: { key: JOB } });
      if (res.status >= 500) problems.push(`${JSON.stringify(expression)}: ${res.status}`);
      else if (expression.trim() === '' && (after.cronExpression !== null || !/"status":"saved"/.test(res.body))) problems.push(`${JSON.stringify(expression)}: blank, yet not cleared (${res.status}, saved ${JSON.stringify(after.cronExpression)})`);
      else if (expected.ok && (after.cronExpression !== expected.expression || after.version !== job.version + 1 || !/"status":"saved"/.test(res.body))) problems.push(`${JSON.stringify(expression)}: valid, yet not saved (${res.status}, saved ${JSON.stringify(after.cronExpression)}): ${res.body.slice(-300)}`);
      else if (!expected.ok && expression.trim() !== '' && (after.version !== job.version || after.cronExpression !== job.cronExpression || res.changed)) problems.push(`${JSON.stringify(expression)}: invalid, yet saved (version ${job.version} -> ${after.version})`);
      else if (!expected.ok && expression.trim() !== '' && res.status < 400 && !/"status":"(invalid|error)"/.test(res.body)) problems.push(`${JSON.stringify(expression)}: no error state in the answer`);
    }
    expect(problems).toEqual([]);
  });
});

describe('summary', () => {
  it('reports what was sent', () => {
    const statuses = new Map<number, number>();
    for (const o of outcomes) statuses.set(o.status, (statuses.get(o.status) ?? 0) + 1);
    console.log(`hostile-input: ${outcomes.length} requests; statuses ${[...statuses.entries()].sort().map(([s, n]) => `${s}×${n}`).join(', ')}`);
    expect(outcomes.length).toBeGreaterThan(500);
  });
});
