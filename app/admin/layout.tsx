import type { ReactNode } from 'react';
import { requirePageRole } from '@/app/_lib/auth';
import { signOutAction } from '@/app/_lib/session-actions';
import { AppShell } from '@/components/app-shell';

export default async function AdminLayout({ children }: { children: ReactNode }) {
  const account = await requirePageRole('ADMINISTRATOR');
  return (
    <AppShell face="admin" account={account} signOutAction={signOutAction}>
      {children}
    </AppShell>
  );
}
