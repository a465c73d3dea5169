/**
 * The Solana session facilitator over HTTP against the real runtime: Inco's wire format for
 * opening sessions (every refusal code), the approve decoded before it is co-signed, the
 * delegation on chain, /verify reasons, and /settle with the cap enforced on chain too.
 */
import { Keypair, PublicKey, SystemProgram, Transaction } from '@solana/web3.js';
import { createApproveCheckedInstruction, createRevokeInstruction, getAssociatedTokenAddressSync } from '@solana/spl-token';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAuthMessage, parseAuthMessage, type SolanaSessionBody } from '../../../lib/chains/solana';
import { SOLANA_DEVNET_CAIP2 } from '../../../lib/chains/solana/networks';
import { startSolanaStack, type SolanaStack } from '../../../devnet/solana/stack';
import { openSolanaSession, postSession, sessionBody, signWith } from './support/sessions';

let stack: SolanaStack;
let payer: Keypair;
let other: Keypair;

beforeAll(async () => {
  stack = await startSolanaStack({ quiet: true, payerCount: 4, slotMs: 0 });
  payer = stack.payers[0]!.keypair;
  other = stack.payers[1]!.keypair;
});
afterAll(() => stack?.stop());

/** Re-signs the body's auth message with some fields changed (a consent that differs from the body). */
function resign(body: SolanaSessionBody, signer: Keypair, patch: Record<string, unknown>): SolanaSessionBody {
  const fields = { ...parseAuthMessage(body.authMessage).fields, ...patch };
  const auth = buildAuthMessage(fields as Parameters<typeof buildAuthMessage>[0]);
  return { ...body, authMessage: auth.base64, authSignature: Buffer.from(signWith(signer, auth.bytes)).toString('base64') };
}

/** The body with its approve replaced by `tx`, signed by `signers` (the fee-payer slot left empty). */
function withApprove(body: SolanaSessionBody, tx: Transaction, signers: Keypair[]): SolanaSessionBody {
  if (signers.length > 0) tx.partialSign(...signers);
  return { ...body, approveTxBase64: tx.serialize({ requireAllSignatures: false, verifySignatures: false }).toString('base64') };
}

async function settleBody(sessionId: string, amount: bigint, overrides: Record<string, unknown> = {}) {
  const requirements = {
    scheme: 'session',
    network: stack.network,
    amount: amount.toString(),
    asset: stack.mint.address,
    payTo: stack.recipient.address,
    maxTimeoutSeconds: 60,
    extra: {},
    ...overrides,
  };
  return { x402Version: 2, paymentPayload: { x402Version: 2, accepted: requirements, payload: { sessionId, amount: requirements.amount }, resource: { url: 'http://x/' } }, paymentRequirements: requirements };
}

async function post(path: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${stack.facilitator.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

describe('GET /health and /supported', () => {
  it('advertise the session kind with the mint and the facilitator as delegate', async () => {
    expect(await (await fetch(`${stack.facilitator.url}/health`)).json()).toEqual({ ok: true, network: 'solana:devnet', facilitator: stack.facilitator.address, mint: stack.mint.address });
    const res = await fetch(`${stack.facilitator.url}/supported`);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    const extra = { facilitatorAddress: stack.facilitator.address, spender: stack.facilitator.address, sessionsEndpoint: '/sessions', decimals: 6 };
    expect(await res.json()).toEqual({
      kinds: [
        { x402Version: 2, scheme: 'session', network: 'solana:devnet', asset: stack.mint.address, extra },
        { x402Version: 2, scheme: 'session', network: SOLANA_DEVNET_CAIP2, asset: stack.mint.address, extra },
        { x402Version: 1, scheme: 'session', network: 'solana:devnet', asset: stack.mint.address, extra },
      ],
    });
  });
});

describe('POST /sessions', () => {
  it('opens a session: co-signs as fee payer (the person holds 0 SOL), lands the delegation, answers 201', async () => {
    const user = stack.payers[2]!;
    expect(stack.runtime.getBalance(user.address)).toBe(0n);
    const facilitatorSol = stack.runtime.getBalance(stack.facilitator.address);
    const body = sessionBody(stack, user.keypair, { cap: 70_000n });
    const { status, json } = await postSession(stack, body);
    expect(status).toBe(201);
    expect(json).toEqual({
      sessionId: expect.stringMatching(/^sess_[A-Za-z0-9_-]{32}$/),
      user: user.address,
      spender: stack.facilitator.address,
      asset: stack.mint.address,
      recipient: stack.recipient.address,
      cap: '70000',
      spent: '0',
      expirationUnix: body.expirationUnix,
      network: 'solana:devnet',
      approveTxSignature: expect.any(String),
    });
    expect(stack.runtime.signatureStatus(json.approveTxSignature as string)).toMatchObject({ err: null });
    expect(stack.tokenAccount(user.address)).toMatchObject({ delegate: stack.facilitator.address, delegatedAmount: 70_000n });
    expect(stack.runtime.getBalance(user.address)).toBe(0n);
    expect(stack.runtime.getBalance(stack.facilitator.address)).toBe(facilitatorSol - 10_000n); // two signatures' fee

    const read = await fetch(`${stack.facilitator.url}/sessions/${json.sessionId as string}`);
    expect(await read.json()).toMatchObject({ id: json.sessionId, cap: '70000', spent: '0', remaining: '70000', authMessage: body.authMessage, authSignature: body.authSignature });
    // The same signed consent cannot open a second session.
    expect(await postSession(stack, body)).toMatchObject({ status: 409, json: { error: 'auth_message_nonce_reused' } });
  });

  it('accepts the devnet CAIP-2 id as the same network', async () => {
    const body = sessionBody(stack, other, { network: SOLANA_DEVNET_CAIP2 });
    expect((await postSession(stack, body)).status).toBe(201);
  });

  it('names each missing field', async () => {
    const body = sessionBody(stack, payer);
    for (const field of ['user', 'asset', 'recipient', 'cap', 'expirationUnix', 'network', 'approveTxBase64', 'authMessage', 'authSignature'] as const) {
      const broken: Record<string, unknown> = { ...body };
      delete broken[field];
      expect(await postSession(stack, broken), field).toEqual({ status: 400, json: { error: `missing_${field}` } });
    }
  });

  it('refuses another network, with the one it serves', async () => {
    expect(await postSession(stack, sessionBody(stack, payer, { network: 'solana:mainnet' }))).toEqual({ status: 400, json: { error: 'network_mismatch', expected: 'solana:devnet' } });
  });

  it('refuses a consent not signed by the user, or not JSON', async () => {
    const body = sessionBody(stack, payer);
    expect(await postSession(stack, { ...body, authSignature: Buffer.from(signWith(other, Buffer.from(body.authMessage, 'base64'))).toString('base64') })).toMatchObject({ json: { error: 'invalid_auth_signature' } });
    expect(await postSession(stack, { ...body, authSignature: 'AAAA' })).toMatchObject({ json: { error: 'invalid_auth_signature' } });
    const notJson = Buffer.from('hello');
    expect(await postSession(stack, { ...body, authMessage: notJson.toString('base64'), authSignature: Buffer.from(signWith(payer, notJson)).toString('base64') })).toMatchObject({
      json: { error: 'auth_message_not_json' },
    });
  });

  it('matches every signed field to the body', async () => {
    const body = sessionBody(stack, payer);
    const stranger = Keypair.generate().publicKey.toBase58();
    const cases: [string, SolanaSessionBody][] = [
      ['asset', resign(body, payer, { asset: stranger })],
      ['cap', { ...body, cap: '60000' }],
      ['expirationUnix', { ...body, expirationUnix: body.expirationUnix + 1 }],
      ['network', resign(body, payer, { network: SOLANA_DEVNET_CAIP2 })],
      ['recipient', { ...body, recipient: stranger }],
      ['spender', resign(body, payer, { spender: stranger })],
      ['user', resign({ ...body, user: other.publicKey.toBase58() }, other, { user: payer.publicKey.toBase58() })],
    ];
    for (const [key, broken] of cases) {
      expect(await postSession(stack, broken), key).toEqual({ status: 400, json: { error: `auth_message_field_mismatch_${key}` } });
    }
    const noNonce = JSON.stringify({ ...parseAuthMessage(body.authMessage).fields, nonce: undefined });
    expect(await postSession(stack, { ...body, authMessage: Buffer.from(noNonce).toString('base64'), authSignature: Buffer.from(signWith(payer, Buffer.from(noNonce))).toString('base64') })).toMatchObject({
      json: { error: 'auth_message_missing_nonce' },
    });
  });

  it('refuses an expired request before landing anything', async () => {
    const user = stack.payers[3]!;
    const before = stack.tokenAccount(user.address);
    const { status, json } = await postSession(stack, sessionBody(stack, user.keypair, { expirationUnix: Math.floor(Date.now() / 1000) - 1 }));
    expect(status).toBe(400);
    expect(json.error).toBe('expiration_in_past');
    expect(stack.tokenAccount(user.address)).toEqual(before);
  });

  it('decodes the approve and refuses anything but CreateIdempotent + ApproveChecked of the cap to itself', async () => {
    const body = sessionBody(stack, payer, { cap: 40_000n });
    const user = payer.publicKey;
    const mint = new PublicKey(stack.mint.address);
    const fac = new PublicKey(stack.facilitator.address);
    const ata = getAssociatedTokenAddressSync(mint, user, true);
    const recentBlockhash = stack.runtime.latestBlockhash().blockhash;
    const tx = (feePayer = fac) => new Transaction({ feePayer, recentBlockhash });
    const cases: [string, SolanaSessionBody][] = [
      ['delegate_mismatch', withApprove(body, tx().add(createApproveCheckedInstruction(ata, mint, other.publicKey, user, 40_000n, 6)), [payer])],
      ['amount_below_cap', withApprove(body, tx().add(createApproveCheckedInstruction(ata, mint, fac, user, 39_999n, 6)), [payer])],
      ['decimals_mismatch', withApprove(body, tx().add(createApproveCheckedInstruction(ata, mint, fac, user, 40_000n, 9)), [payer])],
      ['not_approve_checked', withApprove(body, tx().add(createRevokeInstruction(ata, user)), [payer])],
      ['fee_payer_mismatch', withApprove(body, tx(user).add(createApproveCheckedInstruction(ata, mint, fac, user, 40_000n, 6)), [payer])],
      // A transaction that would also move the facilitator's SOL must never be co-signed.
      [
        'unexpected_instruction',
        withApprove(
          body,
          tx().add(SystemProgram.transfer({ fromPubkey: fac, toPubkey: user, lamports: 5_000_000_000 }), createApproveCheckedInstruction(ata, mint, fac, user, 40_000n, 6)),
          [payer],
        ),
      ],
      ['missing_user_signature', withApprove(body, tx().add(createApproveCheckedInstruction(ata, mint, fac, user, 40_000n, 6)), [])],
    ];
    const sol = stack.runtime.getBalance(stack.facilitator.address);
    for (const [reason, broken] of cases) {
      const { status, json } = await postSession(stack, broken);
      expect({ status, error: json.error, reason: json.reason }, reason).toEqual({ status: 400, error: 'invalid_approve_tx', reason });
    }
    expect(stack.runtime.getBalance(stack.facilitator.address)).toBe(sol);
    const forged = Buffer.from(body.approveTxBase64, 'base64');
    forged[70] = forged[70]! ^ 1; // inside the user's signature
    expect((await postSession(stack, { ...body, approveTxBase64: forged.toString('base64') })).json).toMatchObject({ error: 'invalid_approve_tx', reason: 'invalid_user_signature' });
  });

  it('reports a submission the chain refuses (stale blockhash) as approve_submit_failed', async () => {
    const stale = stack.runtime.latestBlockhash().blockhash;
    stack.runtime.advanceSlots(151);
    const { status, json } = await postSession(stack, sessionBody(stack, payer, { recentBlockhash: stale }));
    expect(status).toBe(400);
    expect(json.error).toBe('approve_submit_failed');
    expect(String(json.message)).toMatch(/BlockhashNotFound|Blockhash not found/);
  });

  it('GET /sessions/:id answers 404 session_not_found for an unknown id', async () => {
    const res = await fetch(`${stack.facilitator.url}/sessions/sess_nope`);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: 'session_not_found' });
  });
});

describe('/verify and /settle', () => {
  it('verify names each refusal (HTTP 200)', async () => {
    const id = await openSolanaSession(stack, other, { cap: 30_000n });
    const verify = async (body: unknown) => (await post('/verify', body)).json;
    expect(await verify(await settleBody(id, 10_000n))).toEqual({ isValid: true, payer: other.publicKey.toBase58() });
    expect(await verify({})).toMatchObject({ isValid: false, invalidReason: 'bad_request' });
    expect(await verify(await settleBody(id, 10_000n, { scheme: 'exact' }))).toMatchObject({ invalidReason: 'scheme_mismatch' });
    expect(await verify(await settleBody(id, 10_000n, { network: 'solana:mainnet' }))).toMatchObject({ invalidReason: 'network_mismatch' });
    expect(await verify(await settleBody('', 10_000n))).toMatchObject({ invalidReason: 'missing_session_id' });
    expect(await verify(await settleBody('sess_nope', 10_000n))).toMatchObject({ invalidReason: 'session_not_found' });
    expect(await verify(await settleBody(id, 10_000n, { asset: Keypair.generate().publicKey.toBase58() }))).toMatchObject({ invalidReason: 'asset_mismatch' });
    expect(await verify(await settleBody(id, 10_000n, { payTo: Keypair.generate().publicKey.toBase58() }))).toMatchObject({ invalidReason: 'recipient_mismatch' });
    expect(await verify(await settleBody(id, 0n))).toMatchObject({ invalidReason: 'invalid_amount' });
    const tampered = await settleBody(id, 10_000n);
    tampered.paymentPayload.payload.amount = '1';
    expect(await verify(tampered)).toMatchObject({ invalidReason: 'invalid_amount' });
    expect(await verify(await settleBody(id, 1_000_001n))).toMatchObject({ invalidReason: 'per_call_limit_exceeded' });
    expect(await verify(await settleBody(id, 30_001n))).toMatchObject({ invalidReason: 'cap_exceeded' });
  });

  it('settles by delegated TransferChecked (creating the recipient’s token account), then stops at the cap', async () => {
    const user = stack.payers[3]!;
    const id = await openSolanaSession(stack, user.keypair, { cap: 25_000n });
    expect(stack.runtime.getAccount(stack.recipient.tokenAccount)).toBeNull();
    const userBefore = stack.tokenBalance(user.address);

    const first = await post('/settle', await settleBody(id, 10_000n));
    expect(first.status).toBe(200);
    expect(first.json).toEqual({
      success: true,
      transaction: expect.any(String),
      network: 'solana:devnet',
      payer: user.address,
      amount: '10000',
      extensions: { session: { id, spent: '10000', remaining: '15000' } },
    });
    expect(stack.tokenBalance(stack.recipient.address)).toBe(10_000n);
    expect((await post('/settle', await settleBody(id, 10_000n))).json).toMatchObject({ success: true, extensions: { session: { spent: '20000', remaining: '5000' } } });
    expect(stack.tokenAccount(user.address)).toMatchObject({ delegate: stack.facilitator.address, delegatedAmount: 5_000n });

    const over = await post('/settle', await settleBody(id, 10_000n));
    expect(over).toEqual({ status: 400, json: { success: false, transaction: '', network: 'solana:devnet', errorReason: 'cap_exceeded', errorMessage: expect.any(String), payer: user.address } });
    expect(stack.tokenBalance(user.address)).toBe(userBefore - 20_000n);
  });

  it('when the chain refuses the transfer (delegation lowered in the wallet), refunds the debit: onchain_transfer_failed', async () => {
    const user = stack.payers[1]!;
    const id = await openSolanaSession(stack, user.keypair, { cap: 40_000n });
    // The person lowers the allowance from their own wallet (paying their own fee).
    stack.runtime.airdrop(user.address, 10_000_000n);
    const mint = new PublicKey(stack.mint.address);
    const ata = getAssociatedTokenAddressSync(mint, user.keypair.publicKey, true);
    const lower = new Transaction({ feePayer: user.keypair.publicKey, ...stack.runtime.latestBlockhash() }).add(
      createApproveCheckedInstruction(ata, mint, new PublicKey(stack.facilitator.address), user.keypair.publicKey, 5_000n, 6),
    );
    lower.sign(user.keypair);
    expect(stack.runtime.execute(lower.serialize()).err).toBeNull();
    const before = stack.tokenBalance(user.address);

    const refused = await post('/settle', await settleBody(id, 10_000n));
    expect(refused.status).toBe(400);
    expect(refused.json).toMatchObject({ success: false, transaction: '', errorReason: 'onchain_transfer_failed', payer: user.address });
    expect(String(refused.json.errorMessage)).toBe('instruction 0: Custom(1) InsufficientFunds');
    const session = (await (await fetch(`${stack.facilitator.url}/sessions/${id}`)).json()) as Record<string, string>;
    expect(session.spent).toBe('0');
    expect(stack.tokenBalance(user.address)).toBe(before);
  });
});
