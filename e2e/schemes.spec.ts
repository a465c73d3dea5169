import type { Page } from '@playwright/test';
import { startPaidApi } from '../devnet/api/server';
import { stopServiceWorkers } from './support/extension';
import { readStore } from './support/store';
import { expect, test } from './fixtures';

/**
 * The two other EVM schemes a page meets (issue 14), in Chromium with the built extension against
 * the devnet stack: daydreams `upto` (one ERC-2612 permit, reused) and `exact` (an EIP-3009
 * signature per call, under a budget set once). The test wallet signs typed data for real with its
 * key (`eth_signTypedData_v4`), so what the extension checks — the signer, the permit nonce, the
 * token domain — is checked for real.
 */

async function listen(page: Page) {
  await page.evaluate(() => {
    (window as any).__events = [];
    for (const e of ['payment', 'paymentFailed']) window.x402session!.on(e as never, (d: unknown) => (window as any).__events.push({ e, d }));
  });
}
const failures = (page: Page) => page.evaluate(() => (window as any).__events.filter((x: any) => x.e === 'paymentFailed').map((x: any) => x.d.reason as string));

/** One GET from the page with its plain fetch: status, the upto session header, and the body. */
function get(page: Page, url: string, headers: Record<string, string> = {}) {
  return page.evaluate(
    async ({ url, headers }) => {
      const r = await fetch(url, { headers });
      await new Promise((res) => setTimeout(res, 150));
      return { status: r.status, upto: r.headers.get('x-upto-session-id'), paymentRequired: r.headers.has('payment-required'), body: await r.text() };
    },
    { url, headers },
  );
}

async function pageOn(context: import('@playwright/test').BrowserContext, origin: string) {
  const page = await context.newPage();
  await page.goto(origin);
  await page.waitForFunction(() => !!window.x402session);
  return page;
}

test.describe('upto (daydreams): one permit, reused', () => {
  test('one window and one permit signature (no gas), ten paid calls with no further prompt, the cap reached, settled on chain in batches', async ({ dapp, stack, wallet, chain, approvalWindow, ext }, testInfo) => {
    const url = stack.api.url + stack.upto.paths.upto;
    const { price, cap } = stack.upto;
    const before = { recipient: await chain.balanceOf(stack.api.recipient), payer: await chain.balanceOf(wallet.address) };
    await listen(dapp);
    let windows = 0;
    ext.context.on('page', (p) => void (p.url().includes('/approve.html') && windows++));

    const first = get(dapp, url);
    const win = await approvalWindow();
    await expect(win.getByTestId('approval-scheme')).toContainText('upto');
    await expect(win.getByTestId('approval-permit')).toContainText(/sign one permit \(no gas\): it lets the facilitator pull up to 0\.10 USDC until/);
    await expect(win.getByTestId('approval-permit')).toHaveAttribute('data-units', cap.toString());
    await expect(win.getByTestId('approval-expiry')).toHaveValue('300');
    await win.screenshot({ path: testInfo.outputPath('upto-approval.png') });
    await win.getByTestId('approve').click();
    const res = await first;
    expect(res).toMatchObject({ status: 200, upto: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(wallet.signed).toEqual(['Permit']);
    expect(wallet.sent).toHaveLength(0);

    for (let i = 2; i <= 10; i++) expect((await get(dapp, url)).status, `call ${i}`).toBe(200);
    expect(windows).toBe(1);
    expect(wallet.signed).toEqual(['Permit']);
    // Past the cap: the original 402 and the reason; the permit was not sent.
    const past = await get(dapp, url);
    expect(past).toMatchObject({ status: 402, paymentRequired: true });
    expect(await failures(dapp)).toContain('cap_exceeded');
    // The server settles in batches (every five calls): the whole cap leaves the payer for the recipient.
    await expect.poll(() => chain.balanceOf(wallet.address), { timeout: 30_000 }).toBe(before.payer - 10n * price);
    expect(await chain.balanceOf(stack.api.recipient)).toBeGreaterThanOrEqual(before.recipient + cap);
    // The permit itself never reached the page: not in any response it saw.
    const store = await readStore(await ext.serviceWorker());
    const signature = store.sessions[0]!.grant.payload.signature as string;
    expect(res.body).not.toContain(signature.slice(2, 40));
    expect(store.sessions[0]).toMatchObject({ scheme: 'upto', status: 'exhausted', spent: cap.toString() });
  });

  test('Reject; a wallet refusal; a worker restart between calls: the same permit still pays', async ({ dapp, stack, wallet, approvalWindow, ext, site }) => {
    const url = stack.api.url + stack.upto.paths.upto;
    await listen(dapp);
    const rejected = get(dapp, url);
    await (await approvalWindow()).getByTestId('reject').click();
    expect(await rejected).toMatchObject({ status: 402 });
    expect(wallet.signed).toEqual([]);

    // Another site (the first is in its cool-down after the Reject): the wallet refuses the permit.
    const b = await pageOn(ext.context, site.a + '/plain');
    await listen(b);
    wallet.mode = 'reject';
    const refused = get(b, url);
    await (await approvalWindow()).getByTestId('approve').click();
    expect(await refused).toMatchObject({ status: 402 });
    expect(await failures(b)).toContain('user_rejected');
    expect((await readStore(await ext.serviceWorker())).sessions).toHaveLength(0);

    // A third: approved; the worker stops between calls; the stored permit keeps paying.
    wallet.mode = 'approve';
    const c = await pageOn(ext.context, site.b + '/plain');
    const opened = get(c, url);
    await (await approvalWindow()).getByTestId('approve').click();
    const firstId = (await opened).upto;
    expect(firstId).toMatch(/^[0-9a-f]{64}$/);
    for (let i = 0; i < 2; i++) {
      await stopServiceWorkers(c);
      expect(await get(c, url)).toMatchObject({ status: 200, upto: firstId });
    }
    expect(wallet.signed).toEqual(['Permit']);
    await expect.poll(async () => (await readStore(await ext.serviceWorker())).sessions[0]?.spent).toBe(String(3n * stack.upto.price));
  });

  test('bound: another origin and another payTo never get the permit; revoke leaves allowance 0; a leaked permit replayed after that moves nothing', async ({ dapp, stack, wallet, chain, approvalWindow, ext, openPopup }) => {
    const url = stack.api.url + stack.upto.paths.upto;
    const { price, cap, spender } = stack.upto;
    await listen(dapp);
    const first = get(dapp, url);
    await (await approvalWindow()).getByTestId('approve').click();
    const sessionId = (await first).upto!;
    for (let i = 2; i <= 5; i++) expect((await get(dapp, url)).status).toBe(200);
    // The first batch (five calls) lands the permit: cap − used stays approved to the facilitator.
    await expect.poll(() => chain.allowance(wallet.address, spender), { timeout: 30_000 }).toBe(cap - 5n * price);
    const tally = async (base = stack.api.url) => (await fetch(`${base}${stack.upto.paths.uptoSessions}/${sessionId}`)).json() as Promise<{ calls?: number; settlements?: { success: boolean }[] }>;
    expect((await tally()).calls).toBe(5);

    // Another origin at the same API: not paid with this permit; a second permit to the busy spender is refused before any window.
    let windows = 0;
    ext.context.on('page', (p) => void (p.url().includes('/approve.html') && windows++));
    const other = await pageOn(ext.context, stack.dapp.url.replace('127.0.0.1', 'localhost'));
    await listen(other);
    expect(await get(other, url)).toMatchObject({ status: 402 });
    expect(await failures(other)).toContain('spender_busy');
    expect(windows).toBe(0);
    expect((await tally()).calls).toBe(5);

    // A 402 from another payTo (another API copying the terms): not paid with it.
    const elsewhere = await startPaidApi({
      port: 0,
      facilitatorUrl: stack.facilitator.url,
      network: stack.chain.network,
      asset: stack.token.address,
      payTo: stack.accounts.deployer.address,
      quiet: true,
      upto: { facilitatorUrl: stack.upto.facilitatorUrl, token: { name: stack.token.name, version: stack.token.version }, advertiseFacilitator: true },
    });
    try {
      expect(await get(dapp, elsewhere.url + stack.upto.paths.upto)).toMatchObject({ status: 402 });
      expect(await failures(dapp)).toContain('recipient_mismatch');
      expect((await fetch(`${elsewhere.url}${stack.upto.paths.uptoSessions}/${sessionId}`)).status).toBe(404);
    } finally {
      await elsewhere.stop();
    }

    // The person ends the session in the popup; it offers to revoke what is left, and says why.
    const popup = await openPopup();
    await popup.getByTestId('end-session').click();
    await popup.getByTestId('end-only').click();
    const leftover = popup.getByTestId('session-leftover');
    await expect(leftover).toHaveAttribute('data-units', (cap - 5n * price).toString(), { timeout: 15_000 });
    await expect(leftover).toContainText('does not end with the session');
    await popup.getByTestId('revoke-allowance').click();
    await expect.poll(() => chain.allowance(wallet.address, spender), { timeout: 30_000 }).toBe(0n);
    await expect(leftover).toHaveCount(0);
    expect(wallet.sent).toHaveLength(1); // the revoke: approve(spender, 0)

    // Someone who got hold of the permit (read here from the store) replays it from another origin:
    // the server still counts it (the permit is a bearer credential), but with the allowance at 0 its
    // settlement moves nothing.
    const grant = (await readStore(await ext.serviceWorker())).sessions[0]!.grant as { payload: unknown };
    const accepted = JSON.parse(Buffer.from((await fetch(url)).headers.get('payment-required')!, 'base64').toString()).accepts[0];
    const leaked = Buffer.from(JSON.stringify({ x402Version: 2, accepted, payload: grant.payload })).toString('base64');
    // (The payer's balance is what is watched: the recipient is shared with other tests' batches.)
    const payer = await chain.balanceOf(wallet.address);
    expect((await get(other, url, { 'PAYMENT-SIGNATURE': leaked })).status).toBe(200);
    expect((await fetch(`${stack.api.url}${stack.upto.paths.uptoSessions}/${sessionId}/close`, { method: 'POST' })).status).toBe(200);
    const settlements = (await tally()).settlements ?? [];
    expect(settlements.at(-1)).toMatchObject({ success: false });
    expect(await chain.balanceOf(wallet.address)).toBe(payer);
  });
});

test.describe('exact: a budget set once, a wallet signature per call', () => {
  test('one window (nothing signed), then one signature per call, v2 and v1; none past the budget', async ({ dapp, stack, wallet, chain, approvalWindow }, testInfo) => {
    const v2 = stack.api.url + stack.exact.paths.exact;
    const v1 = stack.api.url + stack.exact.paths.exactV1;
    const { exact: p2, exactV1: p1 } = stack.exact.prices;
    const before = { recipient: await chain.balanceOf(stack.api.recipient), payer: await chain.balanceOf(wallet.address) };
    await listen(dapp);
    const first = get(dapp, v2);
    const win = await approvalWindow();
    await expect(win.locator('#approval-title')).toHaveText('Set a payment budget for this site?');
    await expect(win.getByTestId('approval-scheme')).toContainText('exact');
    await expect(win.getByTestId('approval-per-call-note')).toContainText('Each paid call opens your wallet');
    await expect(win.getByTestId('approval-facilitator')).toHaveCount(0);
    // The budget: room for three slot pulls and one fortune (v1), and a per-call limit that lets the fortune through.
    await win.getByTestId('approval-cap').fill('0.08');
    await win.getByTestId('approval-per-call').fill('0.05');
    await win.screenshot({ path: testInfo.outputPath('exact-approval.png') });
    await win.getByTestId('approve').click();
    expect((await first).status).toBe(200);
    expect(wallet.signed).toEqual(['TransferWithAuthorization']);
    expect(wallet.sent).toHaveLength(0);

    for (let i = 2; i <= 3; i++) expect((await get(dapp, v2)).status).toBe(200);
    expect(wallet.signed).toHaveLength(3);
    expect((await get(dapp, v1)).status).toBe(200);
    expect(wallet.signed).toHaveLength(4);
    // The budget is spent: the page gets its 402, and the wallet is not asked.
    expect(await get(dapp, v2)).toMatchObject({ status: 402, paymentRequired: true });
    expect(await failures(dapp)).toContain('cap_exceeded');
    expect(wallet.signed).toHaveLength(4);
    // Each call settled on its own (the recipient is shared with other tests' upto batches: at least).
    expect(await chain.balanceOf(wallet.address)).toBe(before.payer - 3n * p2 - p1);
    expect(await chain.balanceOf(stack.api.recipient)).toBeGreaterThanOrEqual(before.recipient + 3n * p2 + p1);
  });

  test('Reject; a refused signature frees its room; a worker restart; the options page turns exact off', async ({ dapp, stack, wallet, approvalWindow, ext, site }) => {
    const url = stack.api.url + stack.exact.paths.exact;
    const rejected = get(dapp, url);
    await (await approvalWindow()).getByTestId('reject').click();
    expect(await rejected).toMatchObject({ status: 402 });
    expect(wallet.signed).toEqual([]);

    const b = await pageOn(ext.context, site.a + '/plain');
    await listen(b);
    wallet.mode = 'reject';
    const refused = get(b, url);
    await (await approvalWindow()).getByTestId('approve').click();
    expect(await refused).toMatchObject({ status: 402 });
    expect(await failures(b)).toContain('user_rejected');
    let store = await readStore(await ext.serviceWorker());
    expect(store.sessions[0]).toMatchObject({ scheme: 'exact', spent: '0', reserved: '0', status: 'active' });

    wallet.mode = 'approve';
    expect((await get(b, url)).status).toBe(200);
    await stopServiceWorkers(b);
    expect((await get(b, url)).status).toBe(200);
    expect(wallet.signed).toEqual(['TransferWithAuthorization', 'TransferWithAuthorization']);
    store = await readStore(await ext.serviceWorker());
    await expect.poll(async () => (await readStore(await ext.serviceWorker())).sessions[0]?.spent).toBe(String(2n * stack.exact.prices.exact));

    const options = await ext.context.newPage();
    await options.goto(`chrome-extension://${ext.extensionId}/options.html`);
    await options.getByTestId('opt-per-call').uncheck();
    await expect(options.getByRole('status')).toHaveText('Saved.');
    expect(await get(b, url)).toMatchObject({ status: 402 });
    expect(await failures(b)).toContain('per_call_off');
    expect(wallet.signed).toHaveLength(2);
  });
});
