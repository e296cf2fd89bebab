import Link from 'next/link';
import type { ReactNode } from 'react';
import { PASSWORD_CHANGE_PATH, roleAllows, ROLE_LABELS } from '@/lib/auth/roles';
import type { SignedInAccount } from '@/lib/auth/sessions';
import { NavLinks } from './nav-links';
import { ADMIN_NAV, FACES, OPERATOR_NAV, type Face } from './navigation';

/**
 * Header, navigation and content frame of both faces (Admin and Operator). The layouts hand it
 * the sign-out server action: components/ do not reach into app/.
 */
export function AppShell({
  face,
  account,
  signOutAction,
  children,
}: {
  face: Face;
  account: SignedInAccount;
  signOutAction: () => Promise<void>;
  children: ReactNode;
}) {
  const current = FACES[face];
  const other = face === 'admin' ? FACES.operator : FACES.admin;
  const mayOpenOther = roleAllows(account.role, other.role);
  return (
    <div className="flex min-h-screen flex-col">
      <a href="#main" className="sr-only focus:not-sr-only focus:absolute focus:top-2 focus:left-2 focus:z-10 focus:rounded focus:bg-white focus:px-3 focus:py-2 focus:shadow">
        Skip to content
      </a>
      <header className="border-b border-slate-200 bg-white">
        <div className="mx-auto flex max-w-7xl flex-wrap items-center justify-between gap-4 px-4 py-3 sm:px-6">
          <div className="flex items-center gap-3">
            <div aria-hidden="true" className="flex h-9 w-9 items-center justify-center rounded-lg bg-brand-700 text-sm font-bold text-white">
              IM
            </div>
            <div>
              <p className="text-base leading-tight font-semibold text-slate-900">Identity Manager</p>
              <p className="text-xs leading-tight text-slate-600">{current.name}</p>
            </div>
          </div>
          <div className="flex flex-wrap items-center gap-3 text-sm">
            {mayOpenOther && (
              <Link href={other.home} className="rounded-md px-2 py-1 font-medium text-brand-700 hover:bg-brand-50">
                Open {other.name}
              </Link>
            )}
            <p className="text-slate-700">
              <span className="sr-only">Signed in as </span>
              <span className="font-medium text-slate-900">{account.displayName ?? account.username}</span>{' '}
              <span className="rounded-full bg-slate-100 px-2 py-0.5 text-xs font-medium text-slate-700">{ROLE_LABELS[account.role]}</span>
            </p>
            <Link href={PASSWORD_CHANGE_PATH} className="rounded-md px-2 py-1 font-medium text-brand-700 hover:bg-brand-50">
              Change password
            </Link>
            <form action={signOutAction}>
              <button type="submit" className="rounded-md border border-slate-300 bg-white px-3 py-1.5 font-medium text-slate-800 hover:bg-slate-50">
                Sign out
              </button>
            </form>
          </div>
        </div>
        <div className="mx-auto max-w-7xl px-4 pb-2 sm:px-6">
          <NavLinks sections={face === 'admin' ? ADMIN_NAV : OPERATOR_NAV} label={current.name} />
        </div>
      </header>
      <main id="main" className="mx-auto w-full max-w-7xl flex-1 px-4 py-8 sm:px-6">
        {children}
      </main>
    </div>
  );
}

/** A titled page inside the shell. */
export function PageHeader({ title, description, children }: { title: string; description?: ReactNode; children?: ReactNode }) {
  return (
    <div className="mb-6 flex flex-wrap items-end justify-between gap-4">
      <div>
        <h1 className="text-2xl font-semibold tracking-tight text-slate-900">{title}</h1>
        {description && <p className="mt-1 max-w-3xl text-sm text-slate-600">{description}</p>}
      </div>
      {children}
    </div>
  );
}

/** A card that leads somewhere in one click. */
export function LinkCard({ href, title, children }: { href: string; title: string; children: ReactNode }) {
  return (
    <Link href={href} className="group block rounded-xl border border-slate-200 bg-white p-5 shadow-sm transition hover:border-brand-600 hover:shadow">
      <h2 className="text-base font-semibold text-slate-900 group-hover:text-brand-700">{title}</h2>
      <p className="mt-1 text-sm text-slate-600">{children}</p>
    </Link>
  );
}
