import { PublicKey } from '@solana/web3.js';
import { createRevokeInstruction, createTransferCheckedInstruction, getAssociatedTokenAddressSync } from '@solana/spl-token';
import { solanaDevKeys } from '../devnet/solana/keys';
import { LAMPORTS_PER_SOL } from '../devnet/solana/runtime';
import { landTransaction } from '../devnet/solana/token';
import type { StackSolana } from '../devnet/stack';
import { stopServiceWorkers } from './support/extension';
import { readStore } from './support/store';
import { expect, openSolanaSession, solanaParams, test } from './solana-fixtures';
import { postMany, requestSession } from './support/page-calls';

/** The facilitator, as delegate, pulls `amount` from `owner`'s token account itself: what the chain says. */
function delegatedPull(sol: StackSolana, owner: string, amount: bigint): string | null {
  const facilitator = solanaDevKeys(1).facilitator;
  const mint = new PublicKey(sol.mint.address);
  const from = getAssociatedTokenAddressSync(mint, new PublicKey(owner), true);
  const to = getAssociatedTokenAddressSync(mint, new PublicKey(sol.recipient.address), true);
  try {
    landTransaction(sol.runtime, facilitator, [createTransferCheckedInstruction(from, mint, to, facilitator.publicKey, amount, sol.mint.decimals)]);
    return null;
  } catch (e) {
    return (e as Error).message.split('\n')[0]!;
  }
}

test.describe('Solana: the whole flow in Chromium with the built extension and a Wallet Standard wallet', () => {
  test('dapp: request → one approval step → ten paid calls → cap reached, refused by the wallet and exhausted on chain; popup in Solana units', async ({ dapp, sol, solWallet, approvalWindow, openPopup, ext }, testInfo) => {
    const price = sol.api.prices.chat;
    const chatUrl = sol.api.url + sol.api.paths.chat;
    const recipientBefore = sol.tokenBalance(sol.recipient.address);
    const payerBefore = sol.tokenBalance(solWallet.address);
    await dapp.evaluate(() => {
      (window as any).__events = [];
      for (const e of ['payment', 'paymentFailed', 'sessionChanged']) window.x402session!.on(e as never, (d: unknown) => (window as any).__events.push({ e, d }));
    });

    const pending = requestSession(dapp, solanaParams(sol));
    const win = await approvalWindow();
    await expect(win.getByTestId('approval-network')).toContainText('Solana Devnet');
    await expect(win.getByTestId('approval-token')).toContainText('USDC');
    await expect(win.getByTestId('approval-token')).toContainText('6 decimals');
    await expect(win.getByTestId('approval-asset')).toHaveText(sol.mint.address);
    await expect(win.getByTestId('approval-recipient')).toHaveText(sol.recipient.address);
    await expect(win.getByTestId('approval-facilitator')).toHaveText(new URL(sol.facilitator.url).host);
    await expect(win.getByTestId('approval-approve-amount')).toHaveAttribute('data-units', '1000000');
    await win.screenshot({ path: testInfo.outputPath('solana-approval-window.png') });
    let laterWindows = 0;
    await win.getByTestId('approve').click();
    const opened = await pending;
    ext.context.on('page', (p) => void (p.url().includes('/approve.html') && laterWindows++));
    expect(opened).toMatchObject({ ok: true, s: { cap: '1000000', spent: '0', status: 'active', network: 'solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1' } });
    // One approval step: connect, then the partial approve and the auth message, nothing else.
    expect(solWallet.requests).toEqual(['connect', 'signTransaction', 'signMessage']);
    expect(sol.tokenAccount(solWallet.address)).toMatchObject({ delegate: sol.facilitator.address, delegatedAmount: 1_000_000n });
    const store = await readStore(await ext.serviceWorker());
    expect(store.sessions[0]).toMatchObject({ family: 'solana', user: solWallet.address, spender: sol.facilitator.address, asset: sol.mint.address, symbol: 'USDC', decimals: 6 });
    expect(sol.runtime.signatureStatus(store.sessions[0]!.approvalTx)).toMatchObject({ err: null });

    expect(await postMany(dapp, chatUrl, 5)).toEqual(Array(5).fill(200));
    expect(sol.tokenAccount(solWallet.address)?.delegatedAmount).toBe(500_000n);
    expect(await postMany(dapp, chatUrl, 5)).toEqual(Array(5).fill(200));
    expect(laterWindows).toBe(0);
    expect(solWallet.signatureRequests).toBe(2); // still the one approval step: no per-call signature
    expect(sol.tokenBalance(sol.recipient.address)).toBe(recipientBefore + 10n * price);
    expect(sol.tokenBalance(solWallet.address)).toBe(payerBefore - 10n * price);
    // SPL used the delegation up and cleared the delegate: the chain itself refuses one unit more.
    expect(sol.tokenAccount(solWallet.address)).toMatchObject({ delegate: null, delegatedAmount: 0n });
    expect(delegatedPull(sol, solWallet.address, 1n)).toMatch(/Custom\(4\)|OwnerMismatch/);

    // Past the cap: the wallet refuses before sending (the original 402, the reason as an event).
    const past = await dapp.evaluate(async (url) => {
      const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"message":"one more"}' });
      await new Promise((res) => setTimeout(res, 300));
      return { status: r.status, hasHeader: r.headers.has('payment-required'), failed: (window as any).__events.filter((x: any) => x.e === 'paymentFailed').map((x: any) => x.d.reason) };
    }, chatUrl);
    expect(past).toMatchObject({ status: 402, hasHeader: true });
    expect(past.failed).toContain('cap_exceeded');
    expect(sol.tokenBalance(sol.recipient.address)).toBe(recipientBefore + 10n * price);
    const events = await dapp.evaluate(() => (window as any).__events.map((x: any) => x.e));
    expect(events.filter((e: string) => e === 'payment')).toHaveLength(10);

    const popup = await openPopup();
    const card = popup.getByTestId('session-card').first();
    await expect(card.getByTestId('session-spent')).toHaveAttribute('data-units', String(10n * price));
    await expect(card.getByTestId('session-spent')).toContainText('1.00 USDC');
    await expect(card.getByTestId('session-cap')).toHaveAttribute('data-units', '1000000');
    await expect(card).toContainText('Solana Devnet');
    await popup.screenshot({ path: testInfo.outputPath('solana-popup.png') });
  });

  test('the chain refuses past the delegation while the ledgers still have room: the call gets its 402, nothing is counted', async ({ dapp, sol, solWallet, ext }) => {
    const chatUrl = sol.api.url + sol.api.paths.chat;
    await openSolanaSession(ext.context, dapp, sol);
    expect(await postMany(dapp, chatUrl, 2)).toEqual([200, 200]);
    // The person revokes the delegation in their own wallet (outside the session): SPL keeps one delegate per account.
    const kp = sol.payers.find((p) => p.address === solWallet.address)!.keypair;
    sol.runtime.airdrop(solWallet.address, LAMPORTS_PER_SOL / 100n);
    landTransaction(sol.runtime, kp, [createRevokeInstruction(getAssociatedTokenAddressSync(new PublicKey(sol.mint.address), kp.publicKey, true), kp.publicKey)]);
    expect(sol.tokenAccount(solWallet.address)?.delegate).toBeNull();
    const recipientBefore = sol.tokenBalance(sol.recipient.address);
    // A route not paid before, so the call takes the 402 → pay → paid retry path (a pre-emptively
    // paid route that is refused falls back to that path quietly).
    const refused = await dapp.evaluate(async (url) => {
      const reasons: string[] = [];
      window.x402session!.on('paymentFailed', (f) => reasons.push(f.reason));
      const r = await fetch(url);
      await new Promise((res) => setTimeout(res, 500));
      return { status: r.status, reasons };
    }, sol.api.url + sol.api.paths.cheap);
    expect(refused.status).toBe(402);
    expect(refused.reasons).toContain('onchain_transfer_failed');
    expect(sol.tokenBalance(sol.recipient.address)).toBe(recipientBefore);
    const sw = await ext.serviceWorker();
    await expect.poll(async () => (await readStore(sw)).payments.filter((p) => p.status === 'reserved').length).toBe(0);
    const store = await readStore(sw);
    const session = store.sessions[0]!;
    const remote = (await (await fetch(`${sol.facilitator.url}/sessions/${encodeURIComponent(session.grant.sessionId)}`)).json()) as { spent: string };
    expect(session.spent).toBe(String(2n * sol.api.prices.chat));
    expect(remote.spent).toBe(session.spent);
    // A payment the chain refused pauses the session until the chain covers it again.
    expect(session.status).toBe('paused');
    expect(store.payments.filter((p) => p.status === 'released').map((p) => p.reason)).toContain('onchain_transfer_failed');
  });

  test('bare 402 on Solana: a page that knows nothing of the extension gets one window, then its fetch resolves 200', async ({ dapp, sol, solWallet, approvalWindow }) => {
    // The demo dapp's chain picker is on Solana (?chain=solana).
    await expect(dapp.getByTestId('chain-picker')).toHaveValue('solana');
    const recipientBefore = sol.tokenBalance(sol.recipient.address);
    const url = sol.api.url + sol.api.paths.cheap;
    const pending = dapp.evaluate(async (u) => {
      const r = await fetch(u);
      return { status: r.status, body: await r.text() };
    }, url);
    const win = await approvalWindow();
    await expect(win.getByTestId('approval-price')).toContainText('0.01 USDC');
    await expect(win.getByTestId('approval-network')).toContainText('Solana Devnet');
    await win.getByTestId('approve').click();
    const res = await pending;
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ chain: 'solana' });
    expect(solWallet.signatureRequests).toBe(2);
    expect(sol.tokenBalance(sol.recipient.address)).toBe(recipientBefore + sol.api.prices.cheap);
  });

  test('Reject: the button and a closed window give 4001 / the original 402; the wallet is never asked; nothing stored or delegated', async ({ dapp, sol, solWallet, approvalWindow, ext }) => {
    const first = requestSession(dapp, solanaParams(sol));
    await (await approvalWindow()).getByTestId('reject').click();
    expect(await first).toMatchObject({ ok: false, code: 4001 });
    await dapp.waitForTimeout(3_100); // the short cooldown after a rejection
    const bare = dapp.evaluate(async (u) => (await fetch(u)).status, sol.api.url + sol.api.paths.cheap);
    await (await approvalWindow()).close();
    expect(await bare).toBe(402);
    expect(solWallet.requests).toEqual([]);
    expect(sol.tokenAccount(solWallet.address)?.delegate).toBeNull();
    expect((await readStore(await ext.serviceWorker())).sessions).toHaveLength(0);
  });

  test('the wallet says no — rejected, locked, or no wallet at all: a clear message in the window, 4001 / 4900 to the page, nothing stored', async ({ dapp, sol, solWallet, approvalWindow, ext }) => {
    for (const mode of ['reject', 'locked'] as const) {
      solWallet.mode = mode;
      const pending = requestSession(dapp, solanaParams(sol));
      const win = await approvalWindow();
      await win.getByTestId('approve').click();
      await expect(win.getByTestId('approval-progress')).toHaveAttribute('data-step', 'failed');
      await expect(win.getByTestId('approval-progress')).toContainText(mode === 'locked' ? /locked/ : /rejected/);
      expect(await pending).toMatchObject({ ok: false, code: 4001, reason: 'user_rejected' });
      await dapp.waitForTimeout(3_100);
    }
    // A page with no Solana wallet at all.
    const plain = await ext.context.newPage();
    await plain.goto(`${new URL(dapp.url()).origin.replace('127.0.0.1', 'localhost')}/?chain=solana`);
    const none = requestSession(plain, solanaParams(sol));
    const win = await approvalWindow();
    await win.getByTestId('approve').click();
    await expect(win.getByTestId('approval-progress')).toContainText(/No Solana wallet was found/);
    expect(await none).toMatchObject({ ok: false, code: 4900, reason: 'no_wallet' });
    // Asked (and refused, or locked): nothing was ever signed.
    expect(solWallet.signedTransactions).toHaveLength(0);
    expect(solWallet.signedMessages).toHaveLength(0);
    expect(sol.tokenAccount(solWallet.address)?.delegate).toBeNull();
    expect((await readStore(await ext.serviceWorker())).sessions).toHaveLength(0);
  });

  test('several wallets in the page: the approval window asks which one, and only that one signs', async ({ ext, sol, stack, approvalWindow, addSolanaWallet }) => {
    const page = await ext.context.newPage();
    const phantom = await addSolanaWallet(page, { name: 'Phantom (stand-in)' });
    const solflare = await addSolanaWallet(page, { name: 'Solflare (stand-in)' });
    await page.goto(`${stack.dapp.url}/?chain=solana`);
    const pending = requestSession(page, solanaParams(sol, { cap: '0.20' }));
    const win = await approvalWindow();
    await win.getByTestId('approve').click();
    const choices = win.getByTestId('approval-wallet');
    await expect(choices).toHaveCount(2);
    await expect(choices).toHaveText(['Phantom (stand-in)', 'Solflare (stand-in)']);
    await win.screenshot({ path: test.info().outputPath('solana-wallet-choice.png') });
    await win.locator('[data-testid="approval-wallet"][data-name="Solflare (stand-in)"]').click();
    const opened = await pending;
    expect(opened).toMatchObject({ ok: true, s: { cap: '200000', status: 'active' } });
    expect(phantom.requests).toEqual([]);
    expect(solflare.requests).toEqual(['connect', 'signTransaction', 'signMessage']);
    expect((await readStore(await ext.serviceWorker())).sessions[0]).toMatchObject({ user: solflare.address });
    expect(sol.tokenAccount(solflare.address)).toMatchObject({ delegate: sol.facilitator.address, delegatedAmount: 200_000n });
  });

  test('worker restart: the service worker stopped between calls still pays from the same Solana session, spent exact', async ({ dapp, sol, solWallet, ext }) => {
    const price = sol.api.prices.chat;
    const chatUrl = sol.api.url + sol.api.paths.chat;
    await openSolanaSession(ext.context, dapp, sol);
    const recipientBefore = sol.tokenBalance(sol.recipient.address);
    for (let i = 0; i < 3; i++) {
      expect(await postMany(dapp, chatUrl, 1)).toEqual([200]);
      await stopServiceWorkers(dapp);
    }
    expect(await postMany(dapp, chatUrl, 1)).toEqual([200]);
    expect(solWallet.signatureRequests).toBe(2);
    expect(sol.tokenBalance(sol.recipient.address)).toBe(recipientBefore + 4n * price);
    await expect.poll(async () => (await dapp.evaluate(() => window.x402session!.getSessions()))[0]?.spent).toBe(String(4n * price));
    expect(sol.tokenAccount(solWallet.address)?.delegatedAmount).toBe(1_000_000n - 4n * price);
    await ext.serviceWorker();
  });
});
