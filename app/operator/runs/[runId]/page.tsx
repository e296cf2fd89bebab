import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { requirePageRole } from '@/app/_lib/auth';
import { PageHeader } from '@/components/app-shell';
import { LocalTime } from '@/components/local-time';
import { getRunSnapshot } from '@/lib/runs/follow-run';
import { confirmationRequirement } from '@/lib/batch-jobs/confirmation-rule';
import { mayConfirmThresholdRun, thresholdConfirmationOf } from '@/lib/runs/confirm-threshold-run';
import { DEACTIVATED, listRunItems, parseRunItemsFilter } from '@/lib/runs/run-items';
import { nextStepFor, nextStepForRestore, RUN_TRIGGER_LABELS } from '@/lib/runs/run-status';
import { parseThresholdCheck, runWritesNothing, thresholdMessage } from '@/lib/sync/threshold';
import { INACTIVE_LDAP_USERS } from '@/lib/sync/job-options';
import { describeWatermark, storedWatermark } from '@/lib/sync/delta';
import { LiveRunPanel, type LiveSnapshot } from './live-run-panel';
import { CancelRunForm, ConfirmRestoreForm, ConfirmThresholdForm, PreviewRestoreForm } from './run-forms';
import { RunItemsTable } from './run-items-table';
import { positiveInt32Text } from '@/lib/validation/database-integer';

export const metadata: Metadata = { title: 'Run · Identity Manager Operator' };

const runIdSchema = positiveInt32Text();

/** The people a threshold counts, listed below (page, search) and as a CSV file. A restore counts the people it would restore. */
function DeactivatedLinks({ runId, count, restore }: { runId: number; count: number; restore: boolean }) {
  const outcome = restore ? 'UPDATED' : DEACTIVATED;
  return (
    <p className="mt-2 flex flex-wrap gap-x-4 gap-y-1 text-sm font-medium">
      <Link href={`/operator/runs/${runId}?outcome=${outcome}#run-changes`} className="text-brand-800 underline">
        See the {count} users who would be {restore ? 'restored' : 'deactivated'}
      </Link>
      <a href={`/operator/runs/${runId}/items.csv?outcome=${outcome}`} className="text-brand-800 underline" download>
        Download them as CSV
      </a>
    </p>
  );
}

export default async function RunPage({
  params,
  searchParams,
}: {
  params: Promise<{ runId: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const account = await requirePageRole('OPERATOR');
  const parsed = runIdSchema.safeParse((await params).runId);
  if (!parsed.success) notFound();
  const snapshot = await getRunSnapshot(parsed.data);
  if (!snapshot) notFound();
  const filter = parseRunItemsFilter(await searchParams);
  const items = await listRunItems(parsed.data, filter);
  if (!items) notFound(); // deleted since the snapshot
  const { run } = snapshot;
  const active = !snapshot.finished;
  const nextStep = run.restoreOfRunId !== null ? nextStepForRestore(run.status, run.errorCode, run.dryRun) : nextStepFor(run.status, run.errorCode);
  const threshold = parseThresholdCheck(run.thresholdCheck);
  const watermarkFrom = storedWatermark(run.watermarkFrom);
  const watermarkTo = storedWatermark(run.watermarkTo);
  // Four-eyes: the job's rule says who may confirm (decided again by the use case on submit).
  const confirmation = run.status === 'THRESHOLD_EXCEEDED' ? await thresholdConfirmationOf(run) : null;
  const mayConfirm = confirmation ? mayConfirmThresholdRun(account, confirmation) : null;
  // Only a finished, non-dry run of the inactive job that wrote something (lib/restore/start-restore.ts checks it again).
  const restorable =
    run.jobKey === INACTIVE_LDAP_USERS && run.restoreOfRunId === null && !run.dryRun && !active && run.status !== 'THRESHOLD_EXCEEDED' && run.updated + run.created > 0;
  const isRestore = run.restoreOfRunId !== null;
  const writesNothing = runWritesNothing(run);
  // A restore's preview over the threshold: may this administrator confirm the real one (they would start it)?
  const restoreConfirmation =
    isRestore && run.dryRun && threshold?.exceeded && account.role === 'ADMINISTRATOR'
      ? mayConfirmThresholdRun(account, await thresholdConfirmationOf({ ...run, startedBy: account.username }))
      : null;
  const thresholdCount = isRestore ? (threshold?.wouldDeactivate ?? 0) : (run.wouldDeactivate ?? 0);

  return (
    <>
      <nav aria-label="Breadcrumb" className="mb-2 flex gap-2 text-sm text-slate-500">
        <Link href="/operator/scheduled-jobs" className="text-brand-700 hover:underline">
          Scheduled jobs
        </Link>
        <span aria-hidden="true">/</span>
        <Link href={`/operator/jobs/${run.jobKey}`} className="text-brand-700 hover:underline">
          {snapshot.processName}
        </Link>
      </nav>
      <PageHeader
        title={`Run #${run.id}`}
        description={
          <>
            {snapshot.processName} · {RUN_TRIGGER_LABELS[run.trigger]}
            {run.startedBy ? ` by ${run.startedBy}` : ''} · queued <LocalTime value={run.queuedAt} withSeconds />
            {run.finishedAt && (
              <>
                {' '}
                · ended <LocalTime value={run.finishedAt} withSeconds />
              </>
            )}
            {run.dryRun && ' · dry run: nothing is written'}
            {run.confirmsRunId !== null && (
              <>
                {' '}
                · confirms{' '}
                <Link href={`/operator/runs/${run.confirmsRunId}`} className="text-brand-700 underline">
                  run #{run.confirmsRunId}
                </Link>
                , stopped at the threshold
              </>
            )}
            {/* A restore's preview is started confirmed (it writes nothing): nobody confirmed anything yet. */}
            {run.status !== 'THRESHOLD_EXCEEDED' && run.confirmed && run.confirmedBy && run.confirmedAt && !(run.restoreOfRunId !== null && run.dryRun) && (
              <>
                {' '}
                · confirmed by <span data-testid="confirmed-by">{run.confirmedBy}</span> at <LocalTime value={run.confirmedAt} withSeconds />
              </>
            )}
          </>
        }
      >
        {active && <CancelRunForm runId={run.id} cancelRequested={run.cancelRequestedAt !== null} />}
      </PageHeader>

      {run.runKind && (
        <p data-testid="run-kind" className="mb-4 text-sm text-slate-700">
          <span className="font-semibold">{run.runKind === 'DELTA' ? 'Delta run' : 'Full run'}</span>
          {run.runKind === 'DELTA'
            ? watermarkFrom && <>: read the entries changed since {describeWatermark(watermarkFrom)}, and re-checked the people the Identity Manager let drift from the job&apos;s end state</>
            : ': read every entry the job\'s filter matches'}
          {run.fullRunReason && <> (a delta job ran in full: {run.fullRunReason})</>}
          {watermarkTo && <>. Watermark recorded: {describeWatermark(watermarkTo)}</>}.
        </p>
      )}

      {run.status === 'THRESHOLD_EXCEEDED' ? (
        <section role="alert" aria-labelledby="threshold-title" className="mb-6 rounded-xl border border-amber-300 bg-amber-50 p-5 text-amber-950">
          <h2 id="threshold-title" className="text-base font-semibold">
            Threshold exceeded: this {isRestore ? 'restore' : 'run'} would {isRestore ? 'restore' : 'deactivate'}{' '}
            <span data-testid="would-deactivate">{thresholdCount}</span> users
          </h2>
          {run.error && <p className="mt-1 text-sm">{run.error}</p>}
          <DeactivatedLinks runId={run.id} count={thresholdCount} restore={isRestore} />
          {run.confirmedBy && run.confirmedAt ? (
            <p className="mt-2 text-sm font-medium" data-testid="confirmation-record">
              Confirmed by {run.confirmedBy} at <LocalTime value={run.confirmedAt} withSeconds />.
            </p>
          ) : (
            confirmation && (
              <p className="mt-2 text-sm font-medium" data-testid="confirmation-requirement">
                {confirmationRequirement(confirmation.rule, confirmation)}
              </p>
            )
          )}
          {mayConfirm?.allowed ? (
            <ConfirmThresholdForm runId={run.id} count={thresholdCount} restore={isRestore} />
          ) : (
            <p className="mt-2 text-sm" data-testid="confirmation-refused">
              {mayConfirm && !mayConfirm.allowed ? `You cannot confirm it. ${mayConfirm.reason}` : nextStep}
            </p>
          )}
        </section>
      ) : (
        threshold?.exceeded &&
        !run.confirmed && (
          <section
            role={run.dryRun ? 'alert' : 'status'}
            aria-labelledby="threshold-title"
            className="mb-6 rounded-xl border border-amber-300 bg-amber-50 p-5 text-amber-950"
          >
            <h2 id="threshold-title" className="text-base font-semibold">
              {run.dryRun ? (isRestore ? 'The restore is over the threshold: it needs a confirmation' : 'A real run would stop at the threshold') : 'Over the threshold: nothing is written'}
            </h2>
            <p className="mt-1 text-sm">{thresholdMessage(threshold, run.dryRun ? 'dry-run' : 'stopping', isRestore)}</p>
            <DeactivatedLinks runId={run.id} count={threshold.wouldDeactivate} restore={isRestore} />
          </section>
        )
      )}
      {run.status !== 'THRESHOLD_EXCEEDED' &&
        (run.error || nextStep) &&
        !active && (
          <section
            role={run.status === 'FAILED' ? 'alert' : undefined}
            aria-labelledby="run-outcome"
            className={`mb-6 rounded-xl border p-5 ${run.status === 'FAILED' ? 'border-red-300 bg-red-50 text-red-950' : 'border-slate-200 bg-white text-slate-900'}`}
          >
            <h2 id="run-outcome" className="text-base font-semibold">
              {run.status === 'FAILED' ? (run.restoreOfRunId !== null ? 'The restore failed' : 'The run failed') : 'What happened'}
            </h2>
            {run.error && <p className="mt-1 text-sm">{run.error}</p>}
            {nextStep && <p className="mt-2 text-sm font-medium">What to do: {nextStep}</p>}
          </section>
        )}
      {active && run.error && (
        <p className="mb-4 rounded-lg border border-amber-200 bg-amber-50 px-4 py-3 text-sm text-amber-900">
          The last attempt failed and the worker retries it: {run.error}
        </p>
      )}

      {account.role === 'ADMINISTRATOR' && restorable && (
        <section aria-labelledby="restore-title" className="mb-6 rounded-xl border border-slate-200 bg-white p-5 text-slate-900">
          <h2 id="restore-title" className="text-base font-semibold">
            Restore
          </h2>
          <p className="mt-1 text-sm">
            Puts the users this run changed back as they were: state and attributes, credentials, certificates it put on hold, roles it withdrew. A preview
            comes first; nothing is written until you confirm. Certificates the run revoked stay revoked (they are listed); people changed since are skipped.
          </p>
          <PreviewRestoreForm runId={run.id} />
        </section>
      )}
      {run.restoreOfRunId !== null && (
        <section aria-labelledby="restore-summary" className="mb-6 rounded-xl border border-brand-200 bg-white p-5 text-slate-900" data-testid="restore-summary">
          <h2 id="restore-summary" className="text-base font-semibold">
            {run.dryRun ? 'Preview: restore of ' : 'Restore of '}
            <Link href={`/operator/runs/${run.restoreOfRunId}`} className="text-brand-700 underline">
              run #{run.restoreOfRunId}
            </Link>
            {run.dryRun ? ' (nothing written)' : writesNothing ? ' (stopped at the threshold: nothing written)' : ''}
          </h2>
          {/* One box per count: a label above its value, however the grid wraps. */}
          <dl className="mt-2 grid grid-cols-2 gap-x-6 gap-y-2 text-sm sm:grid-cols-4">
            {[
              { label: `Users ${writesNothing ? 'to restore' : 'restored'}`, value: run.updated, testId: 'restore-restored' },
              { label: 'Conflicts (changed since, skipped)', value: run.failed, testId: 'restore-conflicts' },
              { label: 'Irreversible (revoked certificates stay revoked)', value: run.irreversible, testId: 'restore-irreversible' },
              { label: 'Left as they are (created by the run: kept inactive; already restored)', value: run.unchanged, testId: 'restore-kept' },
              { label: `Credentials ${writesNothing ? 'to restore' : 'restored'}`, value: run.credentialsChanged },
              { label: `Certificates ${writesNothing ? 'to release' : 'released'} from hold`, value: run.certificatesChanged },
              { label: `Roles ${writesNothing ? 'to grant' : 'granted'} again`, value: run.rolesWithdrawn },
            ].map((c) => (
              <div key={c.label}>
                <dt className="text-slate-600">{c.label}</dt>
                <dd data-testid={c.testId} className="font-semibold">
                  {c.value}
                </dd>
              </div>
            ))}
          </dl>
          <p className="mt-2 flex flex-wrap gap-x-4 text-sm font-medium">
            <Link href={`/operator/runs/${run.id}?outcome=FAILED#run-changes`} className="text-brand-800 underline">
              See the {run.failed} conflicts
            </Link>
            <Link href={`/operator/runs/${run.id}?outcome=UPDATED#run-changes`} className="text-brand-800 underline">
              See the {run.updated} users {writesNothing ? 'to restore' : 'restored'}
            </Link>
            <a href={`/operator/runs/${run.id}/items.csv`} className="text-brand-800 underline" download>
              Download every item as CSV
            </a>
          </p>
          {run.dryRun && run.status === 'SUCCEEDED' || run.dryRun && run.status === 'COMPLETED_WITH_ERRORS' ? (
            account.role === 'ADMINISTRATOR' && (
              <ConfirmRestoreForm
                runId={run.restoreOfRunId}
                counts={{ restored: run.updated, conflicts: run.failed, irreversible: run.irreversible, kept: run.unchanged }}
                threshold={threshold?.exceeded && restoreConfirmation ? (restoreConfirmation.allowed ? { mayConfirm: true } : { mayConfirm: false, reason: restoreConfirmation.reason }) : null}
              />
            )
          ) : null}
        </section>
      )}

      <LiveRunPanel key={`${run.id}-${run.status}`} initial={JSON.parse(JSON.stringify(snapshot)) as LiveSnapshot} />

      <RunItemsTable runId={run.id} filter={filter} page={items} restoreOfRunId={run.restoreOfRunId} dryRun={writesNothing} />
    </>
  );
}
