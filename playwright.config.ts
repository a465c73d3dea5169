import { defineConfig } from '@playwright/test';

// Real Chromium (found or installed by scripts/browser.mjs: CHROME_PATH, a system Chromium, …) with
// the built extension, against the local stack.
// One worker: each test runs a browser, a chain, a facilitator and servers on 2 cores.
export default defineConfig({
  testDir: 'e2e',
  testMatch: /.*\.spec\.ts$/,
  timeout: 180_000,
  expect: { timeout: 15_000 },
  workers: 1,
  retries: 0,
  reporter: [['list'], ['./e2e/security/table-reporter.ts']],
  // One folder per project: Playwright empties a project's output folder when it starts, and
  // `npm test` runs the projects one after the other, so a shared folder lost the flow's screenshots.
  projects: [
    { name: 'flow', testIgnore: /security\//, outputDir: 'test-results/flow' },
    { name: 'security', testMatch: /security\/.*\.spec\.ts$/, outputDir: 'test-results/security' },
  ],
});
