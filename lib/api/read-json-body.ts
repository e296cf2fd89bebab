import { z } from 'zod';
import { ApiError } from './errors';

/** API bodies are a few fields; anything bigger is a mistake or an attack. */
export const MAX_JSON_BODY_BYTES = 16 * 1024;

/**
 * Reads a JSON body within a size limit (checked on Content-Length and again while streaming,
 * since the header can lie or be absent) and validates it with a strict zod schema.
 */
export async function readJsonBody<T extends z.ZodType>(request: Request, schema: T, options: { maxBytes?: number; emptyIs?: unknown } = {}): Promise<z.infer<T>> {
  const maxBytes = options.maxBytes ?? MAX_JSON_BODY_BYTES;
  const declared = Number(request.headers.get('content-length') ?? '0');
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(maxBytes);
  const text = await readLimited(request, maxBytes);
  let value: unknown;
  if (text.trim() === '' && 'emptyIs' in options) {
    value = options.emptyIs;
  } else {
    const type = request.headers.get('content-type') ?? '';
    if (!/^application\/([a-z.+-]+\+)?json\b/i.test(type)) {
      throw new ApiError('unsupported_media_type', 'Send the body as JSON with Content-Type: application/json.');
    }
    try {
      value = JSON.parse(text);
    } catch {
      throw new ApiError('invalid_json', 'The body is not valid JSON.');
    }
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw validationError(parsed.error);
  return parsed.data;
}

async function readLimited(request: Request, maxBytes: number): Promise<string> {
  if (!request.body) return '';
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function tooLarge(maxBytes: number): ApiError {
  return new ApiError('payload_too_large', `The body is larger than ${maxBytes} bytes.`);
}

/** 422 with the errors of each field: `{ fieldErrors: { expression: ["..."] }, formErrors: [...] }`. */
export function validationError(error: z.ZodError, message = 'The request has invalid fields.'): ApiError {
  const fieldErrors: Record<string, string[]> = {};
  const formErrors: string[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) (fieldErrors[key] ??= []).push('Unknown field.');
      continue;
    }
    const field = issue.path.map(String).join('.');
    if (field) (fieldErrors[field] ??= []).push(issue.message);
    else formErrors.push(issue.message);
  }
  return new ApiError('validation_failed', message, { fieldErrors, formErrors });
}

/** Path parameters: validated like bodies, answered 404 when they cannot name anything. */
export function parsePathParam<T extends z.ZodType>(value: unknown, schema: T, what: string): z.infer<T> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new ApiError('not_found', `There is no ${what} "${String(value).slice(0, 100)}".`);
  return parsed.data;
}
