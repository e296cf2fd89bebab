'use server';

import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { positiveInt32Text } from '@/lib/validation/database-integer';
import { requireActionRole } from '@/app/_lib/auth';
import { clientIp } from '@/app/_lib/request';
import { apiTokenInput, createApiToken, revokeApiToken } from '@/lib/api/api-tokens';

export type CreateTokenState = {
  message?: string;
  fieldErrors?: { name?: string[]; role?: string[]; expiresInDays?: string[] };
  /** The new token: rendered once, in this response only; it is not stored anywhere readable. */
  created?: { name: string; role: string; token: string };
};

/** Creates an API token for a role; the token is shown once. */
export async function createApiTokenAction(_previous: CreateTokenState, formData: FormData): Promise<CreateTokenState> {
  const account = await requireActionRole('ADMINISTRATOR');
  const expires = String(formData.get('expiresInDays') ?? '').trim();
  const parsed = apiTokenInput.safeParse({
    name: formData.get('name') ?? '',
    role: formData.get('role') ?? '',
    expiresInDays: expires === '' ? null : expires,
  });
  if (!parsed.success) return { fieldErrors: z.flattenError(parsed.error).fieldErrors };
  const { token, apiToken } = await createApiToken({
    ...parsed.data,
    actor: { accountId: account.accountId, username: account.username },
    ip: await clientIp(),
  });
  revalidatePath('/admin/api-tokens');
  return { created: { name: apiToken.name, role: apiToken.role, token } };
}

export type RevokeTokenState = { message?: string; ok?: boolean };

export async function revokeApiTokenAction(_previous: RevokeTokenState, formData: FormData): Promise<RevokeTokenState> {
  const account = await requireActionRole('ADMINISTRATOR');
  const id = positiveInt32Text().safeParse(formData.get('id'));
  if (!id.success) return { ok: false, message: 'The request was not understood. Reload the page and try again.' };
  const result = await revokeApiToken({ id: id.data, actor: account.username, ip: await clientIp() });
  revalidatePath('/admin/api-tokens');
  return result.ok ? { ok: true, message: `Revoked "${result.apiToken.name}".` } : { ok: false, message: result.message };
}
