'use server';

import { redirect } from 'next/navigation';
import { z } from 'zod';
import { requireSignedInAction } from '@/app/_lib/auth';
import { clientIp, userAgent } from '@/app/_lib/request';
import { setSessionCookie } from '@/app/_lib/session-cookie';
import { newPasswordSchema } from '@/lib/auth/accounts';
import { changePassword } from '@/lib/auth/change-password';
import { homePathFor } from '@/lib/auth/roles';

export type ChangePasswordState = {
  message?: string;
  fieldErrors?: { currentPassword?: string[]; newPassword?: string[]; confirmPassword?: string[] };
};

const changePasswordForm = z
  .object({
    currentPassword: z.string().min(1, 'Enter your current password.').max(1024, 'That password is too long.'),
    newPassword: newPasswordSchema,
    confirmPassword: z.string(),
  })
  .refine((f) => f.newPassword === f.confirmPassword, { path: ['confirmPassword'], message: 'The two new passwords differ.' });

/**
 * The signed-in person changes their own password; open to every role, and the one action an
 * account that must change its password may call. The session is rotated: every session of the
 * account ends and this browser gets a new one.
 */
export async function changePasswordAction(_previous: ChangePasswordState, formData: FormData): Promise<ChangePasswordState> {
  const account = await requireSignedInAction();
  const parsed = changePasswordForm.safeParse({
    currentPassword: formData.get('currentPassword') ?? '',
    newPassword: formData.get('newPassword') ?? '',
    confirmPassword: formData.get('confirmPassword') ?? '',
  });
  if (!parsed.success) return { fieldErrors: z.flattenError(parsed.error).fieldErrors };
  const result = await changePassword({
    accountId: account.accountId,
    currentPassword: parsed.data.currentPassword,
    newPassword: parsed.data.newPassword,
    ip: await clientIp(),
    userAgent: await userAgent(),
  });
  if (!result.ok) return { fieldErrors: { [result.field]: [result.message] } };
  await setSessionCookie(result.token, result.expiresAt);
  redirect(homePathFor(account.role));
}
