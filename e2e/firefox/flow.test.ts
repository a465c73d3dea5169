/**
 * The whole product in real Firefox: the Firefox build installed as a temporary add-on, the local
 * stack (chain, token, facilitator, paid API, demo dapp), the stand-in wallet. A session is opened
 * through the approval window, paid calls settle on the local chain (balances read on chain), the
 * popup shows it, and the options page exports and clears everything.
 *
 *   npm run build:firefox && npm run test:firefox
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Page } from 'puppeteer-core';
import { createPublicClient, http, parseAbi } from 'viem';
import { startStack, type Stack } from '../../devnet/stack';
import { TestWallet } from '../support/test-wallet';
import { installWallet, launchFirefoxWithExtension, waitInPage, type FirefoxWithExtension } from './support';

const ERC20 = parseAbi(['function balanceOf(address) view returns (uint256)', 'function allowance(address,address) view returns (uint256)']);

const IDLE_MS = 4_000;
let stack: Stack;
let ff: FirefoxWithExtension;
let wallet: TestWallet;
let options: Page;
let dapp: Page;
let chain: { balanceOf(a: `0x${string}`): Promise<bigint>; allowance(o: `0x${string}`, s: `0x${string}`): Promise<bigint> };
const before_: { payer: bigint; recipient: bigint } = { payer: 0n, recipient: 0n };

before(async () => {
  [stack, ff] = await Promise.all([
    startStack({ quiet: true, userCount: 1 }),
    // Firefox runs MV3 backgrounds as event pages and suspends them after this long without events,
    // open ports or not (default 30 s). Short here, so the paid calls below meet a suspended one.
    launchFirefoxWithExtension({ prefs: { 'extensions.background.idle.timeout': IDLE_MS } }),
  ]);
  const user = stack.accounts.users[0]!;
  wallet = new TestWallet(user.privateKey as `0x${string}`, stack.chain.rpcUrl, stack.chain.chainId);
  const client = createPublicClient({ transport: http(stack.chain.rpcUrl) });
  chain = {
    balanceOf: (a) => client.readContract({ address: stack.token.address, abi: ERC20, functionName: 'balanceOf', args: [a] }),
    allowance: (o, s) => client.readContract({ address: stack.token.address, abi: ERC20, functionName: 'allowance', args: [o, s] }),
  };
});

after(async () => {
  await ff?.close().catch(() => undefined);
  await stack?.stop();
});

/** How many background pages run right now (Firefox: 0 while the event page is suspended). */
const backgroundViews = () =>
  options.evaluate(() => ((globalThis as any).browser.extension.getViews() as Window[]).filter((w) => /background/.test(w.location.pathname)).length);

const text = (page: Page, testId: string) => page.$eval(`[data-testid="${testId}"]`, (e) => e.textContent ?? '');

test('options page: version, privacy policy, and the local chain RPC saved through the background', async () => {
  options = await ff.openExtensionPage('options.html');
  await options.waitForSelector('[data-testid="options"]');
  const manifestVersion = await options.evaluate(() => (globalThis as unknown as { browser: { runtime: { getManifest(): { version: string } } } }).browser.runtime.getManifest().version);
  assert.equal(await text(options, 'about-version'), manifestVersion);
  const privacy = await options.$eval('[data-testid="about-privacy"]', (a) => (a as HTMLAnchorElement).href);
  assert.equal(privacy, `${ff.baseUrl}/privacy.html`);
  // The policy is inside the extension: it loads offline.
  const policy = await options.evaluate(async (u) => (await fetch(u)).text(), privacy);
  assert.match(policy, /What the extension stores/);

  await options.type('[data-testid="opt-new-network"]', stack.chain.network);
  await options.click('[data-testid="opt-add-network"]');
  await options.type(`[data-testid="opt-rpc-${stack.chain.network}"]`, stack.chain.rpcUrl);
  await options.click('[data-testid="opt-save-rpc"]');
  await waitInPage(options, () => document.querySelector('[data-testid="opt-status"]')?.textContent === 'Saved.', 10_000, 'RPC saved');
  // After the cap, a 402 must come back to the page as it is, not open another approval.
  await options.click('[data-testid="opt-prompt"]');
  await waitInPage(options, () => (document.querySelector('[data-testid="opt-prompt"]') as HTMLInputElement | null)?.checked === false, 5_000, 'prompt off');
  const stored = await options.evaluate(async () => (await (globalThis as any).browser.storage.local.get('settings')).settings);
  assert.equal(stored.rpc[stack.chain.network], stack.chain.rpcUrl);
  assert.equal(stored.promptOn402, false);
});

test('the MAIN-world script is in the dapp page before its scripts, and a session opens through the approval window', async () => {
  dapp = await ff.browser.newPage();
  await installWallet(dapp, wallet);
  await dapp.goto(stack.dapp.url);
  assert.equal(await dapp.evaluate(() => typeof window.x402session?.requestSession), 'function');
  await dapp.evaluate(() => {
    (window as any).__events = [];
    for (const e of ['payment', 'paymentFailed', 'sessionChanged']) window.x402session!.on(e as never, (d: unknown) => (window as any).__events.push({ e, d }));
  });
  before_.payer = await chain.balanceOf(wallet.address);
  before_.recipient = await chain.balanceOf(stack.api.recipient);

  await dapp.waitForSelector('[data-testid="start-session"]:not([disabled])');
  await dapp.click('[data-testid="start-session"]');
  const win = await ff.waitForExtensionPage('approve.html');
  await win.waitForSelector('[data-testid="approve"]');
  assert.equal(await text(win, 'approval-origin'), new URL(stack.dapp.url).origin);
  assert.equal(await text(win, 'approval-recipient'), stack.api.recipient);
  assert.equal(await text(win, 'approval-facilitator'), new URL(stack.facilitator.url).host);
  await win.click('[data-testid="approve"]');

  await waitInPage(dapp, () => /\d/.test(document.querySelector('[data-testid="session-cap"]')?.textContent ?? ''), 30_000, 'session open in the dapp');
  assert.equal(wallet.sent.length, 1, 'one approve signed in the wallet');
  assert.ok(wallet.calls.includes('wallet_switchEthereumChain'), 'the signer switched the wallet to the local chain');
  assert.equal(await chain.allowance(wallet.address, stack.facilitator.address), 1_000_000n);
  const sessions = await dapp.evaluate(() => window.x402session!.getSessions());
  assert.equal(sessions.length, 1);
  assert.equal(sessions[0]!.status, 'active');
  assert.doesNotMatch(JSON.stringify(sessions), /secret/i);
});

test('ten paid calls settle on the local chain with no further window — the background suspended and woken in between; the eleventh gets the original 402', async () => {
  const chatUrl = stack.api.url + stack.api.paths.chat;
  const pagesBefore = (await ff.browser.pages()).length;
  const post = (n: number) => dapp.evaluate(async (url, n) => {
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message: `hello ${i}` }) });
      out.push(r.status);
    }
    return out;
  }, chatUrl, n);
  const statuses = await post(4);
  assert.equal(await backgroundViews(), 1, 'the event page runs while it is busy');
  // Idle past the timeout: Firefox suspends the event page and closes every relay port to it.
  const until = Date.now() + IDLE_MS * 4;
  while ((await backgroundViews()) !== 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 250));
  assert.equal(await backgroundViews(), 0, 'the event page was suspended');
  statuses.push(...(await post(7)));
  assert.equal(await backgroundViews(), 1, 'the paid calls woke it');
  assert.deepEqual(statuses, [...Array(10).fill(200), 402]);
  const price = stack.api.prices.chat;
  assert.equal(await chain.balanceOf(stack.api.recipient), before_.recipient + 10n * price);
  assert.equal(await chain.balanceOf(wallet.address), before_.payer - 10n * price);
  assert.equal(wallet.sent.length, 1, 'no signature per call');
  assert.ok((await ff.browser.pages()).length <= pagesBefore, 'no approval window for the paid calls');
  const events = await dapp.evaluate(() => (window as any).__events as Array<{ e: string; d: any }>);
  const paid = events.filter((x) => x.e === 'payment');
  assert.equal(paid.length, 10);
  assert.ok(paid.every((p) => /^0x[0-9a-f]{64}$/i.test(p.d.transaction)), 'each payment carries its settlement tx hash');
  assert.ok(events.some((x) => x.e === 'sessionChanged' && x.d.status === 'exhausted'), 'the dapp heard the session reach its cap');
});

test('the toolbar popup shows the session spent to its cap', async () => {
  const popup = await ff.openExtensionPage('popup.html');
  await popup.waitForSelector('[data-testid="session-card"]');
  const units = await popup.$eval('[data-testid="session-card"] [data-testid="session-spent"]', (e) => e.getAttribute('data-units'));
  assert.equal(units, String(10n * stack.api.prices.chat));
  await popup.close();
});

test('export: the session, ten settled payments with their tx hashes, the settings — and no bearer secret', async () => {
  await options.bringToFront();
  await options.evaluate(() => {
    const w = window as any;
    const real = URL.createObjectURL.bind(URL);
    URL.createObjectURL = (blob: Blob) => {
      w.__exported = blob.text();
      return real(blob);
    };
  });
  await options.click('[data-testid="data-export"]');
  await waitInPage(options, () => /^Exported/.test(document.querySelector('[data-testid="data-status"]')?.textContent ?? ''), 10_000, 'export done');
  const json = await options.evaluate(() => (window as any).__exported as Promise<string>);
  const data = JSON.parse(json);
  assert.equal(data.format, 'x402-session-wallet-export');
  assert.equal(data.sessions.length, 1);
  assert.equal(data.sessions[0].origin, new URL(stack.dapp.url).origin);
  // The grant (for `session`, the facilitator's bearer session id) is replaced whole.
  assert.deepEqual(Object.keys(data.sessions[0].grant), ['notExported']);
  const settled = data.payments.filter((p: { status: string }) => p.status === 'settled');
  assert.equal(settled.length, 10);
  assert.ok(settled.every((p: { txHash?: string }) => /^0x[0-9a-f]{64}$/i.test(p.txHash ?? '')));
  assert.equal(data.settings.rpc[stack.chain.network], stack.chain.rpcUrl);
  assert.equal(data.extensionVersion, await text(options, 'about-version'));
});

test('clear: asks first, then deletes every session, payment and setting', async () => {
  await options.click('[data-testid="data-clear"]');
  await options.waitForSelector('[data-testid="data-clear-confirm"]');
  await options.click('[data-testid="data-clear-yes"]');
  await waitInPage(options, () => /^Deleted 1 session, 10 payments/.test(document.querySelector('[data-testid="data-status"]')?.textContent ?? ''), 10_000, 'cleared');
  // The page's settings form is back to the defaults.
  await waitInPage(options, () => (document.querySelector('[data-testid="opt-prompt"]') as HTMLInputElement | null)?.checked === true, 5_000, 'prompt back on');
  const stored = await options.evaluate(async () => (await (globalThis as any).browser.storage.local.get('settings')).settings ?? null);
  assert.equal(stored, null);
  assert.deepEqual(await dapp.evaluate(() => window.x402session!.getSessions()), []);
});
