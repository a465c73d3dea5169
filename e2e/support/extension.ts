import { chromium, type BrowserContext, type Page, type Worker } from '@playwright/test';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { browserPath } from '../../scripts/browser.mjs';

export const EXTENSION_DIR = resolve('.output/chrome-mv3');

/** CHROME_PATH, the one `npm test` / `npm start` found or installed, or a system Chromium (scripts/browser.mjs). */
export function chromePath(): string {
  return browserPath('chromium');
}

export interface ExtensionBrowser {
  context: BrowserContext;
  extensionId: string;
  userDataDir: string;
  serviceWorker(): Promise<Worker>;
  close(): Promise<void>;
}

/** Chromium with the built extension loaded, in a (possibly persistent) profile. */
const BASE_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  // Public-looking origins for the local stack: *.test names resolve to this machine, so a page can
  // be "https://site.test" (not loopback) and a facilitator "https://facilitator.test" behind a
  // self-signed certificate (e2e/support/public-origins.ts). Real names are untouched.
  '--host-resolver-rules=MAP *.test 127.0.0.1',
  '--ignore-certificate-errors',
];
/**
 * Branded Google Chrome (137+) ignores --load-extension unless this feature is off; Chromium and
 * Chrome for Testing load it either way. Only for Chrome: a second --disable-features replaces
 * Playwright's own list (Chromium keeps the last one), so it is not passed where it is not needed.
 */
const loadExtensionArgs = (executable: string) => (/google-chrome|Google Chrome/.test(executable) ? ['--disable-features=DisableLoadExtensionCommandLineSwitch'] : []);

/** The same browser and profile kind, without the extension (the baseline for page-load costs). */
export async function launchWithoutExtension(): Promise<BrowserContext> {
  return chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'x402-plain-')), {
    executablePath: chromePath(),
    headless: true,
    viewport: { width: 1100, height: 800 },
    args: BASE_ARGS,
  });
}

export async function launchWithExtension(opts: { userDataDir?: string; headless?: boolean; extensionDir?: string } = {}): Promise<ExtensionBrowser> {
  const dir = opts.extensionDir ?? EXTENSION_DIR;
  if (!existsSync(join(dir, 'manifest.json'))) throw new Error('Build the extension first: npm run build');
  const userDataDir = opts.userDataDir ?? mkdtempSync(join(tmpdir(), 'x402-profile-'));
  const executablePath = chromePath();
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath,
    headless: opts.headless ?? true,
    viewport: { width: 1100, height: 800 },
    args: [
      `--disable-extensions-except=${dir}`,
      `--load-extension=${dir}`,
      ...loadExtensionArgs(executablePath),
      ...BASE_ARGS,
    ],
  });
  const serviceWorker = async () => {
    const live = context.serviceWorkers().find((w) => w.url().startsWith('chrome-extension://'));
    return live ?? (await context.waitForEvent('serviceworker', { timeout: 20_000 }));
  };
  const sw = await serviceWorker();
  const extensionId = new URL(sw.url()).host;
  return { context, extensionId, userDataDir, serviceWorker, close: () => context.close() };
}

/** Stop every service worker (the extension's included), as Chrome does when idle. */
export async function stopServiceWorkers(page: Page): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const cdp = await page.context().newCDPSession(page);
    try {
      await cdp.send('ServiceWorker.enable');
      await cdp.send('ServiceWorker.stopAllWorkers');
      return;
    } catch (e) {
      if (attempt >= 2) throw e;
    } finally {
      // The session may already be gone with the worker it watched; that is not a failure.
      await cdp.detach().catch(() => undefined);
    }
  }
}
