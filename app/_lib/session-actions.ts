'use server';

import { cookies } from 'next/headers';
import { redirect } from 'next/navigation';
import { z } from 'zod';
import { roleAllows, homePathFor, PASSWORD_CHANGE_PATH } from '@/lib/auth/roles';
import { safeNextPath } from '@/lib/auth/redirect';
import { SESSION_COOKIE } from '@/lib/auth/session-policy';
import { validateSession } from '@/lib/auth/sessions';
import { signIn, signOut, SIGN_IN_FAILED_MESSAGE } from '@/lib/auth/sign-in';
import { clientIp, userAgent } from './request';
import { setSessionCookie } from './session-cookie';

export type SignInState = {
  message?: string;
  fieldErrors?: { username?: string[]; password?: string[] };
  /** Echoed back so a failed attempt does not empty the username field. */
  username?: string;
};

const signInForm = z.object({
  username: z.string().trim().min(1, 'Enter your username.').max(200, 'That username is too long.'),
  password: z.string().min(1, 'Enter your password.').max(1024, 'That password is too long.'),
  next: z.string().max(2048).optional(),
});

/**
 * Sign-in is the one action open to anonymous visitors. It rotates the session: whatever
 * session the browser held is deleted and a new one is issued.
 */
export async function signInAction(_previous: SignInState, formData: FormData): Promise<SignInState> {
  const parsed = signInForm.safeParse({
    username: formData.get('username') ?? '',
    password: formData.get('password') ?? '',
    next: formData.get('next') ?? undefined,
  });
  const typedUsername = String(formData.get('username') ?? '').slice(0, 200);
  if (!parsed.success) {
    return { fieldErrors: z.flattenError(parsed.error).fieldErrors, username: typedUsername };
  }
  const jar = await cookies();
  const result = await signIn({
    username: parsed.data.username,
    password: parsed.data.password,
    ip: await clientIp(),
    userAgent: await userAgent(),
    previousToken: jar.get(SESSION_COOKIE)?.value,
  });
  // Too many attempts from this address: say so and when to try again (nothing about the account).
  if (!result.ok) return { message: result.retryAfterSeconds ? result.message : SIGN_IN_FAILED_MESSAGE, username: typedUsername };

  await setSessionCookie(result.token, result.expiresAt);
  // An administrator asked for a new password: nothing else is served until it is chosen.
  if (result.account.mustChangePassword) redirect(PASSWORD_CHANGE_PATH);
  const next = safeNextPath(parsed.data.next);
  const home = homePathFor(result.account.role);
  // An operator sent to /admin would only meet the 403 page: take them home instead.
  const target = next && (roleAllows(result.account.role, 'ADMINISTRATOR') || !isAdminPath(next)) ? next : home;
  redirect(target);
}

/** Ends the session on the server (the row is deleted) and in the browser. */
export async function signOutAction(): Promise<void> {
  const jar = await cookies();
  const token = jar.get(SESSION_COOKIE)?.value;
  const account = await validateSession(token);
  await signOut({ token, username: account?.username ?? null, ip: await clientIp() });
  jar.delete(SESSION_COOKIE);
  redirect('/login');
}

function isAdminPath(path: string): boolean {
  return path === '/admin' || path.startsWith('/admin/') || path.startsWith('/admin?');
}
