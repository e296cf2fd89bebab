import { ApiError } from '../api/errors';
import { decodeUrlComponent, decodeUtf8, findTextProblem, textProblem, TEXT_PROBLEM_MESSAGES } from '../text/acceptable-text';

// The checks every request passes before Next.js routes it (proxy.ts). They answer crafted
// requests with a 4xx in the API's error vocabulary where Next.js itself would answer 500: a
// malformed percent-encoding in a dynamic segment (Next's param decoding throws), a NUL that
// would reach PostgreSQL, a server action from another origin or over the body size limit
// (Next hard-codes 500 for both), and a server-action payload that is not what a browser sends.
// Framework-free: it sees a standard Request and answers an ApiError or null.

/**
 * Server-action bodies: next.config.js `experimental.serverActions.bodySizeLimit` ('1mb' =
 * 1,048,576 bytes). A form of this product is a few kilobytes.
 */
export const SERVER_ACTION_BODY_LIMIT_BYTES = 1024 * 1024;

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function badRequest(message: string): ApiError {
  return new ApiError('bad_request', message);
}

/** Every path segment and query component must be well-formed UTF-8 percent-encoding of acceptable text. */
export function checkRequestUrl(url: URL): ApiError | null {
  for (const segment of url.pathname.split('/')) {
    const decoded = decodeUrlComponent(segment);
    if (decoded === null) return badRequest('The address is not valid: a path segment has a malformed percent-encoding (it must be UTF-8).');
    const problem = textProblem(decoded);
    if (problem) return badRequest(`The address is not valid: a path segment is not acceptable text. ${TEXT_PROBLEM_MESSAGES[problem]}`);
  }
  const query = url.search.replace(/^\?/, '');
  if (query === '') return null;
  for (const part of query.split('&')) {
    const eq = part.indexOf('=');
    for (const raw of eq === -1 ? [part] : [part.slice(0, eq), part.slice(eq + 1)]) {
      const decoded = decodeUrlComponent(raw.replaceAll('+', ' '));
      if (decoded === null) return badRequest('The address is not valid: a query parameter has a malformed percent-encoding (it must be UTF-8).');
      const problem = textProblem(decoded);
      if (problem) return badRequest(`The address is not valid: a query parameter is not acceptable text. ${TEXT_PROBLEM_MESSAGES[problem]}`);
    }
  }
  return null;
}

/** True for requests Next.js may treat as a server action: a POST to a page (not a REST API route). */
export function isPossibleServerAction(request: Request, pathname: string): boolean {
  return !SAFE_METHODS.has(request.method.toUpperCase()) && !pathname.startsWith('/api/');
}

/**
 * The headers of a server-action request: same origin (as Next.js compares it: Origin's host
 * against X-Forwarded-Host, else Host), a declared length within the limit, and the content
 * types the browser uses for actions. No Origin at all is a hand-made request, not a browser's
 * cross-site one: it carries no victim's cookies, so it is let through as Next.js does.
 */
export function checkServerActionHeaders(request: Request): ApiError | null {
  const headers = request.headers;
  const origin = headers.get('origin');
  if (origin !== null) {
    const host = headers.get('x-forwarded-host')?.split(',')[0]?.trim() || headers.get('host');
    let originHost: string | null = null;
    try {
      originHost = origin === 'null' ? null : new URL(origin).host;
    } catch {
      originHost = null;
    }
    if (!originHost || !host || originHost !== host) {
      return new ApiError('cross_origin_request', 'Forms of this site can only be submitted from this site.');
    }
  }
  const length = headers.get('content-length');
  if (length === null) {
    if (headers.has('transfer-encoding')) return new ApiError('length_required', 'Send the form with a Content-Length.');
  } else if (!/^\d{1,15}$/.test(length.trim())) {
    return badRequest('The Content-Length is not a number.');
  } else if (Number(length) > SERVER_ACTION_BODY_LIMIT_BYTES) {
    return new ApiError('payload_too_large', `The form is larger than ${SERVER_ACTION_BODY_LIMIT_BYTES} bytes (1 MiB).`);
  }
  if (headers.has('next-action')) {
    const type = (headers.get('content-type') ?? '').toLowerCase();
    if (!type.startsWith('multipart/form-data') && !type.startsWith('text/plain')) {
      return new ApiError('unsupported_media_type', 'A form is sent as multipart/form-data (or text/plain from the page itself).');
    }
  }
  return null;
}

/**
 * The body of a server action, read from a clone (Next.js buffers it for the proxy): text must be
 * UTF-8 JSON with an array of arguments at the top, as React encodes them; a multipart form must
 * parse; and no string in either may hold a NUL, another control character or a lone surrogate.
 */
export async function checkServerActionBody(request: Request): Promise<ApiError | null> {
  const type = (request.headers.get('content-type') ?? '').toLowerCase();
  if (type.startsWith('multipart/form-data')) {
    let form: FormData;
    try {
      form = await request.formData();
    } catch {
      return badRequest('The form data is malformed.');
    }
    for (const [key, value] of form.entries()) {
      const problem = textProblem(key) ?? (typeof value === 'string' ? textProblem(value) : null);
      if (problem) return badRequest(`A form field is not acceptable text. ${TEXT_PROBLEM_MESSAGES[problem]}`);
      // React's numbered fields ("0" is the arguments) are JSON, whose escapes can hide a NUL.
      if (typeof value === 'string' && /^\d+$/.test(key)) {
        const found = parseJsonArgument(value);
        if (found) return found;
      }
    }
    return null;
  }
  if (!request.headers.has('next-action')) return null;
  const text = decodeUtf8(new Uint8Array(await request.arrayBuffer()));
  if (text === null) return badRequest('The form data is not valid UTF-8.');
  return parseJsonArgument(text, { arrayAtTop: true });
}

function parseJsonArgument(text: string, options: { arrayAtTop?: boolean } = {}): ApiError | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return badRequest('The form data is malformed.');
  }
  if (options.arrayAtTop && !Array.isArray(value)) return badRequest('The form data is malformed.');
  const found = findTextProblem(value);
  if (found) return badRequest(`A form field is not acceptable text. ${TEXT_PROBLEM_MESSAGES[found.problem]}`);
  return null;
}
