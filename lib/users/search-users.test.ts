import { describe, expect, it } from 'vitest';
import { buildSearchUsersQuery, searchMode } from './search-users';

describe('searchMode', () => {
  it('matches starts for 1-2 characters (counted as characters, not UTF-16 units) and searches anywhere from 3', () => {
    expect(searchMode('')).toBe('all');
    expect(searchMode('王')).toBe('prefix');
    expect(searchMode('王伟')).toBe('prefix');
    expect(searchMode('𠀋𠀋')).toBe('prefix');
    expect(searchMode('王秀英')).toBe('contains');
    expect(searchMode('ab')).toBe('prefix');
    expect(searchMode('abc')).toBe('contains');
  });
});

describe('buildSearchUsersQuery', () => {
  it('unites the usernames and the name words starting with a short term, each range cut at one page', () => {
    const built = buildSearchUsersQuery({ query: 'Ив' });
    expect(built.mode).toBe('prefix');
    // The username prefix lower-cased and with LIKE's wildcards escaped; the term itself for the name starts.
    expect(built.values).toEqual(['ив%', 'Ив', 26]);
    expect(built.text).toContain('username_key COLLATE "C" LIKE $1');
    expect(built.text).toContain('FROM user_name_starts s WHERE s.start = lower($2)');
    expect(built.text.match(/LIMIT \$3/g)).toHaveLength(3);
    expect(built.text).toMatch(/ORDER BY username_key COLLATE "C" ASC LIMIT \$3$/);
  });

  it('escapes LIKE wildcards in the username prefix and passes the name start as it was typed', () => {
    expect(buildSearchUsersQuery({ query: '%' }).values).toEqual(['\\%%', '%', 26]);
    expect(buildSearchUsersQuery({ query: 'a_' }).values).toEqual(['a\\_%', 'a_', 26]);
  });

  it('applies the state and the keyset to both ranges, backwards for a previous page', () => {
    const built = buildSearchUsersQuery({ query: '王', state: 'INACTIVE', before: 'wwang', pageSize: 10 });
    expect(built.values).toEqual(['王%', '王', 'INACTIVE', 'wwang', 11]);
    expect(built.backwards).toBe(true);
    expect(built.text).toContain('AND state = $3::"UserState" AND username_key COLLATE "C" < $4 ORDER BY username_key COLLATE "C" DESC LIMIT $5');
    expect(built.text).toContain('JOIN users u ON u.username_key COLLATE "C" = s.username_key AND u.state = $3::"UserState"');
    expect(built.text).toContain('AND s.username_key < $4 ORDER BY s.username_key DESC LIMIT $5');
  });

  it('reads all matches of a contains search in a subquery PostgreSQL cannot merge into the ordered walk', () => {
    const walked = buildSearchUsersQuery({ query: 'schmidt', state: 'ACTIVE', after: 'k' });
    const read = buildSearchUsersQuery({ query: 'schmidt', state: 'ACTIVE', after: 'k' }, true);
    expect(read.values).toEqual(walked.values);
    expect(walked.text).toMatch(/FROM users WHERE [\s\S]* ILIKE \$1 AND state = \$2::"UserState" AND username_key COLLATE "C" > \$3\s+ORDER BY/);
    expect(read.text).toMatch(/FROM \(SELECT \* FROM users WHERE [\s\S]* ILIKE \$1 AND state = \$2::"UserState" AND username_key COLLATE "C" > \$3 OFFSET 0\) users\s+ORDER BY username_key COLLATE "C" ASC LIMIT \$4$/);
    // What reading them all costs: the term's matches, whatever the state or cursor.
    expect(read.matches).toEqual(walked.matches);
    expect(walked.matches!.text).toMatch(/^FROM users WHERE [\s\S]* ILIKE \$1$/);
    expect(walked.matches!.values).toEqual(['%schmidt%']);
    // Only a contains search has matches to count; a short term or the plain list is built one way.
    expect(buildSearchUsersQuery({ query: 'sc' }, true)).toEqual(buildSearchUsersQuery({ query: 'sc' }));
    expect(buildSearchUsersQuery({}, true)).toEqual(buildSearchUsersQuery({}));
    expect(buildSearchUsersQuery({ query: 'sc' }).matches).toBeUndefined();
  });

  it('keeps the limit the last parameter of every query', () => {
    for (const options of [{}, { query: 'x' }, { query: 'schmidt', state: 'ACTIVE' as const, after: 'k' }]) {
      const built = buildSearchUsersQuery(options);
      expect(built.text).toMatch(new RegExp(`LIMIT \\$${built.values.length}$`));
    }
  });
});
