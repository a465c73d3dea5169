import { defineConfig } from '@playwright/test';

// Real Chromium (Debian's, or CHROME_PATH) with the built extension, against the local stack.
// One worker: each test runs a browser, a chain, a facilitator and servers on 2 cores.
export default defineConfig({
  testDir: 'e2e',
  testMatch: /.*\.spec\.ts$/,
  timeout: 180_000,
  expect: { timeout: 15_000 },
  workers: 1,
  retries: 0,
  reporter: [['list'], ['./e2e/security/table-reporter.ts']],
  outputDir: 'test-results',
  projects: [
    { name: 'flow', testIgnore: /security\// },
    { name: 'security', testMatch: /security\/.*\.spec\.ts$/ },
  ],
});
