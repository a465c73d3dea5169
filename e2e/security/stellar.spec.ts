import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { Keypair, StrKey } from '@stellar/stellar-sdk';
import { expect, openStellarSession, securityRow, test, type StellarDevStack } from '../stellar-fixtures';
import { readStore, setSettings } from '../support/store';
import { startHostileServer, type CorpusCase } from './hostile-server';

// The security suites on Stellar: the hostile 402 corpus's Stellar cases (strkeys, case, network
// passphrases, i128 amounts, asset or recipient swapped mid-session), origin isolation, and the
// cap race, against the devnet's Soroban-RPC stand-in and Stellar facilitator.

const corpus = (JSON.parse(readFileSync(new URL('./hostile-402-stellar.json', import.meta.url), 'utf8')) as { cases: CorpusCase[] }).cases;

/** The `${NAME}` variables of the Stellar corpus, from the running stack's real addresses. */
function corpusVars(stack: StellarDevStack): Record<string, string> {
  const s = stack.stellar;
  const payTo = s.accounts.recipient.publicKey;
  const spender = s.facilitator.address;
  const muxed = (g: string) => StrKey.encodeMed25519PublicKey(Buffer.concat([StrKey.decodeEd25519PublicKey(g), Buffer.from([0, 0, 0, 0, 0, 0, 0, 7])]));
  const flipLast = (k: string) => `${k.slice(0, -1)}${k.endsWith('A') ? 'B' : 'A'}`;
  return {
    PAYTO_MUXED: muxed(payTo),
    PAYTO_LOWER: payTo.toLowerCase(),
    PAYTO_BADSUM: flipLast(payTo),
    PAYTO_SHORT: payTo.slice(0, 55),
    OTHER_ACCOUNT: Keypair.random().publicKey(),
    SECRET_SEED: Keypair.random().secret(),
    ASSET_LOWER: s.asset.contractId.toLowerCase(),
    ASSET_BADSUM: flipLast(s.asset.contractId),
    ASSET_NAME: s.asset.name,
    OTHER_SAC: StrKey.encodeContract(Buffer.alloc(32, 0xab)),
    SPENDER_MUXED: muxed(spender),
    SPENDER_LOWER: spender.toLowerCase(),
  };
}

test('hostile Stellar 402 corpus, mid-session: never paid, nothing reserved, the original 402 reaches the page, the reason is recorded', async ({ ext, dapp, stack, freighter }) => {
  expect(corpus.length).toBeGreaterThanOrEqual(40);
  expect(new Set(corpus.map((c) => c.id)).size).toBe(corpus.length);
  const s = stack.stellar;
  const server = await startHostileServer(corpus, {
    payTo: s.accounts.recipient.publicKey,
    asset: s.asset.contractId,
    network: s.network,
    spender: s.facilitator.address,
    facilitator: s.facilitator.url,
    vars: corpusVars(stack),
  });
  // Approved for the hostile server's main origin only: its second origin copies the terms.
  await openStellarSession(ext, dapp, stack, { perCallMax: '0.05', apiOrigins: [server.base] });
  try {
    const ordered = [...corpus.filter((c) => c.expect !== 'paid'), ...corpus.filter((c) => c.expect === 'paid')];
    const seen = await dapp.evaluate(async (list) => {
      const out: Record<string, { status?: number; bodySha?: string; header?: string | null; error?: string }> = {};
      for (const [id, url] of list) {
        try {
          const r = await fetch(url!);
          const text = await r.text();
          const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
          out[id!] = { status: r.status, header: r.headers.get('payment-required'), bodySha: [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('') };
        } catch (e) {
          out[id!] = { error: String(e) };
        }
      }
      return out;
    }, ordered.map((c) => [c.id, server.urlOf(c.id)]));

    const store = await readStore(await ext.serviceWorker());
    const sha = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
    let failures = 0;
    for (const c of corpus) {
      const url = server.urlOf(c.id);
      const got = seen[c.id]!;
      const paid = server.paidAttempts.includes(c.id);
      const reserved = store.payments.filter((p) => p.url === url).length;
      const reasons = store.events.filter((e) => e.url === url).map((e) => e.reason as string);
      const served = server.served.get(c.id);
      let outcome: string;
      if (paid) outcome = 'paid';
      else if (got.error) outcome = 'browser_refused';
      else if (got.status !== 402 || !served || got.bodySha !== sha(served.body) || (got.header ?? null) !== (served.header === null ? null : served.header.trim())) outcome = 'response altered';
      else outcome = reasons[0] ?? 'not_x402_untouched';
      const expected = c.expect === 'paid' ? 'paid' : `not paid · original 402 · ${c.expect} · 0 reserved`;
      const observed = outcome === 'paid' ? 'paid' : `not paid · ${got.error ? 'browser error' : 'original 402'} · ${outcome} · ${c.expect === 'paid' ? reserved - 1 : reserved} reserved`;
      securityRow(`Stellar 402 corpus: ${c.category}`, `${c.id}: ${c.description}`, expected, observed);
      if (expected !== observed) failures++;
    }
    expect(failures, 'see the security table for the mismatching cases').toBe(0);
    expect(server.paidAttempts).toEqual(['control-valid']);
    // One signature. The hostile server answered the control 200 without a receipt and never
    // settled it: the facilitator's figure (nothing spent) stands, nothing stays reserved.
    expect(freighter.signatureCount).toBe(1);
    await expect.poll(async () => (await readStore(await ext.serviceWorker())).sessions[0]).toMatchObject({ family: 'stellar', spent: '0', reserved: '0' });
  } finally {
    await server.close();
  }
});

const getSessions = (p: Page) => p.evaluate(() => window.x402session!.getSessions());
const tryEnd = (p: Page, id: string) => p.evaluate((i) => window.x402session!.endSession(i).then(() => 'ended', (e: { code: number }) => `error ${e.code}`), id);
const tryPay = (p: Page, url: string) =>
  p.evaluate(async (u) => {
    const reasons: string[] = [];
    window.x402session!.on('paymentFailed', (f) => reasons.push(f.reason));
    const plain = (await fetch(u)).status;
    const viaApi = (await window.x402session!.fetch(u)).status;
    await new Promise((r) => setTimeout(r, 300));
    return `${plain}/${viaApi} ${[...new Set(reasons)].join(',')}`;
  }, url);

test('isolation on Stellar: origin B cannot pay with, list or end A\'s Stellar session', async ({ ext, stack, site, freighter, ledger }) => {
  void freighter;
  const a = await ext.context.newPage();
  await a.goto(`${site.a}/plain`);
  const session = await openStellarSession(ext, a, stack);
  await setSettings(await ext.serviceWorker(), { promptOn402: false });
  const paid = stack.api.url + stack.api.stellar!.paths.cheap;
  const recipient = stack.stellar.accounts.recipient.publicKey;
  const before = ledger.balance(recipient);

  const b = await ext.context.newPage();
  await b.goto(`${site.b}/plain`);
  await b.waitForFunction(() => !!window.x402session);
  securityRow('isolation (Stellar)', 'page on origin B: getSessions()', '[]', JSON.stringify(await getSessions(b)));
  securityRow('isolation (Stellar)', "page on origin B: endSession(A's id)", 'error 4100', await tryEnd(b, session.id));
  const bPaid = await tryPay(b, paid);
  securityRow('isolation (Stellar)', "page on origin B: fetch / x402session.fetch of A's Stellar API", '402/402 no_session', bPaid);
  expect(await getSessions(b)).toEqual([]);
  expect(await tryEnd(b, session.id)).toBe('error 4100');
  expect(bPaid).toBe('402/402 no_session');
  expect(ledger.balance(recipient)).toBe(before);

  // A itself still pays (the control).
  expect(await a.evaluate(async (u) => (await fetch(u)).status, paid)).toBe(200);
  expect(ledger.balance(recipient)).toBe(before + stack.api.stellar!.prices.cheap);
  const store = await readStore(await ext.serviceWorker());
  expect(store.sessions.find((x) => x.id === session.id)).toMatchObject({ status: 'active', spent: String(stack.api.stellar!.prices.cheap) });
});

test('cap race on Stellar: 200 concurrent calls against a remaining cap for 50 → exactly 50 settle; ledger = facilitator = chain', async ({ ext, dapp, stack, ledger }) => {
  const price = stack.api.stellar!.prices.cheap;
  const url = stack.api.url + stack.api.stellar!.paths.cheap;
  await openStellarSession(ext, dapp, stack, { cap: '0.50' });
  const recipient = stack.stellar.accounts.recipient.publicKey;
  const before = ledger.balance(recipient);
  const { statuses, reasons } = await dapp.evaluate(
    async ({ url, n }) => {
      const reasons: string[] = [];
      window.x402session!.on('paymentFailed', (f) => reasons.push(f.reason));
      const statuses = await Promise.all(Array.from({ length: n }, () => fetch(url).then((r) => r.status, () => 0)));
      await new Promise((r) => setTimeout(r, 500));
      return { statuses, reasons };
    },
    { url, n: 200 },
  );
  const sw = await ext.serviceWorker();
  await expect.poll(async () => (await readStore(sw)).payments.filter((p) => p.status === 'reserved').length, { timeout: 60_000 }).toBe(0);
  const session = (await readStore(sw)).sessions[0]!;
  const remote = (await (await fetch(`${stack.stellar.facilitator.url}/sessions/${encodeURIComponent(session.grant.sessionId)}`)).json()) as { spent: string };
  const onChain = ledger.balance(recipient) - before;
  const ok = statuses.filter((x) => x === 200).length;
  const refused = statuses.filter((x) => x === 402).length;
  securityRow('cap race (Stellar)', '200 concurrent calls from one tab: paid', '50', String(ok));
  securityRow('cap race (Stellar)', '200 concurrent calls: original 402 with a reason', '150 (cap_exceeded)', `${refused} (${[...new Set(reasons)].join(',')})`);
  securityRow('cap race (Stellar)', 'ledger = facilitator = SAC balance moved', `${50n * price} = ${50n * price} = ${50n * price}`, `${session.spent} = ${remote.spent} = ${onChain}`);
  expect(ok).toBe(50);
  expect(refused).toBe(150);
  expect(new Set(reasons)).toEqual(new Set(['cap_exceeded']));
  expect(session.spent).toBe(String(50n * price));
  expect(remote.spent).toBe(session.spent);
  expect(onChain).toBe(50n * price);
});
