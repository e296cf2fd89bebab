import { requireRouteRole } from '@/app/_lib/auth';
import { runItemsExport } from '@/lib/runs/run-items-csv';
import { parseRunItemsFilter } from '@/lib/runs/run-items';
import { positiveInt32Text } from '@/lib/validation/database-integer';

// CSV export of a run's per-user changes, with the table's search and outcome filter; streamed
// in batches so that a run of a million users does not sit in memory.

const runIdSchema = positiveInt32Text();

export async function GET(request: Request, { params }: { params: Promise<{ runId: string }> }): Promise<Response> {
  const auth = await requireRouteRole('OPERATOR');
  if (!auth.ok) return auth.response;
  const parsed = runIdSchema.safeParse((await params).runId);
  if (!parsed.success) return Response.json({ code: 'not_found', message: 'There is no such run.' }, { status: 404 });
  const runId = parsed.data;
  const csv = await runItemsExport(runId, parseRunItemsFilter(new URL(request.url).searchParams));
  if (!csv) return Response.json({ code: 'not_found', message: `There is no run #${runId}.` }, { status: 404 });

  const encoder = new TextEncoder();
  const { lines } = csv;
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      // Some hundred lines per chunk: fewer, larger writes than one per line.
      let chunk = '';
      for (let i = 0; i < 200; i++) {
        const next = await lines.next();
        if (next.done) {
          if (chunk) controller.enqueue(encoder.encode(chunk));
          controller.close();
          return;
        }
        chunk += next.value;
      }
      controller.enqueue(encoder.encode(chunk));
    },
    async cancel() {
      await lines.return(undefined);
    },
  });
  return new Response(stream, {
    headers: {
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': `attachment; filename="${csv.fileName}"`,
      'Cache-Control': 'no-store',
    },
  });
}
