import { headers } from 'next/headers';

export { REQUEST_PATH_HEADER } from './request-path';

/** The client address as the nearest proxy saw it; for the audit log only, never for decisions. */
export async function clientIp(): Promise<string | null> {
  const h = await headers();
  const forwarded = h.get('x-forwarded-for')?.split(',')[0]?.trim();
  return forwarded || h.get('x-real-ip') || null;
}

export async function userAgent(): Promise<string | null> {
  return (await headers()).get('user-agent');
}

/** HTTPS as seen by the browser: directly, or through a TLS-terminating proxy. */
export async function isHttpsRequest(): Promise<boolean> {
  const proto = (await headers()).get('x-forwarded-proto')?.split(',')[0]?.trim();
  return proto === 'https';
}
