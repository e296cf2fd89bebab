import type { Metadata } from 'next';
import Link from 'next/link';
import { requirePageRole } from '@/app/_lib/auth';
import { PageHeader } from '@/components/app-shell';
import { EVENT_LABELS, type AnyEventType } from '@/lib/notifications/events';
import { listDeliveries } from '@/lib/notifications/webhooks';
import { DeliveryLogTable, when } from '../delivery-log';

export const metadata: Metadata = { title: 'Sent notifications · Identity Manager Admin' };
export const dynamic = 'force-dynamic';

export default async function SentNotificationsPage() {
  await requirePageRole('ADMINISTRATOR');
  const [emails, all] = await Promise.all([listDeliveries({ channel: 'EMAIL', limit: 20 }), listDeliveries({ limit: 100 })]);
  return (
    <>
      <p className="mb-2 text-sm">
        <Link className="text-brand-700 underline" href="/admin/notifications">Notifications</Link> &rsaquo; Sent notifications
      </p>
      <PageHeader title="Sent notifications" description="What the worker sent (or tried to send): every webhook post and e-mail, with its outcome. E-mails are shown as they were sent." />
      <h2 className="mb-3 text-lg font-semibold text-slate-900">E-mail messages</h2>
      <div className="mb-8 space-y-3" aria-label="E-mail messages">
        {emails.length === 0 && <p className="text-sm text-slate-600">No e-mail sent yet.</p>}
        {emails.map((m) => (
          <article key={m.id} className="rounded-xl border border-slate-200 bg-white p-4 shadow-sm">
            <header className="text-sm">
              <p className="font-semibold text-slate-900">{m.subject}</p>
              <p className="text-slate-600">
                To {m.target} · {EVENT_LABELS[m.eventType as AnyEventType] ?? m.eventType} · {when(m.at)} · attempt {m.attempt} ·{' '}
                <span className={m.ok ? 'text-emerald-800' : 'text-red-700'}>{m.ok ? 'Sent' : `Failed: ${m.error ?? ''}`}</span>
              </p>
            </header>
            {m.body && <pre className="mt-3 overflow-x-auto rounded bg-slate-50 p-3 text-xs whitespace-pre-wrap text-slate-800">{m.body}</pre>}
          </article>
        ))}
      </div>
      <h2 className="mb-3 text-lg font-semibold text-slate-900">All deliveries</h2>
      <DeliveryLogTable rows={all} caption="All deliveries" showTarget />
    </>
  );
}
