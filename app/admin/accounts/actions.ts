'use server';

import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { positiveInt32Text } from '@/lib/validation/database-integer';
import { requireActionRole } from '@/app/_lib/auth';
import { clientIp } from '@/app/_lib/request';
import { AccountNotFoundError, LastAdministratorError } from '@/lib/accounts/account-changes';
import { changeAccountRole } from '@/lib/accounts/change-account-role';
import { AccountExistsError, createApplicationAccount } from '@/lib/accounts/create-application-account';
import { forcePasswordChange } from '@/lib/accounts/force-password-change';
import { setAccountDisabled } from '@/lib/accounts/set-account-disabled';
import { unlockAccount } from '@/lib/accounts/unlock-account';
import { newPasswordSchema, usernameSchema, WeakPasswordError } from '@/lib/auth/accounts';

export type CreateAccountState = {
  ok?: boolean;
  message?: string;
  fieldErrors?: { username?: string[]; displayName?: string[]; password?: string[]; role?: string[] };
};

const roleSchema = z.enum(['ADMINISTRATOR', 'OPERATOR'], { message: 'Choose Administrator or Operator.' });

const createForm = z.object({
  username: usernameSchema,
  displayName: z.string().trim().max(200, 'At most 200 characters.').transform((s) => s || null),
  password: newPasswordSchema,
  role: roleSchema,
});

/** Creates an application account; the person must change the initial password at first sign-in. */
export async function createAccountAction(_previous: CreateAccountState, formData: FormData): Promise<CreateAccountState> {
  const admin = await requireActionRole('ADMINISTRATOR');
  const parsed = createForm.safeParse({
    username: formData.get('username') ?? '',
    displayName: formData.get('displayName') ?? '',
    password: formData.get('password') ?? '',
    role: formData.get('role') ?? '',
  });
  if (!parsed.success) return { ok: false, fieldErrors: z.flattenError(parsed.error).fieldErrors };
  try {
    const account = await createApplicationAccount({ ...parsed.data, actor: { username: admin.username, ip: await clientIp() } });
    revalidatePath('/admin/accounts');
    return { ok: true, message: `Account "${account.username}" created. Give them the initial password; they choose their own at first sign-in.` };
  } catch (error) {
    if (error instanceof AccountExistsError) return { ok: false, fieldErrors: { username: [error.message] } };
    if (error instanceof WeakPasswordError) return { ok: false, fieldErrors: { password: [error.message] } };
    throw error;
  }
}

export type AccountChangeState = { ok?: boolean; message?: string };

const changeForm = z.discriminatedUnion('change', [
  z.object({ change: z.literal('disable'), accountId: positiveInt32Text() }),
  z.object({ change: z.literal('enable'), accountId: positiveInt32Text() }),
  z.object({ change: z.literal('force-password-change'), accountId: positiveInt32Text() }),
  z.object({ change: z.literal('unlock'), accountId: positiveInt32Text() }),
  z.object({ change: z.literal('role'), accountId: positiveInt32Text(), role: roleSchema }),
]);

/** One change of an existing account: disable, enable, unlock, force a password change, or assign a role. */
export async function changeAccountAction(_previous: AccountChangeState, formData: FormData): Promise<AccountChangeState> {
  const admin = await requireActionRole('ADMINISTRATOR');
  const parsed = changeForm.safeParse(Object.fromEntries(formData));
  if (!parsed.success) return { ok: false, message: 'The request was not understood. Reload the page and try again.' };
  const actor = { username: admin.username, ip: await clientIp() };
  const input = parsed.data;
  try {
    let message: string;
    if (input.change === 'disable' || input.change === 'enable') {
      const result = await setAccountDisabled({ accountId: input.accountId, disabled: input.change === 'disable', actor });
      message = result.changed ? `Account "${result.account.username}" ${input.change}d.` : 'Nothing to change.';
    } else if (input.change === 'unlock') {
      const result = await unlockAccount({ accountId: input.accountId, actor });
      message = result.wasLocked ? `"${result.account.username}" is unlocked: their failed sign-ins are forgotten.` : `"${result.account.username}" was not locked; their failed sign-ins are forgotten.`;
    } else if (input.change === 'force-password-change') {
      const account = await forcePasswordChange({ accountId: input.accountId, actor });
      message = `"${account.username}" must choose a new password at the next sign-in; their sessions were ended.`;
    } else {
      const result = await changeAccountRole({ accountId: input.accountId, role: input.role, actor });
      message = result.changed ? `"${result.account.username}" is now ${result.account.role === 'ADMINISTRATOR' ? 'an Administrator' : 'an Operator'}.` : 'Nothing to change.';
    }
    revalidatePath('/admin/accounts');
    return { ok: true, message };
  } catch (error) {
    if (error instanceof LastAdministratorError || error instanceof AccountNotFoundError) return { ok: false, message: error.message };
    throw error;
  }
}
