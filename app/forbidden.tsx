import Link from 'next/link';
import { currentAccount } from '@/app/_lib/auth';
import { landingPathFor, ROLE_LABELS } from '@/lib/auth/roles';

/** Rendered with HTTP 403 when a signed-in account lacks the role a page needs. */
export default async function Forbidden() {
  const account = await currentAccount();
  return (
    <main className="flex min-h-screen items-center justify-center px-4">
      <div className="max-w-md text-center">
        <p className="text-sm font-semibold text-brand-700">403</p>
        <h1 className="mt-2 text-2xl font-semibold text-slate-900">
          {account?.mustChangePassword ? 'Choose a new password first' : 'You do not have access to this page'}
        </h1>
        <p className="mt-2 text-sm text-slate-600">
          {account?.mustChangePassword
            ? 'An administrator asked you to choose a new password. Nothing else is available until you have changed it.'
            : account
            ? `Your account ${account.username} has the role ${ROLE_LABELS[account.role]}, which does not include this page. Ask an administrator if you need it.`
            : 'Sign in with an account that has access to this page.'}
        </p>
        <Link href={account ? landingPathFor(account) : '/login'} className="mt-6 inline-block rounded-md bg-brand-700 px-4 py-2 text-sm font-semibold text-white hover:bg-brand-800">
          {account?.mustChangePassword ? 'Change password' : account ? 'Go to your home page' : 'Sign in'}
        </Link>
      </div>
    </main>
  );
}
