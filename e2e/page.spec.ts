import { resolve } from 'node:path';
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { readStore } from './support/store';

/**
 * What pages meet in the real world (issue 11, points 6 and 7), in Chromium with the built
 * extension: an API whose CORS hides x402's headers, an API with no CORS at all, and axios
 * (XMLHttpRequest) instead of fetch.
 */

/** Record the wallet's page events into window.__events. */
async function listen(page: Page) {
  await page.evaluate(() => {
    (window as any).__events = [];
    for (const e of ['payment', 'paymentFailed', 'sessionChanged']) window.x402session!.on(e as never, (d: unknown) => (window as any).__events.push({ e, d }));
  });
}
const events = (page: Page, name: string) => page.evaluate((n) => (window as any).__events.filter((x: any) => x.e === n).map((x: any) => x.d), name);

/**
 * What the page's own, unwrapped fetch (from an about:blank frame, where the wallet's script does
 * not run) can read of a cross-origin response: the CORS view, without the wallet's wrapper.
 */
function probe(page: Page, url: string, headers: Record<string, string> = {}) {
  return page.evaluate(
    async ({ url, headers }) => {
      const frame = document.createElement('iframe');
      document.body.append(frame);
      const plainFetch = (frame.contentWindow as typeof window).fetch;
      try {
        const r = await plainFetch(url, { headers });
        return { status: r.status, paymentRequired: r.headers.get('payment-required'), date: r.headers.get('date') };
      } catch (e) {
        return { error: String(e) };
      } finally {
        frame.remove();
      }
    },
    { url, headers },
  );
}

test.describe('pages in the real world', () => {
  test('CORS that hides the x402 headers: the wallet still reads them, one approval, then paid calls', async ({ dapp, stack, wallet, chain, approvalWindow, ext }) => {
    const url = stack.api.url + stack.api.paths.hidden;
    const price = stack.api.prices.hidden;
    const recipientBefore = await chain.balanceOf(stack.api.recipient);
    const payerBefore = await chain.balanceOf(wallet.address);

    // The page's CORS view of that route, through the extension's header rules: x402's header and
    // nothing else; PAYMENT-SIGNATURE passes the preflight, any other request header does not.
    expect(await probe(dapp, url)).toEqual({ status: 402, paymentRequired: expect.any(String), date: null });
    expect(await probe(dapp, url, { 'PAYMENT-SIGNATURE': 'e30=' })).toMatchObject({ status: 402 });
    expect(await probe(dapp, url, { 'X-Custom': '1' })).toEqual({ error: expect.stringMatching(/TypeError/) });

    await listen(dapp);
    const first = dapp.evaluate(async (u) => {
      const r = await fetch(u);
      return { status: r.status, body: await r.json(), paymentResponse: r.headers.get('payment-response'), date: r.headers.get('date') };
    }, url);
    const win = await approvalWindow();
    await expect(win.getByTestId('approval-price')).toContainText('0.01');
    await win.getByTestId('approve').click();
    const paid = await first;
    expect(paid).toMatchObject({ status: 200, body: { pull: expect.any(Number) }, date: null });
    // PAYMENT-RESPONSE reaches the wrapper (so the settlement is reported with its transaction).
    expect(paid.paymentResponse).toEqual(expect.any(String));
    let laterWindows = 0;
    ext.context.on('page', (p) => void (p.url().includes('/approve.html') && laterWindows++));
    const more = await dapp.evaluate(async (u) => {
      const out: number[] = [];
      for (let i = 0; i < 3; i++) out.push((await fetch(u)).status);
      return out;
    }, url);
    expect(more).toEqual([200, 200, 200]);
    await expect.poll(async () => (await events(dapp, 'payment')).length).toBe(4);
    expect((await events(dapp, 'payment'))[0]).toMatchObject({ url, method: 'GET', amount: String(price), transaction: expect.stringMatching(/^0x[0-9a-f]{64}$/) });
    expect(laterWindows).toBe(0);
    expect(wallet.sent).toHaveLength(1);
    expect(await chain.balanceOf(stack.api.recipient)).toBe(recipientBefore + 4n * price);
    expect(await chain.balanceOf(wallet.address)).toBe(payerBefore - 4n * price);

    // Without the extension's rules the same route hides PAYMENT-REQUIRED: they are what exposes it.
    const sw = await ext.serviceWorker();
    await sw.evaluate(() => (globalThis as any).chrome.declarativeNetRequest.updateDynamicRules({ removeRuleIds: [402_001, 402_002] }));
    expect(await probe(dapp, url)).toEqual({ status: 402, paymentRequired: null, date: null });
    // (Another URL: Chromium caches the preflight it allowed, Max-Age 600, per URL.)
    expect(await probe(dapp, `${url}?uncached`, { 'PAYMENT-SIGNATURE': 'e30=' })).toEqual({ error: expect.stringMatching(/TypeError/) });
  });

  test('no CORS at all: nothing paid, the page gets the TypeError a plain fetch gives, the popup says why', async ({ dapp, stack, wallet, chain, ext, openPopup }) => {
    const url = stack.api.url + stack.api.paths.nocors;
    const recipientBefore = await chain.balanceOf(stack.api.recipient);
    let windows = 0;
    ext.context.on('page', (p) => void (p.url().includes('/approve.html') && windows++));
    await listen(dapp);
    const outcome = await dapp.evaluate(async (u) => {
      try {
        await fetch(u);
        return 'resolved';
      } catch (e) {
        return `${(e as Error).name}: ${(e as Error).message}`;
      }
    }, url);
    expect(outcome).toMatch(/^TypeError/);

    const sw = await ext.serviceWorker();
    await expect.poll(async () => (await readStore(sw)).events.map((e) => [e.origin, e.kind, e.reason, e.url])).toEqual([[new URL(stack.dapp.url).origin, 'payment_declined', 'cors_blocked', url]]);
    const popup = await openPopup();
    const declined = popup.getByTestId('declined');
    await declined.locator('summary').click();
    const row = declined.locator('li', { has: popup.locator('[data-reason="cors_blocked"]') });
    await expect(row).toContainText(stack.api.paths.nocors);
    await expect(row.locator('[data-reason]')).toHaveAttribute('title', /does not allow this site to read it/);

    // The page is told nothing (that would reveal what CORS hides); nothing was reserved or paid.
    await dapp.waitForTimeout(300);
    expect(await events(dapp, 'paymentFailed')).toEqual([]);
    expect((await readStore(sw)).payments).toEqual([]);
    expect(windows).toBe(0);
    expect(wallet.sent).toHaveLength(0);
    expect(await chain.balanceOf(stack.api.recipient)).toBe(recipientBefore);
  });

  test('axios (XMLHttpRequest): one approval, then paid calls with payment events; the bearer id never reaches what axios hands the page', async ({ dapp, stack, wallet, chain, approvalWindow, ext }) => {
    await dapp.addScriptTag({ path: resolve('node_modules/axios/dist/axios.min.js') });
    const cheap = stack.api.url + stack.api.paths.cheap;
    const chat = stack.api.url + stack.api.paths.chat;
    const { prices } = stack.api;
    const recipientBefore = await chain.balanceOf(stack.api.recipient);
    // Every first send to the API is an XHR (axios's adapter), every paid retry the wallet's fetch.
    const kinds: string[] = [];
    dapp.on('request', (r) => {
      if (r.url().startsWith(stack.api.url) && r.method() !== 'OPTIONS') kinds.push(`${r.resourceType()}${r.headers()['payment-signature'] ? '+paid' : ''}`);
    });
    await listen(dapp);

    type Seen = { status: number; data: unknown; headers: Record<string, unknown>; paymentResponse: string | null };
    // A bare 402 on a JSON POST: the approval window (default cap: ten calls at this price), then the paid retry.
    const first = dapp.evaluate(async (u) => {
      const r = await (window as any).axios.post(u, { message: 'hello from axios' }, { adapter: 'xhr' });
      return { status: r.status, data: r.data, headers: r.headers.toJSON(), paymentResponse: r.headers.get('payment-response') ?? null } as Seen;
    }, chat);
    await (await approvalWindow()).getByTestId('approve').click();
    const seen: Seen[] = [await first];
    let laterWindows = 0;
    ext.context.on('page', (p) => void (p.url().includes('/approve.html') && laterWindows++));
    seen.push(
      ...(await dapp.evaluate(
        async ({ cheap, chat }) => {
          const axios = (window as any).axios;
          const out: Seen[] = [];
          const keep = (r: any) => out.push({ status: r.status, data: r.data instanceof ArrayBuffer ? { arrayBuffer: new TextDecoder().decode(r.data) } : r.data, headers: r.headers.toJSON(), paymentResponse: r.headers.get('payment-response') ?? null });
          for (let i = 0; i < 2; i++) keep(await axios.get(cheap, { adapter: 'xhr' }));
          keep(await axios.post(chat, { message: 'again' }, { adapter: 'xhr', timeout: 20_000 }));
          keep(await axios.get(cheap, { adapter: 'xhr', responseType: 'arraybuffer' }));
          keep(await axios.get(cheap, { adapter: 'xhr', responseType: 'text' }));
          return out;
        },
        { cheap, chat },
      )),
    );
    expect(seen.map((s) => s.status)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(seen[0]!.data).toMatchObject({ reply: expect.any(String), paymentNumber: expect.any(Number) });
    expect(seen[1]!.data).toMatchObject({ pull: expect.any(Number) });
    // The API counts every paid call of the session: this is the fourth.
    expect(seen[3]!.data).toMatchObject({ reply: expect.stringContaining('paid message #4'), paymentNumber: 4 });
    expect(JSON.parse((seen[4]!.data as { arrayBuffer: string }).arrayBuffer)).toMatchObject({ pull: expect.any(Number) });
    expect(typeof seen[5]!.data).toBe('string');
    expect(JSON.parse(seen[5]!.data as string)).toMatchObject({ pull: expect.any(Number) });
    expect(kinds).toEqual(Array(6).fill(['xhr', 'fetch+paid']).flat());

    await expect.poll(async () => (await events(dapp, 'payment')).length).toBe(6);
    expect((await events(dapp, 'payment')).map((p: any) => p.method)).toEqual(['POST', 'GET', 'GET', 'POST', 'GET', 'GET']);
    expect(await events(dapp, 'paymentFailed')).toEqual([]);
    expect(laterWindows).toBe(0);
    expect(wallet.sent).toHaveLength(1);
    expect(await chain.balanceOf(stack.api.recipient)).toBe(recipientBefore + 4n * prices.cheap + 2n * prices.chat);
    await expect.poll(async () => (await dapp.evaluate(() => window.x402session!.getSessions()))[0]?.spent).toBe(String(4n * prices.cheap + 2n * prices.chat));

    // The facilitator echoes the session in PAYMENT-RESPONSE; the page sees it redacted.
    const secret = (await readStore(await ext.serviceWorker())).sessions[0]!.grant.sessionId as string;
    expect(secret.length).toBeGreaterThanOrEqual(16);
    for (const s of seen) {
      expect(s.paymentResponse).toEqual(expect.any(String));
      expect(Buffer.from(s.paymentResponse!, 'base64').toString()).not.toContain(secret);
      expect(JSON.stringify(s)).not.toContain(secret);
    }
    expect(Buffer.from(seen[0]!.paymentResponse!, 'base64').toString()).toContain('[redacted]');
    expect(JSON.stringify(await dapp.evaluate(() => (window as any).__events))).not.toContain(secret);
  });
});
