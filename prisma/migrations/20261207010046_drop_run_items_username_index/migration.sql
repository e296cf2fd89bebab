-- No query reads batch_run_items by (run_id, username): the run page's search matches usernames
-- with ILIKE '%...%' (lib/runs/run-items.ts), which a btree cannot serve, and every other query
-- goes by run and outcome, by id or by user. The index only cost each item written (five indexes
-- per item, now four). A run's items are still found through batch_run_items_run_id_outcome_idx.
-- DropIndex
DROP INDEX "batch_run_items_run_id_username_idx";
