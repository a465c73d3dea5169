/**
 * Real Firefox (Debian's firefox-esr, or FIREFOX_PATH) driven over WebDriver BiDi with
 * puppeteer-core, with the Firefox build installed as a temporary add-on — what
 * about:debugging → "Load Temporary Add-on" does.
 *
 * Firefox facts that shape this file:
 * - BiDi refuses to navigate a tab to a moz-extension:// URL unless the browser was started with
 *   --remote-allow-system-access, and it sends no navigation events for extension documents, so
 *   Puppeteer's `goto` never sees the load. The first extension page is opened that way and
 *   waited for by reading `location.href` / `readyState` in the page.
 * - A later tab navigated that way is sometimes swapped for a new browsing context that
 *   Puppeteer never learns of, and a tab opened by `window.open` or a target=_blank link from an
 *   extension page is not reported at all. Tabs the extension opens itself (`tabs.create`,
 *   `windows.create`, as the approval window is) are; so later pages are opened with tabs.create.
 * - Puppeteer reports `about:blank` as the URL of extension pages it did not navigate itself, so
 *   pages are recognised by their `location.href`.
 * The add-on's moz-extension UUID is random per profile; a pref fixes it so URLs are known.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import puppeteer, { TimeoutError, type Browser, type Page } from 'puppeteer-core';
import { browserPath } from '../../scripts/browser.mjs';
import { PROVIDER_SCRIPT, type TestWallet } from '../support/test-wallet';

export const FIREFOX_EXTENSION_DIR = resolve('.output/firefox-mv3');

export interface FirefoxWithExtension {
  browser: Browser;
  addonId: string;
  /** `moz-extension://<uuid>` */
  baseUrl: string;
  /** A new tab on one of the extension's pages, loaded. */
  openExtensionPage(path: string): Promise<Page>;
  /** An extension page someone else opened (e.g. the approval window), once it has loaded. */
  waitForExtensionPage(path: string, timeoutMs?: number): Promise<Page>;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function hrefOf(page: Page): Promise<{ href: string; ready: string } | null> {
  return page.evaluate(() => ({ href: location.href, ready: document.readyState })).catch((e) => { if (process.env.X402_FIREFOX_CONSOLE === "1") console.error("hrefOf:", String(e).slice(0, 200)); return null; });
}

export async function launchFirefoxWithExtension(opts: { extensionDir?: string; headless?: boolean; prefs?: Record<string, unknown> } = {}): Promise<FirefoxWithExtension> {
  const dir = opts.extensionDir ?? FIREFOX_EXTENSION_DIR;
  let manifest: { browser_specific_settings?: { gecko?: { id?: string } } };
  try {
    manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  } catch {
    throw new Error('Build the Firefox extension first: npm run build:firefox');
  }
  const addonId = manifest.browser_specific_settings?.gecko?.id;
  if (!addonId) throw new Error('The Firefox manifest has no browser_specific_settings.gecko.id');
  const uuid = randomUUID();
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: browserPath('firefox'),
    headless: opts.headless ?? true,
    args: ['--remote-allow-system-access'],
    // X402_FIREFOX_CONSOLE=1 prints every console message (the background's too) to stdout.
    dumpio: process.env.X402_FIREFOX_CONSOLE === '1',
    extraPrefsFirefox: {
      ...(process.env.X402_FIREFOX_CONSOLE === '1' ? { 'devtools.console.stdout.content': true, 'devtools.console.stdout.chrome': true, 'extensions.logging.enabled': true } : {}),
      ...(opts.prefs ?? {}),
      'extensions.webextensions.uuids': JSON.stringify({ [addonId]: uuid }),
      // Exports download without a dialog, into a throwaway folder.
      'browser.download.folderList': 2,
      'browser.download.dir': mkdtempSync(join(tmpdir(), 'x402-ff-downloads-')),
      'browser.download.useDownloadDir': true,
      'browser.download.always_ask_before_handling_new_types': false,
    },
  });
  try {
    const installed = await browser.installExtension(dir);
    if (installed !== addonId) throw new Error(`installed ${installed}, expected ${addonId}`);
  } catch (e) {
    await browser.close();
    throw e;
  }
  const baseUrl = `moz-extension://${uuid}`;

  async function waitLoaded(page: Page, url: (href: string) => boolean, timeoutMs: number): Promise<boolean> {
    const until = Date.now() + timeoutMs;
    let at: Awaited<ReturnType<typeof hrefOf>> = null;
    while (Date.now() < until) {
      at = await hrefOf(page);
      if (at && url(at.href) && at.ready === 'complete') return true;
      await sleep(100);
    }
    if (process.env.X402_FIREFOX_CONSOLE === '1') console.error('waitLoaded: last seen', at);
    return false;
  }

  async function findExtensionPage(what: string, candidate: (p: Page) => boolean, timeoutMs: number, matches: (href: string) => boolean): Promise<Page> {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      for (const page of await browser.pages()) {
        if (!candidate(page)) continue;
        const at = await hrefOf(page);
        if (at && matches(at.href) && (await waitLoaded(page, matches, 5_000))) return page;
      }
      await sleep(150);
    }
    throw new Error(`no loaded extension page ${what} within ${timeoutMs} ms`);
  }

  async function anyExtensionPage(): Promise<Page | null> {
    for (const page of await browser.pages()) if ((await hrefOf(page))?.href.startsWith(`${baseUrl}/`)) return page;
    return null;
  }

  return {
    browser,
    addonId,
    baseUrl,
    async openExtensionPage(path) {
      const known = new Set(await browser.pages());
      const url = `${baseUrl}/${path.replace(/^\//, '')}`;
      const opener = await anyExtensionPage();
      if (opener) {
        // The extension opens its own tab (tabs.create), as its popup's links do. A tab BiDi
        // navigates to moz-extension:// may be swapped for a new context Puppeteer never sees,
        // and a script's window.open / a link's target=_blank tab is not reported at all.
        await opener.evaluate(async (u) => void (await (globalThis as unknown as { browser: { tabs: { create(o: { url: string }): Promise<unknown> } } }).browser.tabs.create({ url: u })), url);
      } else {
        const page = await browser.newPage();
        known.delete(page);
        // The navigation happens; only its load event never reaches Puppeteer (see above).
        await page.goto(url, { timeout: 2_000 }).catch((e) => {
          if (!(e instanceof TimeoutError)) throw e;
        });
      }
      return findExtensionPage(url, (p) => !known.has(p), 10_000, (h) => h === url);
    },
    waitForExtensionPage(path, timeoutMs = 20_000) {
      const prefix = `${baseUrl}/${path.replace(/^\//, '')}`;
      return findExtensionPage(prefix, () => true, timeoutMs, (h) => h.startsWith(prefix));
    },
    close: () => browser.close(),
  };
}

/**
 * The stand-in wallet in one tab: the same EIP-6963 provider script as in Chromium, injected by a
 * BiDi preload script before the page's own scripts, answering through a BiDi channel
 * (Puppeteer's exposeFunction) in Node with the funded dev key.
 */
export async function installWallet(page: Page, wallet: TestWallet): Promise<void> {
  await page.exposeFunction('__x402TestWallet', (method: string, params: unknown[]) => wallet.answer(method, params));
  await page.evaluateOnNewDocument(PROVIDER_SCRIPT);
}

/** Wait until `fn` (evaluated in the page) is truthy; returns its value. */
export async function waitInPage<T>(page: Page, fn: () => T, timeoutMs = 15_000, what = 'condition'): Promise<NonNullable<T>> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < until) {
    try {
      const v = await page.evaluate(fn);
      if (v) return v as NonNullable<T>;
      last = v;
    } catch (e) {
      last = e;
    }
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
}
