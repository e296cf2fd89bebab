import { z } from 'zod';
import { decodeUtf8, findTextProblem, TEXT_PROBLEM_MESSAGES } from '../text/acceptable-text';
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
    const found = findTextProblem(value);
    if (found) {
      throw new ApiError('validation_failed', 'The request has invalid fields.', fieldErrorsBody([[found.path, TEXT_PROBLEM_MESSAGES[found.problem]]], []));
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
  const text = decodeUtf8(Buffer.concat(chunks));
  if (text === null) throw new ApiError('invalid_json', 'The body is not valid UTF-8.');
  return text;
}

function tooLarge(maxBytes: number): ApiError {
  return new ApiError('payload_too_large', `The body is larger than ${maxBytes} bytes.`);
}

/** 422 with the errors of each field: `{ fieldErrors: { expression: ["..."] }, formErrors: [...] }`. */
export function validationError(error: z.ZodError, message = 'The request has invalid fields.'): ApiError {
  const fieldErrors: Array<[string, string]> = [];
  const formErrors: string[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) fieldErrors.push([key, 'Unknown field.']);
      continue;
    }
    const field = issue.path.map(String).join('.');
    if (field) fieldErrors.push([field, issue.message]);
    else formErrors.push(issue.message);
  }
  return new ApiError('validation_failed', message, fieldErrorsBody(fieldErrors, formErrors));
}

/**
 * Field names come from the request ("__proto__", "constructor"): they are collected in a Map and
 * become own properties of the answer, never looked up on a plain object's prototype chain.
 */
function fieldErrorsBody(errors: Array<[string, string]>, formErrors: string[]): { fieldErrors: Record<string, string[]>; formErrors: string[] } {
  const byField = new Map<string, string[]>();
  for (const [field, message] of errors) byField.set(field, [...(byField.get(field) ?? []), message]);
  return { fieldErrors: Object.fromEntries(byField), formErrors };
}

/** Path parameters: validated like bodies, answered 404 when they cannot name anything. */
export function parsePathParam<T extends z.ZodType>(value: unknown, schema: T, what: string): z.infer<T> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new ApiError('not_found', `There is no ${what} "${String(value).slice(0, 100)}".`);
  return parsed.data;
}
