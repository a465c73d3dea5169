/**
 * The daydreams-format `upto` facilitator and the paid API's /api/upto/* route, paid by a plain
 * client (viem signTypedData, own base64 headers): one ERC-2612 permit reused across calls,
 * the resource server's tally and batch settlement, the limit signals as JSON bodies, and the
 * facilitator's stateless verify reasons. Every money movement is read back from the chain.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPaidApi, type PaidApiHandle } from '../../devnet/api/server';
import type { UptoRoutesOptions } from '../../devnet/api/upto-routes';
import { startStack, type Account, type Stack } from '../../devnet/stack';
import { allowanceOf, eventually, nowSeconds, permitNonce, signUptoPermit, type Requirements } from './support/evm-schemes';
import { balanceOf } from './support/sessions';
import { encodeHeader, paymentRequiredOf, type PaymentRequiredV2 } from './support/x402-client';

let stack: Stack;
const extraApis: PaidApiHandle[] = [];

beforeAll(async () => {
  stack = await startStack({ quiet: true, userCount: 10 });
});
afterAll(async () => {
  for (const api of extraApis) await api.stop();
  await stack?.stop();
});

const user = (i: number) => stack.accounts.users[i]!;

/** Another paid API on the same chain and upto facilitator, with its own upto terms. */
async function uptoApi(upto: Partial<Omit<UptoRoutesOptions, 'log'>>, payTo: `0x${string}` = stack.api.recipient): Promise<PaidApiHandle> {
  const api = await startPaidApi({
    port: 0,
    facilitatorUrl: stack.facilitator.url,
    network: stack.chain.network,
    asset: stack.token.address,
    payTo,
    quiet: true,
    upto: { facilitatorUrl: stack.upto.facilitatorUrl, token: { name: stack.token.name, version: stack.token.version }, ...upto },
  });
  extraApis.push(api);
  return api;
}

async function challenge(apiUrl: string): Promise<{ required: PaymentRequiredV2; accepted: Requirements; res: Response }> {
  const res = await fetch(apiUrl + stack.upto.paths.upto);
  expect(res.status).toBe(402);
  const required = paymentRequiredOf(res);
  if (!required?.accepts[0]) throw new Error('no PAYMENT-REQUIRED');
  return { required, accepted: required.accepts[0] as Requirements, res };
}

interface Call {
  status: number;
  body: Record<string, unknown>;
  sessionId: string | null;
  paymentResponse: string | null;
  required?: PaymentRequiredV2;
}

async function call(apiUrl: string, header: string, headerName = 'PAYMENT-SIGNATURE'): Promise<Call> {
  const res = await fetch(apiUrl + stack.upto.paths.upto, { headers: { [headerName]: header } });
  return {
    status: res.status,
    body: (await res.json()) as Record<string, unknown>,
    sessionId: res.headers.get('x-upto-session-id'),
    paymentResponse: res.headers.get('payment-response'),
    required: paymentRequiredOf(res),
  };
}

/** A paid call that waits out `settling_in_progress` (409) the way a client should. */
async function callRetrying(apiUrl: string, header: string): Promise<{ call: Call; busy: number }> {
  for (let busy = 0; busy < 100; busy++) {
    const c = await call(apiUrl, header);
    if (c.status !== 409) return { call: c, busy };
    expect(c.body).toMatchObject({ error: 'settling_in_progress' });
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('still settling after 100 tries');
}

async function session(apiUrl: string, id: string): Promise<Record<string, unknown>> {
  return (await (await fetch(`${apiUrl}${stack.upto.paths.uptoSessions}/${id}`)).json()) as Record<string, unknown>;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

async function permitHeader(owner: Account, accepted: Requirements, opts: Parameters<typeof signUptoPermit>[3] = {}) {
  const payload = await signUptoPermit(stack, owner, accepted, opts);
  return { payload, header: encodeHeader({ x402Version: 2, payload, accepted }) };
}

describe('upto facilitator', () => {
  it('/supported: one upto kind without extra, and the spender as signer', async () => {
    expect(await (await fetch(`${stack.upto.facilitatorUrl}/supported`)).json()).toEqual({
      kinds: [{ x402Version: 2, scheme: 'upto', network: 'eip155:31337' }],
      extensions: [],
      signers: { 'eip155:*': [stack.upto.spender] },
    });
  });

  it('/verify is stateless and answers daydreams reasons', async () => {
    const { accepted } = await challenge(stack.api.url);
    const owner = user(0);
    const verify = async (payload: unknown, requirements: Record<string, unknown> = accepted as unknown as Record<string, unknown>, acceptedEcho: unknown = accepted) => {
      const res = await fetch(`${stack.upto.facilitatorUrl}/verify`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ x402Version: 2, paymentPayload: { x402Version: 2, payload, accepted: acceptedEcho }, paymentRequirements: requirements }),
      });
      expect(res.status).toBe(200);
      return (await res.json()) as { isValid: boolean; invalidReason?: string; payer?: string };
    };
    const good = await signUptoPermit(stack, owner, accepted);
    expect(await verify(good)).toEqual({ isValid: true, payer: owner.address });
    // Nothing on chain is consulted: verifying twice, or after the nonce moved, still says valid.
    expect((await verify(good)).isValid).toBe(true);

    const reason = async (payload: unknown, requirements?: Record<string, unknown>, acceptedEcho?: unknown) => (await verify(payload, requirements, acceptedEcho)).invalidReason;
    expect(await reason(await signUptoPermit(stack, owner, accepted, { spender: stack.exact.address }))).toBe('spender_not_facilitator');
    expect(await reason(await signUptoPermit(stack, owner, accepted, { cap: 5_000n }))).toBe('cap_too_low');
    expect(await reason(await signUptoPermit(stack, owner, accepted, { cap: 50_000n }))).toBe('cap_below_required_max');
    expect(await reason(await signUptoPermit(stack, owner, accepted, { deadline: BigInt(nowSeconds() + 3) }))).toBe('authorization_expired');
    expect(await reason({ ...good, authorization: { ...good.authorization, value: '200000' } })).toBe('invalid_permit_signature');
    expect(await reason({ authorization: good.authorization })).toBe('invalid_upto_evm_payload');
    expect(await reason({ ...good, authorization: { ...good.authorization, nonce: undefined } })).toBe('invalid_upto_evm_payload');
    expect(await reason(good, { ...accepted, extra: { maxAmountRequired: '100000' } })).toBe('missing_eip712_domain');
    expect(await reason(good, { ...accepted, network: 'eip155:1' }, { ...accepted, network: 'eip155:1' })).toBe('network_mismatch');
    expect(await reason(good, { ...accepted, scheme: 'exact' })).toBe('unsupported_scheme');
  });
});

describe('upto route', () => {
  it('402: PAYMENT-REQUIRED with the daydreams accepts entry, body {}, no Cache-Control', async () => {
    const { required, res } = await challenge(stack.api.url);
    expect(await res.json()).toEqual({});
    expect(res.headers.get('cache-control')).toBeNull();
    expect(required).toEqual({
      x402Version: 2,
      error: 'Payment required',
      resource: { url: stack.api.url + stack.upto.paths.upto, description: expect.any(String), mimeType: 'application/json' },
      accepts: [
        {
          scheme: 'upto',
          network: 'eip155:31337',
          amount: '10000',
          asset: stack.token.address,
          payTo: stack.api.recipient,
          maxTimeoutSeconds: 300,
          // The stack's route also names its facilitator (advertiseFacilitator): daydreams' own 402 does not.
          extra: { name: 'USD Coin (devnet)', version: '2', maxAmountRequired: '100000', facilitatorUrl: stack.upto.facilitatorUrl },
        },
      ],
    });
    expect({ price: stack.upto.price, cap: stack.upto.cap }).toEqual({ price: 10_000n, cap: 100_000n });
  });

  it('one permit, ten calls: x-upto-session-id and no PAYMENT-RESPONSE; settled every 5 calls; then session_closed', async () => {
    const { accepted } = await challenge(stack.api.url);
    const owner = user(1);
    const { payload, header } = await permitHeader(owner, accepted);
    const expectedId = sha256(
      JSON.stringify({
        network: accepted.network,
        asset: accepted.asset,
        owner: payload.authorization.from,
        spender: payload.authorization.to,
        cap: payload.authorization.value,
        nonce: payload.authorization.nonce,
        deadline: payload.authorization.validBefore,
        signature: payload.signature,
      }),
    );
    const before = { owner: await balanceOf(stack, owner.address), recipient: await balanceOf(stack, stack.api.recipient) };

    for (let i = 1; i <= 5; i++) {
      const { call: c } = await callRetrying(stack.api.url, header);
      expect(c.status).toBe(200);
      expect(c.body).toMatchObject({ pull: i });
      expect(c.sessionId).toBe(expectedId);
      expect(c.paymentResponse).toBeNull();
    }
    // The fifth call started a batch: permit(...) then transferFrom(owner, payTo, 5 × price).
    const afterBatch = await eventually(() => session(stack.api.url, expectedId), (s) => s.settledTotal === '50000' && s.status === 'open');
    expect(afterBatch).toMatchObject({ cap: '100000', pendingSpent: '0', remaining: '50000', owner: owner.address, spender: stack.upto.spender, calls: 5 });
    expect((afterBatch.settlements as unknown[])[0]).toMatchObject({ reason: 'batch', amount: '50000', success: true });
    expect(await balanceOf(stack, owner.address)).toBe(before.owner - 50_000n);
    expect(await balanceOf(stack, stack.api.recipient)).toBe(before.recipient + 50_000n);
    expect(await allowanceOf(stack, owner.address, stack.upto.spender)).toBe(50_000n);
    expect(await permitNonce(stack, owner.address)).toBe(1n);

    for (let i = 6; i <= 10; i++) {
      const { call: c } = await callRetrying(stack.api.url, header);
      expect(c.status).toBe(200);
      expect(c.sessionId).toBe(expectedId);
    }
    // The tenth call used the whole cap: settled (the second batch spends the standing allowance) and closed.
    await eventually(() => session(stack.api.url, expectedId), (s) => s.status === 'closed');
    expect(await session(stack.api.url, expectedId)).toMatchObject({ settledTotal: '100000', pendingSpent: '0', remaining: '0' });
    expect(await balanceOf(stack, owner.address)).toBe(before.owner - 100_000n);
    expect(await allowanceOf(stack, owner.address, stack.upto.spender)).toBe(0n);

    const after = await call(stack.api.url, header);
    expect(after.status).toBe(402);
    expect(after.required).toBeUndefined();
    expect(after.body).toEqual({ error: 'session_closed', message: 'Session closed. Reauthorize a new upto cap', sessionId: expectedId });
  });

  it('cap_exhausted when the next call would pass the cap; close settles the rest and leaves cap − settled approved', async () => {
    const api = await uptoApi({ cap: 30_000n, batchCalls: 2 });
    const { accepted } = await challenge(api.url);
    const owner = user(2);
    const { header } = await permitHeader(owner, accepted, { cap: 35_000n });
    const ids = new Set<string | null>();
    for (let i = 1; i <= 3; i++) {
      const { call: c } = await callRetrying(api.url, header);
      expect(c.status).toBe(200);
      ids.add(c.sessionId);
    }
    expect(ids.size).toBe(1);
    const id = [...ids][0]!;
    // 30000 tallied, 5000 left: a fourth call (10000) does not fit.
    await eventually(() => session(api.url, id), (s) => s.status === 'open' && s.settledTotal === '30000');
    const fourth = await call(api.url, header);
    expect(fourth.status).toBe(402);
    expect(fourth.required).toBeUndefined();
    expect(fourth.body).toEqual({ error: 'cap_exhausted', message: 'Upto cap exhausted, reauthorize with higher max', sessionId: id });

    const closed = (await (await fetch(`${api.url}${stack.upto.paths.uptoSessions}/${id}/close`, { method: 'POST' })).json()) as Record<string, unknown>;
    expect(closed).toMatchObject({ status: 'closed', settledTotal: '30000', pendingSpent: '0' });
    expect(await allowanceOf(stack, owner.address, stack.upto.spender)).toBe(5_000n);
    expect((await call(api.url, header)).body).toMatchObject({ error: 'session_closed' });
  });

  it('settling_in_progress (409) while a batch is in flight; the same call then succeeds', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let held = 0;
    const api = await uptoApi({
      batchCalls: 1,
      beforeSettle: async () => {
        held++;
        await gate;
      },
    });
    const { accepted } = await challenge(api.url);
    const owner = user(3);
    const { header } = await permitHeader(owner, accepted);
    const first = await call(api.url, header);
    expect(first.status).toBe(200);
    await eventually(async () => held, (n) => n === 1);
    const busy = await call(api.url, header);
    expect(busy.status).toBe(409);
    expect(busy.required).toBeUndefined();
    expect(busy.body).toEqual({ error: 'settling_in_progress', message: 'Session is settling a batch, retry shortly', sessionId: first.sessionId });
    expect((await session(api.url, first.sessionId!)).status).toBe('settling');
    release();
    await eventually(() => session(api.url, first.sessionId!), (s) => s.status === 'open' && s.settledTotal === '10000');
    expect((await call(api.url, header)).status).toBe(200);
  });

  it('an idle session is settled on the timer', async () => {
    const api = await uptoApi({ idleSettleMs: 200, sweepIntervalMs: 50 });
    const { accepted } = await challenge(api.url);
    const owner = user(4);
    const { header } = await permitHeader(owner, accepted);
    const before = await balanceOf(stack, owner.address);
    const c = await call(api.url, header);
    expect(c.status).toBe(200);
    const s = await eventually(() => session(api.url, c.sessionId!), (v) => v.settledTotal === '10000');
    expect((s.settlements as { reason: string }[])[0]?.reason).toBe('idle');
    expect(await balanceOf(stack, owner.address)).toBe(before - 10_000n);
  });

  it('X-PAYMENT is accepted as an alias; a tampered accepted gets 402 "No matching payment requirements"', async () => {
    const { accepted } = await challenge(stack.api.url);
    const owner = user(5);
    const { payload, header } = await permitHeader(owner, accepted);
    expect((await call(stack.api.url, header, 'X-PAYMENT')).status).toBe(200);
    const tampered = await call(stack.api.url, encodeHeader({ x402Version: 2, payload, accepted: { ...accepted, amount: '1' } }));
    expect(tampered.status).toBe(402);
    expect(tampered.required?.error).toBe('No matching payment requirements');
  });

  it('a verify refusal comes back the standard way: 402 with a fresh PAYMENT-REQUIRED naming the reason', async () => {
    const { accepted } = await challenge(stack.api.url);
    const { header } = await permitHeader(user(5), accepted, { spender: stack.exact.address });
    const refused = await call(stack.api.url, header);
    expect(refused.status).toBe(402);
    expect(refused.required?.error).toBe('spender_not_facilitator');
    expect(refused.required?.accepts).toEqual([accepted]);
  });

  it('invalid_payload (400): verify passes a payload the tally cannot read (no `to`, payTo is the spender, as daydreams allows)', async () => {
    const api = await uptoApi({}, stack.upto.spender);
    const { accepted } = await challenge(api.url);
    const { payload } = await permitHeader(user(6), accepted);
    const { to: _to, ...withoutTo } = payload.authorization;
    const res = await call(api.url, encodeHeader({ x402Version: 2, payload: { ...payload, authorization: withoutTo }, accepted }));
    expect(res.status).toBe(400);
    expect(res.required).toBeUndefined();
    // daydreams hashes the fields it could not read as undefined, which JSON.stringify drops.
    expect(res.body).toEqual({ error: 'invalid_payload', message: 'Invalid upto payment payload', sessionId: sha256(JSON.stringify({ network: accepted.network, asset: accepted.asset })) });
  });

  it('unknown sessions are 404 on the status and close routes', async () => {
    expect((await fetch(`${stack.api.url}${stack.upto.paths.uptoSessions}/${'0'.repeat(64)}`)).status).toBe(404);
    expect((await fetch(`${stack.api.url}${stack.upto.paths.uptoSessions}/${'0'.repeat(64)}/close`, { method: 'POST' })).status).toBe(404);
  });

  it('exposes x-upto-session-id to other origins', async () => {
    const res = await fetch(stack.api.url + stack.upto.paths.upto, { headers: { Origin: 'http://page.example' } });
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-expose-headers')).toMatch(/x-upto-session-id/);
  });
});

describe('upto settlement facts', () => {
  it('a second permit to the same spender reuses the unsettled nonce and replaces the allowance; the first session then spends it', async () => {
    const api = await uptoApi({ batchCalls: 100, idleSettleMs: 600_000 });
    const { accepted } = await challenge(api.url);
    const owner = user(7);
    const a = await permitHeader(owner, accepted, { cap: 100_000n });
    const b = await permitHeader(owner, accepted, { cap: 200_000n });
    expect(a.payload.authorization.nonce).toBe(b.payload.authorization.nonce); // both signed at nonces(owner) = 0
    const ca = await call(api.url, a.header);
    const cb = await call(api.url, b.header);
    expect([ca.status, cb.status]).toEqual([200, 200]);
    expect(ca.sessionId).not.toBe(cb.sessionId);

    await fetch(`${api.url}${stack.upto.paths.uptoSessions}/${cb.sessionId}/close`, { method: 'POST' });
    expect(await allowanceOf(stack, owner.address, stack.upto.spender)).toBe(190_000n);
    // A's permit is now dead (nonce spent), yet its close settles from B's allowance.
    const closedA = (await (await fetch(`${api.url}${stack.upto.paths.uptoSessions}/${ca.sessionId}/close`, { method: 'POST' })).json()) as Record<string, unknown>;
    expect(closedA).toMatchObject({ status: 'closed', settledTotal: '10000' });
    expect(await allowanceOf(stack, owner.address, stack.upto.spender)).toBe(180_000n);
  });
});
