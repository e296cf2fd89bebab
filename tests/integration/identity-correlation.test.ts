import { Client } from 'ldapts';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { pool } from '@/lib/db-pool';
import { runBatchJob } from '@/lib/sync/run-batch-job';
import { peopleLdif, queueRun, resetIdentityManager, startSyncTestEnvironment, type SyncTestEnvironment } from '../fixtures/sync-environment';

// Who is who, against a real slapd: usernames several entries claim (two OUs, case variants,
// across both jobs' filters), the one claimant already linked, a username that moves from one
// entry to another, a local user the sync links, and a DN in decomposed Unicode. Every answer
// must be the same whatever the page size, so each scenario runs at several.
const BASE = 'dc=example,dc=com';
const NFD_RDN = 'cn=Zoe\u0301 Nfd'; // "Zoé" with a combining acute accent, as some provisioning tools write it
const staff = (uid: string, locked: boolean) =>
  [`dn: uid=${uid},ou=staff,${BASE}`, 'objectClass: inetOrgPerson', `cn: ${uid} (staff)`, 'sn: Staff', `uid: ${uid}`, ...(locked ? ['pwdAccountLockedTime: 000001010000Z'] : [])].join('\n') + '\n';
const ldif = [
  `dn: ou=staff,${BASE}\nobjectClass: organizationalUnit\nou: staff\n`,
  peopleLdif(BASE, [
    { uid: 'dup', sn: 'People', locked: true },
    { uid: 'Casey', sn: 'People', locked: true },
    { uid: 'kim', sn: 'People', locked: true },
    { uid: 'lena', givenName: 'Lena', sn: 'Local', locked: true },
    { rdn: NFD_RDN, cn: 'Zoe\u0301 Nfd', uid: 'zoe', sn: 'Nfd', locked: true },
    { uid: 'max2', sn: 'Renamed', locked: true },
    { uid: 'max', sn: 'Newcomer', locked: true },
  ]),
  staff('dup', true),
  staff('casey', false), // a case variant the active job's filter matches
  staff('kim', true),
].join('\n');

let env: SyncTestEnvironment;
let uuid: Record<string, string>;
beforeAll(async () => {
  env = await startSyncTestEnvironment('correlation', ldif);
  const client = new Client({ url: env.slapd.url });
  await client.bind(env.slapd.adminDn, env.slapd.adminPassword);
  const { searchEntries } = await client.search(BASE, { filter: '(objectClass=inetOrgPerson)', attributes: ['entryUUID'] });
  await client.unbind();
  uuid = Object.fromEntries(searchEntries.map((e) => [e.dn.replace(`,${BASE}`, ''), String(e.entryUUID).toLowerCase()]));
});
afterAll(async () => {
  await env?.stop();
});

async function addUser(username: string, extra: { externalId?: string; source?: 'LOCAL' | 'LDAP' } = {}): Promise<number> {
  const { rows } = await pool().query(
    `INSERT INTO users (username, username_key, state, source, ldap_external_id) VALUES ($1, lower($1), 'ACTIVE', $2, $3) RETURNING id`,
    [username, extra.source ?? (extra.externalId ? 'LDAP' : 'LOCAL'), extra.externalId ?? null],
  );
  const role = await pool().query(`INSERT INTO roles (name) VALUES ('Employee') ON CONFLICT (name) DO UPDATE SET name = excluded.name RETURNING id`);
  await pool().query('INSERT INTO user_roles (user_id, role_id) VALUES ($1, $2)', [rows[0].id, role.rows[0].id]);
  return rows[0].id;
}

const user = async (username: string) => (await pool().query(`SELECT id, username, state::text, source::text, ldap_external_id, ldap_dn FROM users WHERE username_key = lower($1)`, [username])).rows;
const roles = async (id: number) => (await pool().query('SELECT count(*)::int AS n FROM user_roles WHERE user_id = $1', [id])).rows[0].n;
const items = async (runId: number) =>
  (await pool().query(`SELECT username, ldap_dn, outcome::text, reason, changes FROM batch_run_items WHERE run_id = $1 ORDER BY ldap_dn`, [runId])).rows;

async function run(pageSize: number, jobKey = 'inactive-ldap-users') {
  const options = { threshold: { maxUsers: null, maxPercent: null }, pageSize };
  await pool().query('UPDATE batch_jobs SET options = $1', [JSON.stringify(options)]);
  return runBatchJob({ runId: await queueRun(jobKey) });
}

describe.each([1, 2, 3, 500])('identity correlation with pages of %i', (pageSize) => {
  let ids: Record<string, number>;
  beforeEach(async () => {
    await resetIdentityManager(env.slapd);
    ids = {
      dup: await addUser('dup'),
      casey: await addUser('casey'),
      kim: await addUser('kim', { externalId: uuid['uid=kim,ou=people']! }),
      lena: await addUser('lena'), // a local account of the same person: the sync links it
      max: await addUser('max', { externalId: uuid['uid=max2,ou=people']! }), // renamed in the directory; "max" now names someone else
    };
  });

  it('never deactivates an ambiguous person, lets the one linked claimant through, and gives a moved username to its new owner only next run', async () => {
    const outcome = await run(pageSize);
    // dup (2 entries), Casey (its variant is in the active job's filter), kim in ou=staff, max (username moved) fail;
    // kim in ou=people (the linked one), lena (linked local user), max2 (rename of max) update; zoe is created.
    expect(outcome.counters).toMatchObject({ entriesRead: 9, created: 1, updated: 3, unchanged: 0, failed: 5 });

    for (const name of ['dup', 'casey']) {
      expect(await user(name)).toMatchObject([{ state: 'ACTIVE', ldap_external_id: null }]);
      expect(await roles(ids[name]!)).toBe(1);
    }
    const all = await items(outcome.runId);
    const failed = Object.fromEntries(all.filter((i) => i.outcome === 'FAILED').map((i) => [i.ldap_dn, i.reason]));
    expect(failed[`uid=dup,ou=people,${BASE}`]).toContain(`2 directory entries have the username "dup" (uid=dup,ou=people,${BASE}; uid=dup,ou=staff,${BASE}) and the Identity Manager user of that name is linked to none of them`);
    expect(failed[`uid=dup,ou=staff,${BASE}`]).toContain(`uid=dup,ou=people,${BASE}; uid=dup,ou=staff,${BASE}`);
    expect(failed[`uid=Casey,ou=people,${BASE}`]).toContain(`uid=casey,ou=staff,${BASE}`);
    expect(failed[`uid=kim,ou=staff,${BASE}`]).toContain(`Only uid=kim,ou=people,${BASE}, the entry the Identity Manager user "kim" is linked to, is synchronized`);
    expect(failed[`uid=max,ou=people,${BASE}`]).toMatch(/belong(s|ed) to .*(linked to another directory entry)/);

    expect(await user('kim')).toMatchObject([{ state: 'INACTIVE', ldap_dn: `uid=kim,ou=people,${BASE}` }]);
    expect(await roles(ids.kim!)).toBe(0);
    expect(await user('lena')).toMatchObject([{ id: ids.lena, state: 'INACTIVE', source: 'LDAP', ldap_external_id: uuid['uid=lena,ou=people'] }]);
    const lenaItem = all.find((i) => i.username === 'lena');
    expect(lenaItem.changes.user).toMatchObject({ before: { source: 'LOCAL', ldapExternalId: null }, after: { source: 'LDAP' } });
    expect(await user('max2')).toMatchObject([{ id: ids.max, state: 'INACTIVE' }]);
    expect(await user('max')).toEqual([]);
    // The DN exactly as the server holds it: decomposed, not re-encoded.
    const [zoe] = await user('zoe');
    expect(zoe.ldap_dn).toBe(`${NFD_RDN},ou=people,${BASE}`);
    expect(zoe.ldap_dn).not.toBe(zoe.ldap_dn.normalize('NFC'));

    // The next run: the moved username goes to its new owner; everything else is as it was.
    const next = await run(pageSize);
    expect(next.counters).toMatchObject({ entriesRead: 9, created: 1, updated: 0, unchanged: 4, failed: 4 });
    expect(await user('max')).toMatchObject([{ state: 'INACTIVE', ldap_external_id: uuid['uid=max,ou=people'] }]);
    const third = await run(pageSize);
    expect(third.counters).toMatchObject({ created: 0, updated: 0, unchanged: 5, failed: 4 });
  });

  it('a run resumed after a crash still knows the usernames its committed pages gave up', async () => {
    const options = { threshold: { maxUsers: null, maxPercent: null }, pageSize };
    await pool().query('UPDATE batch_jobs SET options = $1', [JSON.stringify(options)]);
    const runId = await queueRun('inactive-ldap-users');
    // Killed at the report of the page that renamed max to max2 (committed before it was reported).
    const crashed = runBatchJob({
      runId,
      onProgress: async () => {
        if ((await user('max2')).length) throw new Error('worker killed');
      },
    });
    await expect(crashed).rejects.toThrow('worker killed');
    const resumed = await runBatchJob({ runId });
    expect(resumed.counters).toMatchObject({ entriesRead: 9, created: 1, updated: 3, failed: 5 });
    expect(await user('max')).toEqual([]);
  });

  it('the active job applies the same rule: a username two entries claim activates nobody', async () => {
    await pool().query(`UPDATE users SET state = 'INACTIVE' WHERE username_key = 'casey'`);
    const outcome = await run(pageSize, 'active-ldap-users');
    expect(outcome.counters.failed).toBe(1);
    expect(await user('casey')).toMatchObject([{ state: 'INACTIVE' }]);
    const [item] = (await items(outcome.runId)).filter((i) => i.outcome === 'FAILED');
    expect(item.reason).toContain(`uid=Casey,ou=people,${BASE}`);
  });
});
