import { redirect } from 'next/navigation';
import { currentAccount } from '@/app/_lib/auth';
import { landingPathFor } from '@/lib/auth/roles';

/** The bare address: an account goes to its home, anybody else to the login page. */
export default async function RootPage() {
  const account = await currentAccount();
  redirect(account ? landingPathFor(account) : '/login');
}
