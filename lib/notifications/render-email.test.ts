import { describe, expect, it } from 'vitest';
import { renderEmail } from './render-email';
import { runEventData, runEventPayload } from './events';

const run = (status: string, extra: Record<string, unknown> = {}) =>
  runEventData({ id: 12, job_key: 'inactive-ldap-users', status, trigger: 'SCHEDULE', dry_run: false, confirmed: false, would_deactivate: 612, ...extra }, 'Synchronize inactive LDAP Users to Identity Manager');
const envelope = (type: string, data: unknown) => ({ id: 'evt_3', type, createdAt: '2026-12-06T10:00:00.000Z', data });

describe('notification e-mails', () => {
  it('says in the subject what happened to which run', () => {
    expect(renderEmail(envelope('run.finished', { run: run('SUCCEEDED') })).subject).toBe('[Identity Manager] Run #12 finished: Synchronize inactive LDAP Users to Identity Manager');
    expect(renderEmail(envelope('run.finished', { run: run('CANCELLED') })).subject).toBe('[Identity Manager] Run #12 was cancelled: Synchronize inactive LDAP Users to Identity Manager');
    expect(renderEmail(envelope('run.failed', { run: run('FAILED') })).subject).toBe('[Identity Manager] Run #12 failed: Synchronize inactive LDAP Users to Identity Manager');
    const stopped = runEventPayload('run.threshold_exceeded', run('THRESHOLD_EXCEEDED'));
    expect(renderEmail(envelope('run.threshold_exceeded', stopped)).subject).toBe('[Identity Manager] Run #12 stopped at the threshold: 612 people would be deactivated');
    const confirm = renderEmail(envelope('run.confirmation_required', stopped));
    expect(confirm.subject).toBe('[Identity Manager] Confirmation needed: run #12 would deactivate 612 people');
    expect(confirm.text).toContain('Review and confirm: /operator/runs/12');
  });

  it('renders a restore with what could not be undone', () => {
    const mail = renderEmail(
      envelope('restore.finished', {
        restore: { id: 20, restoredRunId: 12, jobKey: 'inactive-ldap-users', status: 'SUCCEEDED', startedBy: 'admin', startedAt: null, finishedAt: null, dryRun: false, counts: { restored: 40, unchanged: 1, conflicts: 2, irreversible: 5 }, error: null, url: '/operator/runs/20' },
      }),
    );
    expect(mail.subject).toBe('[Identity Manager] Restore of run #12 finished');
    expect(mail.text).toContain('Cannot be undone (revoked certificates, roles deleted since): 5');
    expect(mail.text).toContain('Conflicts (changed again after the run, left as they are): 2');
  });
});
