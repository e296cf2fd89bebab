import { jsonResponse } from '@/lib/api/errors';
import { openApiDocument } from '@/lib/api/openapi';

/** The API's OpenAPI 3.1 description; public, like any API documentation. */
export async function GET(): Promise<Response> {
  return jsonResponse(openApiDocument, 200, { 'cache-control': 'public, max-age=300' });
}
