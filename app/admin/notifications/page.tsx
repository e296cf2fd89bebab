import type { Metadata } from 'next';
import Link from 'next/link';
import { requirePageRole } from '@/app/_lib/auth';
import { PageHeader } from '@/components/app-shell';
import { DataTable } from '@/components/data-table';
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
      <DataTable
        className="mb-8"
        caption="Webhooks"
        rows={webhooks}
        rowKey={(w) => w.id}
        empty="No webhooks yet. Add one below."
        columns={[
          {
            key: 'name',
            header: 'Name',
            className: 'font-medium',
            cell: (w) => (
              <Link className="text-brand-700 underline" href={`/admin/notifications/webhooks/${w.id}`}>
                {w.name}
              </Link>
            ),
          },
          { key: 'url', header: 'URL', className: 'max-w-xs break-all text-slate-700', cell: (w) => w.url },
          { key: 'events', header: 'Events', className: 'text-slate-700', cell: (w) => w.events.map((e) => EVENT_LABELS[e as AnyEventType] ?? e).join(', ') },
          { key: 'status', header: 'Status', cell: (w) => (w.enabled ? 'Enabled' : 'Disabled') },
          {
            key: 'lastDelivery',
            header: 'Last delivery',
            className: 'text-slate-700',
            cell: (w) => (w.lastDelivery ? `${w.lastDelivery.ok ? 'Delivered' : 'Failed'}${w.lastDelivery.statusCode ? ` (${w.lastDelivery.statusCode})` : ''}, ${when(w.lastDelivery.at)}` : '—'),
          },
        ]}
      />
      <h2 className="mb-3 text-lg font-semibold text-slate-900">Add a webhook</h2>
      <CreateWebhookForm />
    </>
  );
}
