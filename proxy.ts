import { NextResponse, type NextRequest } from 'next/server';
import { REQUEST_PATH_HEADER } from '@/app/_lib/request-path';
import { errorResponse } from '@/lib/api/errors';
import { checkRequestUrl, checkServerActionBody, checkServerActionHeaders, isPossibleServerAction } from '@/lib/http/request-guard';

/**
 * Runs before every request but static files: refuses crafted requests that Next.js would
 * answer with a 500 (lib/http/request-guard.ts), then gives the page a fresh CSP nonce (Next
 * puts it on its own scripts) and tells it its path, so a sign-in redirect can bring the
 * visitor back. Authorization is not decided here: every page, action and route handler
 * checks itself.
 */
export async function proxy(request: NextRequest) {
  const refused = checkRequestUrl(new URL(request.url)) ?? (isPossibleServerAction(request, request.nextUrl.pathname) ? (checkServerActionHeaders(request) ?? (await checkServerActionBody(request.clone()))) : null);
  if (refused) return errorResponse(refused);
  // Prefetches get no page of their own, so no CSP either (as Next's CSP guide does it).
  if (request.headers.has('next-router-prefetch') || request.headers.get('purpose') === 'prefetch') return NextResponse.next();
  const nonce = Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString('base64');
  const csp = contentSecurityPolicy(nonce, process.env.NODE_ENV === 'development');
  const requestHeaders = new Headers(request.headers);
  requestHeaders.set('x-nonce', nonce);
  requestHeaders.set('Content-Security-Policy', csp);
  requestHeaders.set(REQUEST_PATH_HEADER, request.nextUrl.pathname + request.nextUrl.search);
  const response = NextResponse.next({ request: { headers: requestHeaders } });
  response.headers.set('Content-Security-Policy', csp);
  return response;
}

function contentSecurityPolicy(nonce: string, dev: boolean): string {
  return [
    "default-src 'self'",
    // React needs eval only in development (error overlays); never in production.
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${dev ? " 'unsafe-eval'" : ''}`,
    // Inline style attributes (progress bars, widths) are harmless compared with scripts.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    `connect-src 'self'${dev ? ' ws:' : ''}`,
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export const config = {
  // Prefetches too (a crafted request can carry the header); the proxy skips their CSP itself.
  matcher: ['/((?!_next/static|_next/image|favicon.ico).*)'],
};
