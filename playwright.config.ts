import { defineConfig } from '@playwright/test';

// Real Chromium (Debian's package; Playwright's own download is not reachable here) against the
// built app started by e2e/global-setup.ts on a free loopback port. One worker: two cores.
export default defineConfig({
  testDir: 'e2e',
  testMatch: '**/*.spec.ts',
  // Its own directory and database (playwright.restore-scenario.config.ts): a generated directory in the shared slapd would reach every other spec's runs.
  testIgnore: '**/restore-scenario.spec.ts',
  globalSetup: './e2e/global-setup.ts',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 30_000,
  expect: { timeout: 10_000 },
  reporter: 'list',
  outputDir: '.test-data/playwright-results',
  use: {
    baseURL: process.env.E2E_BASE_URL,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
});
