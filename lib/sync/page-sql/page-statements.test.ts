import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import type { DirectoryPerson, MappedEntry } from '../mapping';
import { ACTIVE_OUTCOME, INACTIVE_OUTCOME } from '../outcome';
import type { PageClassification, UserRow } from '../page-plan';
import { planPage } from './plan-page';
import { label } from './prepared-statement';
import { writePage } from './write-page';

// A named prepared statement must always carry the same text (node-postgres refuses a second text
// under a name it prepared on a connection, and PostgreSQL caches the plan by name): whatever the
// page holds, each statement's text depends on the job's outcome only, and input travels as
// parameters, never in the text. The statements' effects are tested against PostgreSQL in
// tests/integration (sync, reference-model, identity-correlation, run-faults, delta-reference).

type Sent = { name: string; text: string; values: unknown[] };

/** Records the statements sent; answers as the write statement does for a page without conflicts. */
function recordingDb(sent: Sent[]) {
  const query = async (config: pg.QueryConfig) => {
    sent.push({ name: config.name!, text: config.text, values: config.values ?? [] });
    return { rows: [{ updated: 0, credentials_changed: 0, certificates_changed: 0, roles_withdrawn: 0, conflicts: 0 }] };
  };
  return { query } as unknown as pg.PoolClient;
}

const HOSTILE = `O'Brien"); DROP TABLE users; --`;

function person(n: number, name = `user${n}`): DirectoryPerson {
  return { dn: `uid=${name},ou=people`, externalId: `ext-${n}`, username: name, usernameKey: name.toLowerCase(), givenName: n % 2 ? 'Given' : null, surname: null, displayName: null, email: null, employeeNumber: null };
}

function user(n: number, p: DirectoryPerson): UserRow {
  return { id: n, username: p.username, usernameKey: p.usernameKey, givenName: null, surname: null, displayName: null, email: null, employeeNumber: null, state: 'ACTIVE', source: 'LDAP', ldapExternalId: p.externalId, ldapDn: p.dn, rowId: `(0,${n})`, version: '7' };
}

const failure = { dn: `uid=${HOSTILE}`, externalId: 'ext-f', username: HOSTILE, userId: null, reason: 'duplicate' };

/** Pages of different shapes: only creations, only updates, failures with everything, one hostile person. */
const PLANS: PageClassification[] = [
  { creates: [person(1)], candidates: [], failures: [], unchanged: 0, wouldDeactivate: 0, releases: [] },
  { creates: [], candidates: [2, 3, 4].map((n) => ({ person: person(n), user: user(n, person(n)) })), failures: [], unchanged: 5, wouldDeactivate: 3, releases: [] },
  { creates: [person(5, HOSTILE)], candidates: [{ person: person(6, HOSTILE), user: user(6, person(6)) }], failures: [failure], unchanged: 0, wouldDeactivate: 1, releases: [] },
];

const entry = (p: DirectoryPerson): MappedEntry => ({ ok: true, person: p });

describe('the page statements', () => {
  for (const outcome of [INACTIVE_OUTCOME, ACTIVE_OUTCOME]) {
    it(`write one text per name whatever the page holds, dry run or not (${outcome.jobKey})`, async () => {
      const sent: Sent[] = [];
      for (const plan of PLANS) {
        for (const dryRun of [false, true]) await writePage(recordingDb(sent), { runId: 3, page: 1, outcome, dryRun }, plan);
      }
      expect(sent).toHaveLength(PLANS.length * 2);
      expect(new Set(sent.map((s) => s.name))).toEqual(new Set([`write-page:${outcome.jobKey}`]));
      expect(new Set(sent.map((s) => s.text)).size).toBe(1);
      for (const s of sent) {
        expect(s.text).not.toContain('Brien');
        expect(s.text).not.toContain('ext-');
        // Every parameter the text names is sent, and no more.
        expect(Math.max(...[...s.text.matchAll(/\$(\d+)/g)].map((m) => Number(m[1])))).toBe(s.values.length);
      }
      expect(sent.some((s) => s.values.some((v) => typeof v === 'string' && v.includes(HOSTILE.replace(/"/g, '\\"'))))).toBe(true);
    });

    it(`plan one text per name whatever the page's entries and sibling matches (${outcome.jobKey})`, async () => {
      const sent: Sent[] = [];
      const db = recordingDb(sent);
      const pages = [[person(1)], [person(2), person(3, HOSTILE), { ok: false, dn: 'uid=x', externalId: null, username: null, reason: 'no id' } as MappedEntry], [person(4)]];
      for (const [i, page] of pages.entries()) {
        const sibling = i === 1 ? new Set(['ext-2']) : new Set<string>();
        await planPage(db, outcome, page.map((p) => ('ok' in p ? p : entry(p))), sibling, 'other-job');
      }
      expect(sent).toHaveLength(pages.length);
      expect(new Set(sent.map((s) => s.name))).toEqual(new Set([`plan-page:${outcome.jobKey}`]));
      expect(new Set(sent.map((s) => s.text)).size).toBe(1);
      for (const s of sent) {
        expect(s.text).not.toContain('Brien');
        expect(s.values).toHaveLength(10);
      }
    });
  }

  it('gives the two jobs different texts under different names', async () => {
    const sent: Sent[] = [];
    for (const outcome of [INACTIVE_OUTCOME, ACTIVE_OUTCOME]) await writePage(recordingDb(sent), { runId: 1, page: 1, outcome, dryRun: false }, PLANS[0]!);
    expect(sent[0]!.name).not.toBe(sent[1]!.name);
    expect(sent[0]!.text).toContain('certificates_to_move');
    expect(sent[1]!.text).not.toContain('certificates_to_move');
  });

  it('takes only plain enum labels as SQL literals', () => {
    expect(label('ON_HOLD').text).toBe(`'ON_HOLD'`);
    expect(() => label(`x' OR 'a'='a`)).toThrow(/Not an enum label/);
  });
});
