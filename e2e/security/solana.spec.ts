import { createHash } from 'node:crypto';
import type { Frame, Page } from '@playwright/test';
import { Keypair } from '@solana/web3.js';
import { associatedTokenAddress, SOLANA_MAINNET_CAIP2, TOKEN_PROGRAM, U64_MAX } from '../../lib/chains/solana';
import { securityRow } from '../fixtures';
import { expect, openSolanaSession, test } from '../solana-fixtures';
import { readStore, setSettings } from '../support/store';
import { startHostileServer, type CorpusCase } from './hostile-server';

/**
 * The Solana half of the security suite: a hostile 402 corpus of its own (base58 that is not,
 * addresses nobody can spend from, another mint, a decimals lie, amounts past u64, other clusters),
 * on the paid path (a Solana session exists) and on the opening path (a bare 402, no session yet:
 * refused before any window); origin isolation; and the cap race, ledger = facilitator = chain.
 */

const NOT_BASE58 = (a: string) => `${a.slice(0, -2)}0O`; // 0 and O are outside the alphabet
const U64_OVERFLOW = (U64_MAX + 1n).toString();

function corpusFor(sol: { recipient: { address: string }; mint: { address: string }; payers: { address: string; tokenAccount: string }[] }): { paid: CorpusCase[]; opening: CorpusCase[] } {
  const payTo = sol.recipient.address;
  const recipientAta = associatedTokenAddress(payTo, sol.mint.address);
  const otherKey = Keypair.generate().publicKey.toBase58();
  const short = Keypair.generate().publicKey.toBase58().slice(0, 30);
  const c = (id: string, description: string, expect: string, accept: Record<string, unknown>, category = 'solana'): CorpusCase => ({ id, category, description, expect, header: { accept } });
  const paid: CorpusCase[] = [
    c('sol-payto-bad-base58', 'payTo with characters outside base58', 'recipient_mismatch', { payTo: NOT_BASE58(payTo) }),
    c('sol-payto-lowercase', 'payTo lower-cased (base58 is case-sensitive: another key)', 'recipient_mismatch', { payTo: payTo.toLowerCase() }),
    c('sol-payto-ata', "payTo the recipient's token account (off the curve)", 'recipient_mismatch', { payTo: recipientAta }),
    c('sol-payto-program', 'payTo the SPL Token program', 'recipient_mismatch', { payTo: TOKEN_PROGRAM }),
    c('sol-payto-system', 'payTo the System program (all zeros)', 'recipient_mismatch', { payTo: '11111111111111111111111111111111' }),
    c('sol-payto-short', 'payTo of fewer than 32 bytes', 'recipient_mismatch', { payTo: short }),
    c('sol-payto-evm', 'payTo an EVM address', 'recipient_mismatch', { payTo: '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC' }),
    c('sol-asset-other-mint', 'another (valid) mint', 'asset_mismatch', { asset: otherKey }),
    c('sol-asset-lowercase', 'the mint lower-cased', 'asset_mismatch', { asset: sol.mint.address.toLowerCase() }),
    c('sol-asset-token-account', 'a token account named as the mint', 'asset_mismatch', { asset: sol.payers[0]!.tokenAccount }),
    c('sol-amount-u64-max', 'amount = u64::MAX', 'per_call_limit_exceeded', { amount: U64_MAX.toString() }),
    c('sol-amount-u64-overflow', 'amount = u64::MAX + 1', 'per_call_limit_exceeded', { amount: U64_OVERFLOW }),
    c('sol-amount-u128', 'amount = 2^128', 'per_call_limit_exceeded', { amount: (1n << 128n).toString() }),
    c('sol-decimals-lie', 'extra.decimals 0 beside 60000 base units (0.06, over the 0.05 ceiling)', 'per_call_limit_exceeded', { amount: '60000', extra: { decimals: 0, facilitatorUrl: '$FACILITATOR', spender: '$SPENDER', facilitatorAddress: '$SPENDER' } }),
    c('sol-network-mainnet', 'solana:mainnet', 'network_mismatch', { network: 'solana:mainnet' }),
    c('sol-network-mainnet-caip', 'the mainnet CAIP-2 id', 'network_mismatch', { network: SOLANA_MAINNET_CAIP2 }),
    c('sol-network-unknown-genesis', 'an unknown solana:<genesis>', 'network_mismatch', { network: `solana:${otherKey.slice(0, 32)}` }),
    c('sol-network-evm', 'the same terms on an EVM network', 'network_mismatch', { network: 'eip155:31337' }),
    c('sol-spender-other', 'another spender than the approved delegate', 'spender_mismatch', { extra: { spender: otherKey, facilitatorAddress: otherKey, facilitatorUrl: '$FACILITATOR' } }),
    c('sol-facilitator-other', "another facilitator than the session's", 'facilitator_mismatch', { extra: { spender: '$SPENDER', facilitatorUrl: 'http://127.0.0.1:1' } }),
    { id: 'sol-v1-payto-ata', category: 'solana', description: 'v1 (solana-devnet), payTo a token account', expect: 'recipient_mismatch', body: { v1accept: { network: 'solana-devnet', payTo: recipientAta } } },
    c('control-valid', 'a valid Solana session 402 (control)', 'paid', {}, 'control'),
  ];
  const opening: CorpusCase[] = [
    c('open-payto-bad-base58', 'bare 402 paying a non-base58 payTo', 'invalid_params', { payTo: NOT_BASE58(payTo) }, 'solana opening'),
    c('open-payto-ata', 'bare 402 paying a token account (off the curve)', 'invalid_params', { payTo: recipientAta }, 'solana opening'),
    c('open-payto-program', 'bare 402 paying the SPL Token program', 'invalid_params', { payTo: TOKEN_PROGRAM }, 'solana opening'),
    c('open-payto-system', 'bare 402 paying the System program', 'invalid_params', { payTo: '11111111111111111111111111111111' }, 'solana opening'),
    c('open-payto-short', 'bare 402 paying a 30-character key', 'invalid_params', { payTo: short }, 'solana opening'),
    c('open-amount-u64-overflow', 'bare 402 priced past u64', 'invalid_params', { amount: U64_OVERFLOW }, 'solana opening'),
    c('open-cap-u64-overflow', 'bare 402 whose default cap (10 calls) passes u64', 'invalid_params', { amount: (U64_MAX / 5n).toString() }, 'solana opening'),
    c('open-asset-wallet', 'bare 402 naming a wallet as the mint', 'token_unreadable', { asset: payTo }, 'solana opening'),
    c('open-asset-token-account', 'bare 402 naming a token account as the mint', 'token_unreadable', { asset: sol.payers[0]!.tokenAccount }, 'solana opening'),
    c('open-asset-bad-base58', 'bare 402 naming a non-base58 mint', 'token_unreadable', { asset: NOT_BASE58(sol.mint.address) }, 'solana opening'),
  ];
  return { paid, opening };
}

type Seen = Record<string, { status?: number; bodySha?: string; header?: string | null; error?: string }>;
function fetchAll(page: Page, list: [string, string][]): Promise<Seen> {
  return page.evaluate(async (list) => {
    const out: Seen = {};
    for (const [id, url] of list) {
      try {
        const r = await fetch(url);
        const text = await r.text();
        const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
        out[id] = { status: r.status, header: r.headers.get('payment-required'), bodySha: [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('') };
      } catch (e) {
        out[id] = { error: String(e) };
      }
    }
    return out;
  }, list);
}

test('Solana hostile 402 corpus: never paid, nothing reserved or opened, the original 402 reaches the page, the reason is recorded', async ({ ext, dapp, sol, site }) => {
  const { paid, opening } = corpusFor(sol);
  const all = [...paid, ...opening];
  expect(new Set(all.map((c) => c.id)).size).toBe(all.length);
  const server = await startHostileServer(all, { payTo: sol.recipient.address, asset: sol.mint.address, network: sol.network, spender: sol.facilitator.address, facilitator: sol.facilitator.url, chainId: 0 });
  let windows = 0;
  try {
    await openSolanaSession(ext.context, dapp, sol, { perCallMax: '0.05', apiOrigins: [server.base] });
    // From here on, a case that wrongly reached the window would hang its fetch: count it and close it.
    ext.context.on('page', (p) => {
      if (!p.url().includes('/approve.html')) return;
      windows++;
      void p.close().catch(() => undefined);
    });
    // The paid path, control last; then the opening path from an origin with no session.
    const seen: Seen = await fetchAll(dapp, [...paid.filter((c) => c.expect !== 'paid'), ...paid.filter((c) => c.expect === 'paid')].map((c) => [c.id, server.urlOf(c.id)]));
    const stranger = await ext.context.newPage();
    await stranger.goto(`${site.b}/plain`);
    Object.assign(seen, await fetchAll(stranger, opening.map((c) => [c.id, server.urlOf(c.id)])));

    const store = await readStore(await ext.serviceWorker());
    const sha = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');
    let failures = 0;
    for (const c of all) {
      const url = server.urlOf(c.id);
      const got = seen[c.id]!;
      const wasPaid = server.paidAttempts.includes(c.id);
      const reserved = store.payments.filter((p) => p.url === url).length;
      const reasons = store.events.filter((e) => e.url === url).map((e) => e.reason as string);
      const served = server.served.get(c.id);
      let outcome: string;
      if (wasPaid) outcome = 'paid';
      else if (got.error) outcome = 'browser_refused';
      else if (got.status !== 402 || !served || got.bodySha !== sha(served.body) || (got.header ?? null) !== (served.header === null ? null : served.header.trim())) outcome = 'response altered';
      else outcome = reasons[0] ?? 'not_x402_untouched';
      const expected = c.expect === 'paid' ? 'paid' : `not paid · original 402 · ${c.expect} · 0 reserved`;
      const observed = outcome === 'paid' ? 'paid' : `not paid · ${got.error ? 'browser error' : 'original 402'} · ${outcome} · ${reserved} reserved`;
      securityRow(`Solana 402 corpus: ${c.category}`, `${c.id}: ${c.description}`, expected, observed);
      if (expected !== observed) failures++;
    }
    securityRow('Solana 402 corpus: solana opening', 'approval windows opened by the bare 402s', '0', String(windows));
    securityRow('Solana 402 corpus: solana opening', 'sessions of the origin that had none', '0', String(store.sessions.filter((s) => s.origin === site.b).length));
    expect(failures, 'see the security table for the mismatching cases').toBe(0);
    expect(server.paidAttempts).toEqual(['control-valid']);
    expect(windows).toBe(0);
    expect(store.sessions.filter((s) => s.origin === site.b)).toHaveLength(0);
  } finally {
    await server.close();
  }
});

test('Solana: a decimals lie in a bare 402 does not change what the window shows — the mint says 6', async ({ ext, sol, site, approvalWindow, addSolanaWallet }) => {
  const server = await startHostileServer([{ id: 'lie', category: 'solana', description: 'decimals 2 in extra', expect: 'window', header: { accept: { amount: '10000', extra: { decimals: 2, facilitatorUrl: '$FACILITATOR', spender: '$SPENDER', facilitatorAddress: '$SPENDER' } } } }], { payTo: sol.recipient.address, asset: sol.mint.address, network: sol.network, spender: sol.facilitator.address, facilitator: sol.facilitator.url, chainId: 0 });
  try {
    const page = await ext.context.newPage();
    const wallet = await addSolanaWallet(page);
    await page.goto(`${site.a}/plain`);
    const pending = page.evaluate(async (u) => (await fetch(u)).status, server.urlOf('lie'));
    const win = await approvalWindow();
    await expect(win.getByTestId('approval-token')).toContainText('6 decimals');
    const price = (await win.getByTestId('approval-price').textContent()) ?? '';
    securityRow('Solana decimals', 'price of 10000 base units with extra.decimals 2', '0.01 USDC', price.trim());
    expect(price).toContain('0.01 USDC');
    await win.close();
    expect(await pending).toBe(402);
    expect(wallet.requests).toEqual([]);
  } finally {
    await server.close();
  }
});

type Ctx = Page | Frame;
const getSessions = (p: Ctx) => p.evaluate(() => window.x402session!.getSessions());
const tryEnd = (p: Ctx, id: string) => p.evaluate((i) => window.x402session!.endSession(i).then(() => 'ended', (e: { code: number }) => `error ${e.code}`), id);
const tryPay = (p: Ctx, url: string) =>
  p.evaluate(async (u) => {
    const reasons: string[] = [];
    window.x402session!.on('paymentFailed', (f) => reasons.push(f.reason));
    const plain = (await fetch(u)).status;
    const viaApi = (await window.x402session!.fetch(u)).status;
    await new Promise((r) => setTimeout(r, 300));
    return `${plain}/${viaApi} ${[...new Set(reasons)].join(',')}`;
  }, url);

test("Solana isolation: origin B — a page, or a cross-origin iframe inside A — cannot pay with, list, see or end A's Solana session", async ({ ext, sol, site, addSolanaWallet }) => {
  const a = await ext.context.newPage();
  await addSolanaWallet(a);
  await a.goto(`${site.a}/plain`);
  const session = await openSolanaSession(ext.context, a, sol);
  await setSettings(await ext.serviceWorker(), { promptOn402: false });
  const paid = sol.api.url + sol.api.paths.cheap;
  const b = await ext.context.newPage();
  await addSolanaWallet(b);
  await b.goto(`${site.b}/plain`);
  const framed = await ext.context.newPage();
  await framed.goto(`${site.a}/frame?src=${encodeURIComponent(`${site.b}/plain`)}`);
  const frame = framed.frames().find((f) => f.url().startsWith(site.b))!;
  await frame.waitForFunction(() => !!window.x402session);
  for (const [who, ctx] of [['page on origin B', b], ['cross-origin iframe (B) inside A', frame]] as const) {
    securityRow('Solana isolation', `${who}: getSessions()`, '[]', JSON.stringify(await getSessions(ctx)));
    securityRow('Solana isolation', `${who}: endSession(A's id)`, 'error 4100', await tryEnd(ctx, session.id));
    securityRow('Solana isolation', `${who}: fetch / x402session.fetch of A's paid Solana API`, '402/402 no_session', await tryPay(ctx, paid));
  }
  const store = await readStore(await ext.serviceWorker());
  const s = store.sessions.find((x) => x.id === session.id)!;
  securityRow('Solana isolation', "A's session afterwards", 'active, spent 0, 0 payments', `${s.status}, spent ${s.spent}, ${store.payments.length} payments`);
  expect(await getSessions(b)).toEqual([]);
  expect(await tryEnd(b, session.id)).toBe('error 4100');
  expect(await tryPay(b, paid)).toBe('402/402 no_session');
  expect(await getSessions(frame)).toEqual([]);
  expect(await tryPay(frame, paid)).toBe('402/402 no_session');
  expect(s).toMatchObject({ status: 'active', spent: '0', reserved: '0' });
  expect(store.payments).toHaveLength(0);
  // Nothing moved on chain either: A's delegation is whole.
  expect(sol.tokenAccount(s.user)?.delegatedAmount).toBe(1_000_000n);
});

test('Solana cap race: 200 concurrent calls against a remaining cap for 50 → exactly 50 settle; ledger = facilitator = chain', async ({ ext, dapp, sol, solWallet }) => {
  const price = sol.api.prices.cheap;
  const url = sol.api.url + sol.api.paths.cheap;
  await openSolanaSession(ext.context, dapp, sol, { cap: '0.50' });
  const recipientBefore = sol.tokenBalance(sol.recipient.address);
  const { statuses, reasons } = await dapp.evaluate(async (u) => {
    const reasons: string[] = [];
    window.x402session!.on('paymentFailed', (f) => reasons.push(f.reason));
    const statuses = await Promise.all(Array.from({ length: 200 }, () => fetch(u).then((r) => r.status, () => 0)));
    await new Promise((r) => setTimeout(r, 500));
    return { statuses, reasons };
  }, url);
  const sw = await ext.serviceWorker();
  await expect.poll(async () => (await readStore(sw)).payments.filter((p) => p.status === 'reserved').length).toBe(0);
  const session = (await readStore(sw)).sessions[0]!;
  const remote = (await (await fetch(`${sol.facilitator.url}/sessions/${encodeURIComponent(session.grant.sessionId)}`)).json()) as { spent: string };
  const onChain = sol.tokenBalance(sol.recipient.address) - recipientBefore;
  const ok = statuses.filter((s) => s === 200).length;
  const refused = statuses.filter((s) => s === 402).length;
  securityRow('Solana cap race', '200 concurrent calls from one tab: paid', '50', String(ok));
  securityRow('Solana cap race', '200 concurrent calls: original 402 with a reason', '150 (cap_exceeded)', `${refused} (${[...new Set(reasons)].join(',')})`);
  securityRow('Solana cap race', 'ledger = facilitator = chain', `${50n * price} = ${50n * price} = ${50n * price}`, `${session.spent} = ${remote.spent} = ${onChain}`);
  expect(ok).toBe(50);
  expect(refused).toBe(150);
  expect(new Set(reasons)).toEqual(new Set(['cap_exceeded']));
  expect(session.spent).toBe(String(50n * price));
  expect(remote.spent).toBe(session.spent);
  expect(onChain).toBe(50n * price);
  // And the chain's own cap: the delegation is used up exactly.
  expect(sol.tokenAccount(solWallet.address)).toMatchObject({ delegatedAmount: 0n, delegate: null });
});
