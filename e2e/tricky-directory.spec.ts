import { expect, test, type APIRequestContext } from '@playwright/test';
import { addIdentityUsers, configureDirectoryConnection, e2eDirectory, withDatabase, withDirectory } from './support/operator-fixture';
import { createApiTokenInAdmin, INACTIVE_JOB, signedIn, startNowFromScheduledJobs } from './support/operator-ui';

// An unseen directory with ambiguous and tricky people, loaded with an Identity Manager-side
// state, run through the UI ("Synchronize inactive LDAP Users to Identity Manager", Start now, as
// an operator does it) and checked person by person through the REST API with a token an
// administrator created. The people live below their own OU, removed again after the spec, so
// that the other specs' counts do not see them.

const dir = e2eDirectory();
const OU = `ou=tricky-e2e,${dir.baseDn}`;
const EAST = `ou=east,${OU}`;
const WEST = `ou=west,${OU}`;
const LOCKED = { pwdAccountLockedTime: '000001010000Z' };

/** Two entries with one uid in two OUs, both locked; the Identity Manager user of that name is active. */
const TWIN_DNS = [`uid=dana.twin,${EAST}`, `uid=dana.twin,${WEST}`];
/** Two uids that differ in case only (usernames are case-insensitive in the Identity Manager). */
const CASEY_DNS = [`uid=Casey,${EAST}`, `uid=casey,${WEST}`];
/** An escaped comma in the RDN (slapd answers it in its own escaping, cn=Smith\\2C John). */
const SMITH_DN = `cn=Smith\\, John,${OU}`;
/** Decomposed Unicode (NFD): e + U+0301, u + U+0308. The Identity Manager keeps the DN as the server sent it. */
const AMELIE_NAME = 'Amélie Müller'.normalize('NFD');
const AMELIE_DN = `cn=${AMELIE_NAME},${OU}`;
const LOCAL_DN = `uid=lou.local,${OU}`;
const NORA_DN = `uid=nora.normal,${OU}`;
const IVY_DN = `uid=ivy.inactive,${OU}`;
const ALL_DNS = [...TWIN_DNS, ...CASEY_DNS, SMITH_DN, AMELIE_DN, LOCAL_DN, NORA_DN, IVY_DN];

/** When Ivy's certificates were put on hold and revoked, long before this run. */
const IVY_HELD_AT = '2026-01-15T10:00:00.000Z';
const IVY_REVOKED_AT = '2026-01-16T11:00:00.000Z';

let savedOptions: unknown;
/** Smith's DN as the directory sends it in search results. */
let smithDnFromServer = '';
let runId: number;
let token: string;

function person(uid: string, givenName: string, sn: string, extra: Record<string, string> = {}) {
  return { objectClass: ['inetOrgPerson'], uid, cn: `${givenName} ${sn}`, givenName, sn, mail: `${uid.toLowerCase()}@example.com`, ...LOCKED, ...extra };
}

test.beforeAll(async () => {
  await configureDirectoryConnection();
  savedOptions = (await withDatabase((db) => db.query('SELECT options FROM batch_jobs WHERE key = $1', [INACTIVE_JOB]))).rows[0].options;
  // The default preset (OpenLDAP password policy lock), no mass-deactivation limit: this spec is about who, not how many.
  await withDatabase((db) => db.query('UPDATE batch_jobs SET options = $2 WHERE key = $1', [INACTIVE_JOB, JSON.stringify({ threshold: { maxUsers: null, maxPercent: null } })]));

  let ivyUuid = '';
  await withDirectory(async (ldap) => {
    await ldap.add(OU, { objectClass: ['organizationalUnit'], ou: 'tricky-e2e' });
    await ldap.add(EAST, { objectClass: ['organizationalUnit'], ou: 'east' });
    await ldap.add(WEST, { objectClass: ['organizationalUnit'], ou: 'west' });
    await ldap.add(TWIN_DNS[0]!, person('dana.twin', 'Dana', 'East'));
    await ldap.add(TWIN_DNS[1]!, person('dana.twin', 'Dana', 'West'));
    await ldap.add(CASEY_DNS[0]!, person('Casey', 'Casey', 'Upper'));
    await ldap.add(CASEY_DNS[1]!, person('casey', 'Casey', 'Lower'));
    await ldap.add(SMITH_DN, { ...person('john.smith', 'John', 'Smith'), cn: 'Smith, John' });
    await ldap.add(AMELIE_DN, { ...person('amelie.mueller', 'Amélie'.normalize('NFD'), 'Müller'.normalize('NFD')), cn: AMELIE_NAME });
    await ldap.add(LOCAL_DN, person('lou.local', 'Lou', 'Local'));
    await ldap.add(NORA_DN, person('nora.normal', 'Nora', 'Normal', { employeeNumber: 'E2E-nora.normal' }));
    await ldap.add(IVY_DN, person('ivy.inactive', 'Ivy', 'Inactive', { employeeNumber: 'E2E-ivy.inactive' }));
    const { searchEntries } = await ldap.search(IVY_DN, { scope: 'base', attributes: ['entryUUID'] });
    ivyUuid = String(searchEntries[0]!.entryUUID).toLowerCase();
    smithDnFromServer = (await ldap.search(OU, { filter: '(uid=john.smith)', attributes: ['uid'] })).searchEntries[0]!.dn;
  });

  await addIdentityUsers([
    { username: 'dana.twin', credentialTypes: ['CARD'], roles: ['Employee', 'Badge office'] },
    { username: 'lou.local', source: 'LOCAL', credentialTypes: ['SOFT_TOKEN'], roles: ['Employee'] },
    { username: 'nora.normal', credentialTypes: ['CARD', 'TEMPORARY_CARD', 'MOBILE_ID'], roles: ['Employee', 'VPN access'] },
  ]);
  // Ivy: synchronized before, inactive, her card on hold and her temporary card's certificate revoked (for key compromise).
  await withDatabase(async (db) => {
    const { rows } = await db.query(
      `INSERT INTO users (username, username_key, given_name, surname, email, employee_number, state, source, ldap_external_id, ldap_dn, updated_at)
       VALUES ('ivy.inactive', 'ivy.inactive', 'Ivy', 'Inactive', 'ivy.inactive@example.com', 'E2E-ivy.inactive', 'INACTIVE', 'LDAP', $1, $2, now()) RETURNING id`,
      [ivyUuid, IVY_DN],
    );
    const userId = rows[0].id as number;
    for (const [type, state, serial, certState, reason, at] of [
      ['CARD', 'INACTIVE', 'E2E-ivy-card', 'ON_HOLD', 'certificateHold', IVY_HELD_AT],
      ['TEMPORARY_CARD', 'LOCKED', 'E2E-ivy-temp', 'REVOKED', 'keyCompromise', IVY_REVOKED_AT],
    ] as const) {
      const { rows: c } = await db.query(`INSERT INTO credentials (user_id, type, state, updated_at) VALUES ($1, $2::"CredentialType", $3::"CredentialState", now()) RETURNING id`, [userId, type, state]);
      await db.query(
        `INSERT INTO certificates (credential_id, serial, subject, state, revocation_reason, revoked_at, updated_at)
         VALUES ($1, $2, 'CN=ivy.inactive', $3::"CertificateState", $4::"RevocationReason", $5, now())`,
        [c[0].id, serial, certState, reason, at],
      );
    }
  });
});

test.afterAll(async () => {
  await withDatabase((db) => db.query('UPDATE batch_jobs SET options = $2 WHERE key = $1', [INACTIVE_JOB, JSON.stringify(savedOptions ?? {})]));
  await withDirectory(async (ldap) => {
    for (const dn of [...ALL_DNS, EAST, WEST, OU]) await ldap.del(dn).catch(() => undefined);
  });
});

type ApiUser = {
  username: string;
  state: string;
  source: string;
  ldapDn: string | null;
  credentials: { type: string; state: string; certificates: { serial: string; state: string; revocationReason: string | null; revokedAt: string | null }[] }[];
  roles: { name: string }[];
};
type ApiRunItem = { username: string | null; ldapDn: string | null; outcome: string; reason: string | null; changes: unknown };

async function apiGet<T>(request: APIRequestContext, path: string, status = 200): Promise<T> {
  const res = await request.get(path, { headers: { authorization: `Bearer ${token}` } });
  expect(res.status(), path).toBe(status);
  return (await res.json()) as T;
}
const user = (request: APIRequestContext, username: string) => apiGet<ApiUser>(request, `/api/v1/users/${encodeURIComponent(username)}`);
async function itemsOf(request: APIRequestContext, username: string): Promise<ApiRunItem[]> {
  const { items } = await apiGet<{ items: ApiRunItem[] }>(request, `/api/v1/runs/${runId}/items?pageSize=500`);
  return items.filter((i) => i.username?.toLowerCase() === username.toLowerCase());
}

test('the run started in the UI treats each tricky person right, as the REST API shows person by person', async ({ browser, request }) => {
  test.setTimeout(150_000);

  await test.step('the operator starts the run from Scheduled jobs and follows it to its end', async () => {
    const operator = await signedIn(browser, 'operator');
    runId = await startNowFromScheduledJobs(operator);
    await expect(operator.getByTestId('run-status')).toContainText(/Completed with errors|Succeeded|Failed/, { timeout: 60_000 });
    // Only the ambiguous people fail: both entries of the twins and of Casey.
    await expect.soft(operator.getByTestId('run-status')).toContainText('Completed with errors');
    await expect.soft(operator.getByTestId('counter-failed').locator('dd')).toHaveText('4');

    // The run page says what happened to the local user in plain words.
    await operator.getByLabel('Search username or DN').fill('lou.local');
    await operator.getByRole('button', { name: 'Apply' }).click();
    await expect(operator.getByTestId('run-item')).toHaveCount(1);
    await expect.soft(operator.getByTestId('run-item')).toContainText('Linked to the directory entry: source Local→LDAP');
  });

  await test.step('an administrator creates an operator API token', async () => {
    const admin = await signedIn(browser, 'admin');
    token = await createApiTokenInAdmin(admin, `e2e-tricky-${Date.now()}`, 'OPERATOR');
  });

  await test.step('the ambiguous people are untouched, and both entries of each failed naming both DNs', async () => {
    const dana = await user(request, 'dana.twin');
    expect.soft(dana).toMatchObject({ state: 'ACTIVE', ldapDn: null });
    expect.soft(dana.roles.map((r) => r.name).sort()).toEqual(['Badge office', 'Employee']);
    expect
      .soft(dana.credentials)
      .toEqual([expect.objectContaining({ type: 'CARD', state: 'ACTIVE', certificates: [expect.objectContaining({ state: 'VALID', revocationReason: null, revokedAt: null })] })]);

    for (const [username, dns] of [['dana.twin', TWIN_DNS], ['casey', CASEY_DNS]] as const) {
      const items = await itemsOf(request, username);
      expect.soft(items.map((i) => i.ldapDn).sort(), username).toEqual([...dns].sort());
      for (const item of items) {
        expect.soft(item.outcome, item.ldapDn!).toBe('FAILED');
        for (const dn of dns) expect.soft(item.reason, item.ldapDn!).toContain(dn);
      }
    }
    // Neither Casey was made into a user.
    expect.soft((await request.get('/api/v1/users/casey', { headers: { authorization: `Bearer ${token}` } })).status()).toBe(404);
  });

  await test.step('the normal person is inactive, credentials and certificates in their end state with revocation reason and date', async () => {
    const started = Date.now() - 10 * 60_000;
    const nora = await user(request, 'nora.normal');
    expect.soft(nora).toMatchObject({ state: 'INACTIVE', source: 'LDAP', ldapDn: NORA_DN, roles: [] });
    const byType = Object.fromEntries(nora.credentials.map((c) => [c.type, c]));
    expect.soft(byType.CARD).toMatchObject({ state: 'INACTIVE', certificates: [{ state: 'ON_HOLD', revocationReason: 'certificateHold' }] });
    expect.soft(byType.TEMPORARY_CARD).toMatchObject({ state: 'LOCKED', certificates: [{ state: 'REVOKED', revocationReason: 'cessationOfOperation' }] });
    expect.soft(byType.MOBILE_ID).toMatchObject({ state: 'INACTIVE', certificates: [{ state: 'ON_HOLD', revocationReason: 'certificateHold' }] });
    for (const cert of nora.credentials.flatMap((c) => c.certificates)) expect.soft(Date.parse(cert.revokedAt ?? ''), cert.serial).toBeGreaterThan(started);
    expect.soft(await itemsOf(request, 'nora.normal')).toEqual([expect.objectContaining({ outcome: 'UPDATED', ldapDn: NORA_DN })]);
  });

  await test.step('the person already inactive keeps her hold and her revocation as they were', async () => {
    const ivy = await user(request, 'ivy.inactive');
    expect.soft(ivy).toMatchObject({ state: 'INACTIVE', source: 'LDAP', ldapDn: IVY_DN, roles: [] });
    expect.soft(ivy.credentials.flatMap((c) => c.certificates)).toEqual([
      expect.objectContaining({ serial: 'E2E-ivy-card', state: 'ON_HOLD', revocationReason: 'certificateHold', revokedAt: IVY_HELD_AT }),
      // Revocation is final: never downgraded, its reason and date untouched.
      expect.objectContaining({ serial: 'E2E-ivy-temp', state: 'REVOKED', revocationReason: 'keyCompromise', revokedAt: IVY_REVOKED_AT }),
    ]);
    for (const item of await itemsOf(request, 'ivy.inactive')) expect.soft(item.outcome).not.toBe('FAILED');
  });

  await test.step('the local user with the same username is now linked to the directory entry (source LDAP)', async () => {
    const lou = await user(request, 'lou.local');
    expect.soft(lou).toMatchObject({ state: 'INACTIVE', source: 'LDAP', ldapDn: LOCAL_DN, roles: [] });
    expect.soft(await itemsOf(request, 'lou.local')).toEqual([
      expect.objectContaining({ outcome: 'UPDATED', changes: expect.objectContaining({ user: expect.objectContaining({ before: expect.objectContaining({ source: 'LOCAL' }), after: expect.objectContaining({ source: 'LDAP' }) }) }) }),
    ]);
  });

  await test.step('the DN with an escaped comma and the decomposed-Unicode (NFD) DN are stored exactly as sent', async () => {
    const smith = await user(request, 'john.smith');
    expect.soft(smith).toMatchObject({ state: 'INACTIVE', source: 'LDAP', ldapDn: smithDnFromServer });
    expect.soft(smith.ldapDn).toMatch(/^cn=Smith\\(,|2C) John,ou=tricky-e2e,/);

    const amelie = await user(request, 'amelie.mueller');
    expect.soft(amelie.state).toBe('INACTIVE');
    expect.soft(amelie.ldapDn).toBe(AMELIE_DN);
    // Really NFD, code point for code point: not the composed form a normalizing store would make of it.
    expect.soft(amelie.ldapDn).not.toBe(AMELIE_DN.normalize('NFC'));
  });
});
