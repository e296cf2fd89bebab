import type pg from 'pg';
import { pool } from '../db-pool';
import type { UserSource, UserState } from '../generated/prisma/enums';

// The operators' user lookup: one search box over username, names, email and employee number,
// server-side, ordered by username, paged with a keyset cursor so that page 40,000 costs what
// page 1 costs (OFFSET would read and discard every row before it).
//
// It is fast at a million users because of three indexes (migration 20261128120000_users_search)
// and one table (20261206065709_user_name_starts):
// - "users_username_key_c_idx", username_key under the C collation: the list is in byte order of
//   the lower-cased username, so that a page is a short range of this index whatever the
//   database's collation, and a username starting with a 1-2 character term, LIKE 'te%', is an
//   index range read in order;
// - "user_name_starts": a row per user and start (first character, first two characters) of each
//   word of the given name and surname (of the display name for a user with neither), kept by
//   triggers on users. A term of 1-2
//   characters has no trigram of its own; it matches the start of the username or of a name, in
//   any script (王 finds 王伟, surname 王, given name 伟), and never the middle of an email or an
//   employee number, which nobody means with one character. Its primary key (start, username_key)
//   gives the people with a name starting with the term already in username order: the page is
//   the first rows of two ordered ranges, whether the start is rare or shared by a tenth of the
//   users. (Indexes over name words on users return their matches unordered: a page then costs a
//   heap fetch per match, or a walk of the username index that lasts seconds when the matches lie
//   late in username order; the migration has the measurements.)
// - "users_search_text_trgm_idx", a trigram GIN index on SEARCH_TEXT: a term of 3 characters or
//   more is a "contains" search (ILIKE '%term%') over username, names, email and employee number.
//   Up to READ_ALL_MATCHES_UP_TO expected matches, the page is every match read through this index,
//   sorted; above, the username index is walked until a page is found (see that constant);
// - "users_state_username_key_c_idx" does the same walk for one state only; with a state and a
//   short term the name starts are joined to it, both in username order, so that the planner can
//   merge the two instead of probing users for every name start.
// Exact totals are not counted: count(*) over a million rows would cost more than the page.

/**
 * The searched text. It must stay identical, token for token, to the expression of the index
 * "users_search_text_trgm_idx", or PostgreSQL cannot use the index.
 */
export const SEARCH_TEXT_SQL = `("username_key" || ' ' || COALESCE("display_name", '') || ' ' || COALESCE("given_name", '') || ' ' ||
  COALESCE("surname", '') || ' ' || COALESCE("email", '') || ' ' || COALESCE("employee_number", ''))`;

/** The list's order and keyset: must match the COLLATE "C" indexes of the migration. */
const USERNAME_ORDER = `username_key COLLATE "C"`;

/**
 * A contains search whose term PostgreSQL expects to match at most this many users reads all its
 * matches through the trigram index, keeps those of the state and cursor asked for and sorts them
 * (~7 µs a match at 1,000,000 users: 140 ms for 20,000, at most ~350 ms whatever the page);
 * above, the matches are common and it walks the username list until a page is found. Left to
 * itself PostgreSQL walks for all but rare terms, as if matches were spread evenly through the
 * list. They are not when the term is a given name: usernames start with its initial, so every
 * Xenia's starts with x, and the walk read nearly the whole list first: 2.2-3.3 s for "xenia",
 * "zoe", "yusuf", "walter" or "vera" at a million users (bench:users), against 30-65 ms for a
 * common term spread through it ("mann": 88,575 matches, whose page the walk finds early).
 */
export const READ_ALL_MATCHES_UP_TO = 50_000;

/** Shortest term searched anywhere in the text; shorter terms match the start of the username or of a name. */
export const CONTAINS_MIN_LENGTH = 3;
export const DEFAULT_PAGE_SIZE = 25;
export const MAX_PAGE_SIZE = 100;
/** Longer input is cut: nobody's username, email or employee number is longer. */
export const MAX_QUERY_LENGTH = 200;

/** prefix: the term starts the username or a word of the name; contains: it occurs anywhere. */
export type UserSearchMode = 'all' | 'prefix' | 'contains';

export type SearchUsersOptions = {
  /** What the operator typed; trimmed, case-insensitive. Empty lists everybody. */
  query?: string | null;
  state?: UserState | null;
  /** Keyset cursors: the username key of the last (after) or first (before) row of the page seen. */
  after?: string | null;
  before?: string | null;
  pageSize?: number;
  /** Defaults to the application's pool; the benchmark and tests pass their own. */
  db?: pg.Pool | pg.PoolClient;
};

export type UserListItem = {
  id: number;
  username: string;
  usernameKey: string;
  displayName: string | null;
  givenName: string | null;
  surname: string | null;
  email: string | null;
  employeeNumber: string | null;
  state: UserState;
  source: UserSource;
  lastSynchronizedAt: Date | null;
};

export type UserSearchPage = {
  users: UserListItem[];
  mode: UserSearchMode;
  /** The query as searched (trimmed, cut to MAX_QUERY_LENGTH). */
  query: string;
  /** Cursor of the next page (pass as `after`), null on the last page. */
  nextCursor: string | null;
  /** Cursor of the previous page (pass as `before`), null on the first page. */
  previousCursor: string | null;
};

/** Escapes LIKE's wildcards so that what the operator typed is matched literally. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

export function searchMode(query: string): UserSearchMode {
  if (query === '') return 'all';
  return [...query].length >= CONTAINS_MIN_LENGTH ? 'contains' : 'prefix';
}

export function normalizeQuery(query: string | null | undefined): string {
  return [...(query ?? '').trim()].slice(0, MAX_QUERY_LENGTH).join('');
}

const COLUMNS = `id, username, username_key AS "usernameKey", display_name AS "displayName", given_name AS "givenName",
  surname, email, employee_number AS "employeeNumber", state, source, last_synchronized_at AS "lastSynchronizedAt"`;

type BuiltSearch = {
  text: string;
  values: unknown[];
  mode: UserSearchMode;
  query: string;
  pageSize: number;
  backwards: boolean;
  /** A contains search's matches, whatever the state or cursor: what reading them all costs. */
  matches?: { text: string; values: unknown[] };
};

/**
 * The SQL and parameters of one page. `readAllMatches` (a contains search only): every match is
 * read through the trigram index and sorted, instead of a walk of the username list.
 */
export function buildSearchUsersQuery(options: Omit<SearchUsersOptions, 'db'>, readAllMatches = false): BuiltSearch {
  const query = normalizeQuery(options.query);
  const mode = searchMode(query);
  const pageSize = Math.min(Math.max(Math.trunc(options.pageSize ?? DEFAULT_PAGE_SIZE), 1), MAX_PAGE_SIZE);
  const backwards = !options.after && !!options.before;
  const order = backwards ? 'DESC' : 'ASC';
  const values: unknown[] = [];
  const param = (value: unknown) => {
    values.push(value);
    return `$${values.length}`;
  };
  // username_key is lower-case, so the prefix is too.
  const usernamePrefix = mode === 'prefix' ? param(`${escapeLike(query.toLowerCase())}%`) : null;
  const nameStart = mode === 'prefix' ? param(query) : null;
  const containsPattern = mode === 'contains' ? `%${escapeLike(query)}%` : null;
  const contains = containsPattern ? param(containsPattern) : null;
  const state = options.state ? `${param(options.state)}::"UserState"` : null;
  const keyset = options.after ? `> ${param(options.after)}` : options.before ? `< ${param(options.before)}` : null;
  // One row more than the page tells whether another page follows, without counting.
  const limit = param(pageSize + 1);

  if (usernamePrefix && nameStart) {
    // The page of the union of two ranges, each read in username order and cut at one page: the
    // usernames starting with the term, and the users with a name word starting with it. With a
    // state, the join compares in the C collation on both sides, so that PostgreSQL can merge the
    // name starts with users_state_username_key_c_idx, both in username order.
    const usernames = `SELECT username_key FROM users WHERE ${USERNAME_ORDER} LIKE ${usernamePrefix}${state ? ` AND state = ${state}` : ''}${
      keyset ? ` AND ${USERNAME_ORDER} ${keyset}` : ''} ORDER BY ${USERNAME_ORDER} ${order} LIMIT ${limit}`;
    const names = `SELECT s.username_key FROM user_name_starts s${
      state ? ` JOIN users u ON u.username_key COLLATE "C" = s.username_key AND u.state = ${state}` : ''} WHERE s.start = lower(${nameStart})${
      keyset ? ` AND s.username_key ${keyset}` : ''} ORDER BY s.username_key ${order} LIMIT ${limit}`;
    const text = `SELECT ${COLUMNS} FROM users WHERE username_key IN ((${usernames}) UNION ALL (${names}))
    ORDER BY ${USERNAME_ORDER} ${order} LIMIT ${limit}`;
    return { text, values, mode, query, pageSize, backwards };
  }

  const where: string[] = [];
  if (contains) where.push(`${SEARCH_TEXT_SQL} ILIKE ${contains}`);
  if (state) where.push(`state = ${state}`);
  if (keyset) where.push(`${USERNAME_ORDER} ${keyset}`);
  const filtered = `users${where.length ? ` WHERE ${where.join(' AND ')}` : ''}`;
  // OFFSET 0 keeps PostgreSQL from merging the matches into the ordered walk again.
  const from = contains && readAllMatches ? `(SELECT * FROM ${filtered} OFFSET 0) users` : filtered;
  const text = `SELECT ${COLUMNS} FROM ${from}
    ORDER BY ${USERNAME_ORDER} ${order} LIMIT ${limit}`;
  const matches = containsPattern ? { text: `FROM users WHERE ${SEARCH_TEXT_SQL} ILIKE $1`, values: [containsPattern] } : undefined;
  return { text, values, mode, query, pageSize, backwards, matches };
}

/** The page's SQL as searchUsers runs it: for a contains search, read all matches or walk the list by PostgreSQL's estimate of their number. */
export async function planSearchUsers(
  db: pg.Pool | pg.PoolClient | pg.Client,
  options: Omit<SearchUsersOptions, 'db'>,
  readAllMatchesUpTo = READ_ALL_MATCHES_UP_TO,
): Promise<BuiltSearch & { readAllMatches: boolean }> {
  const walk = buildSearchUsersQuery(options);
  if (!walk.matches) return { ...walk, readAllMatches: false };
  // The estimate comes from the statistics ANALYZE keeps on the trigram index's expression
  // (planning only, ~1-2 ms). It counts the term's matches alone: the index reads them all, and
  // the state and the cursor only filter them.
  const { rows } = await db.query<{ 'QUERY PLAN': [{ Plan: { 'Plan Rows': number } }] }>(`EXPLAIN (FORMAT JSON) SELECT 1 ${walk.matches.text}`, walk.matches.values);
  const readAllMatches = rows[0]!['QUERY PLAN'][0].Plan['Plan Rows'] <= readAllMatchesUpTo;
  return { ...(readAllMatches ? buildSearchUsersQuery(options, true) : walk), readAllMatches };
}

/** One page of users matching the operator's search, in username order. */
export async function searchUsers(options: SearchUsersOptions = {}): Promise<UserSearchPage> {
  const db = options.db ?? pool();
  const built = await planSearchUsers(db, options);
  const { rows } = await db.query<UserListItem>(built.text, built.values);
  const more = rows.length > built.pageSize;
  const users = rows.slice(0, built.pageSize);
  if (built.backwards) users.reverse();
  const first = users[0]?.usernameKey ?? null;
  const last = users.at(-1)?.usernameKey ?? null;
  // Going forward, a previous page exists when we came from one; going back, a next page always does.
  const nextCursor = built.backwards ? last : more ? last : null;
  const previousCursor = built.backwards ? (more ? first : null) : options.after ? first : null;
  return { users, mode: built.mode, query: built.query, nextCursor, previousCursor };
}
