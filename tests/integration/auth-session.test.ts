import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAuthTestEnvironment, type AuthTestEnvironment } from '@/e2e/support/app-server';
import { builtServerActions, postFormAction } from '@/e2e/support/app-surface';
import { MAX_FAILED_SIGN_INS } from '@/lib/auth/lockout';
import { sessionIdFromToken } from '@/lib/auth/session-policy';

// Sign-in, lockout, sessions and sign-out against a real PostgreSQL: first through lib/auth
// directly (with a controllable clock), then through the running app to check the cookie.

let env: AuthTestEnvironment;
let lib: {
  db: typeof import('@/lib/db');
  signIn: typeof import('@/lib/auth/sign-in');
  sessions: typeof import('@/lib/auth/sessions');
  expiredSessions: typeof import('@/lib/auth/delete-expired-sessions');
};

beforeAll(async () => {
  env = await startAuthTestEnvironment({ name: 'auth-session' });
  process.env.DATABASE_URL = env.services.databaseUrl;
  process.env.REDIS_URL = env.services.redisUrl;
  lib = {
    db: await import('@/lib/db'),
    signIn: await import('@/lib/auth/sign-in'),
    sessions: await import('@/lib/auth/sessions'),
    expiredSessions: await import('@/lib/auth/delete-expired-sessions'),
  };
});

afterAll(async () => {
  await (await import('@/lib/cache/redis')).disconnectCacheRedis();
  await lib?.db.disconnectDb();
  await env?.stop();
});

const minutes = (n: number) => n * 60_000;
const auditCount = (action: string) => lib.db.prisma().auditEvent.count({ where: { action } });

async function resetAccount(username: string) {
  await lib.db.prisma().account.update({ where: { username }, data: { failedSignIns: 0, lockedUntil: null, disabled: false } });
}

describe('signIn (lib/auth)', () => {
  it('opens a session stored only as the hash of the token, case-insensitively, and audits it', async () => {
    const { admin } = env.accounts;
    const before = await auditCount('auth.sign_in');
    const result = await lib.signIn.signIn({ username: `  ${admin.username.toUpperCase()} `, password: admin.password, ip: '127.0.0.1' });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.account.role).toBe('ADMINISTRATOR');
    const row = await lib.db.prisma().session.findUnique({ where: { id: sessionIdFromToken(result.token) } });
    expect(row).not.toBeNull();
    expect(await lib.db.prisma().session.count({ where: { id: result.token } })).toBe(0);
    expect(await auditCount('auth.sign_in')).toBe(before + 1);
  });

  it('gives the same message for a wrong password and an unknown account', async () => {
    const wrong = await lib.signIn.signIn({ username: env.accounts.operator.username, password: 'not-the-password' });
    const unknown = await lib.signIn.signIn({ username: 'nobody-here', password: 'whatever-it-is' });
    expect(wrong).toEqual({ ok: false, message: lib.signIn.SIGN_IN_FAILED_MESSAGE });
    expect(unknown).toEqual(wrong);
    const failures = await lib.db.prisma().auditEvent.findMany({ where: { action: 'auth.sign_in.failed' }, orderBy: { id: 'asc' } });
    expect(failures.map((f) => (f.details as { reason: string }).reason)).toEqual(expect.arrayContaining(['wrong_password', 'unknown_account']));
    expect(JSON.stringify(failures.map((f) => [f.actor, f.target, f.details]))).not.toContain('not-the-password');
    await resetAccount(env.accounts.operator.username);
  });

  it(`delays an account after ${MAX_FAILED_SIGN_INS} failures, longer each time, against the guessing address only; audits every delay`, async () => {
    const { operator } = env.accounts;
    const guesser = '203.0.113.66';
    const owner = '198.51.100.10';
    const lockedAudits = await auditCount('auth.account.locked');
    let t = Date.now();
    const at = (ms: number) => new Date(ms);
    for (let i = 0; i < MAX_FAILED_SIGN_INS; i++) {
      expect((await lib.signIn.signIn({ username: operator.username, password: `wrong-${i}`, ip: guesser, now: at(t) })).ok).toBe(false);
    }
    const account = () => lib.db.prisma().account.findUniqueOrThrow({ where: { username: operator.username } });
    expect((await account()).lockedUntil?.getTime()).toBe(t + 30_000);
    // The guessing address is refused even with the right password while the delay runs...
    expect(await lib.signIn.signIn({ username: operator.username, password: operator.password, ip: guesser, now: at(t + 10_000) })).toEqual({ ok: false, message: lib.signIn.SIGN_IN_FAILED_MESSAGE });
    // ...and each further failure doubles it.
    const delays: number[] = [];
    for (let i = 0; i < 3; i++) {
      t = (await account()).lockedUntil!.getTime() + 1;
      expect((await lib.signIn.signIn({ username: operator.username, password: `again-${i}`, ip: guesser, now: at(t) })).ok).toBe(false);
      delays.push(((await account()).lockedUntil!.getTime() - t) / 1000);
    }
    expect(delays).toEqual([60, 120, 240]);
    expect(await auditCount('auth.account.locked')).toBe(lockedAudits + 4);
    const audit = await lib.db.prisma().auditEvent.findFirstOrThrow({ where: { action: 'auth.account.locked' }, orderBy: { id: 'desc' } });
    expect(audit).toMatchObject({ actor: operator.username, ip: guesser, details: { failedSignIns: MAX_FAILED_SIGN_INS + 3 } });

    // The owner, from an address that has not failed, signs in during the delay: guessing cannot keep them out.
    const owned = await lib.signIn.signIn({ username: operator.username, password: operator.password, ip: owner, now: at(t + 1000) });
    expect(owned.ok).toBe(true);
    expect((await account()).lockedUntil).toBeNull();
    expect((await account()).failedSignIns).toBe(0);
  });

  it('without Redis the delay still holds only against the guessing address (the audit log says who failed), and an unlock clears it', async () => {
    const { Redis } = await import('ioredis');
    const { unlockAccount } = await import('@/lib/accounts/unlock-account');
    const { operator, admin } = env.accounts;
    await resetAccount(operator.username);
    // Redis down, as the web server sees it: its cache connection answers nothing.
    const holder = globalThis as unknown as { idmCacheRedis?: import('ioredis').Redis };
    const live = holder.idmCacheRedis;
    const dead = new Redis('redis://127.0.0.1:1', { maxRetriesPerRequest: 0, connectTimeout: 300, retryStrategy: () => null, lazyConnect: true });
    holder.idmCacheRedis = dead;
    try {
      const guesser = '203.0.113.77';
      const owner = '198.51.100.77';
      for (let i = 0; i < MAX_FAILED_SIGN_INS; i++) expect((await lib.signIn.signIn({ username: operator.username, password: `wrong-${i}`, ip: guesser })).ok).toBe(false);
      const account = await lib.db.prisma().account.findUniqueOrThrow({ where: { username: operator.username } });
      expect(account.lockedUntil!.getTime()).toBeGreaterThan(Date.now());
      expect((await lib.signIn.signIn({ username: operator.username, password: operator.password, ip: guesser })).ok).toBe(false);
      expect((await lib.signIn.signIn({ username: operator.username, password: operator.password, ip: owner })).ok).toBe(true);

      // Again, then an administrator's unlock: the guesser's earlier failures no longer count.
      for (let i = 0; i < MAX_FAILED_SIGN_INS; i++) await lib.signIn.signIn({ username: operator.username, password: `wrong-${i}`, ip: guesser });
      expect((await lib.signIn.signIn({ username: operator.username, password: operator.password, ip: guesser })).ok).toBe(false);
      await unlockAccount({ accountId: account.id, actor: { username: admin.username, ip: '127.0.0.1' } });
      for (let i = 0; i < MAX_FAILED_SIGN_INS; i++) await lib.signIn.signIn({ username: operator.username, password: `wrong-${i}`, ip: owner });
      expect((await lib.db.prisma().account.findUniqueOrThrow({ where: { id: account.id } })).lockedUntil!.getTime()).toBeGreaterThan(Date.now());
      expect((await lib.signIn.signIn({ username: operator.username, password: operator.password, ip: guesser })).ok).toBe(true);
    } finally {
      holder.idmCacheRedis = live;
      dead.disconnect();
      await resetAccount(operator.username);
    }
  });

  it('an administrator unlocks a delayed account at once, audited', async () => {
    const { operator, admin } = env.accounts;
    const { unlockAccount } = await import('@/lib/accounts/unlock-account');
    const now = new Date();
    for (let i = 0; i < MAX_FAILED_SIGN_INS + 2; i++) await lib.signIn.signIn({ username: operator.username, password: `wrong-${i}`, ip: '192.0.2.1', now });
    const delayed = await lib.db.prisma().account.findUniqueOrThrow({ where: { username: operator.username } });
    expect(delayed.lockedUntil!.getTime()).toBeGreaterThan(now.getTime());
    const result = await unlockAccount({ accountId: delayed.id, actor: { username: admin.username, ip: '127.0.0.1' } });
    expect(result.wasLocked).toBe(true);
    expect((await lib.signIn.signIn({ username: operator.username, password: operator.password, ip: '192.0.2.1' })).ok).toBe(true);
    const audit = await lib.db.prisma().auditEvent.findFirstOrThrow({ where: { action: 'account.unlocked' }, orderBy: { id: 'desc' } });
    expect(audit).toMatchObject({ actor: admin.username, target: `account:${operator.username}`, details: { wasLocked: true, failedSignIns: MAX_FAILED_SIGN_INS } });
  });

  it('limits sign-in attempts per client address, before any password is checked, and says when to try again', async () => {
    const { RATE_LIMITS } = await import('@/lib/security/rate-limit');
    const ip = '192.0.2.77';
    const results = [];
    for (let i = 0; i <= RATE_LIMITS.signInPerAddress.limit; i++) results.push(await lib.signIn.signIn({ username: `nobody-${i}`, password: 'irrelevant', ip }));
    const last = results.at(-1)!;
    expect(last).toMatchObject({ ok: false, retryAfterSeconds: expect.any(Number), message: expect.stringMatching(/^Too many sign-in attempts from your address .* Try again in \d+ seconds?\.$/) });
    // Another address is not affected.
    expect((await lib.signIn.signIn({ username: env.accounts.admin.username, password: env.accounts.admin.password, ip: '192.0.2.78' })).ok).toBe(true);
  });

  it('refuses a disabled account', async () => {
    const { operator } = env.accounts;
    await lib.db.prisma().account.update({ where: { username: operator.username }, data: { disabled: true } });
    expect((await lib.signIn.signIn({ username: operator.username, password: operator.password })).ok).toBe(false);
    await resetAccount(operator.username);
  });

  it('rotates: signing in again ends the session the browser held', async () => {
    const { admin } = env.accounts;
    const first = await lib.signIn.signIn({ username: admin.username, password: admin.password });
    if (!first.ok) throw new Error('sign-in failed');
    const second = await lib.signIn.signIn({ username: admin.username, password: admin.password, previousToken: first.token });
    if (!second.ok) throw new Error('sign-in failed');
    expect(second.token).not.toBe(first.token);
    expect(await lib.sessions.validateSession(first.token)).toBeNull();
    expect(await lib.sessions.validateSession(second.token)).not.toBeNull();
  });
});

describe('sessions (lib/auth)', () => {
  async function freshSession(now: Date) {
    const account = await lib.db.prisma().account.findUniqueOrThrow({ where: { username: env.accounts.operator.username } });
    return lib.sessions.createSession({ accountId: account.id, now });
  }

  it('ends after the idle timeout, and activity pushes the idle deadline', async () => {
    const t0 = new Date();
    const { token } = await freshSession(t0);
    // Defaults: 30 minutes idle, 12 hours absolute.
    expect(await lib.sessions.validateSession(token, new Date(t0.getTime() + minutes(20)))).not.toBeNull();
    expect(await lib.sessions.validateSession(token, new Date(t0.getTime() + minutes(45)))).not.toBeNull();
    expect(await lib.sessions.validateSession(token, new Date(t0.getTime() + minutes(45 + 31)))).toBeNull();
    expect(await lib.db.prisma().session.count({ where: { id: sessionIdFromToken(token) } })).toBe(0);
  });

  it('ends at the absolute timeout however active it is', async () => {
    const t0 = new Date();
    const { token } = await freshSession(t0);
    let t = t0.getTime();
    for (; t < t0.getTime() + minutes(12 * 60 - 20); t += minutes(20)) {
      expect(await lib.sessions.validateSession(token, new Date(t))).not.toBeNull();
    }
    expect(await lib.sessions.validateSession(token, new Date(t0.getTime() + minutes(12 * 60 + 1)))).toBeNull();
  });

  it('deleteExpiredSessions removes the sessions past their expiry and keeps the others', async () => {
    const now = new Date();
    const expired = await freshSession(new Date(now.getTime() - minutes(24 * 60)));
    const live = await freshSession(now);
    const deleted = await lib.expiredSessions.deleteExpiredSessions(now);
    expect(deleted).toBeGreaterThanOrEqual(1);
    expect(await lib.db.prisma().session.count({ where: { id: sessionIdFromToken(expired.token) } })).toBe(0);
    expect(await lib.db.prisma().session.count({ where: { id: sessionIdFromToken(live.token) } })).toBe(1);
    expect(await lib.db.prisma().session.count({ where: { expiresAt: { lte: now } } })).toBe(0);
    expect(await lib.expiredSessions.deleteExpiredSessions(now)).toBe(0);
  });

  it('ignores tokens that are malformed or unknown', async () => {
    expect(await lib.sessions.validateSession('')).toBeNull();
    expect(await lib.sessions.validateSession("' OR 1=1 --")).toBeNull();
    expect(await lib.sessions.validateSession('A'.repeat(43))).toBeNull();
  });
});

describe('the sign-in form over HTTP', () => {
  /** Posts the login form's action as the browser does (useActionState: [previousState, formData]). */
  async function postSignIn(username: string, password: string, headers: Record<string, string> = {}) {
    const action = builtServerActions().find((a) => a.file === 'app/_lib/session-actions.ts' && a.exportedName === 'signInAction');
    if (!action) throw new Error('signInAction is not in the build');
    const form = new FormData();
    form.set('_1_username', username);
    form.set('_1_password', password);
    form.set('_1_next', '/operator');
    // React's reply encoding: the FormData argument's fields first, then the root model.
    form.set('0', '[{},"$K1"]');
    return fetch(`${env.baseUrl}/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'Next-Action': action.id, Origin: env.baseUrl, Accept: 'text/x-component', ...headers },
      body: form,
    });
  }

  function sessionCookie(res: Response): string | undefined {
    return res.headers.getSetCookie().find((c) => c.startsWith('idm_session='));
  }

  it('sets an httpOnly, SameSite=Lax cookie on path / and goes to the requested page', async () => {
    const { operator } = env.accounts;
    await resetAccount(operator.username);
    const res = await postSignIn(operator.username, operator.password);
    await res.body?.cancel();
    const cookie = sessionCookie(res);
    expect(cookie).toBeDefined();
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(cookie).toMatch(/Path=\//);
    expect(cookie).not.toMatch(/Secure/i);
    expect(res.headers.get('x-action-redirect')).toMatch(/^\/operator/);
  });

  it('marks the cookie Secure behind a TLS-terminating proxy', async () => {
    const { operator } = env.accounts;
    const res = await postSignIn(operator.username, operator.password, { 'x-forwarded-proto': 'https' });
    await res.body?.cancel();
    expect(sessionCookie(res)).toMatch(/Secure/i);
  });

  it('sets no cookie and answers with the generic message for a wrong password', async () => {
    const res = await postSignIn(env.accounts.admin.username, 'wrong password here');
    const body = await res.text();
    expect(sessionCookie(res)).toBeUndefined();
    expect(body).toContain('The username or password is incorrect');
    await resetAccount(env.accounts.admin.username);
  });

  it('signing out deletes the session on the server', async () => {
    const { operator } = env.accounts;
    const signedIn = await postSignIn(operator.username, operator.password);
    await signedIn.body?.cancel();
    const token = /^idm_session=([^;]+)/.exec(sessionCookie(signedIn) ?? '')?.[1];
    expect(token).toBeDefined();
    const signOut = builtServerActions().find((a) => a.exportedName === 'signOutAction')!;
    const res = await fetch(`${env.baseUrl}/operator`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'Next-Action': signOut.id, Origin: env.baseUrl, Accept: 'text/x-component', cookie: `idm_session=${token}`, 'Content-Type': 'text/plain;charset=UTF-8' },
      body: '[]',
    });
    await res.body?.cancel();
    expect(sessionCookie(res)).toMatch(/idm_session=;|Max-Age=0|Expires=Thu, 01 Jan 1970/i);
    expect(await lib.db.prisma().session.count({ where: { id: sessionIdFromToken(token!) } })).toBe(0);
    const after = await fetch(`${env.baseUrl}/operator`, { redirect: 'manual', headers: { cookie: `idm_session=${token}` } });
    await after.body?.cancel();
    expect(after.status).toBe(307);
  });
});

describe('a forced password change over HTTP', () => {
  const USERNAME = 'forced.operator';
  const FIRST = 'the initial passphrase';
  const SECOND = 'a brand new passphrase';

  const postAction = (file: string, name: string, page: string, fields: Record<string, string>, cookie?: string) =>
    postFormAction(env.baseUrl, { file, name, page }, fields, { cookie });
  const signInOverHttp = (password: string) =>
    postAction('app/_lib/session-actions.ts', 'signInAction', '/login', { username: USERNAME, password, next: '/operator' });
  const changeOverHttp = (cookie: string, fields: { currentPassword: string; newPassword: string; confirmPassword: string }) =>
    postAction('app/account/password/actions.ts', 'changePasswordAction', '/account/password', fields, cookie);
  async function get(path: string, cookie: string) {
    const res = await fetch(env.baseUrl + path, { redirect: 'manual', headers: { cookie } });
    return { status: res.status, location: res.headers.get('location'), body: await res.text() };
  }

  it('signs in to the change page, refuses everything else, changes the password once, and clears the demand', async () => {
    const { createAccount } = await import('@/lib/auth/accounts');
    const { forcePasswordChange } = await import('@/lib/accounts/force-password-change');
    const created = await createAccount({ username: USERNAME, password: FIRST, role: 'OPERATOR' });
    await forcePasswordChange({ accountId: created.id, actor: { username: env.accounts.admin.username } });

    const signedIn = await signInOverHttp(FIRST);
    expect(signedIn.redirect).toMatch(/^\/account\/password/);
    expect(signedIn.token).toBeDefined();
    const cookie = `idm_session=${signedIn.token}`;

    // Pages go to the change page, route handlers and the API answer 403, actions 403.
    for (const page of ['/operator', '/operator/scheduled-jobs', '/admin', '/']) {
      const res = await get(page, cookie);
      expect(res.status, page).toBe(307);
      expect(res.location, page).toBe('/account/password');
    }
    expect((await get('/account/password', cookie)).status).toBe(200);
    for (const route of ['/api/v1/jobs', '/operator/runs/1/items.csv']) {
      const res = await get(route, cookie);
      expect(res.status, route).toBe(403);
      expect(JSON.parse(res.body), route).toMatchObject({ code: 'password_change_required' });
    }
    const startNow = builtServerActions().find((a) => a.exportedName === 'startNowAction')!;
    const action = await fetch(`${env.baseUrl}${startNow.pages[0]}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'Next-Action': startNow.id, Origin: env.baseUrl, Accept: 'text/x-component', cookie, 'Content-Type': 'text/plain;charset=UTF-8' },
      body: '[]',
    });
    await action.body?.cancel();
    expect(action.status).toBe(403);

    // Wrong current password, two different new ones, a short one: nothing changes.
    const wrong = await changeOverHttp(cookie, { currentPassword: 'not the current one', newPassword: SECOND, confirmPassword: SECOND });
    expect(wrong.body).toContain('The current password is not correct.');
    const mismatch = await changeOverHttp(cookie, { currentPassword: FIRST, newPassword: SECOND, confirmPassword: `${SECOND}!` });
    expect(mismatch.body).toContain('The two new passwords differ.');
    const short = await changeOverHttp(cookie, { currentPassword: FIRST, newPassword: 'short', confirmPassword: 'short' });
    expect(short.body).toContain('at least 12 characters');
    const weak = await changeOverHttp(cookie, { currentPassword: FIRST, newPassword: 'aaaaaaaaaaaa', confirmPassword: 'aaaaaaaaaaaa' });
    expect(weak.body).toContain('guessed at once');
    expect([wrong, mismatch, short, weak].map((r) => r.token)).toEqual([undefined, undefined, undefined, undefined]);
    expect((await lib.db.prisma().account.findUniqueOrThrow({ where: { username: USERNAME } })).mustChangePassword).toBe(true);

    // The change: a new session for this browser, the old one ends, the demand is met.
    const changed = await changeOverHttp(cookie, { currentPassword: FIRST, newPassword: SECOND, confirmPassword: SECOND });
    expect(changed.redirect).toMatch(/^\/operator/);
    expect(changed.token).toBeDefined();
    expect(changed.token).not.toBe(signedIn.token);
    expect(await lib.sessions.validateSession(signedIn.token)).toBeNull();
    const account = await lib.db.prisma().account.findUniqueOrThrow({ where: { username: USERNAME } });
    expect(account.mustChangePassword).toBe(false);
    expect((await get('/operator', `idm_session=${changed.token}`)).status).toBe(200);

    const events = await lib.db.prisma().auditEvent.findMany({ where: { target: `account:${USERNAME}` }, orderBy: { id: 'asc' } });
    expect(events.map((e) => e.action)).toEqual(expect.arrayContaining(['account.password_change_forced', 'auth.password_change.failed', 'auth.password_changed']));
    expect(events.find((e) => e.action === 'auth.password_changed')?.details).toEqual({ forced: true });
    expect(JSON.stringify(events.map((e) => [e.actor, e.target, e.details]))).not.toMatch(/passphrase|not the current one/);

    // The old password no longer opens a session; the new one goes straight to the home page.
    const old = await signInOverHttp(FIRST);
    expect(old.token).toBeUndefined();
    expect(old.body).toContain(lib.signIn.SIGN_IN_FAILED_MESSAGE);
    const fresh = await signInOverHttp(SECOND);
    expect(fresh.redirect).toMatch(/^\/operator/);
  });

  it('counts wrong current passwords like failed sign-ins: a session cannot be used to guess the password', async () => {
    const { createAccount } = await import('@/lib/auth/accounts');
    const username = 'guessed.operator';
    await createAccount({ username, password: FIRST, role: 'OPERATOR' });
    const signedIn = await postAction('app/_lib/session-actions.ts', 'signInAction', '/login', { username, password: FIRST, next: '/operator' });
    const cookie = `idm_session=${signedIn.token}`;
    const guesses = [];
    for (let i = 0; i < MAX_FAILED_SIGN_INS; i++) {
      guesses.push(await changeOverHttp(cookie, { currentPassword: `guess ${i}`, newPassword: SECOND, confirmPassword: SECOND }));
    }
    expect(guesses.at(-2)!.body).toContain('The current password is not correct.');
    expect(guesses.at(-1)!.body).toContain('the account is locked');
    // Locked: even the right current password is refused, and so is signing in.
    const right = await changeOverHttp(cookie, { currentPassword: FIRST, newPassword: SECOND, confirmPassword: SECOND });
    expect(right.body).toContain('the account is locked');
    expect(right.token).toBeUndefined();
    const account = await lib.db.prisma().account.findUniqueOrThrow({ where: { username } });
    expect(account.lockedUntil?.getTime()).toBeGreaterThan(Date.now());
    const { verifyPassword } = await import('@/lib/auth/password');
    expect(await verifyPassword(account.passwordHash, FIRST)).toBe(true);
    expect((await postAction('app/_lib/session-actions.ts', 'signInAction', '/login', { username, password: FIRST, next: '/operator' })).token).toBeUndefined();
  });
});

describe('npm run admin:create (the first administrator in production)', () => {
  function createAdmin(args: string[], stdin: string) {
    return spawnSync(process.execPath, [path.join('node_modules', 'tsx', 'dist', 'cli.mjs'), 'scripts/create-admin.ts', ...args], {
      input: stdin,
      encoding: 'utf8',
      env: { ...process.env, DATABASE_URL: env.services.databaseUrl },
      timeout: 60_000,
    });
  }

  it('creates an administrator from a password read on stdin, who can then sign in', async () => {
    const run = createAdmin(['First.Admin', '--display-name', 'First Administrator'], 'a long enough passphrase\n');
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const account = await lib.db.prisma().account.findUniqueOrThrow({ where: { username: 'first.admin' } });
    expect(account.role).toBe('ADMINISTRATOR');
    expect(account.displayName).toBe('First Administrator');
    expect(account.passwordHash).not.toContain('passphrase');
    expect((await lib.signIn.signIn({ username: 'first.admin', password: 'a long enough passphrase' })).ok).toBe(true);
  });

  it('refuses a short or missing password and an existing username, creating nothing', async () => {
    const short = createAdmin(['second.admin'], 'short\n');
    expect(short.status).toBe(1);
    expect(short.stderr).toContain('at least 12 characters');
    const empty = createAdmin(['second.admin'], '');
    expect(empty.status).toBe(1);
    expect(await lib.db.prisma().account.count({ where: { username: 'second.admin' } })).toBe(0);
    const again = createAdmin(['first.admin'], 'another long passphrase\n');
    expect(again.status).toBe(1);
    expect(again.stderr).toContain('already exists');
  });
});
