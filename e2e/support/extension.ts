import { chromium, type BrowserContext, type Page, type Worker } from '@playwright/test';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const EXTENSION_DIR = resolve('.output/chrome-mv3');

export function chromePath(): string {
  const p = process.env.CHROME_PATH || '/usr/bin/chromium';
  if (!existsSync(p)) throw new Error(`Chromium not found at ${p}: install Debian's chromium or set CHROME_PATH (.ci/run does this).`);
  return p;
}

export interface ExtensionBrowser {
  context: BrowserContext;
  extensionId: string;
  userDataDir: string;
  serviceWorker(): Promise<Worker>;
  close(): Promise<void>;
}

/** Chromium with the built extension loaded, in a (possibly persistent) profile. */
const BASE_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

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
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: chromePath(),
    headless: opts.headless ?? true,
    viewport: { width: 1100, height: 800 },
    args: [
      `--disable-extensions-except=${dir}`,
      `--load-extension=${dir}`,
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
