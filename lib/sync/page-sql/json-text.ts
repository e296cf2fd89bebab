import sql, { raw, type Sql } from 'sql-template-tag';

// Run items' JSON written as text by concatenation: several times cheaper than json_build_object
// at thousands of objects per page. Text goes through to_json (escaping, null), enum labels and
// numbers are safe as they are, json is text already; the write statement casts each item's
// changes to json, which checks them. The restore writes its reversals the same way.

/** One member of an object: its key, the SQL expression of its value, and how that value is written. */
export type JsonMember = [key: string, expression: string, kind: 'number' | 'label' | 'text' | 'json'];

/** A JSON object as SQL text, its members in the given order. */
export function jsonObjectText(members: readonly JsonMember[]): Sql {
  const parts = members.map(([key, expression, kind], i) => {
    const open = `${i ? ',' : '{'}"${key}":`;
    if (kind === 'label') return `'${open}"' || ${expression} || '"'`;
    if (kind === 'text') return `'${open}' || COALESCE(to_json(${expression})::text, 'null')`;
    return `'${open}' || ${expression}`;
  });
  return raw([...parts, `'}'`].join(' || '));
}

/** A JSON array of a group's objects, in `orderBy` order (an aggregate: NULL for no rows). */
export function jsonArrayText(object: Sql, orderBy: Sql): Sql {
  return sql`'[' || string_agg(${object}, ',' ORDER BY ${orderBy}) || ']'`;
}
