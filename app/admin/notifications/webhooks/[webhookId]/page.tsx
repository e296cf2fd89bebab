import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { requirePageRole } from '@/app/_lib/auth';
import { PageHeader } from '@/components/app-shell';
import { getWebhook, listWebhookDeliveries } from '@/lib/notifications/webhooks';
import { positiveInt32Text } from '@/lib/validation/database-integer';
import { DeliveryLogTable, when } from '../../delivery-log';
import { DeleteWebhookButton, EditWebhookForm, RotateSecretButton, SendTestButton } from '../../webhook-forms';

export const metadata: Metadata = { title: 'Webhook · Identity Manager Admin' };
export const dynamic = 'force-dynamic';

export default async function WebhookPage({ params }: { params: Promise<{ webhookId: string }> }) {
  await requirePageRole('ADMINISTRATOR');
  const id = positiveInt32Text().safeParse((await params).webhookId);
  if (!id.success) notFound();
  const webhook = await getWebhook(id.data);
  if (!webhook) notFound();
  const deliveries = await listWebhookDeliveries(webhook.id);
  return (
    <>
      <p className="mb-2 text-sm">
        <Link className="text-brand-700 underline" href="/admin/notifications">Notifications</Link> &rsaquo; Webhook
      </p>
      <PageHeader
        title={webhook.name}
        description={`Created ${when(webhook.createdAt)}${webhook.createdBy ? ` by ${webhook.createdBy}` : ''}. The signing secret is not shown again; generate a new one if the receiver lost it.`}
      />
      <section className="mb-8 space-y-4">
        <SendTestButton id={webhook.id} />
        <EditWebhookForm id={webhook.id} url={webhook.url} events={webhook.events} enabled={webhook.enabled} />
      </section>
      <h2 className="mb-3 text-lg font-semibold text-slate-900">Delivery log</h2>
      <p className="mb-3 text-sm text-slate-600">Every attempt, newest first (the last 50). A failed attempt is retried up to 8 times, each after twice the delay of the one before.</p>
      <DeliveryLogTable rows={deliveries} caption="Delivery log" />
      <section className="mt-8 flex flex-wrap items-start gap-6">
        <RotateSecretButton id={webhook.id} />
        <DeleteWebhookButton id={webhook.id} name={webhook.name} />
      </section>
    </>
  );
}
