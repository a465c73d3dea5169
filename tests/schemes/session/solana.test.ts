import { Keypair } from '@solana/web3.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSolanaStack, type SolanaStack } from '../../../devnet/solana/stack';
import { resolveNetwork } from '../../../lib/chains/networks';
import { buildAuthMessage, parseApproveTransaction, solanaChain, SOLANA_DEVNET_CAIP2, TOKEN_PROGRAM, type SolanaSessionRequest } from '../../../lib/chains/solana';
import type { WalletRequest } from '../../../lib/chains/types';
import { FacilitatorClient } from '../../../lib/facilitator/client';
import { sessionOn } from '../../../lib/schemes/session/flow';
import { solanaRegistrationBody, solanaSessionRules } from '../../../lib/schemes/session/solana';
import type { SchemeContext } from '../../../lib/schemes/types';
import type { SessionRecord } from '../../../lib/sessions/types';
import { encodePaymentHeader, parsePaymentRequired } from '../../../lib/x402/codec';
import { signAsWallet } from '../../chains/solana/support/sign';

// `session` on Solana: the request the rules build, the POST /sessions body pinned against the wire
// format (docs/protocol.md §5.3 — the devnet facilitator and Inco's take the same body), then the
// whole open → pay → remote path against the devnet's Solana facilitator.
let stack: SolanaStack;
const devnet = resolveNetwork('solana:devnet')!;
const b64json = (s: string) => JSON.parse(Buffer.from(s, 'base64').toString('utf8')) as Record<string, unknown>;

beforeAll(async () => {
  stack = await startSolanaStack({ quiet: true, payerCount: 3 });
});
afterAll(() => stack?.stop());

function context(payer: Keypair, o: { rpcs?: string[]; facilitator?: (url: string) => FacilitatorClient } = {}): SchemeContext & { asked: WalletRequest[]; audits: unknown[] } {
  const asked: WalletRequest[] = [];
  const audits: unknown[] = [];
  return {
    asked,
    audits,
    chain: solanaChain,
    now: () => Date.now(),
    rpcs: async () => o.rpcs ?? [stack.rpc.url],
    facilitator: o.facilitator ?? ((url) => new FacilitatorClient(url)),
    // What the core does with a wallet step: run it (here: sign in Node), then check it before use.
    wallet: async (request) => {
      asked.push(request);
      const result = signAsWallet(request as SolanaSessionRequest, payer);
      const why = await solanaChain.verifyWallet(stack.rpc.url, request, result);
      if (why) throw new Error(why);
      return result;
    },
    progress: () => undefined,
    audit: async (e) => void audits.push(e),
    retryDelaysMs: [10],
  };
}

const terms = () => ({ network: devnet, facilitatorNetwork: stack.network, asset: stack.mint.address, recipient: stack.recipient.address, spender: stack.facilitator.address, cap: 400_000n, approveAmount: 650_000n, expiresIn: 900 });

describe('session on Solana', () => {
  it('POST /sessions carries exactly the wire format: those ten keys in that order, approveTxSignature empty, the auth message as signed', async () => {
    const payer = stack.payers[0]!;
    const ctx = context(payer.keypair);
    const before = Math.floor(Date.now() / 1000);
    const req = (await solanaSessionRules.walletRequest(ctx, terms())) as SolanaSessionRequest;
    expect(req).toMatchObject({ kind: 'spl-approve-session', network: SOLANA_DEVNET_CAIP2, sessionNetwork: 'solana:devnet', amount: '650000', cap: '400000', decimals: 6, tokenProgram: TOKEN_PROGRAM });
    expect(req.expirationUnix - before).toBeGreaterThanOrEqual(900);
    expect(req.expirationUnix - before).toBeLessThanOrEqual(901);
    const wallet = await ctx.wallet(req);
    const body = solanaSessionRules.registrationBody(terms(), wallet, before);

    expect(Object.keys(body)).toEqual(['user', 'asset', 'recipient', 'cap', 'expirationUnix', 'network', 'approveTxBase64', 'authMessage', 'authSignature', 'approveTxSignature']);
    expect(body).toMatchObject({ user: payer.address, asset: stack.mint.address, recipient: stack.recipient.address, cap: '400000', expirationUnix: req.expirationUnix, network: 'solana:devnet', approveTxSignature: '' });
    // The auth message is base64 of this exact JSON: keys in the format's order, cap as a base-unit string, expiry a number.
    const auth = Buffer.from(String(body.authMessage), 'base64').toString('utf8');
    const nonce = (JSON.parse(auth) as { nonce: string }).nonce;
    expect(nonce).toMatch(/^[0-9a-f]{32}$/);
    expect(auth).toBe(
      `{"asset":"${stack.mint.address}","cap":"400000","expirationUnix":${req.expirationUnix},"network":"solana:devnet","nonce":"${nonce}","recipient":"${stack.recipient.address}","spender":"${stack.facilitator.address}","user":"${payer.address}"}`,
    );
    expect(auth).toBe(buildAuthMessage({ asset: stack.mint.address, cap: '400000', expirationUnix: req.expirationUnix, network: 'solana:devnet', nonce, recipient: stack.recipient.address, spender: stack.facilitator.address, user: payer.address }).json);
    expect(Buffer.from(String(body.authSignature), 'base64')).toHaveLength(64);
    // The approve: partially signed (owner only), fee payer and delegate the facilitator, the approved amount (not the cap).
    const tx = parseApproveTransaction(Buffer.from(String(body.approveTxBase64), 'base64'));
    expect(tx).toMatchObject({ feePayer: stack.facilitator.address, owner: payer.address, delegate: stack.facilitator.address, mint: stack.mint.address, amount: 650_000n, decimals: 6, createsAta: { payer: stack.facilitator.address } });
    expect(tx.signatures[0]!.every((b) => b === 0)).toBe(true);
    expect(solanaSessionRules.expiresAt(body, terms(), before)).toBe(req.expirationUnix);

    // The facilitator takes it, answers §5.3's shape, and the chain holds the approved amount.
    const res = await fetch(`${stack.facilitator.url}/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(res.status).toBe(201);
    const opened = (await res.json()) as Record<string, unknown>;
    expect(Object.keys(opened).sort()).toEqual(['approveTxSignature', 'asset', 'cap', 'expirationUnix', 'network', 'recipient', 'sessionId', 'spender', 'spent', 'user']);
    expect(opened).toMatchObject({ user: payer.address, cap: '400000', spent: '0', network: 'solana:devnet', expirationUnix: req.expirationUnix });
    expect(stack.tokenAccount(payer.address)).toMatchObject({ delegate: stack.facilitator.address, delegatedAmount: 650_000n });
  });

  it('opens through the generic flow, pays with { sessionId, amount } beside the echoed resource, and reads the facilitator back', async () => {
    const payer = stack.payers[1]!;
    const impl = sessionOn(solanaSessionRules);
    const ctx = context(payer.keypair);
    const facilitatorUrl = stack.facilitator.url;
    const input = { source: 'dapp' as const, origin: 'http://dapp.test', network: devnet, asset: stack.mint.address, token: { symbol: 'USDC', decimals: 6, verified: false }, recipient: stack.recipient.address, facilitatorUrl, apiOrigins: ['http://api.test'], cap: 1_000_000n, expiresIn: 3600, perCallMax: null };
    const proposal = await impl.propose(ctx, input);
    expect(proposal.spender).toBe(stack.facilitator.address);
    const opened = await impl.open(ctx, input, proposal, { cap: 200_000n, expiresIn: 600, approveAmount: 200_000n });
    expect(ctx.asked).toHaveLength(1);
    expect(opened.status).toBe('active');
    if (opened.status !== 'active') return;
    // The approve's id is the facilitator's (it submitted it), and the chain knows it.
    expect(opened.approvalTx).toMatch(/^[1-9A-HJ-NP-Za-km-z]{64,88}$/);
    expect(stack.runtime.signatureStatus(opened.approvalTx)).toMatchObject({ err: null });
    expect(opened.user).toBe(payer.address);
    const sessionId = String(opened.grant.sessionId);
    expect(impl.secrets(opened.grant)).toEqual([sessionId]);

    // A 402 from a resource: the header echoes `accepted` and `resource`, the payload is Inco's.
    const accepted = { scheme: 'session', network: 'solana:devnet', amount: '50000', asset: stack.mint.address, payTo: stack.recipient.address, maxTimeoutSeconds: 60, extra: { facilitatorUrl, spender: stack.facilitator.address } };
    const required = { x402Version: 2, resource: { url: 'http://api.test/chat', description: 'chat' }, accepts: [accepted] };
    const parsed = parsePaymentRequired({ paymentRequired: Buffer.from(JSON.stringify(required)).toString('base64') });
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    const option = parsed.value.accepts[0]!;
    const session = { grant: opened.grant, facilitatorUrl, family: 'solana', spender: stack.facilitator.address } as unknown as SessionRecord;
    expect(impl.binds(session, option)).toBeNull();
    expect(impl.binds(session, { ...option, extra: { ...option.extra, spender: stack.payers[2]!.address } })).toBe('spender_mismatch');
    const payload = await impl.payload(ctx, session, option);
    expect(payload).toEqual({ sessionId, amount: '50000' });
    const header = b64json(encodePaymentHeader(parsed.value, option, payload).value);
    expect(header).toEqual({ x402Version: 2, resource: required.resource, accepted, payload: { sessionId, amount: '50000' } });

    const settle = await fetch(`${facilitatorUrl}/settle`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ paymentPayload: header, paymentRequirements: accepted }) });
    expect(await settle.json()).toMatchObject({ success: true, payer: payer.address, extensions: { session: { spent: '50000', remaining: '150000' } } });
    expect(await impl.remote(ctx, session)).toEqual({ found: true, spent: 50_000n });
    expect(stack.tokenBalance(stack.recipient.address)).toBeGreaterThanOrEqual(50_000n);
    expect(stack.tokenAccount(payer.address)).toMatchObject({ delegatedAmount: 150_000n });
  });

  it('a facilitator that never answers leaves no pending grant (nothing of the approve is ours to keep); a refusal says so', async () => {
    const impl = sessionOn(solanaSessionRules);
    const down = 'http://127.0.0.1:9';
    const real = new FacilitatorClient(stack.facilitator.url);
    // Discovery works (the real facilitator), registration goes nowhere.
    const ctx = context(stack.payers[2]!.keypair, { facilitator: (url) => (url.startsWith(down) ? new FacilitatorClient(down, { timeoutMs: 500, registrationTimeoutMs: 500 }) : real) });
    const input = { source: 'dapp' as const, origin: 'http://dapp.test', network: devnet, asset: stack.mint.address, token: { symbol: 'USDC', decimals: 6, verified: false }, recipient: stack.recipient.address, facilitatorUrl: stack.facilitator.url, apiOrigins: ['http://api.test'], cap: 1_000_000n, expiresIn: 3600, perCallMax: null };
    const proposal = await impl.propose(ctx, input);
    await expect(impl.open(ctx, input, { ...proposal, facilitatorUrl: down, state: { ...proposal.state, sessionsEndpoint: `${down}/sessions` } }, { cap: 100_000n, expiresIn: 600, approveAmount: 100_000n })).rejects.toMatchObject({ reason: 'facilitator_unreachable', message: expect.stringMatching(/not kept/) });
    expect(stack.tokenAccount(stack.payers[2]!.address)?.delegate).toBeNull();
    // The real facilitator refusing (a session whose expiry is past): rejected, not pending.
    const past = await impl.open({ ...ctx, now: () => Date.now() - 7200_000 }, input, proposal, { cap: 100_000n, expiresIn: 600, approveAmount: 100_000n }).catch((e: unknown) => e);
    expect(past).toMatchObject({ reason: 'facilitator_rejected', message: expect.stringMatching(/expiration_in_past/) });
    expect(stack.tokenAccount(stack.payers[2]!.address)?.delegate).toBeNull();
  });

  it('an RPC that cannot be read is tried past, then a clear error; a request the chain cannot carry is invalid', async () => {
    const ctx = context(stack.payers[0]!.keypair, { rpcs: ['http://127.0.0.1:9', stack.rpc.url] });
    expect(await solanaSessionRules.walletRequest(ctx, terms())).toMatchObject({ rpcUrl: stack.rpc.url });
    await expect(solanaSessionRules.walletRequest(context(stack.payers[0]!.keypair, { rpcs: ['http://127.0.0.1:9'] }), terms())).rejects.toMatchObject({ reason: 'rpc_unreachable' });
    await expect(solanaSessionRules.walletRequest(ctx, { ...terms(), approveAmount: 1n << 64n })).rejects.toMatchObject({ reason: 'invalid_params' });
    await expect(solanaSessionRules.walletRequest(ctx, { ...terms(), recipient: stack.payers[0]!.tokenAccount })).rejects.toMatchObject({ reason: 'invalid_params' });
    expect(() => solanaRegistrationBody({ user: stack.payers[0]!.address, txHash: '' })).toThrow();
  });
});
