import { headers } from 'next/headers';
import { clientAddressOf } from '@/lib/http/request-client';

export { REQUEST_PATH_HEADER } from './request-path';

/** The client's IP address as TRUST_PROXY lets us know it (lib/http/request-client), or null when unknown. */
export async function clientIp(): Promise<string | null> {
  return clientAddressOf(await headers());
}

export async function userAgent(): Promise<string | null> {
  return (await headers()).get('user-agent');
}

/** HTTPS as seen by the browser: directly, or through a TLS-terminating proxy. */
export async function isHttpsRequest(): Promise<boolean> {
  const proto = (await headers()).get('x-forwarded-proto')?.split(',')[0]?.trim();
  return proto === 'https';
}
