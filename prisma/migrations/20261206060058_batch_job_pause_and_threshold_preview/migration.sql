-- A job with an expression is scheduled unless an administrator paused it ("enabled" was off by
-- default, so the vendor's steps alone left a new job unscheduled). A job that had an expression
-- and was disabled stays unscheduled, now as paused; a job without an expression has nothing to
-- pause, so saving an expression later schedules it.
ALTER TABLE "batch_jobs" ADD COLUMN     "paused" BOOLEAN NOT NULL DEFAULT false;
UPDATE "batch_jobs" SET "paused" = ("cron_expression" IS NOT NULL AND NOT "enabled");
ALTER TABLE "batch_jobs" DROP COLUMN "enabled";

-- AlterTable
ALTER TABLE "batch_runs" ADD COLUMN     "confirms_run_id" INTEGER,
ADD COLUMN     "threshold_check" JSONB;
