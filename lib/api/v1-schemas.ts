import { z } from 'zod';
import { RUN_ITEM_FILTERS } from '../runs/run-items';
import { idPathSegment, positiveInt32 } from '../validation/database-integer';
import { CRON_EXPRESSION_MAX_LENGTH, CRON_EXPRESSION_TOO_LONG } from '../cron/validate-cron-expression';

// Request shapes of REST API v1, used by the handlers to validate and by lib/api/openapi.ts to
// describe them. Strict: an unknown field is an error (a typo such as "enable" must not be
// silently ignored and leave the schedule as it was).

/** Job keys are lower-case words joined by hyphens: nothing else (no dots, slashes, %2e) can name a job. */
export const jobKeyParam = z
  .string()
  .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/)
  .max(64)
  .meta({ description: 'The job key: inactive-ldap-users or active-ldap-users.', examples: ['inactive-ldap-users'] });

export const runIdParam = idPathSegment().meta({ description: 'The id of a run (a positive 32-bit integer).', examples: ['42'] });

/**
 * Usernames are looked up in the database, never put into an LDAP filter here; control
 * characters and absurd lengths are refused all the same.
 */
export const usernameParam = z
  .string()
  .min(1)
  .max(256)
  .refine((s) => !/[\u0000-\u001f\u007f]/.test(s))
  .meta({ description: 'The username, case-insensitive.', examples: ['jdoe'] });

export const jobKeyPath = z.object({ jobKey: jobKeyParam });
export const runIdPath = z.object({ runId: runIdParam });
export const usernamePath = z.object({ username: usernameParam });

export const scheduleBody = z
  .object({
    expression: z
      .string()
      .max(CRON_EXPRESSION_MAX_LENGTH, CRON_EXPRESSION_TOO_LONG)
      .nullable()
      .meta({
        description: 'Cron expression with 5 or 6 fields (seconds first); null or "" clears it. An expression that never fires in the next 8 years is refused.',
        examples: ['0 2 * * *'],
      }),
    timeZone: z.string().min(1, 'Enter an IANA time zone, e.g. Europe/Berlin.').max(64).meta({ description: 'IANA time zone', examples: ['Europe/Berlin'] }),
    paused: z
      .boolean({ message: 'paused must be true or false.' })
      .optional()
      .meta({ description: 'Keep the expression but start no run on it. Omitted or false: the job is scheduled.' }),
    enabled: z
      .boolean({ message: 'enabled must be true or false.' })
      .optional()
      .meta({ deprecated: true, description: 'Before paused (deprecated 2026-12): `enabled: false` is `paused: true`.' }),
    expectedVersion: positiveInt32()
      .optional()
      .meta({ description: 'The job version you read (GET /api/v1/jobs/{jobKey}); a newer save makes this request a 409.' }),
  })
  .strict()
  .refine((body) => body.paused === undefined || body.enabled === undefined || body.paused !== body.enabled, {
    message: 'paused and the deprecated enabled contradict each other; send paused only.',
    path: ['paused'],
  })
  .transform(({ enabled, ...body }) => ({ ...body, paused: body.paused ?? (enabled === undefined ? false : !enabled) }));

export const startRunBody = z
  .object({
    dryRun: z.boolean({ message: 'dryRun must be true or false.' }).default(false).meta({ description: 'Plan and report, change nothing.' }),
    confirm: z
      .boolean({ message: 'confirm must be true or false.' })
      .default(false)
      .meta({
        description:
          "Proceed although the run would deactivate more people than the threshold allows. Allowed only when the job's confirmationRule lets the caller confirm (403 `confirmation_refused` otherwise); under TWO_PERSON never: start without it and have another administrator confirm the stopped run (POST /api/v1/runs/{runId}/confirm).",
      }),
  })
  .strict();

export const restoreRunBody = z
  .object({
    dryRun: z.boolean({ message: 'dryRun must be true or false.' }).default(true).meta({ description: 'true (the default): the preview; false: the restore itself.' }),
    confirm: z
      .boolean({ message: 'confirm must be true or false.' })
      .default(false)
      .meta({ description: "Confirms a restore above the job's threshold, if the job's confirmationRule lets the caller." }),
  })
  .strict();

export const emptyBody = z.object({}).strict();

export const paginationQuery = z
  .object({
    page: z.coerce.number().int().min(1).max(1_000_000).default(1),
    pageSize: z.coerce.number().int().min(1).max(500).default(50),
    outcome: z.enum(RUN_ITEM_FILTERS).optional().meta({
      description:
        'One outcome, or DEACTIVATED: the UPDATED items that move a user from active to inactive (on a THRESHOLD_EXCEEDED run: the people a confirmed run would deactivate).',
    }),
  })
  .strict();
