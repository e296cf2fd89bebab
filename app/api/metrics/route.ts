import { apiRoute } from '@/app/api/_lib/api-route';
import { collectMetrics } from '@/lib/metrics/collect-metrics';
import { PROMETHEUS_CONTENT_TYPE } from '@/lib/metrics/prometheus-text';

export const dynamic = 'force-dynamic';

/** Prometheus metrics; scrape with an operator API token (`authorization: { credentials: ... }`). */
export const GET = apiRoute('OPERATOR', async () => {
  return new Response(await collectMetrics(), { headers: { 'content-type': PROMETHEUS_CONTENT_TYPE, 'cache-control': 'no-store' } });
});
