import { cache } from 'react';
import { cookies, headers } from 'next/headers';
import { forbidden, redirect, unauthorized } from 'next/navigation';
import { ApiError, errorResponse } from '@/lib/api/errors';
import { PASSWORD_CHANGE_PATH, PASSWORD_CHANGE_REQUIRED_MESSAGE, roleAllows, type AccountRole } from '@/lib/auth/roles';
import { SESSION_COOKIE } from '@/lib/auth/session-policy';
import { validateSession, type SignedInAccount } from '@/lib/auth/sessions';
import { safeNextPath } from '@/lib/auth/redirect';
import { REQUEST_PATH_HEADER } from './request-path';

/** The signed-in account of this request, looked up once per render. */
export const currentAccount = cache(async (): Promise<SignedInAccount | null> => {
  const token = (await cookies()).get(SESSION_COOKIE)?.value;
  return validateSession(token);
});

async function loginUrl(): Promise<string> {
  const next = safeNextPath((await headers()).get(REQUEST_PATH_HEADER));
  return next ? `/login?next=${encodeURIComponent(next)}` : '/login';
}

/**
 * For pages and layouts: anonymous visitors go to the login page (and come back after it),
 * an account that must change its password goes to the password page, a signed-in account
 * without the role gets the 403 page. Each page calls it itself: layouts render in parallel
 * with pages and are no guard.
 */
export async function requirePageRole(role: AccountRole): Promise<SignedInAccount> {
  const account = await requireSignedInPage();
  if (account.mustChangePassword) redirect(PASSWORD_CHANGE_PATH);
  if (!roleAllows(account.role, role)) forbidden();
  return account;
}

/** For the pages of the signed-in person themselves (their password): any role, even before a forced change. */
export async function requireSignedInPage(): Promise<SignedInAccount> {
  const account = await currentAccount();
  if (!account) redirect(await loginUrl());
  return account;
}

/**
 * For server actions: 401 when nobody is signed in, 403 for the wrong role or while the
 * account must change its password (the 403 page says which). Call it first, before reading
 * the form, so that an unauthorised caller learns nothing from validation.
 */
export async function requireActionRole(role: AccountRole): Promise<SignedInAccount> {
  const account = await requireSignedInAction();
  if (account.mustChangePassword || !roleAllows(account.role, role)) forbidden();
  return account;
}

/** For the actions of the signed-in person on their own account: any role, even before a forced change. */
export async function requireSignedInAction(): Promise<SignedInAccount> {
  const account = await currentAccount();
  if (!account) unauthorized();
  return account;
}

export type RouteAuth = { ok: true; account: SignedInAccount } | { ok: false; response: Response };

const refuse = (error: ApiError): RouteAuth => ({ ok: false, response: errorResponse(error) });

/** For route handlers: the API's JSON 401/403 (lib/api/errors.ts), which the handler returns as is. */
export async function requireRouteRole(role: AccountRole): Promise<RouteAuth> {
  const account = await currentAccount();
  if (!account) return refuse(new ApiError('unauthenticated', 'Sign in first.'));
  if (account.mustChangePassword) return refuse(new ApiError('password_change_required', PASSWORD_CHANGE_REQUIRED_MESSAGE));
  if (!roleAllows(account.role, role)) return refuse(new ApiError('forbidden', 'Your account does not have the role this needs.'));
  return { ok: true, account };
}
