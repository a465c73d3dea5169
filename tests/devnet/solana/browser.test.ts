/**
 * The Solana session flow in real Chromium, across real origins: the signer chunk
 * (lib/chains/solana/wallet.ts, bundled with esbuild) runs in a localhost page with the stand-in
 * Wallet Standard wallet, reads the 402 of the paid API, has the wallet sign the approve and the
 * auth message (one step for the person), registers with the facilitator, and pays calls with
 * PAYMENT-SIGNATURE until the cap; then a second session replaces the first one's on-chain
 * delegation (SPL has one delegate per token account) and the chain itself refuses a transfer
 * the first session's ledger still allows — a failed settle, refunded. Balances read in litesvm.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync } from 'node:fs';
import { build } from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack, type StackSolana } from '../../../devnet/stack';
import { SolanaTestWallet } from '../../../e2e/support/solana-wallet';
import { buildApproveTransaction } from '../../../lib/chains/solana/approve';

const CHROMIUM = process.env.CHROME_PATH || '/usr/bin/chromium';
let stack: Stack;
let sol: StackSolana;
let browser: Browser;
let site: Server;
let siteUrl: string;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}; set CHROME_PATH`);
  const bundle = await build({
    entryPoints: ['tests/devnet/solana/support/page-entry.ts'],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'chrome120',
    write: false,
    logLevel: 'silent',
  });
  const js = bundle.outputFiles[0]!.text;
  site = createServer((req, res) => {
    if (req.url === '/signer.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(js);
    else res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>solana</title><script type="module" src="/signer.js"></script>');
  });
  await new Promise<void>((r) => site.listen(0, '127.0.0.1', r));
  siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}/`;
  [stack, browser] = await Promise.all([
    startStack({ quiet: true, userCount: 1, solana: { payerCount: 2 } }),
    chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] }),
  ]);
  sol = stack.solana!;
});
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  await new Promise((r) => site?.close(r));
});

async function openPage(wallets: SolanaTestWallet[]): Promise<Page> {
  const page = await browser.newPage();
  for (const w of wallets) await w.installOnPage(page);
  await page.goto(siteUrl);
  await page.waitForFunction(() => '__solana' in window);
  return page;
}

type Outcome = { ok: true; user: string; txHash: string; extra: Record<string, string | number> } | { ok: false; code: number; reason: string; message: string };

/**
 * In the page, as the extension will: read the 402 of `url`, take its Solana session option,
 * ask the wallet for the approve + consent, and (if the wallet agreed) register the session.
 */
async function openSessionInPage(page: Page, args: { url: string; cap: string; walletName?: string; timeoutMs?: number }): Promise<{ outcome: Outcome; status?: number; session?: Record<string, unknown> }> {
  return page.evaluate(
    async ({ url, cap, walletName, rpcUrl, chain, timeoutMs }) => {
      const api = (window as unknown as { __solana: Record<string, (...a: unknown[]) => Promise<unknown> | unknown> }).__solana;
      const first = await fetch(url);
      const required = JSON.parse(atob(first.headers.get('PAYMENT-REQUIRED')!));
      const option = required.accepts.find((a: { scheme: string }) => a.scheme === 'session');
      const expirationUnix = Math.floor(Date.now() / 1000) + 600;
      const outcome = (await api.approveOnSolana!({
        chain,
        network: option.network,
        rpcUrl,
        walletName,
        asset: option.asset,
        decimals: option.extra.decimals,
        spender: option.extra.facilitatorAddress,
        recipient: option.payTo,
        cap,
        expirationUnix,
        discoveryMs: 50,
        timeoutMs: timeoutMs ?? 10_000,
      })) as Outcome;
      if (!outcome.ok) return { outcome };
      const body = api.buildSessionBody!({
        auth: api.parseAuthMessage!(outcome.extra.authMessage),
        approveTxBase64: outcome.extra.approveTxBase64,
        authSignature: outcome.extra.authSignature,
      });
      const res = await fetch(new URL(option.extra.sessionsEndpoint, option.extra.facilitatorUrl), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { outcome, status: res.status, session: await res.json() };
    },
    { timeoutMs: undefined, walletName: undefined, ...args, rpcUrl: sol.rpc.url, chain: sol.walletChain },
  );
}

interface Paid {
  status: number;
  body: unknown;
  receipt: Record<string, unknown> | null;
  requiredError: string | null;
}

/** One paid call from the page: 402 → PAYMENT-SIGNATURE (Inco's client shape) → the answer. */
async function payInPage(page: Page, url: string, sessionId: string): Promise<Paid> {
  return page.evaluate(
    async ({ url, sessionId }) => {
      const decode = (h: string | null) => (h ? JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(h), (c) => c.charCodeAt(0)))) : null);
      const encode = (v: unknown) => btoa(String.fromCharCode(...new TextEncoder().encode(JSON.stringify(v))));
      const first = await fetch(url);
      if (first.status !== 402) throw new Error(`expected 402, got ${first.status}`);
      const required = decode(first.headers.get('PAYMENT-REQUIRED'));
      const accepted = required.accepts.find((a: { scheme: string }) => a.scheme === 'session');
      const header = encode({ x402Version: 2, accepted, payload: { sessionId, amount: accepted.amount }, resource: { url: required.resource.url } });
      const paid = await fetch(url, { headers: { 'PAYMENT-SIGNATURE': header } });
      const text = await paid.text();
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        /* not JSON */
      }
      return {
        status: paid.status,
        body,
        receipt: decode(paid.headers.get('PAYMENT-RESPONSE')),
        requiredError: decode(paid.headers.get('PAYMENT-REQUIRED'))?.error ?? null,
      };
    },
    { url, sessionId },
  );
}

describe('Solana sessions in Chromium', () => {
  it('approve once in the wallet, pay per call to the cap, and a transfer past the on-chain delegation is a refunded failed settle', async () => {
    const started = Date.now();
    const payer = sol.payers[0]!;
    const wallet = new SolanaTestWallet({ secretKey: payer.keypair.secretKey });
    const page = await openPage([wallet]);
    const slotUrl = `${sol.api.url}${sol.api.paths.cheap}`;
    const price = sol.api.prices.cheap; // 0.01
    const userStart = sol.tokenBalance(payer.address);
    expect(sol.runtime.getBalance(payer.address)).toBe(0n); // the person holds no SOL at all

    // Session A: cap 0.05. One approval step = one transaction signature + one message signature.
    const a = await openSessionInPage(page, { url: slotUrl, cap: '50000' });
    expect(a.outcome).toMatchObject({ ok: true, user: payer.address, txHash: '' });
    expect(a.status).toBe(201);
    expect(wallet.requests).toEqual(['connect', 'signTransaction', 'signMessage']);
    expect(sol.tokenAccount(payer.address)).toMatchObject({ delegate: sol.facilitator.address, delegatedAmount: 50_000n });
    // The page needed no global Buffer (local-chains.md §3.2).
    expect(await page.evaluate(() => typeof (globalThis as { Buffer?: unknown }).Buffer)).toBe('undefined');

    // Session B on the same token account: SPL keeps one delegate, so B's approve (0.035) replaces A's.
    const b = await openSessionInPage(page, { url: slotUrl, cap: '35000' });
    expect(b.status).toBe(201);
    expect(wallet.signatureRequests).toBe(4);
    expect(sol.tokenAccount(payer.address)).toMatchObject({ delegatedAmount: 35_000n });
    const idA = a.session!.sessionId as string;
    const idB = b.session!.sessionId as string;

    // Three paid calls on B, no wallet prompt: each one a delegated TransferChecked.
    for (let n = 1; n <= 3; n++) {
      const paid = await payInPage(page, slotUrl, idB);
      expect(paid.status, JSON.stringify(paid)).toBe(200);
      expect(paid.body).toMatchObject({ pull: n, chain: 'solana' });
      expect(paid.receipt).toMatchObject({ success: true, network: 'solana:devnet', payer: payer.address, extensions: { session: { id: idB, spent: String(n * 10_000), remaining: String(35_000 - n * 10_000) } } });
      expect(sol.runtime.signatureStatus(paid.receipt!.transaction as string)).toMatchObject({ err: null });
    }
    expect(wallet.signatureRequests).toBe(4);

    // B's fourth call would pass its cap: the facilitator's ledger says no, nothing is sent.
    const capped = await payInPage(page, slotUrl, idB);
    expect(capped.status).toBe(402);
    expect(capped.requiredError).toBe('cap_exceeded');

    // A's ledger still has 0.05 of room, but the chain delegation is down to 0.005: the chain
    // refuses the 0.01 transfer (Custom(1) InsufficientFunds), the settle fails, the debit is refunded.
    const refused = await payInPage(page, slotUrl, idA);
    expect(refused.status).toBe(402);
    expect(refused.receipt).toMatchObject({
      success: false,
      errorReason: 'onchain_transfer_failed',
      errorMessage: 'instruction 0: Custom(1) InsufficientFunds',
      payer: payer.address,
      transaction: '',
    });
    const sessionA = (await (await fetch(`${sol.facilitator.url}/sessions/${idA}`)).json()) as Record<string, string>;
    expect(sessionA).toMatchObject({ spent: '0', remaining: '50000' });

    // What SPL Token says, read straight from litesvm.
    expect(sol.tokenBalance(payer.address)).toBe(userStart - 3n * price);
    expect(sol.tokenBalance(sol.recipient.address)).toBe(3n * price);
    expect(sol.tokenAccount(payer.address)).toMatchObject({ delegate: sol.facilitator.address, delegatedAmount: 5_000n });
    expect(sol.runtime.getBalance(payer.address)).toBe(0n);
    await page.close();
    expect(Date.now() - started).toBeLessThan(25_000);
  });

  it('no wallet → 4900 no_wallet; several and none chosen → choose_wallet naming them; a chosen one signs', async () => {
    const none = await openPage([]);
    const url = `${sol.api.url}${sol.api.paths.cheap}`;
    expect((await openSessionInPage(none, { url, cap: '10000' })).outcome).toMatchObject({ ok: false, code: 4900, reason: 'no_wallet' });
    expect(await none.evaluate(() => (window as unknown as { __solana: { listSolanaWallets: (o: object) => Promise<unknown[]> } }).__solana.listSolanaWallets({ discoveryMs: 20 }))).toEqual([]);
    await none.close();

    const payer = sol.payers[1]!;
    const first = new SolanaTestWallet({ secretKey: payer.keypair.secretKey, name: 'Alpha Wallet' });
    const second = new SolanaTestWallet({ secretKey: payer.keypair.secretKey, name: 'Beta Wallet' });
    const two = await openPage([first, second]);
    const listed = await two.evaluate(() => (window as unknown as { __solana: { listSolanaWallets: (o: object) => Promise<{ name: string }[]> } }).__solana.listSolanaWallets({ discoveryMs: 20 }));
    expect(listed.map((w) => w.name).sort()).toEqual(['Alpha Wallet', 'Beta Wallet']);
    const ambiguous = await openSessionInPage(two, { url, cap: '10000' });
    expect(ambiguous.outcome).toMatchObject({ ok: false, code: 4900, reason: 'choose_wallet' });
    expect((ambiguous.outcome as { message: string }).message).toMatch(/Alpha Wallet.*Beta Wallet|Beta Wallet.*Alpha Wallet/);
    expect(first.requests).toEqual([]);
    const chosen = await openSessionInPage(two, { url, cap: '10000', walletName: 'Beta Wallet' });
    expect(chosen.status).toBe(201);
    expect(second.signatureRequests).toBe(2);
    expect(first.requests).toEqual([]);
    await two.close();
  });

  it('a rejected request or a locked wallet → 4001 user_rejected; a silent wallet times out; nothing lands', async () => {
    const payer = sol.payers[1]!;
    const before = sol.tokenAccount(payer.address);
    const wallet = new SolanaTestWallet({ secretKey: payer.keypair.secretKey });
    const page = await openPage([wallet]);
    const url = `${sol.api.url}${sol.api.paths.cheap}`;
    wallet.mode = 'reject';
    expect((await openSessionInPage(page, { url, cap: '20000' })).outcome).toMatchObject({ ok: false, code: 4001, reason: 'user_rejected' });
    expect(wallet.requests).toEqual(['connect', 'signTransaction']);
    wallet.mode = 'locked';
    expect((await openSessionInPage(page, { url, cap: '20000' })).outcome).toMatchObject({ ok: false, code: 4001, reason: 'user_rejected' });
    expect(wallet.count('connect')).toBe(2);
    // A wallet that never answers does not hold the flow: the step times out.
    wallet.mode = 'hang';
    const hung = await openSessionInPage(page, { url, cap: '20000', timeoutMs: 300 });
    expect(hung.outcome).toMatchObject({ ok: false, code: -32603, reason: 'wallet_timeout' });
    expect(wallet.count('signMessage')).toBe(0);
    expect(sol.tokenAccount(payer.address)).toEqual(before);
    await page.close();
  });

  it('signs a prebuilt approve handed in as txBase64, and refuses one that is not for this account and cap', async () => {
    const payer = sol.payers[1]!;
    const wallet = new SolanaTestWallet({ secretKey: payer.keypair.secretKey });
    const page = await openPage([wallet]);
    const build = (user: string, amount: bigint) =>
      buildApproveTransaction({ user, mint: sol.mint.address, spender: sol.facilitator.address, amount, decimals: 6, recentBlockhash: sol.runtime.latestBlockhash().blockhash }).base64;
    const run = (txBase64: string, cap: string) =>
      page.evaluate(
        (req) => (window as unknown as { __solana: { approveOnSolana: (r: unknown) => Promise<unknown> } }).__solana.approveOnSolana(req),
        { chain: sol.walletChain, network: sol.network, rpcUrl: sol.rpc.url, asset: sol.mint.address, decimals: 6, spender: sol.facilitator.address, recipient: sol.recipient.address, cap, expirationUnix: Math.floor(Date.now() / 1000) + 600, txBase64, discoveryMs: 20 },
      ) as Promise<Outcome>;
    expect(await run(build(sol.payers[0]!.address, 20_000n), '20000')).toMatchObject({ ok: false, reason: 'approve_mismatch' });
    expect(await run(build(payer.address, 10_000n), '20000')).toMatchObject({ ok: false, reason: 'approve_mismatch' });
    expect(wallet.count('signTransaction')).toBe(0);
    const ok = await run(build(payer.address, 20_000n), '20000');
    expect(ok).toMatchObject({ ok: true, user: payer.address });
    expect(wallet.signatureRequests).toBe(2);
    await page.close();
  });
});
