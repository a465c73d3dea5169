/**
 * The demo dapp in real Chromium against the real stack, with a stand-in `window.x402session`
 * (a few lines of page script that pay with a session opened from Node). It proves, across real
 * origins, what the extension will rely on: the page can read PAYMENT-REQUIRED, send
 * PAYMENT-SIGNATURE after a CORS preflight, and the no-CORS route is unreadable from a page.
 * The extension itself is exercised by the e2e suite; this is the dapp's and the API's half.
 */
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../../devnet/stack';
import { browserPath } from '../../scripts/browser.mjs';
import { balanceOf, openSession } from './support/sessions';

let stack: Stack;
let browser: Browser;

beforeAll(async () => {
  [stack, browser] = await Promise.all([
    startStack({ quiet: true, userCount: 1 }),
    chromium.launch({ executablePath: browserPath('chromium'), args: ['--no-sandbox'] }),
  ]);
});
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

/**
 * A minimal stand-in for the extension's page API, announced late (after app.js ran) to check
 * the dapp listens for `x402session#initialized`. It runs in the page, so every request it makes
 * is a real cross-origin browser request.
 */
function installFakeWallet(args: { sessionId: string; facilitatorUrl: string; delayMs: number }): void {
  const handlers: Record<string, ((d: unknown) => void)[]> = {};
  const emit = (name: string, detail: unknown) => (handlers[name] ?? []).forEach((h) => h(detail));
  const w = window as unknown as Record<string, unknown>;
  w.__requested = [];
  const view = async () => {
    const s = await (await fetch(`${args.facilitatorUrl}/sessions/${args.sessionId}`)).json();
    return {
      id: 'public-1',
      origin: location.origin,
      network: s.network,
      asset: s.asset,
      symbol: 'USDC',
      decimals: 6,
      recipient: s.recipient,
      cap: s.cap,
      spent: s.spent,
      remaining: s.remaining,
      expiresAt: s.expiresAt,
      status: 'active',
    };
  };
  const toBase64 = (value: unknown) => btoa(String.fromCharCode(...new TextEncoder().encode(JSON.stringify(value))));
  const fromBase64 = (header: string) => JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(header), (c) => c.charCodeAt(0))));
  let started = false;
  const api = {
    async requestSession(params: unknown) {
      (w.__requested as unknown[]).push(params);
      started = true;
      return view();
    },
    async getSessions() {
      return started ? [await view()] : [];
    },
    async endSession() {},
    on(name: string, h: (d: unknown) => void) {
      (handlers[name] ??= []).push(h);
    },
    off(name: string, h: (d: unknown) => void) {
      handlers[name] = (handlers[name] ?? []).filter((x) => x !== h);
    },
    async fetch(input: string, init: RequestInit = {}) {
      const first = await fetch(input, init);
      const header = first.headers.get('PAYMENT-REQUIRED');
      if (first.status !== 402 || !header) return first;
      const required = fromBase64(header);
      const accepted = required.accepts.find((a: { scheme: string }) => a.scheme === 'session');
      const headers = new Headers(init.headers);
      headers.set('PAYMENT-SIGNATURE', toBase64({ x402Version: 2, resource: required.resource, accepted, payload: { sessionId: args.sessionId } }));
      const paid = await fetch(input, { ...init, headers });
      const response = paid.headers.get('PAYMENT-RESPONSE');
      if (paid.ok && response) emit('payment', fromBase64(response));
      return paid;
    },
  };
  setTimeout(() => {
    w.x402session = api;
    window.dispatchEvent(new Event('x402session#initialized'));
  }, args.delayMs);
}

async function text(page: Page, testId: string): Promise<string> {
  return (await page.getByTestId(testId).textContent()) ?? '';
}

describe('demo dapp in Chromium', () => {
  it('without the extension: shows the install hint, and an unpaid call stops at a readable 402', async () => {
    const page = await browser.newPage();
    try {
      await page.goto(stack.dapp.url);
      await expect.poll(() => text(page, 'status')).toBe('No x402 Session Wallet found.');
      expect(await page.getByTestId('install-hint').isVisible()).toBe(true);
      expect(await page.getByTestId('start-session').isDisabled()).toBe(true);
      await page.getByTestId('chat-input').fill('hello?');
      await page.getByTestId('chat-send').click();
      // The page read PAYMENT-REQUIRED cross-origin, so the API exposes it.
      await expect.poll(() => text(page, 'chat-log')).toContain('Not sent: Payment required');
    } finally {
      await page.close();
    }
  });

  it('with a wallet announced late: starts a session, chats and pulls, and the panel follows the payments', async () => {
    const user = stack.accounts.users[0]!;
    const sessionId = await openSession(stack, user, 1_000_000n);
    const recipientBefore = await balanceOf(stack, stack.api.recipient);
    const page = await browser.newPage();
    try {
      await page.addInitScript(installFakeWallet, { sessionId, facilitatorUrl: stack.facilitator.url, delayMs: 300 });
      await page.goto(stack.dapp.url);
      await expect.poll(() => text(page, 'status')).toContain('x402 Session Wallet detected');
      expect(await page.getByTestId('install-hint').isHidden()).toBe(true);

      await page.getByTestId('start-session').click();
      await expect.poll(() => text(page, 'session-cap')).toBe('1.00 USDC');
      expect(await text(page, 'session-spent')).toBe('0.00 USDC');
      expect(await text(page, 'session-expiry')).toMatch(/in \d+ min/);
      expect(await page.evaluate(() => (window as unknown as { __requested: unknown[] }).__requested)).toEqual([
        {
          scheme: 'session',
          network: stack.chain.network,
          asset: stack.token.address,
          cap: '1.00',
          expiresIn: 3600,
          recipient: stack.api.recipient,
          facilitatorUrl: stack.facilitator.url,
          apiOrigins: [new URL(stack.api.url).origin],
        },
      ]);

      await page.getByTestId('chat-input').fill('hello dapp');
      await page.getByTestId('chat-send').click();
      await expect.poll(() => text(page, 'chat-log')).toContain('paid message #1 of this session');
      await expect.poll(() => text(page, 'session-spent')).toBe('0.10 USDC');

      // The API numbers paid calls per session: the chat was #1, this pull is #2.
      await page.getByTestId('slot-pull').click();
      await expect.poll(() => text(page, 'slot-result')).toMatch(/^(Pull #2: no luck\.|Jackpot on pull #2!)$/);
      await expect.poll(() => text(page, 'session-remaining')).toBe('0.89 USDC');
      const reels = await page.getByTestId('slot-reels').locator('.reel').allTextContents();
      expect(reels).toHaveLength(3);
      expect(await balanceOf(stack, stack.api.recipient)).toBe(recipientBefore + 110_000n);
    } finally {
      await page.close();
    }
  });

  it('the no-CORS route is unreadable from a page on another origin (the extension has to cope)', async () => {
    const page = await browser.newPage();
    try {
      await page.goto(stack.dapp.url);
      const outcome = await page.evaluate(async (url) => {
        try {
          await fetch(url);
          return 'readable';
        } catch (err) {
          return (err as Error).name;
        }
      }, stack.api.url + stack.api.paths.nocors);
      expect(outcome).toBe('TypeError');
      const cheap = await page.evaluate(async (url) => (await fetch(url)).status, stack.api.url + stack.api.paths.cheap);
      expect(cheap).toBe(402);
    } finally {
      await page.close();
    }
  });
});
