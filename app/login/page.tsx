import type { Metadata } from 'next';
import { redirect } from 'next/navigation';
import { currentAccount } from '@/app/_lib/auth';
import { safeNextPath } from '@/lib/auth/redirect';
import { landingPathFor } from '@/lib/auth/roles';
import { LoginForm } from './login-form';

export const metadata: Metadata = { title: 'Sign in' };

export default async function LoginPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const account = await currentAccount();
  if (account) redirect(landingPathFor(account));
  const params = await searchParams;
  const next = safeNextPath(typeof params.next === 'string' ? params.next : null) ?? '';
  return (
    <main className="flex min-h-screen items-center justify-center px-4 py-12">
      <div className="w-full max-w-sm">
        <div className="mb-8 text-center">
          <div aria-hidden="true" className="mx-auto mb-4 flex h-12 w-12 items-center justify-center rounded-xl bg-brand-700 text-lg font-bold text-white">
            IM
          </div>
          <h1 className="text-2xl font-semibold tracking-tight text-slate-900">Identity Manager</h1>
          <p className="mt-1 text-sm text-slate-600">Sign in with your application account.</p>
        </div>
        <div className="rounded-xl border border-slate-200 bg-white p-6 shadow-sm">
          <LoginForm next={next} />
        </div>
        <p className="mt-6 text-center text-xs text-slate-500">
          Accounts are managed by your Identity Manager administrators.
        </p>
      </div>
    </main>
  );
}
