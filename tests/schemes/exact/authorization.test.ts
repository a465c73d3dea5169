/**
 * lib/schemes/exact: the EIP-3009 typed data built from an `accepts[]` entry, its checks, and
 * the payload, first on their own, then signed with a viem local account and paid through the
 * devnet's /api/exact routes (reference @x402 facilitator), with balances read on chain.
 */
import { recoverTypedDataAddress, type Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../../../devnet/stack';
import {
  buildExactAuthorization,
  exactPayload,
  exactTermsOf,
  exactTransferMethod,
  validateExactAuthorization,
  type ExactAuthorizationPlan,
} from '../../../lib/schemes/exact/authorization';
import { evmChainIdOf } from '../../../lib/chains/evm/chain-id';
import { ExactRefusedError, type ExactRefusalReason } from '../../../lib/schemes/exact/errors';
import { balanceOf } from '../../devnet/support/sessions';
import { decodeHeader, encodeHeader, paymentRequiredOf, paymentResponseOf } from '../../devnet/support/x402-client';

const PAYER = privateKeyToAccount('0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6');
const NOW = 1_750_000_000;
const NONCE: Hex = `0x${'ab'.repeat(32)}`;
const USDC = '0x036CbD53842c5426634e7929541eC2318f3dCF7e';
const PAY_TO = '0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc';

const v2Entry = (over: Record<string, unknown> = {}) => ({
  scheme: 'exact',
  network: 'eip155:84532',
  amount: '10000',
  asset: USDC,
  payTo: PAY_TO,
  maxTimeoutSeconds: 300,
  extra: { name: 'USDC', version: '2' },
  ...over,
});
const v1Entry = (over: Record<string, unknown> = {}) => ({
  scheme: 'exact',
  network: 'base-sepolia',
  maxAmountRequired: '50000',
  resource: 'https://api.example/fortune',
  description: '',
  mimeType: '',
  asset: USDC,
  payTo: PAY_TO,
  maxTimeoutSeconds: 60,
  extra: { name: 'USDC', version: '2' },
  ...over,
});

function refusal(fn: () => unknown): ExactRefusalReason | 'no refusal' {
  try {
    fn();
    return 'no refusal';
  } catch (err) {
    if (err instanceof ExactRefusedError) return err.reason;
    throw err;
  }
}

describe('buildExactAuthorization', () => {
  it('v2: domain from extra, chainId from eip155:N, to = payTo, value = amount, validAfter "0", validBefore = now + maxTimeoutSeconds', () => {
    const plan = buildExactAuthorization({ x402Version: 2, accepted: v2Entry(), payer: PAYER.address.toLowerCase(), now: NOW, nonce: NONCE });
    expect(plan.authorization).toEqual({
      from: PAYER.address,
      to: '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC',
      value: '10000',
      validAfter: '0',
      validBefore: String(NOW + 300),
      nonce: NONCE,
    });
    expect(plan.typedData).toEqual({
      domain: { name: 'USDC', version: '2', chainId: 84532, verifyingContract: USDC },
      types: {
        TransferWithAuthorization: [
          { name: 'from', type: 'address' },
          { name: 'to', type: 'address' },
          { name: 'value', type: 'uint256' },
          { name: 'validAfter', type: 'uint256' },
          { name: 'validBefore', type: 'uint256' },
          { name: 'nonce', type: 'bytes32' },
        ],
      },
      primaryType: 'TransferWithAuthorization',
      message: { from: PAYER.address, to: '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC', value: 10000n, validAfter: 0n, validBefore: BigInt(NOW + 300), nonce: NONCE },
    });
  });

  it('v1: value = maxAmountRequired, validAfter = now − 600, chain id from the v1 name; maxTimeoutSeconds defaults to 60', () => {
    const plan = buildExactAuthorization({ x402Version: 1, accepted: v1Entry({ maxTimeoutSeconds: undefined }), payer: PAYER.address, now: NOW, nonce: NONCE });
    expect(plan.authorization).toMatchObject({ value: '50000', validAfter: String(NOW - 600), validBefore: String(NOW + 60) });
    expect(plan.typedData.domain.chainId).toBe(84532);
    expect(plan.terms).toMatchObject({ x402Version: 1, network: 'base-sepolia', amount: 50000n, maxTimeoutSeconds: 60 });
  });

  it('draws a fresh 32-byte nonce each time, and grants at most maxValiditySeconds (default one hour)', () => {
    const a = buildExactAuthorization({ x402Version: 2, accepted: v2Entry({ maxTimeoutSeconds: 86_400 }), payer: PAYER.address, now: NOW });
    const b = buildExactAuthorization({ x402Version: 2, accepted: v2Entry(), payer: PAYER.address, now: NOW, maxValiditySeconds: 30 });
    expect(a.authorization.nonce).toMatch(/^0x[0-9a-f]{64}$/);
    expect(a.authorization.nonce).not.toBe(b.authorization.nonce);
    expect(a.authorization.validBefore).toBe(String(NOW + 3600));
    expect(b.authorization.validBefore).toBe(String(NOW + 30));
  });

  it('refuses what it cannot sign safely, with a stable reason', () => {
    const build = (x402Version: 1 | 2, accepted: unknown, payer: string = PAYER.address) => () => buildExactAuthorization({ x402Version, accepted, payer, now: NOW });
    expect(refusal(build(2, v2Entry({ extra: { version: '2' } })))).toBe('missing_eip712_domain');
    expect(refusal(build(2, v2Entry({ extra: { name: 'USDC', version: '' } })))).toBe('missing_eip712_domain');
    expect(refusal(build(2, v2Entry({ extra: undefined })))).toBe('missing_eip712_domain');
    expect(refusal(build(2, v2Entry({ extra: { name: 'USDC', version: '2', assetTransferMethod: 'permit2' } })))).toBe('permit2_unsupported');
    expect(refusal(build(2, v2Entry({ extra: { name: 'USDC', version: '2', assetTransferMethod: 'eip3009' } })))).toBe('no refusal');
    expect(refusal(build(2, v2Entry({ extra: { name: 'USDC', version: '2', assetTransferMethod: 'teleport' } })))).toBe('unsupported_transfer_method');
    expect(refusal(build(2, v2Entry({ scheme: 'upto' })))).toBe('not_exact_scheme');
    expect(refusal(build(2, 'exact'))).toBe('not_exact_scheme');
    expect(refusal(build(2, v2Entry({ network: 'base-sepolia' })))).toBe('unsupported_network'); // v2 is CAIP-2 only
    expect(refusal(build(1, v1Entry({ network: 'solana-devnet' })))).toBe('unsupported_network');
    expect(refusal(build(2, v2Entry({ amount: '0' })))).toBe('invalid_amount');
    expect(refusal(build(2, v2Entry({ amount: '1.5' })))).toBe('invalid_amount');
    expect(refusal(build(1, v1Entry({ maxAmountRequired: undefined, amount: '5' })))).toBe('invalid_amount');
    expect(refusal(build(2, v2Entry({ maxTimeoutSeconds: 0 })))).toBe('invalid_timeout');
    expect(refusal(build(2, v2Entry({ maxTimeoutSeconds: undefined })))).toBe('invalid_timeout');
    expect(refusal(build(2, v2Entry({ asset: 'USDC' })))).toBe('invalid_asset');
    expect(refusal(build(2, v2Entry({ payTo: '0x1234' })))).toBe('invalid_pay_to');
    expect(refusal(build(2, v2Entry(), 'alice'))).toBe('invalid_payer');
    expect(refusal(() => buildExactAuthorization({ x402Version: 2, accepted: v2Entry(), payer: PAYER.address, now: NOW, nonce: '0x12' }))).toBe('invalid_nonce');
  });

  it('the Permit2 refusal says why in words', () => {
    try {
      exactTermsOf(v2Entry({ extra: { name: 'USDC', version: '2', assetTransferMethod: 'permit2' } }), 2);
      expect.unreachable();
    } catch (err) {
      expect((err as Error).message).toMatch(/Permit2/);
    }
    expect(exactTransferMethod(v2Entry())).toBe('eip3009');
    expect(exactTransferMethod(v2Entry({ extra: { assetTransferMethod: 'permit2' } }))).toBe('permit2');
  });
});

describe('validateExactAuthorization', () => {
  const plan = () => buildExactAuthorization({ x402Version: 2, accepted: v2Entry(), payer: PAYER.address, now: NOW, nonce: NONCE });
  const check = (p: ExactAuthorizationPlan, now = NOW, accepted: unknown = v2Entry(), version: 1 | 2 = 2) => refusal(() => validateExactAuthorization(p, accepted, version, now));

  it('refuses once validBefore is in the past or less than 6 s away (a person slow to approve)', () => {
    expect(check(plan(), NOW + 293)).toBe('no refusal');
    expect(check(plan(), NOW + 295)).toBe('authorization_expired');
    expect(check(plan(), NOW + 10_000)).toBe('authorization_expired');
  });

  it('refuses value ≠ amount, another recipient, another domain, a payer mix-up, a validAfter in the future', () => {
    const p = plan();
    expect(check({ ...p, authorization: { ...p.authorization, value: '9999' } })).toBe('value_mismatch');
    expect(check({ ...p, typedData: { ...p.typedData, message: { ...p.typedData.message, value: 1n } } })).toBe('value_mismatch');
    expect(check(p, NOW, v2Entry({ amount: '20000' }))).toBe('value_mismatch');
    expect(check(p, NOW, v2Entry({ payTo: PAYER.address }))).toBe('recipient_mismatch');
    expect(check({ ...p, typedData: { ...p.typedData, domain: { ...p.typedData.domain, chainId: 8453 } } })).toBe('domain_mismatch');
    expect(check(p, NOW, v2Entry({ extra: { name: 'USD Coin', version: '2' } }))).toBe('domain_mismatch');
    expect(check({ ...p, authorization: { ...p.authorization, from: '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC' } })).toBe('payer_mismatch');
    const v1 = buildExactAuthorization({ x402Version: 1, accepted: v1Entry(), payer: PAYER.address, now: NOW, nonce: NONCE });
    expect(check(v1, NOW - 700, v1Entry(), 1)).toBe('authorization_not_yet_valid');
  });
});

describe('exactPayload', () => {
  it('is { authorization, signature }, and the signature over the typed data recovers the payer', async () => {
    const p = buildExactAuthorization({ x402Version: 2, accepted: v2Entry(), payer: PAYER.address, now: NOW, nonce: NONCE });
    const signature = await PAYER.signTypedData(p.typedData);
    expect(exactPayload(p, signature)).toEqual({ authorization: p.authorization, signature });
    expect(await recoverTypedDataAddress({ ...p.typedData, signature })).toBe(PAYER.address);
    expect(refusal(() => exactPayload(p, '0x1234'))).toBe('invalid_signature');
    expect(refusal(() => exactPayload(p, signature.slice(2)))).toBe('invalid_signature');
  });
});

describe('chain ids', () => {
  it('v2 takes eip155:N only; v1 takes the reference v1 names and eip155:N', () => {
    expect(evmChainIdOf('eip155:8453', 2)).toBe(8453);
    expect(evmChainIdOf('base', 2)).toBeUndefined();
    expect(evmChainIdOf('base', 1)).toBe(8453);
    expect(evmChainIdOf('polygon-amoy', 1)).toBe(80002);
    expect(evmChainIdOf('eip155:31337', 1)).toBe(31337);
    expect(evmChainIdOf('toString', 1)).toBeUndefined();
    expect(evmChainIdOf('eip155:0', 2)).toBeUndefined();
  });
});

describe('against the devnet', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ quiet: true, userCount: 2 });
  });
  afterAll(async () => {
    await stack?.stop();
  });
  const now = () => Math.floor(Date.now() / 1000);

  it('v2: the built authorization, signed by a local account, pays the price on chain through the reference facilitator', async () => {
    const url = stack.api.url + stack.exact.paths.exact;
    const required = paymentRequiredOf(await fetch(url))!;
    const accepted = required.accepts[0]!;
    const payer = privateKeyToAccount(stack.accounts.users[0]!.privateKey);
    const before = { payer: await balanceOf(stack, payer.address), recipient: await balanceOf(stack, stack.api.recipient) };

    const plan = buildExactAuthorization({ x402Version: 2, accepted, payer: payer.address, now: now() });
    validateExactAuthorization(plan, accepted, 2, now()); // again right before signing
    const payload = exactPayload(plan, await payer.signTypedData(plan.typedData));
    const res = await fetch(url, { headers: { 'PAYMENT-SIGNATURE': encodeHeader({ x402Version: 2, resource: required.resource, accepted, payload }) } });
    expect(res.status).toBe(200);
    expect(paymentResponseOf(res)).toMatchObject({ success: true, payer: payer.address });
    expect(await balanceOf(stack, payer.address)).toBe(before.payer - BigInt(accepted.amount));
    expect(await balanceOf(stack, stack.api.recipient)).toBe(before.recipient + BigInt(accepted.amount));
  });

  it('v1: built from the JSON-body 402, sent in X-PAYMENT, pays maxAmountRequired', async () => {
    const url = stack.api.url + stack.exact.paths.exactV1;
    const body = (await (await fetch(url)).json()) as { x402Version: 1; accepts: Record<string, unknown>[] };
    const accepted = body.accepts[0]!;
    const payer = privateKeyToAccount(stack.accounts.users[1]!.privateKey);
    const before = await balanceOf(stack, payer.address);
    const plan = buildExactAuthorization({ x402Version: 1, accepted, payer: payer.address, now: now() });
    expect(plan.terms.chainId).toBe(stack.chain.chainId);
    const payload = exactPayload(plan, await payer.signTypedData(plan.typedData));
    const res = await fetch(url, { headers: { 'X-PAYMENT': encodeHeader({ x402Version: 1, scheme: 'exact', network: accepted.network, payload }) } });
    expect(res.status).toBe(200);
    expect(decodeHeader<Record<string, unknown>>(res.headers.get('x-payment-response')!)).toMatchObject({ success: true, payer: payer.address });
    expect(await balanceOf(stack, payer.address)).toBe(before - stack.exact.prices.exactV1);
  });

  it('the devnet Permit2 route is refused before anything is signed', async () => {
    const accepted = paymentRequiredOf(await fetch(stack.api.url + stack.exact.paths.exactPermit2))!.accepts[0]!;
    expect(refusal(() => buildExactAuthorization({ x402Version: 2, accepted, payer: stack.accounts.users[0]!.address, now: now() }))).toBe('permit2_unsupported');
  });
});
