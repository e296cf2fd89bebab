-- A person's writes (CREATED/UPDATED items) by run, written by hand: a partial index, which the
-- schema cannot say. A restore asks for every person of its page whether a later run changed them
-- again (lib/restore/restore-sql.ts, "later"): one descent here. Through batch_run_items_user_id_idx
-- it read every item of the person (one a run: each run records the people it left unchanged too),
-- and the planner, whose statistics did not yet hold the restore's own items, preferred a backward
-- scan of every later run's items (11 s of a 12.6 s page at 100,000 people).
CREATE INDEX "batch_run_items_user_writes_idx" ON "batch_run_items" ("user_id", "run_id") WHERE "outcome" IN ('CREATED', 'UPDATED');
