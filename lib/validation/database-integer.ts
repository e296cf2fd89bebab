import { z } from 'zod';

// Ids and versions are PostgreSQL `integer` (int32). A larger number from a request (99999999999)
// is not "no such row": PostgreSQL refuses to compare it with an integer column and the request
// failed with a 500. Every id or version taken from a request is bounded here first.

export const INT32_MAX = 2_147_483_647;

/** A positive int32 given as a JSON number. */
export const positiveInt32 = () => z.number().int().positive().max(INT32_MAX, `At most ${INT32_MAX}.`);

/** A positive int32 given as text (form fields, query strings, path segments). */
export const positiveInt32Text = () => z.coerce.number().int().positive().max(INT32_MAX, `At most ${INT32_MAX}.`);

export const isInt32 = (n: number): boolean => Number.isInteger(n) && n >= -INT32_MAX - 1 && n <= INT32_MAX;

/** An id in a URL path: digits only (no sign, no exponent, no leading zero), an int32. */
export const idPathSegment = () =>
  z
    .string()
    .regex(/^[1-9][0-9]{0,9}$/)
    .transform(Number)
    .refine((n) => n <= INT32_MAX);
