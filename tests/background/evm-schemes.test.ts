/**
 * `exact` and `upto` through the background, against the devnet stack: the real paid API routes,
 * the reference `exact` facilitator and the daydreams-format `upto` facilitator, on the local
 * chain. Only the page script and the person's wallet are stood in for (the wallet signs for real
 * with a dev key, so the background's own checks — signature recovery, the permit nonce, the
 * token domain on chain — all run).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPaidApi, type PaidApiHandle } from '../../devnet/api/server';
import type { UptoRoutesOptions } from '../../devnet/api/upto-routes';
import { startStack, type Stack } from '../../devnet/stack';
import type { PageCaller } from '../../lib/background/sender';
import type { ApprovalDecision, ApprovalPrompt } from '../../lib/messaging/approval';
import type { PayResult, ReportResult } from '../../lib/messaging/methods';
import { randomId } from '../../lib/sessions/ids';
import { allowanceOf } from '../devnet/support/evm-schemes';
import { balanceOf } from '../devnet/support/sessions';
import { decodeHeader, encodeHeader, type PaymentRequiredV2 } from '../devnet/support/x402-client';
import { LocalWallet } from '../support/local-wallet';
import { testService } from '../support/service';

let stack: Stack;
const apis: PaidApiHandle[] = [];

beforeAll(async () => {
  stack = await startStack({ quiet: true, userCount: 8 });
}, 60_000);
afterAll(async () => {
  for (const api of apis) await api.stop();
  await stack?.stop();
});

let users = 0;
let sites = 0;

/** A fresh site (its own origin), a fresh funded payer, and a service approving whatever the window proposes (or `decide`). */
function setup(over: { decide?: (p: ApprovalPrompt) => ApprovalDecision; perCall?: () => boolean } = {}) {
  const payer = stack.accounts.users[users++ % stack.accounts.users.length]!;
  const wallet = new LocalWallet(payer.privateKey as `0x${string}`, stack.chain.rpcUrl, stack.chain.chainId);
  const caller: PageCaller = { kind: 'page', origin: `http://127.0.0.1:${40000 + sites++}`, tabId: sites, frameId: 0 };
  const prompts: ApprovalPrompt[] = [];
  const { service, db } = testService({
    approvals: {
      request: async (p) => {
        prompts.push(p);
        return over.decide ? over.decide(p) : { cap: p.cap, expiresIn: p.expiresIn };
      },
    },
    signer: wallet,
    rpcs: async () => [stack.chain.rpcUrl],
    verifyWallet: (chain, rpc, req, res) => chain.verifyWallet(rpc, req, res),
    promptOn402: async () => true,
    allowPrivateFacilitators: async () => true,
    walletTab: async () => caller,
    ...(over.perCall ? { perCallSignatures: async () => over.perCall!() } : {}),
  });
  return { payer, wallet, caller, prompts, service, db };
}

type Setup = ReturnType<typeof setup>;

interface Outcome {
  status: number;
  decision: PayResult;
  report?: ReportResult;
  header?: { name: string; value: string };
  reports: ReportResult[];
}

/**
 * What the page script does for one call (lib/inpage/paying-fetch.ts): first send, `pay` on an x402
 * 402, the paid retry with the header, `report` with what came back; a `retry` outcome sends the
 * same payment again and reports on the same attempt.
 * `tamper` rewrites the 402's PAYMENT-REQUIRED before the background sees it (a hostile server).
 */
async function paidCall(s: Setup, url: string, tamper?: (pr: PaymentRequiredV2) => PaymentRequiredV2): Promise<Outcome> {
  const first = await fetch(url);
  let paymentRequired = first.headers.get('payment-required');
  if (paymentRequired && tamper) paymentRequired = encodeHeader(tamper(decodeHeader<PaymentRequiredV2>(paymentRequired)));
  const text = /json/.test(first.headers.get('content-type') ?? '') ? await first.text() : null;
  const body = paymentRequired === null && !(text ?? '').includes('x402Version') ? null : text;
  const reports: ReportResult[] = [];
  const attemptId = randomId(8);
  const decision = await s.service.paying.pay(s.caller, { url, method: 'GET', paymentRequired, body, hadPayment: false, attemptId });
  if (!decision.pay) return { status: first.status, decision, reports };
  for (let i = 0; ; i++) {
    const paid = await fetch(url, { headers: { [decision.header.name]: decision.header.value } });
    const required = paid.headers.get('payment-required');
    const refusal = paid.status > 399 && required === null && /json/.test(paid.headers.get('content-type') ?? '') ? await paid.clone().text() : null;
    const report = await s.service.paying.report(s.caller, {
      attemptId,
      sent: true,
      status: paid.status,
      paymentResponse: paid.headers.get('payment-response') ?? paid.headers.get('x-payment-response'),
      paymentRequired: required,
      body: refusal,
      uptoSessionId: paid.headers.get('x-upto-session-id'),
    });
    reports.push(report);
    // The same payment again, on the same attempt (its reservation stands).
    if (report.outcome === 'retry' && i < 3) {
      await new Promise((r) => setTimeout(r, report.after));
      continue;
    }
    return { status: paid.status, decision, report, header: decision.header, reports };
  }
}

const url = (path: string, base = stack.api.url) => base + path;

describe('exact through the background: a budget set once, one wallet signature per call', () => {
  it('v2: one window (no signature), then each call one EIP-3009 signature, paid on chain; past the budget the wallet is not asked', async () => {
    const price = stack.exact.prices.exact;
    const s = setup({ decide: (p) => ({ cap: (2n * price).toString(), expiresIn: p.expiresIn }) });
    const before = { payer: await balanceOf(stack, s.wallet.address), recipient: await balanceOf(stack, stack.api.recipient) };

    const first = await paidCall(s, url(stack.exact.paths.exact));
    expect(first.report).toMatchObject({ outcome: 'settled', amount: price.toString(), transaction: expect.stringMatching(/^0x[0-9a-f]{64}$/) });
    expect(s.prompts).toHaveLength(1);
    expect(s.prompts[0]).toMatchObject({ scheme: 'exact', ask: 'per-call', facilitatorHost: '', spender: '', sharedAllowance: [], perCallMax: price.toString() });
    expect(s.prompts[0]!.schemeSummary).toMatch(/Nothing is signed now/);
    expect(first.header!.name).toBe('PAYMENT-SIGNATURE');
    // Opening asked the wallet nothing; the call asked exactly one signature.
    expect(s.wallet.asked).toEqual(['eip3009-authorization']);

    const second = await paidCall(s, url(stack.exact.paths.exact));
    expect(second.report).toMatchObject({ outcome: 'settled' });
    expect(s.wallet.asked).toHaveLength(2);
    expect(s.prompts).toHaveLength(1);

    // The budget is spent: the ledger refuses before the wallet is asked.
    const third = await paidCall(s, url(stack.exact.paths.exact));
    expect(third.decision).toMatchObject({ pay: false, reason: 'cap_exceeded' });
    expect(s.wallet.asked).toHaveLength(2);

    expect(await balanceOf(stack, stack.api.recipient)).toBe(before.recipient + 2n * price);
    expect(await balanceOf(stack, s.wallet.address)).toBe(before.payer - 2n * price);
    const [session] = await s.db.sessions.toArray();
    expect(session).toMatchObject({ scheme: 'exact', spent: (2n * price).toString(), reserved: '0', status: 'exhausted', spender: '', approvalTx: '' });
    // A budget is not a credential: nothing to redact, nothing secret in the grant.
    expect(first.decision.pay && first.decision.redact).toEqual([]);
  });

  it('v1: the requirements from the body, X-PAYMENT, settled from X-PAYMENT-RESPONSE', async () => {
    const s = setup();
    const out = await paidCall(s, url(stack.exact.paths.exactV1));
    expect(out.header!.name).toBe('X-PAYMENT');
    const sent = decodeHeader<{ x402Version: number; scheme: string; payload: { authorization: { value: string; validAfter: string } } }>(out.header!.value);
    expect(sent).toMatchObject({ x402Version: 1, scheme: 'exact', payload: { authorization: { value: stack.exact.prices.exactV1.toString() } } });
    // v1's clients back-date validAfter (docs/protocol.md §6.2).
    expect(Number(sent.payload.authorization.validAfter)).toBeLessThan(Date.now() / 1000 - 500);
    expect(out.report).toMatchObject({ outcome: 'settled', amount: stack.exact.prices.exactV1.toString() });
  });

  it('refused before any window: Permit2, a token domain that lies, a validity no signature can meet; and the exact setting off', async () => {
    const s = setup();
    const permit2 = await paidCall(s, url(stack.exact.paths.exactPermit2));
    expect(permit2.decision).toMatchObject({ pay: false, reason: 'permit2_unsupported' });
    const short = await paidCall(s, url(stack.exact.paths.exact), (pr) => ({ ...pr, accepts: pr.accepts.map((a) => ({ ...a, maxTimeoutSeconds: 5 })) }));
    expect(short.decision).toMatchObject({ pay: false, reason: 'authorization_expired' });
    expect(s.prompts).toHaveLength(0);
    // The domain is checked on chain before the window (no facilitator involved: the page hears why).
    const lie = await paidCall(s, url(stack.exact.paths.exact), (pr) => ({ ...pr, accepts: pr.accepts.map((a) => ({ ...a, extra: { ...a.extra, version: '1' } })) }));
    expect(lie.decision).toMatchObject({ pay: false, reason: 'domain_mismatch' });
    expect(s.prompts).toHaveLength(0);
    expect(s.wallet.asked).toEqual([]);

    const off = setup({ perCall: () => false });
    expect((await paidCall(off, url(stack.exact.paths.exact))).decision).toMatchObject({ pay: false, reason: 'per_call_off' });
    expect(off.prompts).toHaveLength(0);
  });

  it('with a budget open: a refused signature releases the room; a forged one is caught; a later domain lie is not signed', async () => {
    const price = stack.exact.prices.exact;
    const s = setup();
    expect((await paidCall(s, url(stack.exact.paths.exact))).report).toMatchObject({ outcome: 'settled' });
    const recipient = await balanceOf(stack, stack.api.recipient);

    s.wallet.mode = 'reject';
    expect((await paidCall(s, url(stack.exact.paths.exact))).decision).toMatchObject({ pay: false, reason: 'user_rejected' });
    s.wallet.mode = 'other-key';
    expect((await paidCall(s, url(stack.exact.paths.exact))).decision).toMatchObject({ pay: false, reason: 'approval_not_verified' });
    s.wallet.mode = 'sign';
    const asked = s.wallet.asked.length;
    const lie = await paidCall(s, url(stack.exact.paths.exact), (pr) => ({ ...pr, accepts: pr.accepts.map((a) => ({ ...a, extra: { ...a.extra, name: 'Other Coin' } })) }));
    expect(lie.decision).toMatchObject({ pay: false, reason: 'domain_mismatch' });
    expect(s.wallet.asked).toHaveLength(asked);

    const [session] = await s.db.sessions.toArray();
    expect(session).toMatchObject({ spent: price.toString(), reserved: '0', status: 'active' });
    expect(await balanceOf(stack, stack.api.recipient)).toBe(recipient);
    // A dapp cannot open one: the terms come from the 402.
    await expect(
      s.service.opening.requestSession(s.caller, { scheme: 'exact', network: stack.chain.network, asset: stack.token.address, cap: '1.00', expiresIn: 3600, recipient: stack.api.recipient, facilitatorUrl: 'https://x.example' }),
    ).rejects.toMatchObject({ reason: 'unsupported_scheme' });
  });
});

/** Another paid API on the same chain and `upto` facilitator, with its own terms. */
async function uptoApi(upto: Partial<Omit<UptoRoutesOptions, 'log'>> = {}, payTo: `0x${string}` = stack.api.recipient): Promise<PaidApiHandle> {
  const api = await startPaidApi({
    port: 0,
    facilitatorUrl: stack.facilitator.url,
    network: stack.chain.network,
    asset: stack.token.address,
    payTo,
    quiet: true,
    upto: { facilitatorUrl: stack.upto.facilitatorUrl, token: { name: stack.token.name, version: stack.token.version }, advertiseFacilitator: true, ...upto },
  });
  apis.push(api);
  return api;
}

async function waitFor(what: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await what())) {
    if (Date.now() > until) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('upto through the background: one permit, the same payload every call', () => {
  it('one window and one permit; ten calls with byte-identical payloads, counted on x-upto-session-id; settled in batches; the eleventh is refused by the ledger', async () => {
    const { price, cap } = stack.upto;
    const s = setup();
    const before = await balanceOf(stack, stack.api.recipient);
    const headers: string[] = [];
    for (let i = 0; i < 10; i++) {
      const out = await paidCall(s, url(stack.upto.paths.upto));
      expect(out.report, `call ${i + 1}`).toMatchObject({ outcome: 'settled', amount: price.toString() });
      headers.push(JSON.stringify(decodeHeader<{ payload: unknown }>(out.header!.value).payload));
    }
    expect(new Set(headers).size).toBe(1);
    expect(s.wallet.asked).toEqual(['erc2612-permit']);
    expect(s.prompts).toHaveLength(1);
    const prompt = s.prompts[0]!;
    expect(prompt).toMatchObject({ scheme: 'upto', ask: 'permit', spender: stack.upto.spender, minCap: cap.toString(), cap: cap.toString(), expiresIn: 300 });
    expect(prompt.schemeSummary).toMatch(/one permit/);

    const [session] = await s.db.sessions.toArray();
    expect(session).toMatchObject({ scheme: 'upto', spent: cap.toString(), status: 'exhausted', user: s.wallet.address, spender: stack.upto.spender, facilitatorUrl: stack.upto.facilitatorUrl });
    // The session ends when the permit does, at most the 402's maxTimeoutSeconds away.
    expect(session!.expiresAt - Math.floor(Date.now() / 1000)).toBeLessThanOrEqual(300);
    expect(Number((session!.grant as { payload: { authorization: { validBefore: string } } }).payload.authorization.validBefore)).toBe(session!.expiresAt);
    // The signature is named for redaction: the page never sees the permit.
    const signature = (session!.grant as { payload: { signature: string } }).payload.signature;
    expect(signature).toMatch(/^0x[0-9a-f]{130}$/);

    const eleventh = await paidCall(s, url(stack.upto.paths.upto));
    expect(eleventh.decision).toMatchObject({ pay: false, reason: 'cap_exceeded' });
    // Batches of five: both settled on chain by the resource server.
    await waitFor(async () => (await balanceOf(stack, stack.api.recipient)) === before + cap);
  });

  it("the server's limit signals end the session: cap_exhausted (the permit spent elsewhere) and session_closed", async () => {
    // 0.03 a call under a 0.10 cap: the fourth call does not fit.
    const api = await uptoApi({ batchCalls: 100, price: 30_000n });
    const s = setup({ decide: (p) => ({ cap: p.minCap!, expiresIn: p.expiresIn }) });
    const first = await paidCall(s, url(stack.upto.paths.upto, api.url));
    expect(first.report).toMatchObject({ outcome: 'settled' });
    // Someone holding the same payload (a leak) spends at the server; our ledger still sees room.
    const header = first.header!;
    for (let i = 0; i < 2; i++) expect((await fetch(url(stack.upto.paths.upto, api.url), { headers: { [header.name]: header.value } })).status).toBe(200);
    const exhausted = await paidCall(s, url(stack.upto.paths.upto, api.url));
    expect(exhausted.status).toBe(402);
    expect(exhausted.report).toMatchObject({ outcome: 'failed', reason: 'cap_exhausted' });
    expect((await s.db.sessions.toArray())[0]).toMatchObject({ status: 'exhausted', statusReason: 'cap_exhausted', reserved: '0' });

    const t = setup();
    const opened = await paidCall(t, url(stack.upto.paths.upto, api.url));
    expect(opened.report).toMatchObject({ outcome: 'settled' });
    const sessionId = (await t.db.sessions.toArray())[0]!.grant.sessionId as string;
    expect((await fetch(`${api.url}${stack.upto.paths.uptoSessions}/${sessionId}/close`, { method: 'POST' })).status).toBe(200);
    const closed = await paidCall(t, url(stack.upto.paths.upto, api.url));
    expect(closed.report).toMatchObject({ outcome: 'failed', reason: 'session_closed' });
    expect((await t.db.sessions.toArray())[0]).toMatchObject({ status: 'expired', statusReason: 'session_closed' });
  });

  it('settling_in_progress: nothing counted, the same call sent again after a short wait', async () => {
    let release: () => void = () => undefined;
    let holding = true;
    const api = await uptoApi({
      batchCalls: 2,
      beforeSettle: () => (holding ? new Promise<void>((r) => (release = r)) : Promise.resolve()),
    });
    const s = setup();
    expect((await paidCall(s, url(stack.upto.paths.upto, api.url))).report).toMatchObject({ outcome: 'settled' });
    expect((await paidCall(s, url(stack.upto.paths.upto, api.url))).report).toMatchObject({ outcome: 'settled' });
    // The second call started a batch, held in `settling` until released.
    setTimeout(() => {
      holding = false;
      release();
    }, 800);
    const third = await paidCall(s, url(stack.upto.paths.upto, api.url));
    expect(third.reports[0]).toMatchObject({ outcome: 'retry', reason: 'settling_in_progress' });
    expect(third.report).toMatchObject({ outcome: 'settled' });
    // One reservation for the call throughout, settled once.
    expect((await s.db.payments.toArray()).map((p) => p.status)).toEqual(['settled', 'settled', 'settled']);
    const [session] = await s.db.sessions.toArray();
    expect(session).toMatchObject({ spent: (3n * stack.upto.price).toString(), reserved: '0', status: 'active' });
  });

  it('bound to its facilitator and payTo; one permit per spender; Coinbase upto refused; a wallet lying about the nonce is caught', async () => {
    const s = setup();
    expect((await paidCall(s, url(stack.upto.paths.upto))).report).toMatchObject({ outcome: 'settled' });
    // A 402 copying the terms but naming another facilitator: not paid with this permit.
    const swapped = await paidCall(s, url(stack.upto.paths.upto), (pr) => ({ ...pr, accepts: pr.accepts.map((a) => ({ ...a, extra: { ...a.extra, facilitatorUrl: stack.exact.facilitatorUrl } })) }));
    expect(swapped.decision).toMatchObject({ pay: false, reason: 'facilitator_mismatch' });
    // A 402 from another API and payTo: the permit does not go there.
    const other = await uptoApi({}, stack.accounts.deployer.address);
    expect((await paidCall(s, url(stack.upto.paths.upto, other.url))).decision).toMatchObject({ pay: false, reason: 'recipient_mismatch' });
    // Another site on the same wallet: a second permit to this spender would replace the first one's allowance.
    const t = { ...s, caller: { ...s.caller, origin: 'http://127.0.0.1:49999', tabId: 999 } };
    expect((await paidCall(t, url(stack.upto.paths.upto))).decision).toMatchObject({ pay: false, reason: 'spender_busy' });
    expect(s.wallet.asked).toEqual(['erc2612-permit']);
    // Said before any window.
    expect(s.prompts).toHaveLength(1);
    // The same for a token domain that lies, before the facilitator is even asked.
    const lie = await paidCall(setup(), url(stack.upto.paths.upto), (pr) => ({ ...pr, accepts: pr.accepts.map((a) => ({ ...a, extra: { ...a.extra, name: 'USD Coin' } })) }));
    expect(lie.decision).toMatchObject({ pay: false, reason: 'domain_mismatch' });

    const coinbase = await paidCall(setup(), url(stack.upto.paths.upto), (pr) => ({ ...pr, accepts: pr.accepts.map((a) => ({ ...a, extra: { ...a.extra, facilitatorAddress: stack.upto.spender, assetTransferMethod: 'permit2' } })) }));
    expect(coinbase.decision).toMatchObject({ pay: false, reason: 'coinbase_upto' });

    // The window cannot go below the least cap the API accepts (its facilitator would refuse the permit).
    const low = setup({ decide: (p) => ({ cap: (BigInt(p.minCap!) - 1n).toString(), expiresIn: p.expiresIn }) });
    expect((await paidCall(low, url(stack.upto.paths.upto))).decision).toMatchObject({ pay: false, reason: 'invalid_decision' });
    expect(low.wallet.asked).toEqual([]);

    const liar = setup();
    liar.wallet.mode = 'stale-nonce';
    const lied = await paidCall(liar, url(stack.upto.paths.upto));
    expect(lied.decision).toMatchObject({ pay: false, reason: 'approval_not_verified' });
    expect(await liar.db.sessions.count()).toBe(0);
  });

  it('ended with allowance left: lowering it in the wallet leaves 0 on chain', async () => {
    const api = await uptoApi({ batchCalls: 100 });
    const s = setup();
    for (let i = 0; i < 3; i++) expect((await paidCall(s, url(stack.upto.paths.upto, api.url))).report).toMatchObject({ outcome: 'settled' });
    const [session] = await s.db.sessions.toArray();
    // The server settles what was used on close: the permit lands, and cap − used stays approved.
    expect((await fetch(`${api.url}${stack.upto.paths.uptoSessions}/${session!.grant.sessionId as string}/close`, { method: 'POST' })).status).toBe(200);
    expect(await allowanceOf(stack, s.wallet.address, stack.upto.spender)).toBe(stack.upto.cap - 3n * stack.upto.price);
    await s.service.upkeep.end(session!.id, 'ended_by_user');
    const checked = await s.service.allowances.check(session!.id);
    expect(checked?.chainCheck?.allowance).toBe((stack.upto.cap - 3n * stack.upto.price).toString());
    const revoke = await s.service.allowances.lower(session!.id);
    expect(revoke).toMatchObject({ allowance: '0', txHash: expect.stringMatching(/^0x[0-9a-f]{64}$/) });
    expect(await allowanceOf(stack, s.wallet.address, stack.upto.spender)).toBe(0n);
    expect(s.wallet.asked).toEqual(['erc2612-permit', 'erc20-approve']);
  });
});

describe('choosing among the options of one 402', () => {
  async function entries() {
    const exact = decodeHeader<PaymentRequiredV2>((await fetch(url(stack.exact.paths.exact))).headers.get('payment-required')!);
    const upto = decodeHeader<PaymentRequiredV2>((await fetch(url(stack.upto.paths.upto))).headers.get('payment-required')!);
    return { exact: exact.accepts[0]!, upto: upto.accepts[0]!, resource: upto.resource };
  }

  it('an open session that can pay first; else the scheme that asks least opens (upto before exact), and the window says why', async () => {
    const { exact, upto, resource } = await entries();
    const both = (accepts: unknown[]) => encodeHeader({ x402Version: 2, error: 'Payment required', resource, accepts });
    const s = setup();
    const opened = await s.service.paying.pay(s.caller, { url: url(stack.upto.paths.upto), method: 'GET', paymentRequired: both([exact, upto]), body: null, hadPayment: false, attemptId: randomId(8) });
    expect(opened).toMatchObject({ pay: true, session: { scheme: 'upto' } });
    expect(s.prompts.map((p) => p.scheme)).toEqual(['upto']);
    expect(s.prompts[0]!.schemeWhy).toMatch(/asks you least.*exact \(a wallet signature per call\)/);
    if (opened.pay) await s.service.paying.report(s.caller, { attemptId: opened.attemptId, sent: false, status: 0 });

    // A site with an exact budget already open: that pays, no window for the upto it also offers.
    const t = setup();
    expect((await paidCall(t, url(stack.exact.paths.exact))).report).toMatchObject({ outcome: 'settled' });
    const paid = await t.service.paying.pay(t.caller, { url: url(stack.exact.paths.exact), method: 'GET', paymentRequired: both([upto, exact]), body: null, hadPayment: false, attemptId: randomId(8) });
    expect(paid).toMatchObject({ pay: true, session: { scheme: 'exact' } });
    expect(t.prompts.map((p) => p.scheme)).toEqual(['exact']);
    if (paid.pay) await t.service.paying.report(t.caller, { attemptId: paid.attemptId, sent: false, status: 0 });
    // Its budget cannot pay an upto-only 402 (another scheme): that one is offered, not refused as a mismatch.
    expect((await paidCall(t, url(stack.upto.paths.upto))).report).toMatchObject({ outcome: 'settled' });
    expect(t.prompts.map((p) => p.scheme)).toEqual(['exact', 'upto']);
  });
});
