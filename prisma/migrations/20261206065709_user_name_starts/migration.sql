-- Users search by the start of a name (lib/users/search-users.ts): a term of 1-2 characters matches
-- the start of the username or of any word of the given name or surname (of the display name when
-- the user has neither), in any script (王 finds 王伟: surname 王, given name 伟).
--
-- Why a table and not an index on users: such a term has no trigram, and the answer must be the
-- first page in username order. An index over name words (GIN over to_tsvector, or btree on
-- lower(given_name) ...) returns the matches unordered: the page then costs a heap fetch per match
-- (measured at 1,000,000 users: 150-600 ms for a start shared by 2-20 % of the users, "x", "m"), or
-- the planner walks the username index and tests every row, which takes seconds when the matches
-- lie late in username order (usernames start with the given name's initial: "xe" finds Xenia,
-- whose usernames all start with x). Here the users with a word starting with "王" are one range of
-- the primary key, already in username order: a page is about 26 index entries whatever the start.
--
-- Kept by the triggers below, set-based for inserts and deletes (the sync inserts a page of users
-- per statement). An update pays only when it changes a name or the username: the sync's updates
-- that change the state alone never run the update trigger, and users keep their HOT updates
-- (20261128120002_users_hot_updates). Measured at 1,000,000 users: the INSERT of new users (500
-- a statement) takes 15-40 % longer (about 4 rows here per user), a rename about twice as long as
-- without the trigger, an update of the state alone no longer at all; the table holds about 4 rows
-- and 320 bytes per user (318 MB at a million; the users table is 536 MB).
--
-- Written by hand after the generated CREATE TABLE: the schema language cannot say a column
-- collation, a function or a trigger; the schema engine leaves the collation, functions and
-- triggers alone.

-- CreateTable
-- username_key under the C collation: the primary key is then in the byte order of the list
-- (users_username_key_c_idx), so a range of it is a page in username order.
CREATE TABLE "user_name_starts" (
    "start" TEXT NOT NULL,
    "username_key" TEXT COLLATE "C" NOT NULL
);

-- The starts of one person's names: every word's first character and first two characters,
-- lower-cased. The names are the given name and surname; the display name stands in only when
-- both are missing. A display name is made of those two words in most directories, and a first
-- sync sets it for everyone the Identity Manager had without one: counted in, it made every such
-- update run the trigger below (bench, 100,000 people: the first run 20-45 % slower). The surname
-- followed by the given name counts as one more word: the full name as Chinese, Japanese and
-- Korean write it (王伟 finds surname 王, given name 伟); for other names its start is the
-- surname's. Words are separated by white space (also the ideographic space), hyphens and dashes,
-- apostrophes, dots, commas, semicolons, colons, slashes, parentheses and the middle dots of
-- transcribed names (张·伟, マイケル・ジャクソン); every other character, of any script, is part of a
-- word. Explicit characters rather than [[:alnum:]], whose meaning outside ASCII depends on the
-- database's locale.
CREATE FUNCTION "name_word_starts"(given_name TEXT, surname TEXT, display_name TEXT) RETURNS SETOF TEXT
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT DISTINCT p.start
  FROM regexp_split_to_table(lower(concat_ws(' ', given_name, surname, surname || given_name, CASE WHEN given_name IS NULL AND surname IS NULL THEN display_name END)),
         '[\s\u3000\u00b7\u30fb\uff65\u2010-\u2015''\u2019.,;:/()-]+') AS w,
       LATERAL (VALUES (left(w, 1)), (left(w, 2))) AS p(start)
  WHERE w <> ''
$$;

-- The users there are now (a million users: about 4 million rows, 20 s on 2 cores), then the key.
INSERT INTO "user_name_starts" ("start", "username_key")
SELECT s, u."username_key" FROM "users" u, LATERAL "name_word_starts"(u."given_name", u."surname", u."display_name") AS s;

ALTER TABLE "user_name_starts" ADD CONSTRAINT "user_name_starts_pkey" PRIMARY KEY ("start", "username_key");

-- Statement-level: one insert for all the users a statement created. No ON CONFLICT: its
-- speculative insertion made these inserts 75 % dearer, and a row already there for a new user
-- could only come from changes made behind the triggers' back, which had better fail loudly.
CREATE FUNCTION "user_name_starts_insert"() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "user_name_starts" ("start", "username_key")
  SELECT s, n."username_key" FROM inserted n, LATERAL "name_word_starts"(n."given_name", n."surname", n."display_name") AS s;
  RETURN NULL;
END
$$;

CREATE TRIGGER "users_name_starts_insert" AFTER INSERT ON "users"
  REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION "user_name_starts_insert"();

-- Row-level, and only for a row whose names or username changed: PostgreSQL cannot combine a
-- transition table with a column list, and a statement-level trigger would collect every row of
-- every update the sync makes (measured: state-only updates twice as slow). A change of the
-- display name runs it only for a user without given name and surname. Only the starts that
-- differ are written. Measured at 100,000 users, 500 renames a statement: 50-75 us a user
-- without the trigger, 110-200 us with it.
CREATE FUNCTION "user_name_starts_update"() RETURNS TRIGGER LANGUAGE plpgsql AS $$
DECLARE
  -- In FROM, where PostgreSQL inlines the SQL function into this statement's cached plan (called
  -- in the select list, it was planned anew for every row).
  old_starts TEXT[] := ARRAY(SELECT s FROM "name_word_starts"(OLD."given_name", OLD."surname", OLD."display_name") AS s);
  new_starts TEXT[] := ARRAY(SELECT s FROM "name_word_starts"(NEW."given_name", NEW."surname", NEW."display_name") AS s);
  gone TEXT[];
  added TEXT[];
BEGIN
  IF OLD."username_key" IS DISTINCT FROM NEW."username_key" THEN
    gone := old_starts;
    added := new_starts;
  ELSE
    gone := ARRAY(SELECT unnest(old_starts) EXCEPT SELECT unnest(new_starts));
    added := ARRAY(SELECT unnest(new_starts) EXCEPT SELECT unnest(old_starts));
  END IF;
  -- start = ANY(array): a few descents of the primary key.
  IF cardinality(gone) > 0 THEN
    DELETE FROM "user_name_starts" WHERE "start" = ANY (gone) AND "username_key" = OLD."username_key";
  END IF;
  IF cardinality(added) > 0 THEN
    INSERT INTO "user_name_starts" ("start", "username_key") SELECT unnest(added), NEW."username_key";
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER "users_name_starts_update" AFTER UPDATE OF "username_key", "given_name", "surname", "display_name" ON "users"
  FOR EACH ROW
  WHEN (OLD."username_key" IS DISTINCT FROM NEW."username_key" OR OLD."given_name" IS DISTINCT FROM NEW."given_name"
        OR OLD."surname" IS DISTINCT FROM NEW."surname"
        OR (NEW."given_name" IS NULL AND NEW."surname" IS NULL AND OLD."display_name" IS DISTINCT FROM NEW."display_name"))
  EXECUTE FUNCTION "user_name_starts_update"();

CREATE FUNCTION "user_name_starts_delete"() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM "user_name_starts" s
  USING deleted d, LATERAL "name_word_starts"(d."given_name", d."surname", d."display_name") AS ds
  WHERE s."start" = ds AND s."username_key" = d."username_key";
  RETURN NULL;
END
$$;

CREATE TRIGGER "users_name_starts_delete" AFTER DELETE ON "users"
  REFERENCING OLD TABLE AS deleted FOR EACH STATEMENT EXECUTE FUNCTION "user_name_starts_delete"();

CREATE FUNCTION "user_name_starts_truncate"() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
  TRUNCATE "user_name_starts";
  RETURN NULL;
END
$$;

CREATE TRIGGER "users_name_starts_truncate" AFTER TRUNCATE ON "users"
  FOR EACH STATEMENT EXECUTE FUNCTION "user_name_starts_truncate"();

ANALYZE "user_name_starts";
