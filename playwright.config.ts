import { defineConfig } from '@playwright/test';

// Real Chromium (Debian's, or CHROME_PATH) with the built extension, against the local stack.
// One worker: each test runs a browser, a chain, a facilitator and servers on 2 cores.
export default defineConfig({
  testDir: 'e2e',
  testMatch: /.*\.spec\.ts$/,
  timeout: 120_000,
  expect: { timeout: 15_000 },
  workers: 1,
  retries: 0,
  reporter: [['list']],
  outputDir: 'test-results',
});
