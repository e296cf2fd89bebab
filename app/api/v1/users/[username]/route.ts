import { apiRoute } from '@/app/api/_lib/api-route';
import { ApiError, jsonResponse } from '@/lib/api/errors';
import { parsePathParam } from '@/lib/api/read-json-body';
import { usernameParam } from '@/lib/api/v1-schemas';
import { getUserByUsername } from '@/lib/users/get-user-by-username';

export const dynamic = 'force-dynamic';

/** GET /api/v1/users/{username}: state, source, credentials with certificates, roles. */
export const GET = apiRoute<{ username: string }>('OPERATOR', async ({ params }) => {
  const username = parsePathParam(params.username, usernameParam, 'user');
  const user = await getUserByUsername(username);
  if (!user) throw new ApiError('not_found', `There is no user "${username.slice(0, 100)}".`);
  return jsonResponse(user);
});
