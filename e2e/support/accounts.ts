import type { Page } from '@playwright/test';
import type { DemoAccount } from '@/scripts/demo-seed/demo-accounts';

/** The demo-like accounts e2e/global-setup.ts created for this run. */
export function e2eAccounts(): { admin: DemoAccount; operator: DemoAccount } {
  const raw = process.env.E2E_ACCOUNTS;
  if (!raw) throw new Error('E2E_ACCOUNTS is not set: run the tests through playwright.config.ts (global setup)');
  return JSON.parse(raw) as { admin: DemoAccount; operator: DemoAccount };
}

/** Fills and sends the login form (the caller checks where it lands). */
export async function signIn(page: Page, username: string, password: string): Promise<void> {
  await page.goto('/login');
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}
