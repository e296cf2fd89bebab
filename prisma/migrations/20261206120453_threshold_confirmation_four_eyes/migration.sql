-- AlterTable
ALTER TABLE "batch_jobs" ADD COLUMN     "filter_changed_at" TIMESTAMPTZ(3),
ADD COLUMN     "filter_changed_by" TEXT;

-- AlterTable
ALTER TABLE "batch_runs" ADD COLUMN     "confirmed_at" TIMESTAMPTZ(3),
ADD COLUMN     "confirmed_by" TEXT;

-- Backfill (hand-written; the schema engine leaves it alone).
-- A confirmed run was confirmed by whoever started it, when it was queued (the only way to start
-- one: Confirm and run on a stopped run, or Start now / the API with confirm).
UPDATE "batch_runs" SET "confirmed_by" = "started_by", "confirmed_at" = "queued_at"
WHERE "confirmed" AND "confirmed_by" IS NULL;

-- A stopped run takes the confirmation of the latest run that confirmed it.
UPDATE "batch_runs" AS stopped SET "confirmed_by" = c."started_by", "confirmed_at" = c."queued_at"
FROM (
  SELECT DISTINCT ON ("confirms_run_id") "confirms_run_id", "started_by", "queued_at"
  FROM "batch_runs" WHERE "confirms_run_id" IS NOT NULL
  ORDER BY "confirms_run_id", "queued_at" DESC
) AS c
WHERE stopped."id" = c."confirms_run_id" AND stopped."confirmed_by" IS NULL;

-- Who last changed a job's filter, from the audit log of the job page's saves (job.schedule.saved
-- with options before and after). A save that only wrote the defaults out counts too: for the
-- two-person rule naming one administrator too many is safe, naming none is not.
UPDATE "batch_jobs" AS j SET "filter_changed_by" = a."actor", "filter_changed_at" = a."at"
FROM (
  SELECT DISTINCT ON ("target") "target", "actor", "at"
  FROM "audit_events"
  WHERE "action" = 'job.schedule.saved'
    AND "details" -> 'after' ? 'options'
    AND (
      ("details" #> '{before,options,filterPreset}') IS DISTINCT FROM ("details" #> '{after,options,filterPreset}')
      OR ("details" #> '{before,options,filter}') IS DISTINCT FROM ("details" #> '{after,options,filter}')
      OR ("details" #> '{before,options,statusAttribute}') IS DISTINCT FROM ("details" #> '{after,options,statusAttribute}')
      OR ("details" #> '{before,options,statusValue}') IS DISTINCT FROM ("details" #> '{after,options,statusValue}')
    )
  ORDER BY "target", "at" DESC
) AS a
WHERE j."key" = a."target" AND j."filter_changed_by" IS NULL;
