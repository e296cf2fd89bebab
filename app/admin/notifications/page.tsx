import type { Metadata } from 'next';
import Link from 'next/link';
import { requirePageRole } from '@/app/_lib/auth';
import { PageHeader } from '@/components/app-shell';
import { EVENT_LABELS, type AnyEventType } from '@/lib/notifications/events';
import { listWebhooks } from '@/lib/notifications/webhooks';
import { CreateWebhookForm } from './webhook-forms';
import { when } from './delivery-log';

export const metadata: Metadata = { title: 'Notifications · Identity Manager Admin' };
export const dynamic = 'force-dynamic';

export default async function NotificationsPage() {
  await requirePageRole('ADMINISTRATOR');
  const webhooks = await listWebhooks();
  return (
    <>
      <PageHeader
        title="Notifications"
        description="Tell other systems and people when a run ends, fails, stops at the deactivation threshold or needs confirmation, and when a restore ends: webhooks (signed JSON posts) and e-mail. The worker sends them and retries failures with a growing delay."
      >
        <div className="flex gap-3 text-sm font-medium">
          <Link className="text-brand-700 underline" href="/admin/notifications/email">E-mail settings</Link>
          <Link className="text-brand-700 underline" href="/admin/notifications/sent">Sent notifications</Link>
        </div>
      </PageHeader>
      <h2 className="mb-3 text-lg font-semibold text-slate-900">Webhooks</h2>
      <div className="mb-8 overflow-x-auto rounded-xl border border-slate-200 bg-white shadow-sm">
        <table className="min-w-full divide-y divide-slate-200 text-sm" aria-label="Webhooks">
          <caption className="sr-only">Webhooks</caption>
          <thead className="bg-slate-50 text-left text-xs font-semibold tracking-wide text-slate-600 uppercase">
            <tr>
              <th scope="col" className="px-4 py-2">Name</th>
              <th scope="col" className="px-4 py-2">URL</th>
              <th scope="col" className="px-4 py-2">Events</th>
              <th scope="col" className="px-4 py-2">Status</th>
              <th scope="col" className="px-4 py-2">Last delivery</th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {webhooks.length === 0 && (
              <tr>
                <td colSpan={5} className="px-4 py-6 text-center text-slate-600">No webhooks yet. Add one below.</td>
              </tr>
            )}
            {webhooks.map((w) => (
              <tr key={w.id} className="align-top">
                <td className="px-4 py-2 font-medium">
                  <Link className="text-brand-700 underline" href={`/admin/notifications/webhooks/${w.id}`}>{w.name}</Link>
                </td>
                <td className="max-w-xs px-4 py-2 break-all text-slate-700">{w.url}</td>
                <td className="px-4 py-2 text-slate-700">{w.events.map((e) => EVENT_LABELS[e as AnyEventType] ?? e).join(', ')}</td>
                <td className="px-4 py-2">{w.enabled ? 'Enabled' : 'Disabled'}</td>
                <td className="px-4 py-2 text-slate-700">
                  {w.lastDelivery ? `${w.lastDelivery.ok ? 'Delivered' : 'Failed'}${w.lastDelivery.statusCode ? ` (${w.lastDelivery.statusCode})` : ''}, ${when(w.lastDelivery.at)}` : '—'}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <h2 className="mb-3 text-lg font-semibold text-slate-900">Add a webhook</h2>
      <CreateWebhookForm />
    </>
  );
}
