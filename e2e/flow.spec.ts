import { stopServiceWorkers } from './support/extension';
import { expect, test } from './fixtures';
import { postMany, requestSession } from './support/page-calls';

test.describe('the whole flow in Chromium with the built extension', () => {
  test('dapp: request → one approval → ten paid calls with no further window → cap reached', async ({ dapp, stack, wallet, chain, approvalWindow, openPopup, ext }, testInfo) => {
    const price = stack.api.prices.chat;
    const chatUrl = stack.api.url + stack.api.paths.chat;
    const recipientBefore = await chain.balanceOf(stack.api.recipient);
    const payerBefore = await chain.balanceOf(wallet.address);
    await dapp.evaluate(() => {
      (window as any).__events = [];
      for (const e of ['payment', 'paymentFailed', 'sessionChanged']) window.x402session!.on(e as never, (d: unknown) => (window as any).__events.push({ e, d }));
    });

    const pending = requestSession(dapp, { network: stack.chain.network, asset: stack.token.address, cap: '1.00', expiresIn: 3600, recipient: stack.api.recipient, facilitatorUrl: stack.facilitator.url, apiOrigins: [new URL(stack.api.url).origin] });
    const win = await approvalWindow();
    await expect(win.getByTestId('approval-origin')).toHaveText(new URL(stack.dapp.url).origin);
    await expect(win.getByTestId('approval-token')).toContainText('USDC');
    await expect(win.getByTestId('approval-recipient')).toHaveText(stack.api.recipient);
    await expect(win.getByTestId('approval-facilitator')).toHaveText(new URL(stack.facilitator.url).host);
    await win.screenshot({ path: testInfo.outputPath('approval-window.png') });
    let laterWindows = 0;
    await win.getByTestId('approve').click();
    const opened = await pending;
    ext.context.on('page', (p) => void (p.url().includes('/approve.html') && laterWindows++));
    expect(opened).toMatchObject({ ok: true, s: { cap: '1000000', spent: '0', status: 'active', origin: new URL(stack.dapp.url).origin } });
    if (!opened.ok) return;
    expect(JSON.stringify(opened.s)).not.toMatch(/secret/i);
    expect(wallet.sent).toHaveLength(1);
    expect(await chain.allowance(wallet.address, stack.facilitator.address)).toBe(1_000_000n);

    // The toolbar badge shows what this tab's origin can still spend.
    const badge = async () => (await ext.serviceWorker()).evaluate(async (u) => {
      const chrome = (globalThis as any).chrome;
      const [tab] = await chrome.tabs.query({ url: `${u}/*` });
      return chrome.action.getBadgeText({ tabId: tab.id });
    }, stack.dapp.url);
    await expect.poll(badge).toBe('1');
    expect(await postMany(dapp, chatUrl, 5)).toEqual(Array(5).fill(200));
    await expect.poll(badge).toBe('0.5');
    expect(await postMany(dapp, chatUrl, 5)).toEqual(Array(5).fill(200));
    await expect.poll(badge).toBe('');
    expect(laterWindows).toBe(0);
    expect(wallet.sent).toHaveLength(1); // still the one approve: no per-call signature
    expect(await chain.balanceOf(stack.api.recipient)).toBe(recipientBefore + 10n * price);
    expect(await chain.balanceOf(wallet.address)).toBe(payerBefore - 10n * price);

    const popup = await openPopup();
    const card = popup.getByTestId('session-card').first();
    await expect(card.getByTestId('session-spent')).toHaveAttribute('data-units', String(10n * price));
    await expect(card.getByTestId('session-cap')).toHaveAttribute('data-units', '1000000');
    const expiry = Number(await card.getByTestId('session-expiry').getAttribute('data-expires-at'));
    expect(Math.abs(expiry - (Math.floor(Date.now() / 1000) + 3600))).toBeLessThan(120);
    await popup.screenshot({ path: testInfo.outputPath('popup.png') });

    // Past the cap: the original 402, and the reason as an event.
    const past = await dapp.evaluate(async (url) => {
      const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"message":"one more"}' });
      await new Promise((res) => setTimeout(res, 300));
      return { status: r.status, hasHeader: r.headers.has('payment-required'), failed: (window as any).__events.filter((x: any) => x.e === 'paymentFailed').map((x: any) => x.d.reason) };
    }, chatUrl);
    expect(past).toMatchObject({ status: 402, hasHeader: true });
    expect(past.failed).toContain('cap_exceeded');
    expect(await chain.balanceOf(stack.api.recipient)).toBe(recipientBefore + 10n * price);
    const events = await dapp.evaluate(() => (window as any).__events.map((x: any) => x.e));
    expect(events.filter((e: string) => e === 'payment')).toHaveLength(10);
  });

  test('bare 402: a page that knows nothing of the extension gets one window, then its fetch resolves 200', async ({ dapp, stack, wallet, chain, approvalWindow }) => {
    const recipientBefore = await chain.balanceOf(stack.api.recipient);
    const url = stack.api.url + stack.api.paths.cheap;
    const pending = dapp.evaluate(async (u) => {
      const r = await fetch(u);
      return { status: r.status, body: await r.text() };
    }, url);
    const win = await approvalWindow();
    await expect(win.getByTestId('approval-price')).toContainText('0.01');
    await win.getByTestId('approve').click();
    const res = await pending;
    expect(res.status).toBe(200);
    expect(wallet.sent).toHaveLength(1);
    expect(await chain.balanceOf(stack.api.recipient)).toBe(recipientBefore + stack.api.prices.cheap);
  });

  test('reject: the Reject button and closing the window both give 4001 / the original 402, nothing stored or on chain', async ({ dapp, stack, wallet, chain, approvalWindow, ext }) => {
    const params = { network: stack.chain.network, asset: stack.token.address, cap: '1.00', expiresIn: 3600, recipient: stack.api.recipient, facilitatorUrl: stack.facilitator.url, apiOrigins: [new URL(stack.api.url).origin] };
    const first = requestSession(dapp, params);
    await (await approvalWindow()).getByTestId('reject').click();
    expect(await first).toMatchObject({ ok: false, code: 4001 });

    // Keyboard: Escape rejects.
    await dapp.waitForTimeout(3_100);
    const byKey = requestSession(dapp, params);
    const keyWin = await approvalWindow();
    await keyWin.getByTestId('approve').waitFor();
    // The window closes itself on Escape, so the key press may outlive its page.
    await keyWin.keyboard.press('Escape').catch(() => undefined);
    expect(await byKey).toMatchObject({ ok: false, code: 4001 });

    await dapp.waitForTimeout(3_100); // the short cooldown after a rejection
    const second = requestSession(dapp, params);
    await (await approvalWindow()).close();
    expect(await second).toMatchObject({ ok: false, code: 4001 });

    // A bare 402 whose window is closed: the page gets the original 402.
    await dapp.waitForTimeout(3_100);
    const bare = dapp.evaluate(async (u) => (await fetch(u)).status, stack.api.url + stack.api.paths.cheap);
    await (await approvalWindow()).close();
    expect(await bare).toBe(402);

    expect(wallet.sent).toHaveLength(0);
    expect(await chain.allowance(wallet.address, stack.facilitator.address)).toBe(0n);
    const sessions = await (await ext.serviceWorker()).evaluate(() => new Promise<number>((resolve) => {
      const req = indexedDB.open('x402-session-wallet');
      req.onsuccess = () => {
        const tx = req.result.transaction('sessions', 'readonly');
        const c = tx.objectStore('sessions').count();
        c.onsuccess = () => resolve(c.result);
      };
    }));
    expect(sessions).toBe(0);
  });

  test('wallet rejection after Approve: 4001 and nothing stored', async ({ dapp, stack, wallet, chain, approvalWindow }) => {
    wallet.mode = 'reject';
    const pending = requestSession(dapp, { network: stack.chain.network, asset: stack.token.address, cap: '1.00', expiresIn: 3600, recipient: stack.api.recipient, facilitatorUrl: stack.facilitator.url, apiOrigins: [new URL(stack.api.url).origin] });
    await (await approvalWindow()).getByTestId('approve').click();
    expect(await pending).toMatchObject({ ok: false, code: 4001 });
    expect(wallet.sent).toHaveLength(0);
    expect(await chain.allowance(wallet.address, stack.facilitator.address)).toBe(0n);
    expect(await dapp.evaluate(() => window.x402session!.getSessions())).toEqual([]);
  });

  test('restart: the service worker stopped between calls still pays from the same session, spent exact', async ({ dapp, stack, wallet, chain, approvalWindow, ext }) => {
    const price = stack.api.prices.chat;
    const chatUrl = stack.api.url + stack.api.paths.chat;
    const pending = requestSession(dapp, { network: stack.chain.network, asset: stack.token.address, cap: '1.00', expiresIn: 3600, recipient: stack.api.recipient, facilitatorUrl: stack.facilitator.url, apiOrigins: [new URL(stack.api.url).origin] });
    await (await approvalWindow()).getByTestId('approve').click();
    expect((await pending).ok).toBe(true);
    const recipientBefore = await chain.balanceOf(stack.api.recipient);
    for (let i = 0; i < 3; i++) {
      expect(await postMany(dapp, chatUrl, 1)).toEqual([200]);
      await stopServiceWorkers(dapp);
    }
    expect(await postMany(dapp, chatUrl, 1)).toEqual([200]);
    expect(wallet.sent).toHaveLength(1);
    expect(await chain.balanceOf(stack.api.recipient)).toBe(recipientBefore + 4n * price);
    await expect.poll(async () => (await dapp.evaluate(() => window.x402session!.getSessions()))[0]?.spent).toBe(String(4n * price));
    await ext.serviceWorker();
  });
});

test('settings: the options page turns pre-emptive payment and bare-402 prompts off', async ({ ext, dapp, stack, approvalWindow }) => {
  // With pre-emption on, the second call to a route carries the payment on its first send.
  const pending = requestSession(dapp, { network: stack.chain.network, asset: stack.token.address, cap: '1.00', expiresIn: 3600, recipient: stack.api.recipient, facilitatorUrl: stack.facilitator.url, apiOrigins: [new URL(stack.api.url).origin] });
  await (await approvalWindow()).getByTestId('approve').click();
  expect((await pending).ok).toBe(true);
  const url = stack.api.url + stack.api.paths.cheap;
  const firstSends: string[] = [];
  let inCall = false;
  await dapp.route(url, (route) => {
    if (!inCall) {
      inCall = true;
      firstSends.push(route.request().headers()['payment-signature'] ? 'paid' : 'bare');
    }
    return route.continue();
  });
  const call = async () => {
    inCall = false;
    expect(await dapp.evaluate(async (u) => (await fetch(u)).status, url)).toBe(200);
    await dapp.waitForTimeout(300);
  };
  await call();
  await call();
  expect(firstSends).toEqual(['bare', 'paid']);

  const options = await ext.context.newPage();
  await options.goto(`chrome-extension://${ext.extensionId}/options.html`);
  await options.getByTestId('opt-prompt').uncheck();
  await options.getByTestId('opt-preemptive').uncheck();
  await expect(options.getByRole('status')).toHaveText('Saved.');
  const stored = await (await ext.serviceWorker()).evaluate(async () => (await (globalThis as any).chrome.storage.local.get('settings')).settings);
  expect(stored).toMatchObject({ preemptive: false, promptOn402: false, rpc: { [stack.chain.network]: stack.chain.rpcUrl } });
  // Off: the same route goes back to the 402 dance.
  await call();
  expect(firstSends).toEqual(['bare', 'paid', 'bare']);
  await dapp.unroute(url);
  // With prompts off, a bare 402 from a site with no session gets no window: the page gets its 402.
  let opened = false;
  void approvalWindow().then(() => (opened = true), () => undefined);
  const other = await ext.context.newPage();
  await other.goto(stack.dapp.url.replace('127.0.0.1', 'localhost'));
  expect(await other.evaluate(async (u) => (await fetch(u)).status, stack.api.url + stack.api.paths.cheap)).toBe(402);
  await other.waitForTimeout(500);
  expect(opened).toBe(false);
});
