-- AlterTable
ALTER TABLE "batch_runs" ADD COLUMN     "irreversible" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "restore_cursor" BIGINT,
ADD COLUMN     "restore_of_run_id" INTEGER;

-- CreateIndex
CREATE INDEX "batch_runs_restore_of_run_id_idx" ON "batch_runs"("restore_of_run_id");
