import { defineConfig } from '@playwright/test';
import base from './playwright.config';

// Issue 16's acceptance check (e2e/restore-scenario.spec.ts): a generated directory of
// RESTORE_SCENARIO_PEOPLE people (default 300) deactivated by a wrong filter, then restored through
// the UI. Its own PostgreSQL, Redis, slapd, app and worker (e2e/restore-scenario-setup.ts): its
// thousands of people and its job settings must not reach the other specs, which share one.
export default defineConfig({
  ...base,
  testMatch: 'restore-scenario.spec.ts',
  testIgnore: [],
  globalSetup: './e2e/restore-scenario-setup.ts',
  outputDir: '.test-data/playwright-restore-scenario-results',
});
