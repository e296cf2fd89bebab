import type { ReactNode } from 'react';
import { requirePageRole } from '@/app/_lib/auth';
import { signOutAction } from '@/app/_lib/session-actions';
import { AppShell } from '@/components/app-shell';

export default async function OperatorLayout({ children }: { children: ReactNode }) {
  const account = await requirePageRole('OPERATOR');
  return (
    <AppShell face="operator" account={account} signOutAction={signOutAction}>
      {children}
    </AppShell>
  );
}
