import type { RunStatus, RunTrigger } from '../generated/prisma/enums';
import { runErrorOf } from '../errors/error-codes';

// What a run's status means to an operator, and what to do about it (its label: lib/labels.ts).

export const RUN_TRIGGER_LABELS: Record<RunTrigger, string> = {
  SCHEDULE: 'Schedule',
  MANUAL: 'Start now',
  API: 'API',
  CLI: 'Command line',
};

/**
 * The next step after a run that did not simply succeed. The error message itself (written by
 * the engine) says what happened; this says what the operator can do.
 */
export function nextStepFor(status: RunStatus, errorCode: string | null): string | null {
  switch (status) {
    case 'THRESHOLD_EXCEEDED':
      return 'Nothing was changed. Check the people listed below: if they are to be deactivated, an operator confirms the run; otherwise ask an administrator to check the job\'s filter.';
    case 'COMPLETED_WITH_ERRORS':
      return 'The other users were synchronized. Filter the table below by "Failed" to see each entry and why; correct the directory entries, then start the job again.';
    case 'CANCELLED':
      return 'Every page applied before the cancellation is complete. Start the job again to synchronize the rest.';
    case 'FAILED':
      return runErrorOf(errorCode)?.nextStep ?? 'Start the job again. If it fails the same way, give the error above to your administrator.';
    default:
      return null;
  }
}

/**
 * The next step after a restore run (or its preview) that did not simply succeed: in the
 * restore's words (conflicts, not failures; restore again, not start the job again).
 */
export function nextStepForRestore(status: RunStatus, errorCode: string | null, preview: boolean): string | null {
  switch (status) {
    case 'THRESHOLD_EXCEEDED':
      return 'Nothing was restored. Check the people listed below: an administrator the job\'s confirmation rule allows confirms the restore on this page.';
    case 'COMPLETED_WITH_ERRORS':
      return preview
        ? 'Some users changed after the run: the restore will skip them and list them as conflicts (filter the table below by "Conflict"). Confirm below to restore the others.'
        : 'The other users were restored. The conflicts (users changed after the run) were skipped and not overwritten: filter the table below by "Conflict" and put each right by hand.';
    case 'CANCELLED':
      return preview
        ? 'The preview was cancelled. Open the restored run and press Restore users changed by this run again for a complete preview.'
        : 'Every page restored before the cancellation is complete. Restore the run again to restore the rest: the users already restored are listed, not changed again.';
    case 'FAILED':
      if (errorCode === 'QUEUE_UNAVAILABLE') return 'The worker queue (Redis) did not answer. Check that Redis and the worker are running, then restore the run again.';
      return 'Restore the run again: the users already restored are listed, not changed again. If it fails the same way, give the error above to your administrator.';
    default:
      return null;
  }
}
