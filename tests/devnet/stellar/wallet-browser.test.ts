/**
 * `approveOnStellar` in real Chromium, bundled by esbuild the way the signer chunk will be, on a
 * localhost page of its own origin, with the Freighter stand-in answering freighter-api's
 * postMessage protocol and signing in Node with the payer's real key. The page then registers
 * the session with the Stellar facilitator and pays three calls of the paid API with
 * PAYMENT-SIGNATURE, all as cross-origin browser requests; the stand-in ledger must show exactly
 * those three transfers. Then every way the wallet can say no.
 */
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { build } from 'esbuild';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FreighterStandIn } from '../../../e2e/support/freighter-wallet';
import { closeServer, listen, originOf } from '../../../devnet/net';
import { startStack, type Stack } from '../../../devnet/stack';
import type { StellarStack } from '../../../devnet/stellar/stack';
import { SorobanReader } from '../../../lib/chains/stellar/reader';
import type { SignerOutcome } from '../../../lib/chains/types';
import type { StellarSignRequest } from '../../../lib/chains/stellar/wallet';

const CHROMIUM = process.env.CHROME_PATH || '/usr/bin/chromium';
const ROOT = join(import.meta.dirname, '..', '..', '..');
const CAP = 1_000_000n; // 0.10 USDC: ten slot pulls

let stack: Stack;
let stellar: StellarStack;
let browser: Browser;
let context: BrowserContext;
let site: Server;
let siteUrl: string;
let freighter: FreighterStandIn;

declare global {
  interface Window {
    approveOnStellar(req: StellarSignRequest): Promise<SignerOutcome>;
  }
}

/** The wallet module as the signer chunk will ship it: one browser ESM bundle. */
async function bundleWallet(): Promise<string> {
  const result = await build({
    stdin: {
      contents: `import { approveOnStellar } from './lib/chains/stellar/wallet.ts'; window.approveOnStellar = approveOnStellar;`,
      resolveDir: ROOT,
      loader: 'ts',
    },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'chrome120',
    minify: true,
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}; set CHROME_PATH`);
  let js = '';
  [stack, browser, js] = await Promise.all([
    startStack({ quiet: true, userCount: 1, stellar: { payerCount: 1 } }),
    chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] }),
    bundleWallet(),
  ]);
  stellar = stack.stellar!;
  site = createServer((req, res) => {
    if (req.url === '/wallet.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(js);
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>stellar wallet test</title><script type="module" src="/wallet.js"></script>');
  });
  siteUrl = originOf('127.0.0.1', await listen(site, '127.0.0.1', 0, 'test site'));
  const payer = stellar.accounts.payers[0]!;
  freighter = new FreighterStandIn({ secret: payer.secret, networkPassphrase: stellar.passphrase, sorobanRpcUrl: stellar.rpc.url });
  context = await browser.newContext();
  await freighter.install(context);
});

afterAll(async () => {
  await browser?.close();
  if (site) await closeServer(site);
  await stack?.stop();
});

async function openPage(): Promise<Page> {
  const page = await context.newPage();
  await page.goto(siteUrl);
  await page.waitForFunction(() => typeof window.approveOnStellar === 'function');
  return page;
}

function request(overrides: Partial<StellarSignRequest> = {}): StellarSignRequest {
  return {
    network: stellar.network,
    networkPassphrase: stellar.passphrase,
    rpcUrl: stellar.rpc.url,
    asset: stellar.asset.contractId,
    spender: stellar.facilitator.address,
    amount: CAP.toString(),
    expiresInSeconds: 3600,
    timeoutMs: 10_000,
    ...overrides,
  };
}

const approveIn = (page: Page, req: StellarSignRequest) => page.evaluate((r) => window.approveOnStellar(r), req);

describe('approveOnStellar in Chromium with the Freighter stand-in', () => {
  it('one signature opens a session that pays three calls of the paid API from the page', async () => {
    const payer = stellar.accounts.payers[0]!;
    const start = { payer: stellar.balance(payer.publicKey), recipient: stellar.balance(stellar.accounts.recipient.publicKey) };
    freighter.mode = 'approve';
    const page = await openPage();
    // getTransaction answers NOT_FOUND for a while: the wallet (and then the facilitator) must poll.
    stellar.ledger.notFoundDelayMs = 1200;
    let outcome: SignerOutcome;
    const latestBefore = stellar.ledger.latestSequence;
    try {
      outcome = await approveIn(page, request());
    } finally {
      stellar.ledger.notFoundDelayMs = 0;
    }
    expect(outcome).toEqual({
      ok: true,
      user: payer.publicKey,
      txHash: expect.stringMatching(/^[0-9a-f]{64}$/),
      extra: { expirationLedger: latestBefore + 720, ledger: latestBefore + 1, network: 'stellar:local' },
    });
    if (!outcome.ok) throw new Error('not approved');
    expect(freighter.signatureCount).toBe(1);
    expect(freighter.signed[0]).toBe(outcome.txHash);
    expect(stellar.allowance(payer.publicKey)).toEqual({ amount: CAP, liveUntil: latestBefore + 720 });
    // The background's SDK-free reader sees the same allowance.
    const reader = new SorobanReader({ rpcUrl: stellar.rpc.url });
    expect((await reader.readAllowance(stellar.asset.contractId, payer.publicKey, stellar.facilitator.address)).amount).toBe(CAP);

    const result = await page.evaluate(
      async ({ facilitatorUrl, apiUrl, body, path }) => {
        const toBase64 = (v: unknown) => btoa(String.fromCharCode(...new TextEncoder().encode(JSON.stringify(v))));
        const fromBase64 = (h: string) => JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(h), (c) => c.charCodeAt(0))));
        const opened = await fetch(`${facilitatorUrl}/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
        const session = await opened.json();
        const calls = [];
        for (let i = 0; i < 3; i++) {
          const first = await fetch(apiUrl + path);
          const required = fromBase64(first.headers.get('PAYMENT-REQUIRED')!);
          const accepted = required.accepts.find((a: { scheme: string }) => a.scheme === 'session');
          const paid = await fetch(apiUrl + path, {
            headers: { 'PAYMENT-SIGNATURE': toBase64({ x402Version: 2, accepted, payload: { sessionId: session.sessionId } }) },
          });
          calls.push({ first: first.status, status: paid.status, body: await paid.json(), receipt: fromBase64(paid.headers.get('PAYMENT-RESPONSE')!) });
        }
        return { opened: opened.status, session, calls };
      },
      {
        facilitatorUrl: stellar.facilitator.url,
        apiUrl: stack.api.url,
        path: stack.api.stellar!.paths.cheap,
        body: {
          approvalTxHash: outcome.txHash,
          user: outcome.user,
          asset: stellar.asset.contractId,
          recipient: stack.api.stellar!.recipient,
          cap: CAP.toString(),
          expirationLedger: outcome.extra!.expirationLedger,
          network: stellar.network,
        },
      },
    );
    expect(result.opened).toBe(201);
    expect(result.session).toMatchObject({ user: payer.publicKey, cap: CAP.toString(), expirationLedger: outcome.extra!.expirationLedger });
    const price = stack.api.stellar!.prices.cheap;
    result.calls.forEach((call, i) => {
      expect(call).toMatchObject({ first: 402, status: 200, body: { pull: i + 1 }, receipt: { success: true, payer: payer.publicKey, extensions: { session: { spent: String(price * BigInt(i + 1)) } } } });
    });
    expect(stellar.balance(payer.publicKey)).toBe(start.payer - 3n * price);
    expect(stellar.balance(stellar.accounts.recipient.publicKey)).toBe(start.recipient + 3n * price);
    expect(stellar.allowance(payer.publicKey).amount).toBe(CAP - 3n * price);
    expect(freighter.signatureCount).toBe(1); // the paid calls never touched the wallet
    await page.close();
  });

  it('the person rejecting the signature is 4001 user_rejected, and nothing is sent', async () => {
    freighter.reset();
    freighter.mode = 'reject';
    const page = await openPage();
    const sends = stellar.rpc.calls.filter((m) => m === 'sendTransaction').length;
    const outcome = await approveIn(page, request({ amount: '5' }));
    expect(outcome).toEqual({ ok: false, code: 4001, reason: 'user_rejected', message: expect.stringMatching(/rejected in Freighter/) });
    expect(freighter.signatureCount).toBe(0);
    expect(freighter.requests).toContain('SUBMIT_TRANSACTION');
    expect(stellar.rpc.calls.filter((m) => m === 'sendTransaction').length).toBe(sends);
    await page.close();
  });

  it('a locked Freighter (access declined) is 4001 wallet_locked before any transaction is built', async () => {
    freighter.reset();
    freighter.mode = 'locked';
    const page = await openPage();
    const outcome = await approveIn(page, request());
    expect(outcome).toMatchObject({ ok: false, code: 4001, reason: 'wallet_locked', message: expect.stringMatching(/Unlock Freighter/) });
    expect(freighter.requests).not.toContain('SUBMIT_TRANSACTION');
    await page.close();
  });

  it('Freighter on another network is 4901 wrong_network, naming both networks', async () => {
    freighter.reset();
    freighter.mode = 'wrong_network';
    const page = await openPage();
    const outcome = await approveIn(page, request());
    expect(outcome).toEqual({ ok: false, code: 4901, reason: 'wrong_network', message: 'Freighter is on Stellar Testnet, but this session is on Stellar (local). Switch Freighter to Stellar (local) and try again.' });
    expect(freighter.signatureCount).toBe(0);
    await page.close();
  });

  it('no Freighter at all is 4900 no_wallet (freighter-api gives up after 2 s)', async () => {
    freighter.reset();
    freighter.mode = 'absent';
    const page = await openPage();
    const started = Date.now();
    const outcome = await approveIn(page, request());
    expect(outcome).toMatchObject({ ok: false, code: 4900, reason: 'no_wallet' });
    expect(Date.now() - started).toBeLessThan(5000);
    await page.close();
  });

  it('a Freighter that never answers the prompt is -32603 wallet_timeout after our own bound', async () => {
    freighter.reset();
    freighter.mode = 'unresponsive';
    const page = await openPage();
    const started = Date.now();
    const outcome = await approveIn(page, request({ timeoutMs: 400 }));
    expect(outcome).toMatchObject({ ok: false, code: -32603, reason: 'wallet_timeout' });
    expect(Date.now() - started).toBeLessThan(3000);
    await page.close();
  });

  it('an approve the token refuses (expiration ledger already past) or an unreachable RPC is approve_failed, unsigned', async () => {
    freighter.reset();
    freighter.mode = 'approve';
    const page = await openPage();
    const outcome = await approveIn(page, request({ expirationLedger: stellar.ledger.latestSequence }));
    expect(outcome).toMatchObject({ ok: false, code: -32603, reason: 'approve_failed', message: expect.stringMatching(/Error\(Contract, #9\)/) });
    expect(freighter.signatureCount).toBe(0);
    const unreachable = await approveIn(page, request({ rpcUrl: 'http://127.0.0.1:9' }));
    expect(unreachable).toMatchObject({ ok: false, reason: 'approve_failed', message: expect.stringMatching(/Soroban RPC http:\/\/127\.0\.0\.1:9 is unreachable/) });
    expect(freighter.signatureCount).toBe(0);
    const invalid = await approveIn(page, request({ spender: 'MA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJUAAAAAAAAAAAACJUQ' }));
    expect(invalid).toMatchObject({ ok: false, code: -32602, reason: 'invalid_request', message: expect.stringMatching(/^spender: muxed accounts/) });
    await page.close();
  });
});
