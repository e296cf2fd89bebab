import type { EventEnvelope, RestoreFinishedData, RunEventData, RunStoppedData, TestEventData } from './events';

// The e-mail of an event: a subject that says what happened to which run, and a plain-text body
// with the figures and the link. Pure, so the sink page and the tests see exactly what is sent.

export type RenderedEmail = { subject: string; text: string };

const PREFIX = '[Identity Manager]';

function jobName(run: RunEventData): string {
  return run.processName ?? run.jobKey;
}

function runLines(run: RunEventData): string[] {
  const c = run.counters;
  return [
    `Job: ${jobName(run)} (${run.jobKey})`,
    `Run: #${run.id}${run.dryRun ? ' (dry run: nothing was written)' : ''}`,
    `Status: ${run.status}`,
    `Started by: ${run.startedBy ?? 'the schedule'} (${run.trigger})`,
    `Started: ${run.startedAt ?? '—'}`,
    `Finished: ${run.finishedAt ?? '—'}`,
    `Entries read: ${c.entriesRead}; created ${c.created}, updated ${c.updated}, unchanged ${c.unchanged}, failed ${c.failed}`,
    `Credentials changed: ${c.credentialsChanged}; certificates changed: ${c.certificatesChanged}; roles withdrawn: ${c.rolesWithdrawn}`,
  ];
}

export function renderEmail(event: EventEnvelope): RenderedEmail {
  const footer = ['', `Event ${event.id} (${event.type}) at ${event.createdAt}.`, 'Sent by Identity Manager: Admin > Notifications chooses who receives which events.'];
  switch (event.type) {
    case 'run.finished':
    case 'run.failed': {
      const { run } = event.data as { run: RunEventData };
      const what = event.type === 'run.failed' ? 'failed' : run.status === 'CANCELLED' ? 'was cancelled' : run.status === 'COMPLETED_WITH_ERRORS' ? 'finished with errors' : 'finished';
      const error = run.error ? [`Error: ${run.error.code ?? ''}${run.error.code && run.error.message ? ': ' : ''}${run.error.message ?? ''}`] : [];
      return {
        subject: `${PREFIX} Run #${run.id} ${what}: ${jobName(run)}`,
        text: [`Run #${run.id} of "${jobName(run)}" ${what}.`, '', ...runLines(run), ...error, '', `Details: ${run.url}`, ...footer].join('\n'),
      };
    }
    case 'run.threshold_exceeded':
    case 'run.confirmation_required': {
      const { run, wouldDeactivate, wouldRestore, confirmUrl } = event.data as RunStoppedData;
      if (run.restoreOfRunId !== null) {
        const restoring = wouldRestore ?? 0;
        return {
          subject:
            event.type === 'run.confirmation_required'
              ? `${PREFIX} Confirmation needed: restore #${run.id} would restore ${restoring} people`
              : `${PREFIX} Restore #${run.id} stopped at the threshold: ${restoring} people would be restored`,
          text: [
            `Restore #${run.id} of the people changed by run #${run.restoreOfRunId} stopped before changing anything: it would restore ${restoring} people, more than the job's threshold allows at once.`,
            "Review the people it would restore on its page; an administrator allowed by the job's confirmation rule confirms it there.",
            '',
            ...runLines(run),
            '',
            `Review and confirm: ${confirmUrl}`,
            ...footer,
          ].join('\n'),
        };
      }
      const count = wouldDeactivate ?? 0;
      const subject =
        event.type === 'run.confirmation_required'
          ? `${PREFIX} Confirmation needed: run #${run.id} would deactivate ${count} people`
          : `${PREFIX} Run #${run.id} stopped at the threshold: ${count} people would be deactivated`;
      return {
        subject,
        text: [
          `Run #${run.id} of "${jobName(run)}" stopped before changing anything: it would deactivate ${count} people, more than the job allows.`,
          event.type === 'run.confirmation_required'
            ? 'Review the people it would deactivate on the run page; if the filter is right, confirm the run there.'
            : 'Check the job\'s filter: a wrong filter can deactivate people who are still here.',
          '',
          ...runLines(run),
          '',
          `Review and confirm: ${confirmUrl}`,
          ...footer,
        ].join('\n'),
      };
    }
    case 'restore.finished': {
      const { restore } = event.data as RestoreFinishedData;
      const c = restore.counts;
      const what = restore.dryRun ? 'Preview of the restore' : 'Restore';
      return {
        subject: `${PREFIX} ${what} of run #${restore.restoredRunId} ${restore.status === 'SUCCEEDED' ? 'finished' : `ended ${restore.status}`}`,
        text: [
          `The ${what.toLowerCase()} of the people changed by run #${restore.restoredRunId} (${restore.jobKey}) ended: ${restore.status}.${restore.dryRun ? ' Nothing was written.' : ''}`,
          '',
          `Restored: ${c.restored}`,
          `Already as before the run: ${c.unchanged}`,
          `Conflicts (changed again after the run, left as they are): ${c.conflicts}`,
          `Cannot be undone (revoked certificates, roles deleted since): ${c.irreversible}`,
          ...(restore.error ? [`Error: ${restore.error.code ?? ''} ${restore.error.message ?? ''}`.trim()] : []),
          `Started by: ${restore.startedBy ?? '—'}`,
          '',
          `Details: ${restore.url}`,
          ...footer,
        ].join('\n'),
      };
    }
    default: {
      const data = event.data as TestEventData;
      return { subject: `${PREFIX} Test message`, text: [data.message ?? 'A test message.', 'If you can read this, Identity Manager can send you notifications.', ...footer].join('\n') };
    }
  }
}
