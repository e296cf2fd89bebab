import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, test } from '@playwright/test';
import { e2eAccounts, signIn } from './support/accounts';

const accounts = e2eAccounts();

type Received = { headers: http.IncomingHttpHeaders; body: string };
const received: Received[] = [];
let receiver: http.Server;
let receiverUrl: string;

// A local receiver the worker posts to: it checks nothing itself, the test verifies what it got.
test.beforeAll(async () => {
  receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/idm-events`;
});

test.afterAll(async () => {
  await new Promise((r) => receiver.close(r));
});

function verified(secret: string, { body, headers }: Received): boolean {
  const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(String(headers['x-idm-signature'] ?? ''));
  if (!match) return false;
  const expected = createHmac('sha256', secret).update(`${match[1]}.${body}`).digest();
  return timingSafeEqual(expected, Buffer.from(match[2]!, 'hex'));
}

// An administrator adds a webhook, copies its secret (shown once), sends a test event that the
// worker delivers signed to a local receiver, and sees the delivery's status code in the log.
test('an administrator adds a webhook, its secret is shown once, Send test delivers and is logged', async ({ page }) => {
  await signIn(page, accounts.admin.username, accounts.admin.password);
  await expect(page).toHaveURL(/\/admin$/);
  await page.getByRole('navigation', { name: 'Identity Manager Admin' }).getByRole('link', { name: 'Notifications' }).click();
  await expect(page).toHaveURL(/\/admin\/notifications$/);

  const name = `Service desk ${Date.now()}`;
  const form = page.getByRole('form', { name: 'Add webhook' });
  // An invalid URL is refused with a message, and nothing is created.
  await form.getByLabel('Name').fill(name);
  await form.getByLabel('URL').fill('ftp://example.com/x');
  await form.getByRole('button', { name: 'Add webhook' }).click();
  await expect(form.getByText('Enter an http:// or https:// URL')).toBeVisible();

  await form.getByLabel('URL').fill(receiverUrl);
  await form.getByRole('checkbox', { name: /Run needs confirmation/ }).uncheck();
  await form.getByRole('button', { name: 'Add webhook' }).click();
  const secretField = page.getByLabel('Signing secret', { exact: true });
  await expect(secretField).toBeVisible();
  const secret = await secretField.inputValue();
  expect(secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
  await expect(page.getByRole('table', { name: 'Webhooks' }).getByRole('row').filter({ hasText: name })).toContainText(receiverUrl);

  // Never shown again: not after a reload, not on the webhook's page.
  await page.reload();
  await expect(page.getByLabel('Signing secret', { exact: true })).toHaveCount(0);
  expect(await page.content()).not.toContain(secret);
  await page.getByRole('link', { name }).click();
  await expect(page.getByRole('heading', { name })).toBeVisible();
  expect(await page.content()).not.toContain(secret);
  await expect(page.getByRole('table', { name: 'Delivery log' })).toContainText('Nothing sent yet.');

  await page.getByRole('button', { name: 'Send test' }).click();
  await expect(page.getByRole('form', { name: 'Send test' }).getByRole('status')).toContainText('queued');
  await expect.poll(() => received.length, { timeout: 20_000 }).toBe(1);
  const [post] = received;
  expect(verified(secret, post!)).toBe(true);
  expect(JSON.parse(post!.body)).toMatchObject({ type: 'webhook.test', data: { webhook: { name } } });

  await expect(async () => {
    await page.reload();
    const row = page.getByRole('table', { name: 'Delivery log' }).getByRole('row').nth(1);
    await expect(row).toContainText('Test (webhook)', { timeout: 1_000 });
    await expect(row).toContainText('Delivered');
    await expect(row).toContainText('204');
  }).toPass({ timeout: 20_000 });
  expect(await page.content()).not.toContain(secret);

  // A refused change says why and keeps what was typed; switching the webhook off is saved.
  const edit = page.getByRole('form', { name: 'Edit webhook' });
  await edit.getByLabel('URL').fill('not a url');
  await edit.getByRole('button', { name: 'Save' }).click();
  await expect(edit.getByText('Enter an http:// or https:// URL')).toBeVisible();
  await expect(edit.getByLabel('URL')).toHaveValue('not a url');
  await edit.getByLabel('URL').fill(receiverUrl);
  await edit.getByRole('checkbox', { name: /^Enabled/ }).uncheck();
  await edit.getByRole('button', { name: 'Save' }).click();
  await expect(edit.getByRole('status')).toHaveText('Saved.');
  await page.goto('/admin/notifications');
  await expect(page.getByRole('table', { name: 'Webhooks' }).getByRole('row').filter({ hasText: name })).toContainText('Disabled');
});
