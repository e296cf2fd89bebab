import { apiRoute } from '@/app/api/_lib/api-route';
import { ApiError, jsonResponse } from '@/lib/api/errors';
import { parsePathParam } from '@/lib/api/read-json-body';
import { userRepresentation } from '@/lib/api/v1-representations';
import { usernameParam } from '@/lib/api/v1-schemas';
import { getUserDetails } from '@/lib/users/get-user-details';

export const dynamic = 'force-dynamic';

/** GET /api/v1/users/{username}: state, source, credentials with certificates, roles. */
export const GET = apiRoute<{ username: string }>('OPERATOR', async ({ params }) => {
  const username = parsePathParam(params.username, usernameParam, 'user');
  const user = await getUserDetails({ username, withRunChanges: false });
  if (!user) throw new ApiError('not_found', `There is no user "${username.slice(0, 100)}".`);
  return jsonResponse(userRepresentation(user));
});
