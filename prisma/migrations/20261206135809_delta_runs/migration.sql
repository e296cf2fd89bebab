-- CreateEnum
CREATE TYPE "RunKind" AS ENUM ('FULL', 'DELTA');

-- AlterTable
ALTER TABLE "batch_runs" ADD COLUMN     "full_run_reason" TEXT,
ADD COLUMN     "recheck_external_ids" TEXT[] DEFAULT ARRAY[]::TEXT[],
ADD COLUMN     "run_kind" "RunKind",
ADD COLUMN     "selection_fingerprint" TEXT,
ADD COLUMN     "watermark_from" JSONB,
ADD COLUMN     "watermark_to" JSONB;
