import { z } from 'zod';
import { REFUSAL_CODES, REFUSALS, type RefusalCode } from '../errors/error-codes';

// The JSON error shape of every API response: { code, message } plus optional details. The codes
// are stable identifiers that scripts may branch on; the messages are for people and may change.

// The codes and their statuses are the product's refusal vocabulary (lib/errors/error-codes.ts):
// a use case's refusal becomes an API error without a second table.
export type ApiErrorCode = RefusalCode;
export const API_ERROR_CODES = REFUSAL_CODES;

/**
 * The body of every error answer, as the OpenAPI document describes it. Loose: some codes add
 * details (activeRun, rule, restoredBy, currentVersion, run), documented with their operations.
 */
export const apiErrorBodySchema = z
  .looseObject({
    code: z.enum(API_ERROR_CODES as [ApiErrorCode, ...ApiErrorCode[]]).meta({ description: 'A stable identifier that scripts may branch on.' }),
    message: z.string().meta({ description: 'For people; it may change.' }),
    retryAfterSeconds: z.number().int().min(1).optional().meta({ description: 'With rate_limited: the same as the Retry-After header.' }),
    fieldErrors: z.record(z.string(), z.array(z.string())).optional().meta({ description: 'With validation_failed: the errors of each field.' }),
    formErrors: z.array(z.string()).optional().meta({ description: 'With validation_failed: the errors of the request as a whole.' }),
  })
  .meta({ id: 'Error', description: 'An error: `{ code, message }` plus the details some codes add.' });

export type ApiErrorBody = { code: ApiErrorCode; message: string } & Record<string, unknown>;

/** Thrown inside a handler to answer with an error; anything else thrown becomes internal_error. */
export class ApiError extends Error {
  readonly code: ApiErrorCode;
  readonly status: number;
  readonly extra: Record<string, unknown>;
  constructor(code: ApiErrorCode, message: string, extra: Record<string, unknown> = {}) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.status = REFUSALS[code].status;
    this.extra = extra;
  }

  body(): ApiErrorBody {
    return { ...this.extra, code: this.code, message: this.message };
  }
}

/** A JSON response; framework-free (the standard Response), so lib/ stays free of next/*. */
export function jsonResponse(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body, jsonReplacer), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers },
  });
}

export function errorResponse(error: ApiError): Response {
  const headers: Record<string, string> = error.code === 'unauthenticated' ? { 'www-authenticate': 'Bearer realm="idm"' } : {};
  if (error.code === 'rate_limited' && typeof error.extra.retryAfterSeconds === 'number') headers['retry-after'] = String(error.extra.retryAfterSeconds);
  return jsonResponse(error.body(), error.status, headers);
}

// BigInt ids (run items) become strings: JSON has no 64-bit integers.
function jsonReplacer(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}
