-- Users search (lib/users/search-users.ts). Written by hand: Prisma's schema language cannot
-- express an index on an expression, and the schema engine leaves such indexes alone.
--
-- One trigram GIN index over the text an operator searches (username, names, email, employee
-- number) answers "contains" searches (ILIKE '%term%', 3 characters or more) with one bitmap
-- scan, instead of an OR over five indexes. pg_trgm folds case itself, so the expression needs
-- no lower(). Shorter terms have no trigram: they match username prefixes (index below).
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- CreateIndex
CREATE INDEX "users_search_text_trgm_idx" ON "users" USING GIN ((
  "username_key" || ' ' || COALESCE("display_name", '') || ' ' || COALESCE("given_name", '') || ' ' ||
  COALESCE("surname", '') || ' ' || COALESCE("email", '') || ' ' || COALESCE("employee_number", '')
) gin_trgm_ops);

-- Username order under the "C" collation (byte order of the lower-cased username key), whatever
-- the database's collation: LIKE 'prefix%' then becomes a range of this index (1-2 character
-- searches), and the keyset pages walk it in order. With a state filter the second index walks
-- only the users of that state.
-- CreateIndex
CREATE INDEX "users_username_key_c_idx" ON "users"("username_key" COLLATE "C");

-- CreateIndex
CREATE INDEX "users_state_username_key_c_idx" ON "users"("state", "username_key" COLLATE "C");
