-- Run items' before -> after as json (text) rather than jsonb: the sync builds it in the same
-- statement that applies a page (json_build_object/json_agg) and nobody queries inside it, so
-- storing the text as built saves converting every item to jsonb (~10% of a page's write).
-- Existing items are converted once (the table is rewritten).

-- AlterTable
ALTER TABLE "batch_run_items" ALTER COLUMN "changes" SET DATA TYPE JSON;
