import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStellarStack, type StellarStack } from '../../../devnet/stellar/stack';
import type { StellarDevAccount } from '../../../devnet/stellar/accounts';
import { addr, approveFromNode, i128, invoke, openStellarSession, paymentBodyFor, postJson, postStellarSession, u32 } from './support/stellar';

// The Stellar session facilitator over HTTP, against the Soroban-RPC stand-in: the peer's wire
// format (x402-protocol.md §5.2, §5.4), plus our own check that the registered transaction
// really is an approve to this facilitator.

let stellar: StellarStack;
const UNIT = 10_000_000n;

beforeAll(async () => {
  stellar = await startStellarStack({ quiet: true, payerCount: 1, approvalWaitMs: 300 });
});
afterAll(() => stellar?.stop());

/** approve(payer → facilitator, 0): how a person revokes on chain. */
async function revoke(payer: StellarDevAccount): Promise<void> {
  const { status } = await invoke(stellar.rpc.url, stellar.passphrase, payer, stellar.asset.contractId, 'approve', [addr(payer.publicKey), addr(stellar.facilitator.address), i128(0n), u32(0)]);
  expect(status).toBe('SUCCESS');
}

const verify = (body: unknown) => postJson(`${stellar.facilitator.url}/verify`, body);
const settle = (body: unknown) => postJson(`${stellar.facilitator.url}/settle`, body);
const sessionBody = (payer: { publicKey: string }, hash: string, cap: bigint, expirationLedger: number, over: Record<string, unknown> = {}) => ({
  approvalTxHash: hash,
  user: payer.publicKey,
  asset: stellar.asset.contractId,
  recipient: stellar.accounts.recipient.publicKey,
  cap: cap.toString(),
  expirationLedger,
  network: stellar.network,
  ...over,
});

describe('GET /supported', () => {
  it('advertises session v2 and v1 with the peer’s extra and a stellar:* signer', async () => {
    const res = await fetch(`${stellar.facilitator.url}/supported`);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    const spender = stellar.facilitator.address;
    const extra = { areFeesSponsored: true, facilitatorAddress: spender, spender, sessionsEndpoint: '/sessions' };
    expect(await res.json()).toEqual({
      kinds: [
        { x402Version: 2, scheme: 'session', network: 'stellar:local', extra },
        { x402Version: 1, scheme: 'session', network: 'stellar:local', extra },
      ],
      extensions: [],
      signers: { 'stellar:*': [spender] },
    });
  });
});

describe('POST /sessions', () => {
  it('opens a session from a real approve: 201 with the peer’s fields, then GET /sessions/:id', async () => {
    const payer = stellar.createPayer();
    const { hash, expirationLedger } = await approveFromNode(stellar, payer, UNIT);
    const { status, json } = await postStellarSession(stellar, sessionBody(payer, hash, UNIT, expirationLedger));
    expect(status).toBe(201);
    expect(json).toEqual({
      sessionId: expect.stringMatching(/^sess_[A-Za-z0-9_-]{32}$/),
      user: payer.publicKey,
      spender: stellar.facilitator.address,
      asset: stellar.asset.contractId,
      recipient: stellar.accounts.recipient.publicKey,
      cap: UNIT.toString(),
      spent: '0',
      expirationLedger,
      network: 'stellar:local',
    });
    const row = await fetch(`${stellar.facilitator.url}/sessions/${json.sessionId}`);
    expect(await row.json()).toMatchObject({ id: json.sessionId, user: payer.publicKey, cap: UNIT.toString(), spent: '0', remaining: UNIT.toString(), expirationLedger, approvalTxHash: hash });
    const missing = await fetch(`${stellar.facilitator.url}/sessions/sess_nope`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: 'session not found' });

    // The same approve cannot back a second session.
    const again = await postStellarSession(stellar, sessionBody(payer, hash, UNIT, expirationLedger));
    expect(again.status).toBe(409);
  });

  it('answers 400 { error } in the peer’s words for a missing field or another network', async () => {
    const payer = stellar.createPayer();
    const base = sessionBody(payer, 'ab'.repeat(32), UNIT, stellar.ledger.latestSequence + 100);
    for (const field of ['approvalTxHash', 'user', 'asset', 'recipient', 'cap', 'expirationLedger', 'network'] as const) {
      const { [field]: _gone, ...rest } = base;
      const { status, json } = await postStellarSession(stellar, rest);
      expect(status).toBe(400);
      expect(json).toEqual({ error: `missing field: ${field}` });
    }
    const wrongNet = await postStellarSession(stellar, { ...base, network: 'stellar:testnet' });
    expect(wrongNet.status).toBe(400);
    expect(wrongNet.json.error).toMatch(/^network mismatch: /);
    const muxed = await postStellarSession(stellar, { ...base, user: 'MA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJUAAAAAAAAAAAACJUQ' });
    expect(muxed.json.error).toMatch(/^user: muxed accounts/);
    const badCap = await postStellarSession(stellar, { ...base, cap: '1.5' });
    expect(badCap.json.error).toMatch(/^cap: /);
    const past = await postStellarSession(stellar, { ...base, expirationLedger: stellar.ledger.latestSequence });
    expect(past.json.error).toMatch(/is not after the latest ledger/);
  });

  it('decodes the transaction: any other successful transaction, spender, amount, asset or expiry is refused', async () => {
    const payer = stellar.createPayer();
    const latest = () => stellar.ledger.latestSequence;

    // A successful transfer is a successful transaction, but not an approve.
    const transfer = await invoke(stellar.rpc.url, stellar.passphrase, payer, stellar.asset.contractId, 'transfer', [addr(payer.publicKey), addr(stellar.accounts.recipient.publicKey), i128(1n)]);
    expect(transfer.status).toBe('SUCCESS');
    const notApprove = await postStellarSession(stellar, sessionBody(payer, transfer.hash, UNIT, latest() + 100));
    expect(notApprove).toEqual({ status: 400, json: { error: 'approval transaction calls transfer, not approve' } });

    // An approve to someone else.
    const other = stellar.createPayer();
    const toOther = await approveFromNode(stellar, payer, UNIT, { spender: other.publicKey });
    expect((await postStellarSession(stellar, sessionBody(payer, toOther.hash, UNIT, toOther.expirationLedger))).json.error).toMatch(/not this facilitator's spender/);

    const small = await approveFromNode(stellar, payer, UNIT / 2n);
    expect((await postStellarSession(stellar, sessionBody(payer, small.hash, UNIT, small.expirationLedger))).json.error).toMatch(/smaller than the requested cap/);

    const ok = await approveFromNode(stellar, payer, UNIT, { ledgers: 50 });
    expect((await postStellarSession(stellar, sessionBody(payer, ok.hash, UNIT, ok.expirationLedger + 10))).json.error).toMatch(/the allowance ends at ledger/);
    expect((await postStellarSession(stellar, sessionBody(other, ok.hash, UNIT, ok.expirationLedger))).json.error).toMatch(/not from user/);

    // Revoked after approving: the transaction is fine, the allowance is gone.
    const revoked = await approveFromNode(stellar, payer, UNIT);
    await revoke(payer);
    expect((await postStellarSession(stellar, sessionBody(payer, revoked.hash, UNIT, revoked.expirationLedger))).json.error).toMatch(/current allowance 0 is smaller/);

    const unknown = await postStellarSession(stellar, sessionBody(payer, 'cd'.repeat(32), UNIT, latest() + 100));
    expect(unknown.json.error).toMatch(/was not found on this network/);
  });
});

describe('POST /verify and /settle', () => {
  it('settles calls with transfer_from until the cap, then cap_exceeded; the chain moved exactly that', async () => {
    const payer = stellar.createPayer();
    const cap = UNIT;
    const price = UNIT / 4n;
    const { sessionId } = await openStellarSession(stellar, payer, cap);
    const before = { payer: stellar.balance(payer.publicKey), recipient: stellar.balance(stellar.accounts.recipient.publicKey) };

    expect(await verify(paymentBodyFor(stellar, sessionId, price))).toEqual({ status: 200, json: { isValid: true, payer: payer.publicKey } });
    for (let i = 1; i <= 4; i++) {
      const { status, json } = await settle(paymentBodyFor(stellar, sessionId, price));
      expect(status).toBe(200);
      expect(json).toMatchObject({
        success: true,
        payer: payer.publicKey,
        transaction: expect.stringMatching(/^[0-9a-f]{64}$/),
        network: 'stellar:local',
        amount: price.toString(),
        extensions: { session: { id: sessionId, cap: cap.toString(), spent: (price * BigInt(i)).toString(), remaining: (cap - price * BigInt(i)).toString() } },
      });
    }
    expect(stellar.balance(payer.publicKey)).toBe(before.payer - cap);
    expect(stellar.balance(stellar.accounts.recipient.publicKey)).toBe(before.recipient + cap);
    expect(stellar.allowance(payer.publicKey).amount).toBe(0n);

    expect((await verify(paymentBodyFor(stellar, sessionId, 1n))).json).toMatchObject({ isValid: false, invalidReason: 'cap_exceeded' });
    const over = await settle(paymentBodyFor(stellar, sessionId, 1n));
    expect(over.status).toBe(400);
    expect(over.json).toMatchObject({ success: false, errorReason: 'cap_exceeded', transaction: '' });
  });

  it('verify reasons of §5.4', async () => {
    const payer = stellar.createPayer();
    const { sessionId } = await openStellarSession(stellar, payer, UNIT);
    const reason = async (body: unknown) => (await verify(body)).json.invalidReason;
    expect(await reason(paymentBodyFor(stellar, sessionId, 1n, { requirements: { scheme: 'exact' } }))).toBe('scheme_mismatch');
    expect(await reason(paymentBodyFor(stellar, sessionId, 1n, { requirements: { network: 'stellar:testnet' } }))).toBe('network_mismatch');
    expect(await reason(paymentBodyFor(stellar, '', 1n))).toBe('missing_session_id');
    expect(await reason(paymentBodyFor(stellar, 'sess_unknown', 1n))).toBe('session_not_found');
    expect(await reason(paymentBodyFor(stellar, sessionId, 1n, { requirements: { asset: 'CBIELTK6YBZJU5UP2WWQEUCYKLPU6AUNZ2BQ4WWFEIE3USCIHMXQDAMA' } }))).toBe('asset_mismatch');
    expect(await reason(paymentBodyFor(stellar, sessionId, 1n, { requirements: { payTo: payer.publicKey } }))).toBe('recipient_mismatch');
    expect(await reason(paymentBodyFor(stellar, sessionId, 1n, { requirements: { amount: '0' } }))).toBe('invalid_amount');
    expect(await reason(paymentBodyFor(stellar, sessionId, 1n, { requirements: { amount: '1e5' } }))).toBe('invalid_amount');
    expect(await reason(paymentBodyFor(stellar, sessionId, UNIT + 1n))).toBe('per_call_limit_exceeded');
    expect(await reason(paymentBodyFor(stellar, sessionId, 1n, { requirements: { payTo: stellar.accounts.recipient.publicKey.toLowerCase() } }))).toBe('recipient_mismatch');
    // x402 v1 bodies: scheme/network at the payload's top level, the price in maxAmountRequired.
    const v1Requirements = { scheme: 'session', network: 'stellar:local', maxAmountRequired: '5', asset: stellar.asset.contractId, payTo: stellar.accounts.recipient.publicKey, resource: 'http://x/', description: '', mimeType: '', maxTimeoutSeconds: 60, extra: {} };
    const v1 = { x402Version: 1, paymentPayload: { x402Version: 1, scheme: 'session', network: 'stellar:local', payload: { sessionId } }, paymentRequirements: v1Requirements };
    expect((await verify(v1)).json).toEqual({ isValid: true, payer: payer.publicKey });
    expect((await verify({ ...v1, paymentRequirements: { ...v1Requirements, maxAmountRequired: String(UNIT * 2n) } })).json.invalidReason).toBe('per_call_limit_exceeded');
    const malformed = await verify({ paymentPayload: {}, paymentRequirements: {} });
    expect(malformed.status).toBe(400);
  });

  it('session_expired once the latest ledger reaches expirationLedger', async () => {
    const payer = stellar.createPayer();
    const { sessionId, expirationLedger } = await openStellarSession(stellar, payer, UNIT, { ledgers: 5 });
    expect((await verify(paymentBodyFor(stellar, sessionId, 1n))).json.isValid).toBe(true);
    stellar.advanceLedgers(expirationLedger - stellar.ledger.latestSequence);
    expect((await verify(paymentBodyFor(stellar, sessionId, 1n))).json).toMatchObject({ isValid: false, invalidReason: 'session_expired' });
    expect((await settle(paymentBodyFor(stellar, sessionId, 1n))).json).toMatchObject({ success: false, errorReason: 'session_expired' });
  });

  it('a transfer_from the chain refuses is refunded: onchain_transfer_failed, HTTP 400, spent unchanged', async () => {
    const payer = stellar.createPayer();
    const { sessionId } = await openStellarSession(stellar, payer, UNIT);
    expect((await settle(paymentBodyFor(stellar, sessionId, 100n))).status).toBe(200);
    // The person revokes on chain; the facilitator's ledger still thinks there is room.
    await revoke(payer);
    const recipientBefore = stellar.balance(stellar.accounts.recipient.publicKey);
    const failed = await settle(paymentBodyFor(stellar, sessionId, 100n));
    expect(failed.status).toBe(400);
    expect(failed.json).toMatchObject({ success: false, errorReason: 'onchain_transfer_failed', transaction: '', extensions: { session: { spent: '100' } } });
    expect(String(failed.json.errorMessage)).toMatch(/Error\(Contract, #9\)/);
    expect(stellar.balance(stellar.accounts.recipient.publicKey)).toBe(recipientBefore);
    const row = (await (await fetch(`${stellar.facilitator.url}/sessions/${sessionId}`)).json()) as { spent: string };
    expect(row.spent).toBe('100');
    expect(stellar.facilitator.handle!.store.settlements(sessionId).map((s) => s.status)).toEqual(['settled', 'failed']);
  });

  it('concurrent settles never push spent past the cap, on or off chain', async () => {
    const payer = stellar.createPayer();
    const cap = 1_000n;
    const { sessionId } = await openStellarSession(stellar, payer, cap);
    const before = stellar.balance(payer.publicKey);
    const results = await Promise.all(Array.from({ length: 12 }, () => settle(paymentBodyFor(stellar, sessionId, 100n))));
    const ok = results.filter((r) => r.json.success === true);
    expect(ok).toHaveLength(10);
    expect(results.filter((r) => r.json.errorReason === 'cap_exceeded')).toHaveLength(2);
    expect(stellar.balance(payer.publicKey)).toBe(before - cap);
    expect(new Set(ok.map((r) => r.json.transaction)).size).toBe(10);
  });

  it('sessions survive a facilitator restart (SQLite ledger)', async () => {
    const payer = stellar.createPayer();
    const { sessionId } = await openStellarSession(stellar, payer, UNIT);
    expect((await settle(paymentBodyFor(stellar, sessionId, 7n))).status).toBe(200);
    const url = stellar.facilitator.url;
    await stellar.facilitator.stop();
    expect(stellar.facilitator.running).toBe(false);
    await expect(fetch(`${url}/supported`)).rejects.toThrow();
    await stellar.facilitator.start();
    expect(stellar.facilitator.url).toBe(url);
    const row = (await (await fetch(`${stellar.facilitator.url}/sessions/${sessionId}`)).json()) as { spent: string };
    expect(row.spent).toBe('7');
    expect((await settle(paymentBodyFor(stellar, sessionId, 7n))).json).toMatchObject({ success: true, extensions: { session: { spent: '14' } } });
  });
});
