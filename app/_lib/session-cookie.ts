import { cookies } from 'next/headers';
import { SESSION_COOKIE } from '@/lib/auth/session-policy';
import { isHttpsRequest } from './request';

/** Hands this browser a new session (after sign-in or a password change): not readable by scripts, sent only over HTTPS when served so. */
export async function setSessionCookie(token: string, expiresAt: Date): Promise<void> {
  (await cookies()).set(SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: 'lax',
    secure: await isHttpsRequest(),
    path: '/',
    expires: expiresAt,
  });
}
