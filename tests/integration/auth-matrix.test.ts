import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, startAuthTestEnvironment, type AuthTestEnvironment } from '@/e2e/support/app-server';
import {
  appPages,
  appRouteHandlers,
  builtServerActions,
  routeMethods,
  serverActionModules,
  type BuiltAction,
} from '@/e2e/support/app-surface';

// The authorization matrix: anonymous, operator and administrator against every page, route
// handler and server action of the built app (`next start`, real PostgreSQL).
//
// Pages and route handlers are enumerated from app/. Server actions are taken from the build's
// server reference manifest and invoked over HTTP exactly as a browser does (POST with the
// `Next-Action` id to a page that carries the action); the 'use server' modules in the source
// are cross-checked against the manifest so that a stale build or an unreachable action fails.
// Actions are called only by callers who must be refused: calling them as an allowed role would
// run them (start a sync, change a schedule), which their own tests do.
//
// Signed-in callers get a session created through lib/auth/sessions (the sign-in form itself
// is covered by tests/integration/auth-session.test.ts and e2e/sign-in.spec.ts).

// The build comes first: the actions below are enumerated from its manifest while Vitest collects.
await ensureBuilt();

/** SIGNED_IN: any account, even one that must change its password first (its own password page). */
type Access = 'PUBLIC' | 'SIGNED_IN' | 'OPERATOR' | 'ADMINISTRATOR';
/**
 * `must-change-password` is an administrator whose password change an administrator forced:
 * until it is done, everything but its password page is refused, whatever its role allows.
 */
type Caller = 'anonymous' | 'operator' | 'administrator' | 'must-change-password';
const CALLERS: Caller[] = ['anonymous', 'operator', 'administrator', 'must-change-password'];

/**
 * Which role a URL (and HTTP method, for route handlers) needs. A path outside this table fails
 * the test until someone classifies it.
 */
function accessOfPath(route: string, method = 'GET'): Access | null {
  if (route === '/login') return 'PUBLIC';
  if (route === '/account/password') return 'SIGNED_IN';
  // The API's description is public, as API descriptions usually are; it holds no data.
  if (route === '/api/v1/openapi.json') return 'PUBLIC';
  // REST API v1: operators read and start runs; changing a schedule is for administrators.
  if (/^\/api\/v1\/jobs\/[^/]+\/schedule$/.test(route) && method !== 'GET') return 'ADMINISTRATOR';
  // Restoring the users a run changed is the administrator's (issue 16).
  if (/^\/api\/v1\/runs\/[^/]+\/restore$/.test(route)) return 'ADMINISTRATOR';
  if (route.startsWith('/api/v1/admin/')) return 'ADMINISTRATOR';
  // Webhooks (notifications) are the administrator's, reading them too: they name other systems.
  if (route === '/api/v1/webhooks' || route.startsWith('/api/v1/webhooks/')) return 'ADMINISTRATOR';
  if (route === '/api/v1' || route.startsWith('/api/v1/')) return 'OPERATOR';
  if (route === '/admin' || route.startsWith('/admin/')) return 'ADMINISTRATOR';
  if (route === '/operator' || route.startsWith('/operator/')) return 'OPERATOR';
  if (route === '/api/health' || route === '/api/ready' || route === '/api/v1/openapi.json') return 'PUBLIC';
  if (route.startsWith('/api/v1/admin/')) return 'ADMINISTRATOR';
  // REST API v1 (issue 7): saving a schedule is the administrator's; the rest, and metrics, the operator's.
  if (/^\/api\/v1\/jobs\/[^/]+\/schedule$/.test(route)) return 'ADMINISTRATOR';
  if (route === '/api/metrics' || route.startsWith('/api/v1/')) return 'OPERATOR';
  return null;
}

/** Actions that are not under app/admin or app/operator say here what they need, and why. */
const ACTION_ACCESS: Record<string, Access> = {
  // How an anonymous visitor becomes an account.
  'app/_lib/session-actions.ts#signInAction': 'PUBLIC',
  // Without a session there is nothing to end; it only redirects to /login.
  'app/_lib/session-actions.ts#signOutAction': 'PUBLIC',
  // Every account changes its own password, and must be able to when it is forced to.
  'app/account/password/actions.ts#changePasswordAction': 'SIGNED_IN',
};

function accessOfAction(action: { file: string; exportedName: string }): Access | null {
  const explicit = ACTION_ACCESS[`${action.file}#${action.exportedName}`];
  if (explicit) return explicit;
  if (action.file.startsWith('app/admin/')) return 'ADMINISTRATOR';
  if (action.file.startsWith('app/operator/')) return 'OPERATOR';
  return null;
}

function allowed(caller: Caller, access: Access): boolean {
  if (access === 'PUBLIC') return true;
  if (caller === 'anonymous') return false;
  if (access === 'SIGNED_IN' || caller === 'administrator') return true;
  return caller === 'operator' && access === 'OPERATOR';
}

/** The status of a refused route handler or action: 401 without a session, 403 otherwise. */
const refusedStatus = (caller: Caller) => (caller === 'anonymous' ? 401 : 403);

let env: AuthTestEnvironment;
const cookieOf: Record<Caller, string> = { anonymous: '', operator: '', administrator: '', 'must-change-password': '' };

beforeAll(async () => {
  env = await startAuthTestEnvironment({ name: 'auth-matrix' });
  // lib/ reads DATABASE_URL lazily: point this process at the test database before first use.
  process.env.DATABASE_URL = env.services.databaseUrl;
  const { prisma } = await import('@/lib/db');
  const { createSession } = await import('@/lib/auth/sessions');
  const { createAccount } = await import('@/lib/auth/accounts');
  const forced = await createAccount({ username: 'forced.admin', password: 'a long enough passphrase', role: 'ADMINISTRATOR' });
  await prisma().account.update({ where: { id: forced.id }, data: { mustChangePassword: true } });
  const callers = [['operator', env.accounts.operator.username], ['administrator', env.accounts.admin.username], ['must-change-password', forced.username]] as const;
  for (const [caller, username] of callers) {
    const account = await prisma().account.findUniqueOrThrow({ where: { username } });
    cookieOf[caller] = `idm_session=${(await createSession({ accountId: account.id })).token}`;
  }
});

afterAll(async () => {
  const { disconnectDb } = await import('@/lib/db');
  await disconnectDb();
  await env?.stop();
});

function request(path: string, caller: Caller, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (cookieOf[caller]) headers.set('cookie', cookieOf[caller]);
  return fetch(env.baseUrl + path, { ...init, headers, redirect: 'manual' });
}

describe('pages', () => {
  const pages = appPages();

  it('finds the pages of the app, each with a known access rule', () => {
    expect(pages.map((p) => p.route)).toEqual(expect.arrayContaining(['/', '/login', '/admin', '/operator']));
    const unclassified = pages.filter((p) => p.route !== '/' && accessOfPath(p.route) === null);
    expect(unclassified.map((p) => p.file), 'classify these pages in accessOfPath()').toEqual([]);
  });

  for (const page of appPages()) {
    for (const caller of CALLERS) {
      it(`${caller} ${page.route} (${page.file})`, async () => {
        const res = await request(page.route, caller);
        await res.body?.cancel();
        if (page.route === '/') {
          expect(res.status).toBe(307);
          const home = { anonymous: '/login', operator: '/operator', administrator: '/admin', 'must-change-password': '/account/password' }[caller];
          expect(res.headers.get('location')).toBe(home);
          return;
        }
        const access = accessOfPath(page.route)!;
        if (access === 'PUBLIC') {
          // The login page sends accounts that are already signed in to their home.
          if (page.route === '/login' && caller !== 'anonymous') expect(res.status).toBe(307);
          else expect(res.status).toBe(200);
        } else if (caller === 'anonymous') {
          expect(res.status).toBe(307);
          expect(res.headers.get('location')).toBe(`/login?next=${encodeURIComponent(page.route)}`);
        } else if (caller === 'must-change-password' && !allowed(caller, access)) {
          expect(res.status).toBe(307);
          expect(res.headers.get('location')).toBe('/account/password');
        } else if (!allowed(caller, access)) {
          expect(res.status).toBe(403);
        } else {
          // A sample value in a dynamic segment may name nothing: 404 is an allowed answer there.
          expect(page.dynamic ? [200, 404] : [200]).toContain(res.status);
        }
      });
    }
  }
});

describe('route handlers', () => {
  const handlers = appRouteHandlers();

  it('every route handler has a known access rule', () => {
    const unclassified = handlers.filter((h) => accessOfPath(h.route) === null);
    expect(unclassified.map((h) => h.file), 'classify these route handlers in accessOfPath()').toEqual([]);
  });

  for (const handler of handlers) {
    for (const method of routeMethods(handler.file)) {
      const access = accessOfPath(handler.route, method);
      if (!access || access === 'PUBLIC') continue;
      for (const caller of CALLERS.filter((c) => !allowed(c, access))) {
        it(`${caller} ${method} ${handler.route} is refused`, async () => {
          const body = ['GET', 'HEAD', 'OPTIONS'].includes(method) ? undefined : '{}';
          const res = await request(handler.route, caller, { method, body, headers: { 'content-type': 'application/json' } });
          const answer = await res.text();
          expect(res.status).toBe(refusedStatus(caller));
          if (caller === 'must-change-password') expect(JSON.parse(answer).code).toBe('password_change_required');
        });
      }
    }
  }
});

describe('server actions', () => {
  const actions = builtServerActions();

  it('the build carries every action of the source (no stale build, no unreachable action)', () => {
    const built = new Set(actions.map((a) => `${a.file}#${a.exportedName}`));
    const missing = serverActionModules().flatMap((m) => m.exports.map((e) => `${m.file}#${e}`)).filter((key) => !built.has(key));
    expect(missing, 'actions not in .next/server/server-reference-manifest.json: rebuild, or remove unused exports').toEqual([]);
    expect(built).toContain('app/_lib/session-actions.ts#signInAction');
  });

  it('every action has a known access rule', () => {
    const unclassified = actions.filter((a) => accessOfAction(a) === null);
    expect(unclassified.map((a) => `${a.file}#${a.exportedName}`), 'classify these actions in ACTION_ACCESS').toEqual([]);
  });

  const callAction = (action: BuiltAction, caller: Caller, origin = env.baseUrl) =>
    request(action.pages[0] ?? '/', caller, {
      method: 'POST',
      headers: { 'Next-Action': action.id, Origin: origin, 'Content-Type': 'text/plain;charset=UTF-8', Accept: 'text/x-component' },
      body: '[]',
    });

  for (const action of actions) {
    const access = accessOfAction(action);
    if (!access || access === 'PUBLIC') continue;
    for (const caller of CALLERS.filter((c) => !allowed(c, access))) {
      it(`${caller} calling ${action.file}#${action.exportedName} is refused`, async () => {
        expect(action.pages.length, 'the action is reachable from a page').toBeGreaterThan(0);
        const res = await callAction(action, caller);
        await res.body?.cancel();
        expect(res.status).toBe(refusedStatus(caller));
      });
    }
  }

  it('an action posted from another origin is rejected before it runs', async () => {
    const signIn = actions.find((a) => a.exportedName === 'signInAction')!;
    const { admin } = env.accounts;
    const form = new FormData();
    form.set('_1_username', admin.username);
    form.set('_1_password', admin.password);
    form.set('0', '[{},"$K1"]');
    const res = await request('/login', 'anonymous', {
      method: 'POST',
      headers: { 'Next-Action': signIn.id, Origin: 'http://attacker.example', Accept: 'text/x-component' },
      body: form,
    });
    await res.body?.cancel();
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.headers.getSetCookie().join('\n')).not.toContain('idm_session=');
  });
});

describe('security headers', () => {
  it('pages carry a nonce-based CSP without unsafe-eval, and the other hardening headers', async () => {
    const res = await request('/login', 'anonymous');
    const html = await res.text();
    const csp = res.headers.get('content-security-policy') ?? '';
    const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
    expect(nonce).toBeTruthy();
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-eval');
    expect(csp).not.toMatch(/script-src[^;]*'unsafe-inline'/);
    // Next puts the nonce on its own scripts; without it the page would not hydrate.
    expect(html).toContain(`nonce="${nonce}"`);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('same-origin');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('x-powered-by')).toBeNull();
  });
});
