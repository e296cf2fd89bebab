import type { Metadata } from 'next';
import Link from 'next/link';
import { requireSignedInPage } from '@/app/_lib/auth';
import { signOutAction } from '@/app/_lib/session-actions';
import { MIN_PASSWORD_LENGTH } from '@/lib/auth/accounts';
import { homePathFor } from '@/lib/auth/roles';
import { ChangePasswordForm } from './change-password-form';

export const metadata: Metadata = { title: 'Change password' };

/**
 * Any signed-in person's own password. An account that must change its password is sent here
 * by every page (app/_lib/auth.ts) and may leave only by changing it or signing out.
 */
export default async function ChangePasswordPage() {
  const account = await requireSignedInPage();
  return (
    <main className="flex min-h-screen items-center justify-center px-4 py-12">
      <div className="w-full max-w-sm">
        <div className="mb-8 text-center">
          <h1 className="text-2xl font-semibold tracking-tight text-slate-900">Change password</h1>
          <p className="mt-1 text-sm text-slate-600">
            {account.mustChangePassword
              ? `An administrator asked ${account.username} to choose a new password before continuing.`
              : `Choose a new password for ${account.username}.`}{' '}
            Use at least {MIN_PASSWORD_LENGTH} characters; a few unrelated words make a good one. Common passwords, repeats, sequences and your own name are refused. Your other sessions end.
          </p>
        </div>
        <div className="rounded-xl border border-slate-200 bg-white p-6 shadow-sm">
          <ChangePasswordForm username={account.username} />
        </div>
        <div className="mt-6 flex items-center justify-center gap-4 text-sm">
          {!account.mustChangePassword && (
            <Link href={homePathFor(account.role)} className="font-medium text-brand-700 hover:underline">
              Back
            </Link>
          )}
          <form action={signOutAction}>
            <button type="submit" className="font-medium text-slate-700 hover:underline">
              Sign out
            </button>
          </form>
        </div>
      </div>
    </main>
  );
}
