/**
 * The `next` parameter of the login page, accepted only when it is a path on this site.
 * Anything else (absolute URLs, protocol-relative `//host`, backslash tricks, control
 * characters, the login page itself) falls back to the role's home, so the login page
 * cannot be used as an open redirect.
 */
export function safeNextPath(next: unknown): string | null {
  if (typeof next !== 'string' || next.length === 0 || next.length > 2048) return null;
  if (!next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return null;
  // Browsers treat backslashes as slashes and drop tabs/newlines inside URLs.
  if (/[\\\u0000-\u001f\u007f]/.test(next)) return null;
  let url: URL;
  try {
    url = new URL(next, 'http://idm.invalid');
  } catch {
    return null;
  }
  if (url.origin !== 'http://idm.invalid') return null;
  if (url.pathname === '/login' || url.pathname.startsWith('/login/')) return null;
  return url.pathname + url.search + url.hash;
}
