import { z } from 'zod';
import { RUN_ITEM_FILTERS } from '../runs/run-items';
import { idPathSegment, positiveInt32 } from '../validation/database-integer';
import { CRON_EXPRESSION_MAX_LENGTH, CRON_EXPRESSION_TOO_LONG } from '../cron/validate-cron-expression';

// Request shapes of REST API v1. Strict: an unknown field is an error (a typo such as
// "enable" must not be silently ignored and leave the schedule as it was).

/** Job keys are lower-case words joined by hyphens: nothing else (no dots, slashes, %2e) can name a job. */
export const jobKeyParam = z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/).max(64);

export const runIdParam = idPathSegment();

/**
 * Usernames are looked up in the database, never put into an LDAP filter here; control
 * characters and absurd lengths are refused all the same.
 */
export const usernameParam = z
  .string()
  .min(1)
  .max(256)
  .refine((s) => !/[\u0000-\u001f\u007f]/.test(s));

export const scheduleBody = z
  .object({
    expression: z.string().max(CRON_EXPRESSION_MAX_LENGTH, CRON_EXPRESSION_TOO_LONG).nullable(),
    timeZone: z.string().min(1, 'Enter an IANA time zone, e.g. Europe/Berlin.').max(64),
    /** Keep the expression but do not fire it; false (the default) schedules the job. */
    paused: z.boolean({ message: 'paused must be true or false.' }).optional(),
    /** Deprecated (before 2026-12): `enabled: false` is `paused: true`. */
    enabled: z.boolean({ message: 'enabled must be true or false.' }).optional(),
    /** The version the caller read (GET /jobs/{key}); when given, a newer save makes this one a 409. */
    expectedVersion: positiveInt32().optional(),
  })
  .strict()
  .refine((body) => body.paused === undefined || body.enabled === undefined || body.paused !== body.enabled, {
    message: 'paused and the deprecated enabled contradict each other; send paused only.',
    path: ['paused'],
  })
  .transform(({ enabled, ...body }) => ({ ...body, paused: body.paused ?? (enabled === undefined ? false : !enabled) }));

export const startRunBody = z
  .object({
    dryRun: z.boolean({ message: 'dryRun must be true or false.' }).optional(),
    confirm: z.boolean({ message: 'confirm must be true or false.' }).optional(),
  })
  .strict();

export const restoreRunBody = z
  .object({
    /** true (the default): the preview; false: the restore itself. */
    dryRun: z.boolean({ message: 'dryRun must be true or false.' }).optional(),
    /** Confirms a restore above the job's threshold (the job's confirmation rule decides who may). */
    confirm: z.boolean({ message: 'confirm must be true or false.' }).optional(),
  })
  .strict();

export const emptyBody = z.object({}).strict();

export const paginationQuery = z
  .object({
    page: z.coerce.number().int().min(1).max(1_000_000).default(1),
    pageSize: z.coerce.number().int().min(1).max(500).default(50),
    /** An outcome, or DEACTIVATED: the UPDATED items that move a user from active to inactive. */
    outcome: z.enum(RUN_ITEM_FILTERS).optional(),
  })
  .strict();
