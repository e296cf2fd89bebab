'use client';

import { useRouter } from 'next/navigation';
import { useEffect, useRef, useState } from 'react';
import { ProgressBar } from '@/components/progress-bar';
import { RunStatusBadge } from '@/components/run-status-badge';
import type { RunStatus } from '@/lib/generated/prisma/enums';
import { estimateRunProgress, formatDuration } from '@/lib/runs/run-estimate';
import { runCounterLabels, runProgressWords } from '@/lib/runs/run-vocabulary';
import type { RunCounters } from '@/lib/sync/run-counters';
import { runWritesNothing } from '@/lib/sync/threshold';

/** A RunSnapshot after JSON (dates as ISO strings): what the events route sends. */
export type LiveSnapshot = {
  run: RunCounters & {
    id: number;
    status: RunStatus;
    dryRun: boolean;
    startedAt: string | null;
    finishedAt: string | null;
    entriesTotal: number | null;
    /** Of a restore run: what it cannot undo (certificates the restored run revoked). */
    irreversible: number;
    /** The run a restore run restores; null for a sync run. */
    restoreOfRunId: number | null;
    confirmed: boolean;
    /** lib/sync/threshold.ts ThresholdCheck, as stored. */
    thresholdCheck: unknown;
  };
  progress: { entriesRead: number; entriesTotal: number | null; usersProcessed: number; page: number } | null;
  finished: boolean;
};

/**
 * The live part of the run page: progress bar, entries read, users processed, time left and the
 * counters, fed by server-sent events. When the status changes the server parts of the page
 * (error, threshold, Cancel, the table of changes) are re-rendered with router.refresh().
 */
export function LiveRunPanel({ initial }: { initial: LiveSnapshot }) {
  const router = useRouter();
  const [snapshot, setSnapshot] = useState(initial);
  const [now, setNow] = useState(() => Date.now());
  const [connectionProblem, setConnectionProblem] = useState<string | null>(null);
  const lastStatus = useRef(initial.run.status);

  useEffect(() => {
    if (initial.finished) return;
    const source = new EventSource(`/operator/runs/${initial.run.id}/events`);
    source.addEventListener('snapshot', (event) => {
      const next = JSON.parse((event as MessageEvent<string>).data) as LiveSnapshot;
      setConnectionProblem(null);
      setSnapshot(next);
      if (next.run.status !== lastStatus.current) {
        lastStatus.current = next.run.status;
        router.refresh();
      }
    });
    source.addEventListener('end', () => {
      source.close();
      router.refresh();
    });
    source.addEventListener('failure', (event) => {
      setConnectionProblem((JSON.parse((event as MessageEvent<string>).data) as { message: string }).message);
      source.close();
    });
    source.onerror = () => {
      // EventSource reconnects by itself; say so only while it is away.
      if (source.readyState !== EventSource.CLOSED) setConnectionProblem('Reconnecting to the live progress…');
    };
    const timer = setInterval(() => setNow(Date.now()), 1_000);
    return () => {
      source.close();
      clearInterval(timer);
    };
  }, [initial.finished, initial.run.id, router]);

  const { run, progress } = snapshot;
  const entriesRead = Math.max(run.entriesRead, progress?.entriesRead ?? 0);
  const entriesTotal = run.entriesTotal ?? progress?.entriesTotal ?? null;
  const usersProcessed = progress?.usersProcessed ?? run.created + run.updated + run.unchanged + run.failed;
  const estimate = estimateRunProgress({
    startedAt: run.startedAt ? new Date(run.startedAt) : null,
    finishedAt: run.finishedAt ? new Date(run.finishedAt) : null,
    entriesRead,
    entriesTotal,
    now: new Date(now),
  });
  const active = run.status === 'QUEUED' || run.status === 'RUNNING';
  const writesNothing = runWritesNothing(run);
  // A restore run's counters are stored in the sync's columns: named in the restore's words
  // ("to restore" while it writes nothing: its preview, or stopped at the threshold).
  const counters = runCounterLabels({ restoreOfRunId: run.restoreOfRunId, dryRun: writesNothing });
  const words = runProgressWords(run);
  const percent = run.status === 'SUCCEEDED' || run.status === 'COMPLETED_WITH_ERRORS' ? 100 : estimate.percent;
  const timeLeft = !active
    ? 'Finished'
    : run.status === 'QUEUED'
      ? 'Waiting for the worker'
      : estimate.remainingMs === null
        ? 'Estimating…'
        : `About ${formatDuration(estimate.remainingMs)} left`;

  return (
    <section aria-labelledby="run-progress" className="rounded-xl border border-slate-200 bg-white p-5 shadow-sm">
      <div className="mb-4 flex flex-wrap items-center justify-between gap-2">
        <h2 id="run-progress" className="text-lg font-semibold text-slate-900">
          Progress
        </h2>
        <p aria-live="polite" className="text-sm" data-testid="run-status">
          <span className="sr-only">Status: </span>
          <RunStatusBadge status={run.status} dryRun={run.dryRun} />
        </p>
      </div>
      <ProgressBar
        label={words.read}
        percent={percent}
        valueText={entriesTotal === null ? (active ? `Counting ${words.unit}…` : `${entriesRead} ${words.unit}`) : `${entriesRead} of ${entriesTotal} ${words.unit} (${percent ?? 0}%)`}
      />
      <dl className="mt-4 grid grid-cols-2 gap-4 text-sm sm:grid-cols-4">
        <div>
          <dt className="text-slate-600">{words.read}</dt>
          <dd className="text-lg font-semibold tabular-nums" data-testid="entries-read">
            {entriesRead}
            {entriesTotal !== null && <span className="text-sm font-normal text-slate-600"> of {entriesTotal}</span>}
          </dd>
        </div>
        <div>
          <dt className="text-slate-600">{words.processed}</dt>
          <dd className="text-lg font-semibold tabular-nums">{usersProcessed}</dd>
        </div>
        <div>
          <dt className="text-slate-600">Time left</dt>
          <dd className="text-lg font-semibold">{timeLeft}</dd>
        </div>
        <div>
          <dt className="text-slate-600">Elapsed</dt>
          <dd className="text-lg font-semibold">{estimate.elapsedMs === null ? '—' : formatDuration(estimate.elapsedMs)}</dd>
        </div>
      </dl>
      <h3 className="mt-6 mb-2 text-sm font-semibold text-slate-700">
        Counters{writesNothing && <span className="font-normal text-slate-600">: the changes it would make (nothing is written)</span>}
      </h3>
      <dl className="grid grid-cols-2 gap-3 sm:grid-cols-4 lg:grid-cols-7" aria-label="Counters">
        {counters.map((c) => (
          <div key={c.key} className="rounded-lg bg-slate-50 p-3" data-testid={`counter-${c.id}`}>
            <dt className="text-xs text-slate-600">{c.label}</dt>
            <dd className="text-xl font-semibold tabular-nums text-slate-900">{String(run[c.key])}</dd>
          </div>
        ))}
      </dl>
      {connectionProblem && <p className="mt-3 text-sm text-amber-800">{connectionProblem}</p>}
    </section>
  );
}
