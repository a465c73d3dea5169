import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../../../devnet/stack';
import type { StellarStack } from '../../../devnet/stellar/stack';
import { paidFetch, paymentRequiredOf } from '../support/x402-client';
import { addr, i128, invoke, openStellarSession, u32 } from './support/stellar';

// The paid API's Stellar routes through the reference middleware (@x402/express 2.27) with the
// Stellar scheme plugin, in the whole devnet stack: `startStack({ stellar: true })`.

let stack: Stack;
let stellar: StellarStack;

beforeAll(async () => {
  stack = await startStack({ quiet: true, userCount: 1, stellar: { payerCount: 1 } });
  stellar = stack.stellar!;
});
afterAll(() => stack?.stop());

const url = (path: string) => stack.api.url + path;

describe('Stellar routes on the paid API', () => {
  it('a 402 offers the session scheme in the SAC with the facilitator’s extra merged in', async () => {
    const res = await fetch(url('/api/stellar/slot'));
    expect(res.status).toBe(402);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    const required = paymentRequiredOf(res);
    const spender = stellar.facilitator.address;
    expect(required?.accepts).toEqual([
      {
        scheme: 'session',
        network: 'stellar:local',
        amount: '100000',
        asset: stellar.asset.contractId,
        payTo: stellar.accounts.recipient.publicKey,
        maxTimeoutSeconds: expect.any(Number),
        extra: { areFeesSponsored: true, facilitatorAddress: spender, spender, sessionsEndpoint: '/sessions', facilitatorUrl: stellar.facilitator.url },
      },
    ]);
    expect(stack.api.stellar).toMatchObject({ network: 'stellar:local', asset: stellar.asset.contractId, prices: { chat: 1_000_000n, cheap: 100_000n } });
  });

  it('pays per call with PAYMENT-SIGNATURE { payload: { sessionId } } and moves the SAC balance per call', async () => {
    const payer = stellar.createPayer();
    const { sessionId } = await openStellarSession(stellar, payer, 300_000n);
    const start = { payer: stellar.balance(payer.publicKey), recipient: stellar.balance(stellar.accounts.recipient.publicKey) };
    for (let i = 1; i <= 3; i++) {
      const paid = await paidFetch(url('/api/stellar/slot'), {}, sessionId);
      expect(paid.res.status).toBe(200);
      expect(paid.body).toMatchObject({ pull: i });
      expect(paid.settle).toMatchObject({ success: true, payer: payer.publicKey, network: 'stellar:local', extensions: { session: { id: sessionId, spent: String(100_000 * i) } } });
    }
    expect(stellar.balance(payer.publicKey)).toBe(start.payer - 300_000n);
    expect(stellar.balance(stellar.accounts.recipient.publicKey)).toBe(start.recipient + 300_000n);

    // Cap reached: the reference server answers a fresh 402 with the facilitator's reason.
    const over = await paidFetch(url('/api/stellar/slot'), {}, sessionId);
    expect(over.res.status).toBe(402);
    expect(over.required?.error).toBe('cap_exceeded');
  });

  it('a bad request to a paid route is not charged; chat charges 0.10 when it answers', async () => {
    const payer = stellar.createPayer();
    const { sessionId } = await openStellarSession(stellar, payer, 2_000_000n);
    const before = stellar.balance(payer.publicKey);
    const bad = await paidFetch(url('/api/stellar/chat'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }, sessionId);
    expect(bad.res.status).toBe(400);
    expect(stellar.balance(payer.publicKey)).toBe(before);
    const ok = await paidFetch(url('/api/stellar/chat'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message: 'hi' }) }, sessionId);
    expect(ok.res.status).toBe(200);
    expect(stellar.balance(payer.publicKey)).toBe(before - 1_000_000n);
  });

  it('a settle the chain refuses comes back as 402 with PAYMENT-RESPONSE { success: false, onchain_transfer_failed }', async () => {
    const payer = stellar.createPayer();
    const { sessionId } = await openStellarSession(stellar, payer, 1_000_000n);
    const revoke = await invoke(stellar.rpc.url, stellar.passphrase, payer, stellar.asset.contractId, 'approve', [addr(payer.publicKey), addr(stellar.facilitator.address), i128(0n), u32(0)]);
    expect(revoke.status).toBe('SUCCESS');
    const paid = await paidFetch(url('/api/stellar/slot'), {}, sessionId);
    expect(paid.res.status).toBe(402);
    expect(paid.settle).toMatchObject({ success: false, errorReason: 'onchain_transfer_failed' });
  });

  it('sits beside the EVM routes: both answer, the catalog lists both, and a Stellar outage only fails Stellar routes', async () => {
    expect((await fetch(url('/api/slot'))).status).toBe(402);
    const catalog = (await (await fetch(url('/'))).json()) as Record<string, unknown>;
    expect(catalog).toMatchObject({ routes: { chat: { path: '/api/chat' } }, stellar: { network: 'stellar:local', routes: { cheap: { path: '/api/stellar/slot', price: '100000' } } } });

    // While the Stellar facilitator is down, a paid Stellar call is refused and nothing moves;
    // the EVM routes keep answering; once it is back, the same session pays again.
    const payer = stellar.createPayer();
    const { sessionId } = await openStellarSession(stellar, payer, 200_000n);
    const before = stellar.balance(payer.publicKey);
    await stellar.facilitator.stop();
    let during: Awaited<ReturnType<typeof paidFetch>>;
    try {
      expect((await fetch(url('/api/slot'))).status).toBe(402);
      during = await paidFetch(url('/api/stellar/slot'), {}, sessionId);
    } finally {
      await stellar.facilitator.start();
    }
    // Observed with @x402/express 2.27: verify cannot reach the facilitator → a fresh 402 whose
    // error is the transport failure.
    expect(during.res.status).toBe(402);
    expect(during.required?.error).toBe('fetch failed');
    expect(stellar.balance(payer.publicKey)).toBe(before);
    expect((await paidFetch(url('/api/stellar/slot'), {}, sessionId)).res.status).toBe(200);
    expect(stellar.balance(payer.publicKey)).toBe(before - 100_000n);
  });
});
