import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStellarStack, type StellarStack } from '../../../devnet/stellar/stack';
import { resolveNetwork } from '../../../lib/chains/networks';
import { stellarChain } from '../../../lib/chains/stellar';
import type { WalletRequest } from '../../../lib/chains/types';
import { FacilitatorClient } from '../../../lib/facilitator/client';
import { sessionOn } from '../../../lib/schemes/session/flow';
import type { SessionTerms } from '../../../lib/schemes/session/rules';
import { stellarSessionRules } from '../../../lib/schemes/session/stellar';
import type { OpenInput, SchemeContext } from '../../../lib/schemes/types';
import type { SessionRecord } from '../../../lib/sessions/types';
import type { PaymentOption } from '../../../lib/x402/codec';
import { addr, i128, invoke, u32 } from '../../devnet/stellar/support/stellar';

// `session` on Stellar against the devnet stand-in and its facilitator: the rules read the ledger
// for the expiry, the approve they ask for (signed here in Node, as Freighter would) is what the
// chain adapter verifies and the facilitator registers, and the payload pays from it.

let stellar: StellarStack;
beforeAll(async () => {
  stellar = await startStellarStack({ quiet: true, payerCount: 1 });
});
afterAll(() => stellar?.stop());

const network = resolveNetwork('stellar:local')!;

/** A scheme context with no browser: the wallet step signs the request in Node and is checked on chain. */
function context(payer: { publicKey: string; secret: string }, signed: WalletRequest[] = []): SchemeContext {
  return {
    chain: stellarChain,
    now: () => Date.now(),
    rpcs: async () => [stellar.rpc.url],
    facilitator: (url) => new FacilitatorClient(url),
    async wallet(request) {
      signed.push(request);
      const r = request as WalletRequest & { asset: string; spender: string; amount: string; expirationLedger: number };
      const { hash, status } = await invoke(stellar.rpc.url, stellar.passphrase, payer, r.asset, 'approve', [addr(payer.publicKey), addr(r.spender), i128(BigInt(r.amount)), u32(r.expirationLedger)]);
      if (status !== 'SUCCESS') throw new Error(status);
      const result = { user: payer.publicKey, txHash: hash };
      const why = await stellarChain.verifyWallet(stellar.rpc.url, request, result);
      if (why) throw new Error(why);
      return result;
    },
    progress: () => undefined,
    audit: async () => undefined,
    retryDelaysMs: [],
  };
}

function option(over: Partial<PaymentOption> = {}): PaymentOption {
  return {
    scheme: 'session',
    network: 'stellar:local',
    networkInfo: network,
    amount: 1_000_000n,
    asset: stellar.asset.contractId,
    payTo: stellar.accounts.recipient.publicKey,
    maxTimeoutSeconds: 60,
    extra: { facilitatorUrl: stellar.facilitator.url },
    ...over,
  } as PaymentOption;
}

describe('session on Stellar, on the devnet stand-in', () => {
  it('asks for approve(expiration_ledger = latest + ceil(s / 5)); an approve shared with longer sessions lasts as long as they do', async () => {
    const payer = stellar.createPayer();
    const latest = stellar.ledger.latestSequence;
    const now = Math.floor(Date.now() / 1000);
    const terms: SessionTerms = { network, facilitatorNetwork: 'stellar:local', asset: stellar.asset.contractId, recipient: stellar.accounts.recipient.publicKey, spender: stellar.facilitator.address, cap: 10_000_000n, approveAmount: 15_000_000n, expiresIn: 3601 };
    const req = (await stellarSessionRules.walletRequest(context(payer), terms)) as unknown as Record<string, unknown>;
    expect(req).toMatchObject({ kind: 'sac-approve', network: 'stellar:local', amount: '15000000', expirationLedger: latest + 721, sessionExpirationLedger: latest + 721, latestLedger: latest });
    const shared = (await stellarSessionRules.walletRequest(context(payer), { ...terms, approveUntil: now + 7200 })) as unknown as Record<string, unknown>;
    expect(shared.sessionExpirationLedger).toBe(latest + 721);
    expect(shared.expirationLedger).toBeGreaterThanOrEqual(latest + 1440);
    // The body names this session's own ledger; its unix end is never past the approved seconds.
    const body = stellarSessionRules.registrationBody(terms, { user: payer.publicKey, txHash: 'ab'.repeat(32) }, now, shared as never);
    expect(body).toEqual({ approvalTxHash: 'ab'.repeat(32), user: payer.publicKey, asset: terms.asset, recipient: terms.recipient, cap: '10000000', expirationLedger: latest + 721, network: 'stellar:local' });
    expect(stellarSessionRules.expiresAt(body, terms, now + 30, shared as never)).toBe(Math.min(now + 30 + 3601, Number(shared.readAt) + 721 * 5));
    // No RPC answering: a clear error before anything is signed.
    const dead = { ...context(payer), rpcs: async () => ['http://127.0.0.1:9'] };
    await expect(stellarSessionRules.walletRequest(dead, terms)).rejects.toMatchObject({ reason: 'rpc_unreachable', message: expect.stringMatching(/Soroban RPC setting/) });
  });

  it('opens end to end: discovery, one approve verified on chain, registration, then a payload that pays', async () => {
    const payer = stellar.createPayer();
    const impl = sessionOn(stellarSessionRules);
    const signed: WalletRequest[] = [];
    const ctx = context(payer, signed);
    const input: OpenInput = {
      source: 'dapp',
      origin: 'http://127.0.0.1:1',
      network,
      asset: stellar.asset.contractId,
      token: { symbol: 'USDC', decimals: 7, verified: false },
      recipient: stellar.accounts.recipient.publicKey,
      facilitatorUrl: stellar.facilitator.url,
      apiOrigins: ['http://127.0.0.1:1'],
      cap: 10_000_000n,
      expiresIn: 600,
      perCallMax: null,
    };
    const proposal = await impl.propose(ctx, input);
    expect(proposal.spender).toBe(stellar.facilitator.address);
    expect(proposal.expiryOnChain).toEqual({ unit: 'ledger', current: stellar.ledger.latestSequence, secondsPerUnit: 5 });
    const opened = await impl.open(ctx, input, proposal, { cap: 10_000_000n, expiresIn: 600, approveAmount: 10_000_000n });
    expect(opened).toMatchObject({ status: 'active', user: payer.publicKey, spent: 0n });
    expect(signed).toHaveLength(1);
    expect(stellar.allowance(payer.publicKey)).toMatchObject({ amount: 10_000_000n });
    const grant = opened.grant as { sessionId: string };
    expect(impl.secrets(grant)).toEqual([grant.sessionId]);
    const session = { family: 'stellar', grant, facilitatorUrl: stellar.facilitator.url } as unknown as SessionRecord;
    expect(await impl.payload(ctx, session, option())).toEqual({ sessionId: grant.sessionId });
    expect(await impl.remote(ctx, session)).toEqual({ found: true, spent: 0n });
    expect(impl.statusFor('session_expired')).toBe('expired');
  });
});
