import Link from 'next/link';

/** Rendered with HTTP 401 when an action is called without a session (pages redirect instead). */
export default function Unauthorized() {
  return (
    <main className="flex min-h-screen items-center justify-center px-4">
      <div className="max-w-md text-center">
        <p className="text-sm font-semibold text-brand-700">401</p>
        <h1 className="mt-2 text-2xl font-semibold text-slate-900">Your session has ended</h1>
        <p className="mt-2 text-sm text-slate-600">Sign in again to continue.</p>
        <Link href="/login" className="mt-6 inline-block rounded-md bg-brand-700 px-4 py-2 text-sm font-semibold text-white hover:bg-brand-800">
          Sign in
        </Link>
      </div>
    </main>
  );
}
