import type { AddressInfo } from 'node:net';
import { expect, test } from '@playwright/test';
import { SMTPServer } from 'smtp-server';
import { e2eAccounts, signIn } from './support/accounts';

const accounts = e2eAccounts();

type Mail = { to: string[]; raw: string; user?: string };
const mails: Mail[] = [];
let smtp: SMTPServer;
let smtpPort: number;

// A local SMTP server that requires the password the administrator types.
test.beforeAll(async () => {
  smtp = new SMTPServer({
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === 'idm-mailer' && auth.password === 'e2e mail password 7') callback(null, { user: auth.username });
      else callback(new Error('Invalid username or password'));
    },
    onData(stream, session, callback) {
      let raw = '';
      stream.on('data', (c: Buffer) => (raw += c.toString('utf8')));
      stream.on('end', () => {
        mails.push({ to: session.envelope.rcptTo.map((r) => r.address), raw, user: session.user as string | undefined });
        callback();
      });
    },
  });
  await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', () => r()));
  smtpPort = (smtp.server.address() as AddressInfo).port;
});

test.afterAll(async () => {
  await new Promise<void>((r) => smtp.close(() => r()));
});

// An administrator configures e-mail, sends a test message that arrives at the SMTP server, and
// finds it, as sent, under Sent notifications; the password is never shown back.
test('an administrator configures SMTP, the test e-mail arrives and is listed under Sent notifications', async ({ page }) => {
  await signIn(page, accounts.admin.username, accounts.admin.password);
  await expect(page).toHaveURL(/\/admin$/);
  await page.goto('/admin/notifications');
  await page.getByRole('link', { name: 'E-mail settings' }).click();
  const form = page.getByRole('form', { name: 'E-mail settings' });

  await form.getByLabel('Send e-mail notifications').check();
  await form.getByLabel('SMTP server').fill('127.0.0.1');
  await form.getByLabel('Port').fill(String(smtpPort));
  await form.getByLabel('Security').selectOption('NONE');
  await form.getByLabel('User name (optional)').fill('idm-mailer');
  await form.getByLabel('Password', { exact: true }).fill('e2e mail password 7');
  await form.getByLabel('From').fill('identity-manager@example.com');
  await form.getByLabel('Recipients').fill('not an address');
  await form.getByRole('button', { name: 'Save' }).click();
  await expect(form.getByRole('alert')).toContainText('nothing was saved');
  await expect(form.getByText('Enter an e-mail address')).toBeVisible();

  await form.getByLabel('Password', { exact: true }).fill('e2e mail password 7');
  await form.getByLabel('Recipients').fill('ops@example.com\nsecurity@example.com');
  await form.getByRole('button', { name: 'Save' }).click();
  await expect(form.getByRole('status')).toHaveText('Saved.');
  await page.reload();
  await expect(page.getByLabel('SMTP server')).toHaveValue('127.0.0.1');
  await expect(page.getByLabel('Password', { exact: true })).toHaveValue('');
  expect(await page.content()).not.toContain('e2e mail password 7');

  await page.getByRole('button', { name: 'Send test e-mail' }).click();
  await expect(page.getByRole('form', { name: 'Send test e-mail' }).getByRole('status')).toContainText('queued');
  await expect.poll(() => mails.length, { timeout: 20_000 }).toBe(1);
  expect(mails[0]).toMatchObject({ to: ['ops@example.com', 'security@example.com'], user: 'idm-mailer' });
  expect(mails[0]!.raw).toMatch(/^Subject: \[Identity Manager\] Test message\r?$/m);

  await page.getByRole('link', { name: 'Sent notifications' }).click();
  await expect(page).toHaveURL(/\/admin\/notifications\/sent$/);
  const messages = page.locator('[aria-label="E-mail messages"]');
  await expect(async () => {
    await page.reload();
    await expect(messages.getByText('[Identity Manager] Test message')).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout: 20_000 });
  await expect(messages).toContainText('To ops@example.com, security@example.com');
  await expect(messages).toContainText('Sent');
  await expect(messages).toContainText(`Test message sent by ${accounts.admin.username} from Identity Manager Admin.`);
});
