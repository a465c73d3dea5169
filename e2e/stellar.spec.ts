import { stopServiceWorkers } from './support/extension';
import { readStore } from './support/store';
import { expect, openStellarSession, stellarSessionParams, test } from './stellar-fixtures';
import { postMany, requestSession } from './support/page-calls';

// The whole flow on Stellar in Chromium with the built extension: the devnet's Soroban-RPC
// stand-in and Stellar facilitator, and Freighter stood in for (it signs the real transaction with
// a real key in Node). Balances come from the stand-in's ledger.

const sessionsInStore = async (ext: { serviceWorker(): Promise<import('@playwright/test').Worker> }) => (await readStore(await ext.serviceWorker())).sessions;

test.describe('Stellar: a session paid from one SAC approve signed in Freighter', () => {
  test('dapp: request → one approval in Stellar terms → ten paid calls → cap reached; one signature', async ({ dapp, stack, freighter, ledger, approvalWindow, openPopup, ext }, testInfo) => {
    const s = stack.stellar;
    const price = stack.api.stellar!.prices.chat;
    const chatUrl = stack.api.url + stack.api.stellar!.paths.chat;
    const recipient = s.accounts.recipient.publicKey;
    const recipientBefore = ledger.balance(recipient);
    const payerBefore = ledger.balance(freighter.publicKey);
    await dapp.evaluate(() => {
      (window as any).__events = [];
      for (const e of ['payment', 'paymentFailed', 'sessionChanged']) window.x402session!.on(e as never, (d: unknown) => (window as any).__events.push({ e, d }));
    });

    const pending = requestSession(dapp, stellarSessionParams(stack));
    const win = await approvalWindow();
    await expect(win.getByTestId('approval-origin')).toHaveText(new URL(stack.dapp.url).origin);
    await expect(win.getByTestId('approval-network')).toContainText('Stellar (local)');
    await expect(win.getByTestId('approval-network')).toContainText('stellar:local');
    await expect(win.getByTestId('approval-token')).toContainText('USDC');
    await expect(win.getByTestId('approval-token')).toContainText('(7 decimals)');
    await expect(win.getByTestId('approval-recipient')).toHaveText(recipient);
    await expect(win.getByTestId('approval-facilitator')).toHaveText(new URL(s.facilitator.url).host);
    await expect(win.getByTestId('approval-cap-summary')).toHaveText('1.00 USDC');
    await expect(win.getByTestId('approval-approve-amount')).toHaveAttribute('data-units', '10000000');
    // The expiry as a time and the ledger it maps to: latest + ceil(3600 / 5).
    const note = win.getByTestId('approval-expiry-on-chain');
    await expect(note).toHaveAttribute('data-height', String(s.ledger.latestSequence + 720));
    await expect(note).toContainText(/Ends about \d{4}-\d\d-\d\d \d\d:\d\d, at ledger \d+/);
    await win.screenshot({ path: testInfo.outputPath('stellar-approval-window.png') });
    let laterWindows = 0;
    await win.getByTestId('approve').click();
    const opened = await pending;
    ext.context.on('page', (p) => void (p.url().includes('/approve.html') && laterWindows++));
    expect(opened).toMatchObject({ ok: true, s: { network: 'stellar:local', cap: '10000000', spent: '0', status: 'active', decimals: 7, symbol: 'USDC', recipient } });
    expect(freighter.signatureCount).toBe(1);
    expect(freighter.requests).toEqual(expect.arrayContaining(['REQUEST_ACCESS', 'REQUEST_NETWORK_DETAILS', 'SUBMIT_TRANSACTION']));
    expect(ledger.allowance(freighter.publicKey)).toEqual({ amount: 10_000_000n, liveUntil: expect.any(Number) });
    const [stored] = await sessionsInStore(ext);
    expect(stored).toMatchObject({ family: 'stellar', network: 'stellar:local', user: freighter.publicKey, spender: s.facilitator.address, approvalTx: freighter.signed[0] });
    expect(JSON.stringify(opened)).not.toContain(stored!.grant.sessionId);

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
    expect(freighter.signatureCount).toBe(1); // still the one approve: no per-call signature
    expect(ledger.balance(recipient)).toBe(recipientBefore + 10n * price);
    expect(ledger.balance(freighter.publicKey)).toBe(payerBefore - 10n * price);

    // The popup shows it in Stellar units: 7 decimals, USDC, the network's label.
    const popup = await openPopup();
    const card = popup.getByTestId('session-card').first();
    await expect(card.getByTestId('session-spent')).toHaveAttribute('data-units', String(10n * price));
    await expect(card.getByTestId('session-spent')).toContainText('1.00 USDC of 1.00 USDC');
    await expect(card.getByTestId('session-cap')).toHaveAttribute('data-units', '10000000');
    await expect(popup.getByTestId('popup')).toContainText('Stellar (local)');
    // Its history: the ten settled calls, in Stellar units.
    await popup.getByRole('button', { name: 'Show payments' }).click();
    const history = popup.getByTestId('payment-history').locator('li');
    await expect(history).toHaveCount(10);
    await expect(history.first()).toContainText('0.10 USDC · settled');
    await popup.screenshot({ path: testInfo.outputPath('stellar-popup.png') });

    // Past the cap: the original 402 and the reason as an event.
    const past = await dapp.evaluate(async (url) => {
      const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"message":"one more"}' });
      await new Promise((res) => setTimeout(res, 300));
      return { status: r.status, hasHeader: r.headers.has('payment-required'), failed: (window as any).__events.filter((x: any) => x.e === 'paymentFailed').map((x: any) => x.d.reason) };
    }, chatUrl);
    expect(past).toMatchObject({ status: 402, hasHeader: true });
    expect(past.failed).toContain('cap_exceeded');
    expect(ledger.balance(recipient)).toBe(recipientBefore + 10n * price);
    const events = await dapp.evaluate(() => (window as any).__events.map((x: any) => x.e));
    expect(events.filter((e: string) => e === 'payment')).toHaveLength(10);
  });

  test('bare 402 on Stellar: a page that knows nothing of the extension gets one window, then its fetch resolves 200', async ({ dapp, stack, freighter, ledger, approvalWindow }) => {
    const recipient = stack.stellar.accounts.recipient.publicKey;
    const before = ledger.balance(recipient);
    const url = stack.api.url + stack.api.stellar!.paths.cheap;
    const pending = dapp.evaluate(async (u) => {
      const r = await fetch(u);
      return { status: r.status, body: await r.text() };
    }, url);
    const win = await approvalWindow();
    await expect(win.getByTestId('approval-price')).toHaveText('0.01 USDC');
    await expect(win.getByTestId('approval-token')).toContainText('(7 decimals)');
    await expect(win.getByTestId('approval-recipient')).toHaveText(recipient);
    await win.getByTestId('approve').click();
    const res = await pending;
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ reels: expect.any(Array) });
    expect(freighter.signatureCount).toBe(1);
    expect(ledger.balance(recipient)).toBe(before + stack.api.stellar!.prices.cheap);
    // The default cap of a bare 402 is ten calls at its price; the one paid call was pulled from it.
    expect(ledger.allowance(freighter.publicKey).amount).toBe(9n * stack.api.stellar!.prices.cheap);
  });

  test('reject: the Reject button gives 4001 and the original 402; nothing signed, stored or approved', async ({ dapp, stack, freighter, ledger, approvalWindow, ext }) => {
    const first = requestSession(dapp, stellarSessionParams(stack));
    await (await approvalWindow()).getByTestId('reject').click();
    expect(await first).toMatchObject({ ok: false, code: 4001, reason: 'user_rejected' });
    await dapp.waitForTimeout(3_100); // the short cooldown after a rejection
    const bare = dapp.evaluate(async (u) => (await fetch(u)).status, stack.api.url + stack.api.stellar!.paths.cheap);
    const win = await approvalWindow();
    await expect(win.getByTestId('approval-price')).toHaveText('0.01 USDC');
    // The window closes itself on Reject, so the click may outlive its page.
    await win.getByTestId('reject').click().catch(() => undefined);
    expect(await bare).toBe(402);
    expect(freighter.signatureCount).toBe(0);
    expect(freighter.requests).not.toContain('REQUEST_ACCESS');
    expect(ledger.allowance(freighter.publicKey).amount).toBe(0n);
    expect(await sessionsInStore(ext)).toHaveLength(0);
  });

  test('Freighter refusing, locked, on another network or missing: a clear message in the window, an EIP-1193 error to the page, nothing stored', async ({ dapp, stack, freighter, ledger, approvalWindow, ext }) => {
    const cases = [
      { mode: 'reject', code: 4001, reason: 'user_rejected', shown: /rejected in Freighter/ },
      { mode: 'locked', code: 4001, reason: 'wallet_locked', shown: /Unlock Freighter/ },
      { mode: 'wrong_network', code: 4901, reason: 'wrong_network', shown: /Freighter is on Stellar Testnet, but this session is on Stellar \(local\)/ },
      { mode: 'absent', code: 4900, reason: 'no_wallet', shown: /Freighter was not found on this page/ },
    ] as const;
    for (const c of cases) {
      freighter.reset();
      freighter.mode = c.mode;
      const pending = requestSession(dapp, stellarSessionParams(stack));
      const win = await approvalWindow();
      await win.getByTestId('approve').click();
      const progress = win.getByTestId('approval-progress');
      await expect(progress).toHaveAttribute('data-step', 'failed');
      await expect(progress).toContainText(c.shown);
      expect(await pending, c.mode).toMatchObject({ ok: false, code: c.code, reason: c.reason, message: expect.stringMatching(c.shown) });
      await win.close().catch(() => undefined);
      expect(freighter.signatureCount, c.mode).toBe(0);
      // After a refusal the site waits out a short cooldown before asking again.
      await dapp.waitForTimeout(3_100);
    }
    expect(ledger.allowance(freighter.publicKey).amount).toBe(0n);
    expect(await sessionsInStore(ext)).toHaveLength(0);
    expect(await dapp.evaluate(() => window.x402session!.getSessions())).toEqual([]);
  });

  test('restart: the service worker stopped between calls still pays from the same Stellar session, spent exact', async ({ dapp, stack, freighter, ledger, ext }) => {
    const price = stack.api.stellar!.prices.chat;
    const chatUrl = stack.api.url + stack.api.stellar!.paths.chat;
    await openStellarSession(ext, dapp, stack);
    const recipient = stack.stellar.accounts.recipient.publicKey;
    const before = ledger.balance(recipient);
    for (let i = 0; i < 3; i++) {
      expect(await postMany(dapp, chatUrl, 1)).toEqual([200]);
      await stopServiceWorkers(dapp);
    }
    expect(await postMany(dapp, chatUrl, 1)).toEqual([200]);
    expect(freighter.signatureCount).toBe(1);
    expect(ledger.balance(recipient)).toBe(before + 4n * price);
    await expect.poll(async () => (await dapp.evaluate(() => window.x402session!.getSessions()))[0]?.spent).toBe(String(4n * price));
  });

  test('expiry: once the ledger passes the expiration ledger, the next call is not paid and the session is expired', async ({ dapp, stack, freighter, ledger, ext }) => {
    const chatUrl = stack.api.url + stack.api.stellar!.paths.chat;
    await openStellarSession(ext, dapp, stack, { expiresIn: 600 });
    expect(await postMany(dapp, chatUrl, 1)).toEqual([200]);
    const liveUntil = ledger.allowance(freighter.publicKey).liveUntil!;
    const recipient = stack.stellar.accounts.recipient.publicKey;
    const before = ledger.balance(recipient);
    // 600 s is 120 ledgers; close them all (and one more) on the stand-in's clock.
    stack.stellar.advanceLedgers(liveUntil - stack.stellar.ledger.latestSequence + 1);
    expect(ledger.allowance(freighter.publicKey).amount).toBe(0n);
    const after = await dapp.evaluate(async (url) => {
      const reasons: string[] = [];
      window.x402session!.on('paymentFailed', (f) => reasons.push(f.reason));
      const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"message":"late"}' });
      await new Promise((res) => setTimeout(res, 500));
      return { status: r.status, reasons };
    }, chatUrl);
    expect(after.status).toBe(402);
    expect(after.reasons).toContain('session_expired');
    expect(ledger.balance(recipient)).toBe(before);
    await expect.poll(async () => (await sessionsInStore(ext))[0]?.status).toBe('expired');
    expect(freighter.signatureCount).toBe(1);
  });

  test('options: the Stellar networks are listed with their default Soroban RPC, and the devnet one is overridden', async ({ ext, stack }) => {
    const options = await ext.context.newPage();
    await options.goto(`chrome-extension://${ext.extensionId}/options.html`);
    for (const [network, label, rpc] of [
      ['stellar:testnet', 'Stellar Testnet', 'https://soroban-testnet.stellar.org'],
      ['stellar:pubnet', 'Stellar', 'https://soroban-rpc.mainnet.stellar.gateway.fm'],
    ] as const) {
      await expect(options.getByTestId(`opt-rpc-${network}`)).toHaveAttribute('placeholder', rpc);
      await expect(options.getByLabel(`Read-only RPC URL for ${label} (${network})`)).toHaveValue('');
    }
    await expect(options.getByTestId('opt-rpc-stellar:local')).toHaveValue(stack.stellar.rpc.url);
  });
});
