import { LIVENESS } from '@/lib/api/check-readiness';
import { jsonResponse } from '@/lib/api/errors';

export const dynamic = 'force-dynamic';

/** Liveness: the web process answers. It checks nothing else, so a database outage does not get it restarted. */
export async function GET(): Promise<Response> {
  return jsonResponse(LIVENESS);
}
