import type pg from 'pg';
import { raw, type Sql } from 'sql-template-tag';

// The page's statements are built with sql-template-tag: text with named fragments and inputs in
// place, every input sent as a parameter ($n) and never spliced into the text. Only constants of
// the code (column names, the outcome's enum labels) are text, through raw() and label().

export type Db = Pick<pg.PoolClient, 'query'>;

/**
 * Runs `query` as a named prepared statement: PostgreSQL parses it once per connection instead of
 * on every page (planning these CTEs cost as much as running them). A name must always stand for
 * one text (node-postgres refuses a second text under a name it prepared on the connection), so a
 * statement's name carries everything that shapes its text (the job's outcome), and its inputs
 * are all parameters.
 */
export function runPrepared(db: Db, name: string, query: Sql) {
  return db.query({ name, text: query.text, values: query.values });
}

const PLAIN_LABEL = /^[A-Za-z_]+$/;

/** An enum label of the code's own constants as an SQL literal ('INACTIVE'): checked, never input. */
export function label(value: string): Sql {
  if (!PLAIN_LABEL.test(value)) throw new Error(`Not an enum label: ${JSON.stringify(value)}`);
  return raw(`'${value}'`);
}
