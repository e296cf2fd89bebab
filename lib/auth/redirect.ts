/**
 * The `next` parameter of the login page, accepted only when it is a path on this site.
 * Anything else (absolute URLs, protocol-relative `//host`, backslash tricks, control
 * characters, the login page itself) falls back to the role's home, so the login page
 * cannot be used as an open redirect.
 *
 * The checks run twice: on the input, and on the path as the URL parser normalised it, because
 * dot segments (`/.//evil.example`, `/%2e//…`, `/..//…`) only turn into `//evil.example` there.
 * What is returned is always that normalised path, so what was checked is what is sent.
 */
export function safeNextPath(next: unknown): string | null {
  if (typeof next !== 'string' || next.length === 0 || next.length > 2048) return null;
  if (!isSitePath(next)) return null;
  let url: URL;
  try {
    url = new URL(next, 'http://idm.invalid');
  } catch {
    return null;
  }
  if (url.origin !== 'http://idm.invalid') return null;
  const path = url.pathname + url.search + url.hash;
  if (!isSitePath(path)) return null;
  if (/^\/login(\/|$)/i.test(url.pathname)) return null;
  return path;
}

/** A path on this site: one leading slash, no second slash or backslash after it, no control characters. */
function isSitePath(path: string): boolean {
  if (!path.startsWith('/') || path.startsWith('//') || path.startsWith('/\\')) return false;
  // Browsers treat backslashes as slashes and drop tabs/newlines inside URLs.
  return !/[\\\u0000-\u001f\u007f]/.test(path);
}
