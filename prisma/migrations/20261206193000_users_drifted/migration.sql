-- The users a delta run re-checks (lib/sync/delta.ts driftedExternalIds): those the Identity
-- Manager let drift out of the end state a sync left them in. Without an index that question was a
-- full scan of the users (170 ms at 1,000,000 users, a third of a delta run); this partial index
-- holds only the drifted ones, a handful between two runs. Written by hand: the schema language
-- cannot say WHERE, and the schema engine leaves this index alone.
--
-- Its predicate adds updated_at, last_synchronized_at and related_settled to the columns whose
-- change makes an update of users not HOT (users_hot_updates). Few of the sync's writes were HOT
-- before: nearly all change the state, the username or a name or e-mail (indexed, the last ones by
-- the search's trigram index); one that changes only the DN or the settled flag now is not. A
-- sync's write leaves the predicate false (updated_at = last_synchronized_at, related_settled true
-- for the inactive job's users), so it adds no entry here.
-- CreateIndex
CREATE INDEX "users_drifted_idx" ON "users" ("ldap_external_id")
  WHERE "ldap_external_id" IS NOT NULL AND "last_synchronized_at" IS NOT NULL
    AND ("updated_at" > "last_synchronized_at" OR ("state" = 'INACTIVE' AND NOT "related_settled"));
