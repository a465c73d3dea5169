import type { Page, Worker } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFacilitator } from '../devnet/facilitator/server';
import { expect, test } from './fixtures';
import { stopServiceWorkers } from './support/extension';
import { openSession } from './support/sessions';
import { readStore, setSettings } from './support/store';

/**
 * Budgets a person can live with (issue 15), each point in Chromium with the built extension against
 * the devnet: history and CSV, alerts, top-up, renewing budgets, ending with a lowered allowance,
 * per-site control, and a popup operable by keyboard. Each view is screenshotted for the record.
 */

const DAY = 86_400_000;
const get = (page: Page, url: string) => page.evaluate(async (u) => (await fetch(u)).status, url);
async function getMany(page: Page, url: string, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(await get(page, url));
  return out;
}
/** The background's test handle (entrypoints/background.ts): shift its clock, run the minute's upkeep. */
const setClock = (sw: Worker, ms: number) => sw.evaluate((x) => (globalThis as any).__x402Test.setClockOffset(x), ms);
const tick = (sw: Worker) => sw.evaluate(() => (globalThis as any).__x402Test.tick());
/** Record every window.x402session event the page hears. */
const listen = (page: Page) =>
  page.evaluate(() => {
    (window as any).__events = [];
    for (const e of ['payment', 'paymentFailed', 'sessionChanged', 'budgetAlert']) window.x402session!.on(e as never, (d: any) => (window as any).__events.push({ e, d }));
  });
const heard = (page: Page, event: string) => page.evaluate((ev) => (window as any).__events.filter((x: any) => x.e === ev).map((x: any) => x.d), event);
const requestSession = (page: Page, p: Record<string, unknown>) =>
  page.evaluate((params) => window.x402session!.requestSession(params as never).then((s) => ({ ok: true as const, s }), (e: { code: number; reason: string }) => ({ ok: false as const, code: e.code, reason: e.reason })), p);

/** Rows straight into the extension's store (another site, on Base Sepolia, which has an explorer). */
async function seed(sw: Worker, rows: { sessions: Record<string, unknown>[]; payments: Record<string, unknown>[] }) {
  await sw.evaluate(
    (rows) =>
      new Promise<void>((resolve, reject) => {
        const open = indexedDB.open('x402-session-wallet');
        open.onsuccess = () => {
          const tx = open.result.transaction(['sessions', 'payments'], 'readwrite');
          for (const s of rows.sessions) tx.objectStore('sessions').put(s);
          for (const p of rows.payments) tx.objectStore('payments').put(p);
          tx.oncomplete = () => (open.result.close(), resolve());
          tx.onerror = () => reject(tx.error);
        };
        open.onerror = () => reject(open.error);
      }),
    rows,
  );
}
const baseSession = (over: Record<string, unknown>) => ({
  grant: { sessionId: 'seeded-secret' }, family: 'evm', network: 'eip155:84532', scheme: 'session', asset: '0x036CbD53842c5426634e7929541eC2318f3dCF7e', symbol: 'USDC', decimals: 6,
  recipient: '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC', apiOrigins: ['https://api.seeded.example'], spender: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8', user: '0x90F79bf6EB2c4f870365E785982E1f101E93b906',
  facilitatorUrl: 'https://facilitator.example', cap: '1000000', spent: '20000', reserved: '0', perCallMax: null, expiresAt: Math.floor(Date.now() / 1000) + 3600, status: 'active',
  approvalTx: `0x${'ab'.repeat(32)}`, createdAt: Date.now() - 60_000, updatedAt: Date.now(), ...over,
});

test('history: every payment with amount, route, time, transaction and outcome; filters by site and outcome; CSV of what is shown; keyboard tabs', async ({ ext, dapp, stack, openPopup }, testInfo) => {
  const sw = await ext.serviceWorker();
  const slot = stack.api.url + stack.api.paths.cheap;
  await openSession(ext.context, dapp, stack, { cap: '0.10' });
  expect(await getMany(dapp, slot, 3)).toEqual([200, 200, 200]);
  const tx = `0x${'ee'.repeat(32)}`;
  await seed(sw, {
    sessions: [baseSession({ id: 'seeded', origin: 'https://seeded.example' })],
    payments: [
      { id: 'seed-1', sessionId: 'seeded', origin: 'https://seeded.example', url: 'https://api.seeded.example/v1/answer', method: 'POST', amount: '10000', status: 'settled', txHash: tx, createdAt: Date.now() - 50_000, updatedAt: 0 },
      { id: 'seed-2', sessionId: 'seeded', origin: 'https://seeded.example', url: 'https://api.seeded.example/v1/answer', method: 'POST', amount: '10000', status: 'settled', txHash: tx, createdAt: Date.now() - 40_000, updatedAt: 0 },
      { id: 'seed-3', sessionId: 'seeded', origin: 'https://seeded.example', url: 'https://api.seeded.example/v1/answer', method: 'POST', amount: '10000', status: 'released', reason: 'onchain_transfer_failed', createdAt: Date.now() - 30_000, updatedAt: 0 },
    ],
  });

  const popup = await openPopup();
  // Keyboard: the tab list is one stop, the arrows move and select (WAI-ARIA tabs).
  const tabs = popup.getByRole('tablist', { name: 'Wallet views' });
  await expect(tabs.getByRole('tab', { name: 'Sessions', selected: true })).toBeVisible();
  await popup.getByRole('tab', { name: 'Sessions' }).focus();
  await popup.keyboard.press('ArrowRight');
  await expect(popup.getByRole('tab', { name: 'Payments', selected: true })).toBeFocused();
  const panel = popup.getByRole('tabpanel', { name: 'Payments' });
  await expect(panel).toBeVisible();
  const rows = panel.getByTestId('payment-row');
  await expect(rows).toHaveCount(6);
  await expect(panel.getByRole('heading', { name: 'Payments (6)' })).toBeVisible();
  // Newest first; each row says amount, route, time, outcome, and links the transaction where the network has an explorer.
  const first = rows.first();
  await expect(first).toHaveAttribute('data-origin', new URL(stack.dapp.url).origin);
  await expect(first.getByTestId('payment-amount')).toHaveAttribute('data-units', '10000');
  await expect(first.getByTestId('payment-route')).toHaveText(`GET ${new URL(slot).host}${new URL(slot).pathname}`);
  await expect(first.getByTestId('payment-outcome')).toHaveText('paid');
  await expect(first.locator('time')).toHaveAttribute('datetime', /^\d{4}-\d\d-\d\dT/);
  await expect(first.getByTestId('payment-tx')).toHaveAttribute('title', /^0x[0-9a-f]{64}$/); // local devnet: no explorer, the hash itself
  const seededPaid = panel.locator('[data-id="seed-2"]');
  await expect(seededPaid.getByTestId('payment-tx')).toHaveAttribute('href', `https://sepolia.basescan.org/tx/${tx}`);
  await expect(panel.locator('[data-id="seed-3"]').getByTestId('payment-reason')).toHaveText('onchain_transfer_failed');
  await popup.screenshot({ path: testInfo.outputPath('payments-view.png'), fullPage: true });

  // Filter by site, by keyboard: the select is reachable and operable without a mouse.
  await panel.getByTestId('payments-site').focus();
  await panel.getByTestId('payments-site').selectOption('https://seeded.example');
  await expect(rows).toHaveCount(3);
  await panel.getByTestId('payments-status').selectOption('released');
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toHaveAttribute('data-id', 'seed-3');
  await panel.getByTestId('payments-status').selectOption('settled');
  await expect(rows).toHaveCount(2);
  await popup.screenshot({ path: testInfo.outputPath('payments-filtered.png'), fullPage: true });

  // CSV of exactly what the filter shows.
  const download = popup.waitForEvent('download');
  await panel.getByTestId('payments-export').click();
  const file = await (await download).path();
  const csv = readFileSync(file!, 'utf8').trimEnd().split('\r\n');
  expect(csv).toHaveLength(3);
  expect(csv[0]).toMatch(/^"time_utc","site","method","url","amount"/);
  expect(csv.slice(1).map((l) => l.split('","')[1])).toEqual(['https://seeded.example', 'https://seeded.example']);
  expect(csv[1]).toContain(`"${tx}","https://sepolia.basescan.org/tx/${tx}","seeded"`);
  await expect(panel.getByTestId('payments-exporting')).toHaveText('Exported 2 payments.');

  // The site list: total spent, active sessions.
  await popup.getByRole('tab', { name: 'Payments' }).focus();
  await popup.keyboard.press('ArrowRight');
  const sites = popup.getByRole('tabpanel', { name: 'Sites' });
  const dappSite = sites.locator(`[data-testid="site-card"][data-origin="${new URL(stack.dapp.url).origin}"]`);
  await expect(dappSite.getByTestId('site-spent').locator('[data-units]')).toHaveAttribute('data-units', '30000');
  await expect(dappSite.getByTestId('site-live')).toHaveText('1 active');
  await expect(sites.getByTestId('site-card')).toHaveCount(2);
  await popup.screenshot({ path: testInfo.outputPath('sites-view.png'), fullPage: true });
  await popup.keyboard.press('Home');
  await expect(popup.getByRole('tab', { name: 'Sessions', selected: true })).toBeFocused();
});

test('alerts: 80% and 100% of the cap and the hour before the end, as notifications (off-switch in options), badge colour and budgetAlert events', async ({ ext, dapp, stack }, testInfo) => {
  const sw = await ext.serviceWorker();
  const slot = stack.api.url + stack.api.paths.cheap;
  await listen(dapp);
  await openSession(ext.context, dapp, stack, { cap: '0.05', expiresIn: 7200 });
  const badge = () =>
    sw.evaluate(async (u) => {
      const chrome = (globalThis as any).chrome;
      const [tab] = await chrome.tabs.query({ url: `${u}/*` });
      return { text: await chrome.action.getBadgeText({ tabId: tab.id }), colour: await chrome.action.getBadgeBackgroundColor({ tabId: tab.id }) };
    }, stack.dapp.url);
  const notifications = () => sw.evaluate(async () => Object.keys(await (globalThis as any).chrome.notifications.getAll()).sort());
  expect(await getMany(dapp, slot, 3)).toEqual([200, 200, 200]);
  await expect.poll(badge).toEqual({ text: '0.02', colour: [45, 164, 78, 255] });
  expect(await heard(dapp, 'budgetAlert')).toEqual([]);
  expect(await get(dapp, slot)).toBe(200); // 80%
  await expect.poll(async () => (await heard(dapp, 'budgetAlert')).map((a: any) => a.kind)).toEqual(['cap_80']);
  await expect.poll(badge).toEqual({ text: '0.01', colour: [212, 167, 44, 255] });
  await expect.poll(notifications).toEqual([expect.stringMatching(/^x402-alert:[0-9a-f]+:cap_80@c50000$/)]);
  const alert = (await heard(dapp, 'budgetAlert'))[0];
  expect(alert.session).toMatchObject({ cap: '50000', spent: '40000', remaining: '10000' });
  expect(JSON.stringify(alert)).not.toContain('sess_');
  expect(await get(dapp, slot)).toBe(200); // 100%
  await expect.poll(async () => (await heard(dapp, 'budgetAlert')).map((a: any) => a.kind)).toEqual(['cap_80', 'cap_100']);
  await expect.poll(notifications).toHaveLength(2);

  // Off in options: no more notifications, the page and the badge are still told.
  const options = await ext.context.newPage();
  await options.goto(`chrome-extension://${ext.extensionId}/options.html`);
  await options.getByTestId('opt-alerts').uncheck();
  await expect(options.getByRole('status')).toHaveText('Saved.');
  await options.getByRole('heading', { name: 'Budget alerts' }).scrollIntoViewIfNeeded();
  await options.screenshot({ path: testInfo.outputPath('options-alerts.png') });
  await options.close();
  // A second session that ends in two hours: an hour later (the clock moved) its hour alert is due.
  await openSession(ext.context, dapp, stack, { cap: '0.50', expiresIn: 7200 });
  await setClock(sw, 3600_000 + 30_000);
  await tick(sw);
  await expect.poll(async () => (await heard(dapp, 'budgetAlert')).map((a: any) => a.kind)).toEqual(['cap_80', 'cap_100', 'expiry_hour']);
  await tick(sw);
  await dapp.waitForTimeout(500);
  expect((await heard(dapp, 'budgetAlert')).map((a: any) => a.kind)).toEqual(['cap_80', 'cap_100', 'expiry_hour']);
  expect(await notifications()).toHaveLength(2);
  await expect.poll(badge).toMatchObject({ colour: [212, 167, 44, 255] });
});

test('top-up: a used-up session raised from the popup with one approve for the difference — same session, history kept, the facilitator told; where it cannot, the popup says so', async ({ ext, dapp, stack, wallet, chain, openPopup }, testInfo) => {
  const sw = await ext.serviceWorker();
  const slot = stack.api.url + stack.api.paths.cheap;
  const opened = await openSession(ext.context, dapp, stack, { cap: '0.03' });
  expect(await getMany(dapp, slot, 4)).toEqual([200, 200, 200, 402]);
  await expect.poll(async () => (await readStore(sw)).sessions[0]!.status).toBe('exhausted');
  expect(await chain.allowance(wallet.address, stack.facilitator.address)).toBe(0n);
  const sent = wallet.sent.length;

  const popup = await openPopup();
  const card = popup.locator(`[data-testid="session-card"][data-session-id="${opened.id}"]`);
  await card.getByTestId('topup').click();
  const form = card.getByTestId('topup-form');
  await form.getByTestId('topup-cap').fill('0.05');
  await form.getByTestId('topup-extend').selectOption(String(86400));
  await expect(form.getByTestId('topup-submit')).toBeEnabled();
  await popup.screenshot({ path: testInfo.outputPath('topup-form.png'), fullPage: true });
  await form.getByTestId('topup-submit').click();
  await expect(popup.getByTestId('popup-notice')).toContainText('Topped up', { timeout: 30_000 });
  expect(wallet.sent.length).toBe(sent + 1);
  // One approve for what the session then needs: 0.05 − 0.03 spent (no other session on this spender).
  expect(await chain.allowance(wallet.address, stack.facilitator.address)).toBe(20_000n);
  const s = (await readStore(sw)).sessions.find((x) => x.id === opened.id)!;
  expect(s).toMatchObject({ cap: '50000', spent: '30000', status: 'active', topUps: [{ from: { cap: '30000' }, to: { cap: '50000' } }] });
  const remote = await (await fetch(`${stack.facilitator.url}/sessions/${s.grant.sessionId}`)).json();
  expect(remote).toMatchObject({ cap: '50000', spent: '30000', expiresAt: s.expiresAt });
  expect(await getMany(dapp, slot, 3)).toEqual([200, 200, 402]);
  const store = await readStore(sw);
  expect(store.sessions).toHaveLength(1);
  expect(store.payments.filter((p) => p.sessionId === opened.id && p.status === 'settled')).toHaveLength(5);
  await expect(card.getByTestId('session-topups')).toHaveText('1 time');
  await popup.screenshot({ path: testInfo.outputPath('topup-done.png'), fullPage: true });

  // Used up again, it spent all it approved: the chain is read (allowance 0) and no pointless
  // revoke is offered (a session that ends with allowance left is, in the end-and-revoke test).
  expect(await chain.allowance(wallet.address, stack.facilitator.address)).toBe(0n);
  await expect.poll(async () => (await readStore(sw)).sessions.find((x) => x.id === opened.id)!.chainCheck?.allowance).toBe('0');
  await expect(card.getByTestId('session-leftover')).toHaveCount(0);

  // A facilitator without top-ups (like the peers'): the popup says so, nothing is signed.
  const plain = await startFacilitator({ ...stack.facilitator.options, port: 0, dataDir: mkdtempSync(join(tmpdir(), 'x402-e2e-notopup-')), topUp: false, quiet: true });
  try {
    const other = await openSession(ext.context, dapp, stack, { cap: '0.10', facilitatorUrl: plain.url });
    const before = wallet.sent.length;
    const otherCard = popup.locator(`[data-testid="session-card"][data-session-id="${other.id}"]`);
    await otherCard.getByTestId('topup').click();
    await expect(otherCard.getByTestId('topup-unavailable')).toContainText('has no top-up endpoint');
    await expect(otherCard.getByTestId('topup-cap')).toBeDisabled();
    await popup.screenshot({ path: testInfo.outputPath('topup-unavailable.png'), fullPage: true });
    expect(wallet.sent.length).toBe(before);
  } finally {
    await plain.stop();
  }
});

test('a budget that renews each day: the window offers it, the allowance covers every period, the cap resets exactly once when the clock crosses the boundary, and a worker restart neither resets nor undoes it', async ({ ext, dapp, stack, wallet, chain, approvalWindow, openPopup }, testInfo) => {
  const sw = await ext.serviceWorker();
  const slot = stack.api.url + stack.api.paths.cheap;
  await listen(dapp);
  const pending = requestSession(dapp, { network: stack.chain.network, asset: stack.token.address, cap: '0.03', expiresIn: 7 * 86400, recipient: stack.api.recipient, facilitatorUrl: stack.facilitator.url, apiOrigins: [new URL(stack.api.url).origin] });
  const win = await approvalWindow();
  await win.getByTestId('approval-renew').selectOption('day');
  await expect(win.getByTestId('approval-renew-help')).toHaveAttribute('data-periods', '7');
  await expect(win.getByTestId('approval-approve-amount')).toHaveAttribute('data-units', '210000');
  await expect(win.getByTestId('approval-cap-summary')).toHaveText('0.03 USDC');
  await expect(win.getByTestId('approval-summary')).toContainText('each day');
  await win.screenshot({ path: testInfo.outputPath('approval-renewing.png') });
  await win.getByTestId('approve').click();
  const opened = await pending;
  expect(opened).toMatchObject({ ok: true, s: { cap: '210000', period: { every: 'day', cap: '30000', index: 0 } } });
  expect(await chain.allowance(wallet.address, stack.facilitator.address)).toBe(210_000n);
  const period = async () => (await readStore(sw)).sessions[0]!.period;

  expect(await getMany(dapp, slot, 4)).toEqual([200, 200, 200, 402]);
  await expect.poll(async () => (await heard(dapp, 'paymentFailed')).map((f: any) => f.reason)).toContain('period_cap_exceeded');
  // Just before the boundary: still this period.
  await setClock(sw, DAY - 120_000);
  expect(await get(dapp, slot)).toBe(402);
  expect(await period()).toMatchObject({ index: 0, spent: '30000' });
  // Past it: the cap renews once — three more calls, not six.
  await setClock(sw, DAY + 60_000);
  expect(await getMany(dapp, slot, 4)).toEqual([200, 200, 200, 402]);
  expect(await period()).toMatchObject({ index: 1, spent: '30000' });
  const popup = await openPopup();
  await expect(popup.getByTestId('session-period')).toHaveAttribute('data-index', '1');
  await expect(popup.getByTestId('session-period')).toContainText('0.03 USDC of 0.03 USDC');
  await popup.screenshot({ path: testInfo.outputPath('popup-renewing.png'), fullPage: true });

  // A restart drops the shift: the wall clock is back before the boundary. Nothing renews, nothing is undone.
  await stopServiceWorkers(dapp);
  expect(await get(dapp, slot)).toBe(402);
  const sw2 = await ext.serviceWorker();
  expect((await readStore(sw2)).sessions[0]!.period).toMatchObject({ index: 1, spent: '30000' });
  await setClock(sw2, DAY + 120_000);
  await tick(sw2);
  expect(await get(dapp, slot)).toBe(402);
  await setClock(sw2, 2 * DAY + 60_000);
  expect(await get(dapp, slot)).toBe(200);
  const store = await readStore(sw2);
  expect(store.sessions[0]!.period).toMatchObject({ index: 2, spent: '10000' });
  expect(store.sessions[0]!.spent).toBe('70000');
  const settled = store.payments.filter((p) => p.status === 'settled').sort((x, y) => x.createdAt - y.createdAt);
  expect(settled.map((p) => p.periodIndex)).toEqual([0, 0, 0, 1, 1, 1, 2]);
  expect(wallet.sent).toHaveLength(1);
});

test('end and revoke on every chain that can; a Solana session says why it cannot be lowered from the extension', async ({ ext, dapp, stack, wallet, chain, openPopup }, testInfo) => {
  const sw = await ext.serviceWorker();
  const live = await openSession(ext.context, dapp, stack, { cap: '0.05' });
  await seed(sw, {
    sessions: [
      baseSession({
        id: 'solana-session', origin: 'https://sol.example', family: 'solana', network: 'solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1', asset: '4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU',
        recipient: 'GsbwXfJraMomNxBcjYLcG3mxkBUiyWXAB32fGbSMQRdW', spender: 'GsbwXfJraMomNxBcjYLcG3mxkBUiyWXAB32fGbSMQRdW', user: 'GsbwXfJraMomNxBcjYLcG3mxkBUiyWXAB32fGbSMQRdW', expiresAt: Math.floor(Date.now() / 1000) + 7200,
      }),
    ],
    payments: [],
  });
  const popup = await openPopup();
  const sol = popup.locator('[data-testid="session-card"][data-session-id="solana-session"]');
  await sol.getByTestId('end-session').click();
  await expect(sol.getByTestId('allowance-locked')).toContainText('Solana');
  await expect(sol.getByTestId('end-and-revoke')).toHaveCount(0);
  await expect(sol.getByTestId('end-only')).toBeVisible();
  await popup.screenshot({ path: testInfo.outputPath('end-solana.png'), fullPage: true });
  await sol.getByTestId('end-only').click();
  // EVM: End offers the revoke in the same click, and lowers the allowance to zero here.
  const evm = popup.locator(`[data-testid="session-card"][data-session-id="${live.id}"]`);
  await evm.getByTestId('end-session').click();
  await evm.getByTestId('end-and-revoke').click();
  await expect(popup.getByTestId('popup-notice')).toContainText('the allowance is now zero', { timeout: 30_000 });
  expect(await chain.allowance(wallet.address, stack.facilitator.address)).toBe(0n);
  const s = (await readStore(sw)).sessions.find((x) => x.id === live.id)!;
  expect(s).toMatchObject({ status: 'revoked', revokeTx: expect.stringMatching(/^0x[0-9a-f]{64}$/) });
  // Once lowered, no second offer.
  await expect(popup.locator(`[data-testid="session-card"][data-session-id="${live.id}"]`).getByTestId('session-status')).toHaveText('revoked');
  await expect(popup.locator(`[data-testid="session-card"][data-session-id="${live.id}"]`).getByTestId('revoke-allowance')).toHaveCount(0);
});

test('per-site control: "always ask" pays only after a click in a small window (Reject = the 402), "never ask" opens no window, a per-call ceiling default', async ({ ext, dapp, stack, openPopup, approvalWindow }, testInfo) => {
  const slot = stack.api.url + stack.api.paths.cheap;
  const origin = new URL(stack.dapp.url).origin;
  await listen(dapp);
  await openSession(ext.context, dapp, stack, { cap: '0.10' });
  expect(await get(dapp, slot)).toBe(200);
  const popup = await openPopup();
  await popup.getByRole('tab', { name: 'Sites' }).click();
  const site = popup.locator(`[data-testid="site-card"][data-origin="${origin}"]`);
  await site.getByTestId('site-mode').selectOption('always');
  await expect(site.getByTestId('site-status')).toHaveText('Saved.');

  const confirmWindow = () => ext.context.waitForEvent('page', { predicate: (p) => p.url().includes('/confirm.html'), timeout: 20_000 });
  // Pay.
  let win = confirmWindow();
  let call = get(dapp, slot);
  let w = await win;
  await expect(w.getByTestId('confirm-origin')).toHaveText(origin);
  await expect(w.getByTestId('confirm-amount')).toHaveAttribute('data-units', '10000');
  await expect(w.getByTestId('confirm-request')).toContainText(`GET ${slot}`);
  // Reject is focused first; Pay arms after a moment.
  await expect(w.getByTestId('confirm-reject')).toBeFocused();
  await expect(w.getByTestId('confirm-pay')).toBeEnabled();
  await w.screenshot({ path: testInfo.outputPath('confirm-window.png') });
  await w.getByTestId('confirm-pay').click();
  expect(await call).toBe(200);
  // Reject: the page gets its 402 and hears why.
  win = confirmWindow();
  call = get(dapp, slot);
  w = await win;
  await w.getByTestId('confirm-reject').click();
  expect(await call).toBe(402);
  await expect.poll(async () => (await heard(dapp, 'paymentFailed')).map((f: any) => f.reason)).toContain('user_rejected');
  // Right after, no window: declined at once.
  let extra = 0;
  const count = (p: Page) => void (p.url().includes('/confirm.html') && extra++);
  ext.context.on('page', count);
  expect(await get(dapp, slot)).toBe(402);
  await dapp.waitForTimeout(300);
  expect(extra).toBe(0);
  ext.context.off('page', count);
  await expect.poll(async () => (await heard(dapp, 'paymentFailed')).map((f: any) => f.reason)).toContain('confirm_cooldown');
  // Escape rejects too.
  await dapp.waitForTimeout(5_200);
  win = confirmWindow();
  call = get(dapp, slot);
  w = await win;
  await w.getByTestId('confirm-pay').waitFor();
  await w.keyboard.press('Escape').catch(() => undefined);
  expect(await call).toBe(402);

  // "Never ask": the dapp's request gets 4001 without any window.
  await site.getByTestId('site-mode').selectOption('never');
  await expect(site.getByTestId('site-mode')).toHaveValue('never');
  let windows = 0;
  const onPage = (p: Page) => void (p.url().includes('/approve.html') && windows++);
  ext.context.on('page', onPage);
  expect(await requestSession(dapp, { network: stack.chain.network, asset: stack.token.address, cap: '1.00', expiresIn: 3600, recipient: stack.api.recipient, facilitatorUrl: stack.facilitator.url })).toMatchObject({ ok: false, code: 4001, reason: 'site_blocked' });
  await dapp.waitForTimeout(300);
  expect(windows).toBe(0);
  ext.context.off('page', onPage);

  // A per-call ceiling for new sessions: the approval window proposes it.
  await site.getByTestId('site-mode').selectOption('ask');
  await site.getByTestId('site-ceiling').fill('0.02');
  await site.getByTestId('site-ceiling-save').click();
  await expect(site.getByTestId('site-status')).toHaveText('Saved.');
  await popup.screenshot({ path: testInfo.outputPath('sites-rules.png'), fullPage: true });
  const pending = requestSession(dapp, { network: stack.chain.network, asset: stack.token.address, cap: '1.00', expiresIn: 3600, recipient: stack.api.recipient, facilitatorUrl: stack.facilitator.url, apiOrigins: [new URL(stack.api.url).origin] });
  const approval = await approvalWindow();
  await expect(approval.getByTestId('approval-per-call')).toHaveValue('0.02');
  await approval.getByTestId('approve').click();
  expect(await pending).toMatchObject({ ok: true, s: { perCallMax: '20000' } });
  const sw = await ext.serviceWorker();
  await setSettings(sw, {});
});
