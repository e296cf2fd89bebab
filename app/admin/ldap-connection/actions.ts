'use server';

import { revalidatePath } from 'next/cache';
import { isInt32 } from '@/lib/validation/database-integer';
import { requireActionRole } from '@/app/_lib/auth';
import { describeFilterOverlap } from '@/lib/batch-jobs/filter-overlap-notice';
import { clientIp } from '@/app/_lib/request';
import { parseLdapSettingsForm } from '@/lib/ldap-settings/ldap-settings-input';
import { saveLdapSettings } from '@/lib/ldap-settings/save-ldap-settings';
import { checkLdapSettings } from '@/lib/ldap-settings/check-ldap-settings';
import { hitRateLimit, RATE_LIMITS } from '@/lib/security/rate-limit';
import type { SaveLdapSettingsState, TestConnectionState } from './form-state';

/** Save: validated, version-checked, audited without the password (lib/ldap-settings). */
export async function saveLdapSettingsAction(previous: SaveLdapSettingsState, form: FormData): Promise<SaveLdapSettingsState> {
  const account = await requireActionRole('ADMINISTRATOR');
  const parsed = parseLdapSettingsForm(form);
  const version = Number(form.get('version'));
  if (!isInt32(version) || version < 0) {
    return { ...previous, status: 'invalid', message: 'The form was incomplete. Reload the page and try again.' };
  }
  if (!parsed.ok) {
    return { ...previous, status: 'invalid', fieldErrors: parsed.fieldErrors, message: 'Nothing was saved: correct the fields marked below.' };
  }
  const result = await saveLdapSettings({ input: parsed.input, expectedVersion: version, actor: account.username, ip: await clientIp() });
  if (!result.ok && result.code === 'validation_failed') {
    return { ...previous, status: 'invalid', fieldErrors: result.fieldErrors, message: 'Nothing was saved: correct the fields marked below.' };
  }
  if (!result.ok) return { ...previous, status: 'conflict', message: result.message };
  revalidatePath('/admin/ldap-connection');
  return {
    status: 'saved',
    version: result.settings.version,
    hasBindPassword: result.settings.hasBindPassword,
    message: result.bindPasswordChanged
      ? 'Saved, with the new bind password. The next run of a batch job uses these settings.'
      : 'Saved; the stored bind password was kept. The next run of a batch job uses these settings.',
  };
}

/** Test connection: the settings as entered (blank password: the stored one, for its own endpoint only), nothing saved. */
export async function testLdapConnectionAction(_previous: TestConnectionState, form: FormData): Promise<TestConnectionState> {
  const account = await requireActionRole('ADMINISTRATOR');
  const parsed = parseLdapSettingsForm(form);
  if (!parsed.ok) {
    return { status: 'invalid', fieldErrors: parsed.fieldErrors, message: 'Correct the fields marked below, then test again.' };
  }
  // Each test connects to a server of the caller's choice: a few a minute are plenty for a person.
  const limited = await hitRateLimit(RATE_LIMITS.testConnectionPerAccount, `account:${account.accountId}`);
  if (!limited.ok) return { status: 'failed', message: limited.message };
  const result = await checkLdapSettings(parsed.input);
  if (!result.ok && 'code' in result) {
    return { status: 'invalid', fieldErrors: result.fieldErrors, message: 'Nothing was sent to the server: correct the fields marked below, then test again.' };
  }
  if (!result.ok) return { status: 'failed', filter: result.filter, message: result.error.message };
  return {
    status: 'ok',
    url: result.url,
    filter: result.filter,
    matched: result.matched,
    overlap: result.overlap && describeFilterOverlap(result.overlap, 'test'),
    entries: result.entries.map((entry) =>
      entry.ok
        ? { dn: entry.person.dn, username: entry.person.username, displayName: entry.person.displayName, email: entry.person.email, problem: null }
        : { dn: entry.dn, username: entry.username, displayName: null, email: null, problem: entry.reason },
    ),
  };
}
