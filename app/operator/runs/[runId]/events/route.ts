import { requireRouteRole } from '@/app/_lib/auth';
import { followRun, getRunSnapshot } from '@/lib/runs/follow-run';
import { positiveInt32Text } from '@/lib/validation/database-integer';

// Server-sent events for the run page: a snapshot (row + live progress) whenever it changes,
// every second, until the run ends or the browser goes away.

const runIdSchema = positiveInt32Text();

export async function GET(request: Request, { params }: { params: Promise<{ runId: string }> }): Promise<Response> {
  const auth = await requireRouteRole('OPERATOR');
  if (!auth.ok) return auth.response;
  const parsed = runIdSchema.safeParse((await params).runId);
  if (!parsed.success) return Response.json({ code: 'not_found', message: 'There is no such run.' }, { status: 404 });
  const runId = parsed.data;
  if (!(await getRunSnapshot(runId))) return Response.json({ code: 'not_found', message: `There is no run #${runId}.` }, { status: 404 });

  const encoder = new TextEncoder();
  const abort = new AbortController();
  request.signal.addEventListener('abort', () => abort.abort(), { once: true });
  const stream = new ReadableStream<Uint8Array>({
    async start(controller) {
      const send = (event: string, data: unknown) => controller.enqueue(encoder.encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`));
      try {
        for await (const snapshot of followRun(runId, { intervalMs: 1_000, signal: abort.signal })) {
          send('snapshot', snapshot);
          if (snapshot.finished) send('end', { runId });
        }
      } catch (error) {
        if (!abort.signal.aborted) send('failure', { message: `Live progress stopped: ${(error as Error).message}. Reload the page.` });
      } finally {
        try {
          controller.close();
        } catch {
          // The browser already went away.
        }
      }
    },
    cancel() {
      abort.abort();
    },
  });
  return new Response(stream, {
    headers: {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    },
  });
}
