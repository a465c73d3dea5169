/**
 * The `exact` facilitator (reference code: @x402/core's x402Facilitator + @x402/evm's exact
 * scheme) and the paid API's /api/exact/* routes, paid by a plain client (viem signTypedData,
 * own base64 headers): one EIP-3009 signature per call, a real transferWithAuthorization each,
 * and the reference reasons for the ways a payment goes wrong.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MULTICALL_DIR, MULTICALL_SOURCE } from '../../devnet/multicall/compile';
import { loadMulticallArtifact, MULTICALL3_ADDRESS } from '../../devnet/multicall/install';
import { startStack, type Stack } from '../../devnet/stack';
import { sourceSha256 } from '../../devnet/token/compile';
import { nowSeconds, permitToken, randomNonce, signTransferAuthorization, type Requirements } from './support/evm-schemes';
import { balanceOf, clientsFor } from './support/sessions';
import { decodeHeader, encodeHeader, paymentRequiredOf, paymentResponseOf, type PaymentRequiredV2 } from './support/x402-client';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ quiet: true, userCount: 4 });
});
afterAll(async () => {
  await stack?.stop();
});

const user = (i: number) => stack.accounts.users[i]!;
const url = (path: string) => stack.api.url + path;

async function challengeV2(path: string): Promise<{ required: PaymentRequiredV2; accepted: Requirements }> {
  const res = await fetch(url(path));
  expect(res.status).toBe(402);
  const required = paymentRequiredOf(res);
  if (!required?.accepts[0]) throw new Error('no PAYMENT-REQUIRED');
  return { required, accepted: required.accepts[0] as Requirements };
}

async function payV2(path: string, header: string) {
  const res = await fetch(url(path), { headers: { 'PAYMENT-SIGNATURE': header } });
  return { res, body: (await res.json()) as unknown, settle: paymentResponseOf(res), required: paymentRequiredOf(res) };
}

describe('exact facilitator', () => {
  it('/supported lists exact for v2 and for the v1 name, and its signer', async () => {
    const supported = (await (await fetch(`${stack.exact.facilitatorUrl}/supported`)).json()) as unknown;
    expect(supported).toEqual({
      kinds: [
        { x402Version: 2, scheme: 'exact', network: 'eip155:31337' },
        { x402Version: 1, scheme: 'exact', network: stack.exact.v1Network },
      ],
      extensions: [],
      signers: { 'eip155:*': [stack.exact.address] },
    });
    // The local chain has no v1 name: the session v1 route's spelling (its CAIP-2 string) is used.
    expect(stack.exact.v1Network).toBe('eip155:31337');
  });

  it('refuses a malformed body (400) and a scheme it does not serve (400)', async () => {
    const post = (body: unknown) => fetch(`${stack.exact.facilitatorUrl}/verify`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    const malformed = await post({ x402Version: 2 });
    expect(malformed.status).toBe(400);
    const { accepted } = await challengeV2(stack.exact.paths.exact);
    const unknown = await post({ x402Version: 2, paymentPayload: { x402Version: 2, accepted: { ...accepted, scheme: 'session' }, payload: {} }, paymentRequirements: { ...accepted, scheme: 'session' } });
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { error: string }).error).toMatch(/No facilitator registered for scheme: session/);
  });

  it('the local chain has the Multicall3 stand-in at the canonical address, from a fresh artifact', async () => {
    const artifact = loadMulticallArtifact();
    expect(artifact.sourceSha256).toBe(sourceSha256(readFileSync(join(MULTICALL_DIR, MULTICALL_SOURCE), 'utf8')));
    const { publicClient } = clientsFor(stack, stack.accounts.deployer);
    expect(await publicClient.getCode({ address: MULTICALL3_ADDRESS })).toBe(artifact.deployedBytecode);
  });
});

describe('exact v2 (PAYMENT-SIGNATURE, @x402/express)', () => {
  it('advertises exact with the token domain, and one signed authorization pays exactly the price once', async () => {
    const { required, accepted } = await challengeV2(stack.exact.paths.exact);
    expect(required.accepts).toEqual([
      {
        scheme: 'exact',
        network: 'eip155:31337',
        amount: stack.exact.prices.exact.toString(),
        asset: stack.token.address,
        payTo: stack.api.recipient,
        maxTimeoutSeconds: 300,
        extra: { name: 'USD Coin (devnet)', version: '2' },
      },
    ]);
    const payer = user(0);
    const before = { payer: await balanceOf(stack, payer.address), recipient: await balanceOf(stack, stack.api.recipient) };
    const payload = await signTransferAuthorization(stack, payer, accepted);
    const header = encodeHeader({ x402Version: 2, resource: required.resource, accepted, payload });

    const paid = await payV2(stack.exact.paths.exact, header);
    expect(paid.res.status).toBe(200);
    expect(paid.body).toMatchObject({ reels: expect.any(Array) });
    expect(paid.settle).toMatchObject({ success: true, payer: payer.address, network: 'eip155:31337' });
    expect(paid.settle?.transaction).toMatch(/^0x[0-9a-f]{64}$/);
    expect(await balanceOf(stack, payer.address)).toBe(before.payer - stack.exact.prices.exact);
    expect(await balanceOf(stack, stack.api.recipient)).toBe(before.recipient + stack.exact.prices.exact);
    const { publicClient } = clientsFor(stack, stack.accounts.deployer);
    expect(await publicClient.readContract({ address: stack.token.address, abi: permitToken, functionName: 'authorizationState', args: [payer.address, payload.authorization.nonce] })).toBe(true);

    // The same header again: the nonce is spent; Multicall3 lets the facilitator say so.
    const replay = await payV2(stack.exact.paths.exact, header);
    expect(replay.res.status).toBe(402);
    expect(replay.required?.error).toBe('invalid_exact_evm_nonce_already_used');
    expect(await balanceOf(stack, payer.address)).toBe(before.payer - stack.exact.prices.exact);
  });

  it('answers the reference reasons: tampered accepted, value ≠ amount, validBefore too close, balance too low', async () => {
    const { required, accepted } = await challengeV2(stack.exact.paths.exact);
    const payer = user(1);
    const send = async (payload: unknown, acceptedEcho: unknown = accepted) =>
      payV2(stack.exact.paths.exact, encodeHeader({ x402Version: 2, resource: required.resource, accepted: acceptedEcho, payload }));

    const tampered = await send(await signTransferAuthorization(stack, payer, { ...accepted, amount: '1' }), { ...accepted, amount: '1' });
    expect(tampered.required?.error).toBe('No matching payment requirements');

    const cheaper = await send(await signTransferAuthorization(stack, payer, accepted, { value: '9999' }));
    expect(cheaper.required?.error).toBe('invalid_exact_evm_payload_authorization_value_mismatch');

    const late = await send(await signTransferAuthorization(stack, payer, accepted, { validBefore: String(nowSeconds() + 3) }));
    expect(late.required?.error).toBe('invalid_exact_evm_payload_authorization_valid_before');

    const elsewhere = await send(await signTransferAuthorization(stack, payer, accepted, { to: stack.accounts.deployer.address }));
    expect(elsewhere.required?.error).toBe('invalid_exact_evm_recipient_mismatch');

    // A funded-with-ETH account that holds no USDC.
    const broke = stack.accounts.deployer;
    const poor = await send(await signTransferAuthorization(stack, broke, accepted));
    expect(poor.required?.error).toBe('invalid_exact_evm_insufficient_balance');
    for (const r of [tampered, cheaper, late, elsewhere, poor]) {
      expect(r.res.status).toBe(402);
      expect(r.settle).toBeUndefined();
    }
  });

  it('concurrent payments all settle: the facilitator submits one transaction at a time from its key', async () => {
    const { required, accepted } = await challengeV2(stack.exact.paths.exact);
    const payer = user(3);
    const before = await balanceOf(stack, payer.address);
    const headers = await Promise.all(
      Array.from({ length: 6 }, async () => encodeHeader({ x402Version: 2, resource: required.resource, accepted, payload: await signTransferAuthorization(stack, payer, accepted) })),
    );
    const results = await Promise.all(headers.map((h) => payV2(stack.exact.paths.exact, h)));
    expect(results.map((r) => r.res.status)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(new Set(results.map((r) => r.settle?.transaction)).size).toBe(6);
    expect(await balanceOf(stack, payer.address)).toBe(before - 6n * stack.exact.prices.exact);
  });

  it('the Permit2 variant is advertised with extra.assetTransferMethod "permit2" (no Permit2 contract here)', async () => {
    const { accepted } = await challengeV2(stack.exact.paths.exactPermit2);
    expect(accepted.extra).toEqual({ name: 'USD Coin (devnet)', version: '2', assetTransferMethod: 'permit2' });
  });
});

describe('exact v1 (X-PAYMENT, JSON body)', () => {
  it('402 body { x402Version: 1, error, accepts } with maxAmountRequired; an X-PAYMENT pays once with X-PAYMENT-RESPONSE', async () => {
    const first = await fetch(url(stack.exact.paths.exactV1));
    expect(first.status).toBe(402);
    expect(first.headers.get('payment-required')).toBeNull();
    const challenge = (await first.json()) as { x402Version: 1; error: string; accepts: Requirements[] };
    expect(challenge).toMatchObject({ x402Version: 1, error: 'X-PAYMENT header is required' });
    const req = challenge.accepts[0]!;
    expect(req).toEqual({
      scheme: 'exact',
      network: stack.exact.v1Network,
      maxAmountRequired: stack.exact.prices.exactV1.toString(),
      resource: url(stack.exact.paths.exactV1),
      description: expect.any(String),
      mimeType: 'application/json',
      payTo: stack.api.recipient,
      maxTimeoutSeconds: 60,
      asset: stack.token.address,
      outputSchema: { input: { type: 'http', method: 'GET', discoverable: true } },
      extra: { name: 'USD Coin (devnet)', version: '2' },
    });

    const payer = user(2);
    const before = await balanceOf(stack, payer.address);
    const payload = await signTransferAuthorization(stack, payer, req, { validAfter: String(nowSeconds() - 600) });
    const header = encodeHeader({ x402Version: 1, scheme: 'exact', network: req.network, payload });
    const paid = await fetch(url(stack.exact.paths.exactV1), { headers: { 'X-PAYMENT': header } });
    expect(paid.status).toBe(200);
    expect(await paid.json()).toMatchObject({ fortune: expect.any(String) });
    const receipt = decodeHeader<Record<string, unknown>>(paid.headers.get('x-payment-response')!);
    expect(receipt).toMatchObject({ success: true, network: stack.exact.v1Network, payer: payer.address });
    expect(await balanceOf(stack, payer.address)).toBe(before - stack.exact.prices.exactV1);

    // v1 wants value == maxAmountRequired too.
    const short = await signTransferAuthorization(stack, payer, req, { value: '1', nonce: randomNonce() });
    const refused = await fetch(url(stack.exact.paths.exactV1), { headers: { 'X-PAYMENT': encodeHeader({ x402Version: 1, scheme: 'exact', network: req.network, payload: short }) } });
    expect(refused.status).toBe(402);
    expect(((await refused.json()) as { error: string }).error).toBe('invalid_exact_evm_authorization_value');
    expect(await balanceOf(stack, payer.address)).toBe(before - stack.exact.prices.exactV1);
  });
});

describe('catalog', () => {
  it('GET / lists the exact and upto routes', async () => {
    const catalog = (await (await fetch(url('/'))).json()) as { routes: Record<string, unknown> };
    expect(catalog.routes).toMatchObject({
      exact: { path: stack.exact.paths.exact, price: '10000', x402Version: 2, scheme: 'exact' },
      exactPermit2: { path: stack.exact.paths.exactPermit2, assetTransferMethod: 'permit2' },
      exactV1: { path: stack.exact.paths.exactV1, price: '50000', x402Version: 1, scheme: 'exact' },
      upto: { path: stack.upto.paths.upto, price: '10000', cap: '100000', scheme: 'upto' },
    });
    expect(stack.api.paths).toMatchObject({ ...stack.exact.paths, ...stack.upto.paths });
  });
});
