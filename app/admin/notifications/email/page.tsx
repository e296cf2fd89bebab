import type { Metadata } from 'next';
import Link from 'next/link';
import { requirePageRole } from '@/app/_lib/auth';
import { PageHeader } from '@/components/app-shell';
import { readSmtpSettings } from '@/lib/notifications/smtp-settings';
import { when } from '../delivery-log';
import { SendTestEmailButton, SmtpSettingsForm } from './smtp-settings-form';

export const metadata: Metadata = { title: 'E-mail · Notifications · Identity Manager Admin' };
export const dynamic = 'force-dynamic';

export default async function EmailSettingsPage() {
  await requirePageRole('ADMINISTRATOR');
  const settings = await readSmtpSettings();
  return (
    <>
      <p className="mb-2 text-sm">
        <Link className="text-brand-700 underline" href="/admin/notifications">Notifications</Link> &rsaquo; E-mail
      </p>
      <PageHeader
        title="E-mail"
        description={`The SMTP server the worker sends notification e-mails through, and who receives which events.${settings?.updatedAt ? ` Last saved ${when(settings.updatedAt)}${settings.updatedBy ? ` by ${settings.updatedBy}` : ''}.` : ''}`}
      >
        <Link className="text-sm font-medium text-brand-700 underline" href="/admin/notifications/sent">Sent notifications</Link>
      </PageHeader>
      <SmtpSettingsForm settings={settings} />
      <div className="mt-6">
        <SendTestEmailButton />
      </div>
    </>
  );
}
