-- Users: fewer indexes to maintain on every update the sync makes (see the end of this file).

-- DropIndex
DROP INDEX "users_email_idx";

-- DropIndex
DROP INDEX "users_employee_number_idx";

-- DropIndex
DROP INDEX "users_surname_given_name_idx";

-- Written by hand: the sync updates users page by page, and every update that is not HOT adds an
-- entry to each index of the table, the trigram GIN index among them. The indexes dropped above
-- were used by no query, since the users search finds emails, employee numbers and names through
-- users_search_text_trgm_idx. The fillfactor leaves room on each page for HOT updates of rows
-- whose indexed columns do not change (a user updated again without a state change), and applies
-- to pages written from now on (VACUUM FULL users rewrites existing ones).
ALTER TABLE "users" SET (fillfactor = 85);
