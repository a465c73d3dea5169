/**
 * lib/schemes/upto: telling the two `upto` apart, the daydreams ERC-2612 permit and payload,
 * the session id and the limit signals, first on their own, then signed with a viem local
 * account and paid through the devnet's /api/upto route, with balances and allowances read on
 * chain, and the §6.5 facts the wallet must defend against reproduced.
 */
import { createHash } from 'node:crypto';
import { decodeFunctionData, getAddress, recoverTypedDataAddress } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPaidApi, type PaidApiHandle } from '../../../devnet/api/server';
import { startStack, type Stack } from '../../../devnet/stack';
import {
  buildUptoPermit,
  daydreamsUptoTerms,
  ERC2612_ABI,
  parseUptoLimitSignal,
  revokeAllowanceData,
  uptoFlavor,
  uptoPayload,
  uptoPermitKey,
  uptoSessionId,
  uptoSpenderFromSupported,
  UptoRefusedError,
  type UptoPayload,
  type UptoRefusalReason,
} from '../../../lib/schemes/upto/permit';
import { clientsFor } from '../../devnet/support/sessions';
import { encodeHeader, paymentRequiredOf } from '../../devnet/support/x402-client';

const OWNER = privateKeyToAccount('0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6');
const SPENDER = '0x9586A4833970847aef259aD5BFB7aa8901DDf746';
const ASSET = '0x036CbD53842c5426634e7929541eC2318f3dCF7e';
const PAY_TO = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC';
const NOW = 1_750_000_000;

const daydreams = (over: Record<string, unknown> = {}, extra: Record<string, unknown> = { name: 'USDC', version: '2', maxAmountRequired: '50000' }) => ({
  scheme: 'upto',
  network: 'eip155:84532',
  amount: '1000',
  asset: ASSET,
  payTo: PAY_TO,
  maxTimeoutSeconds: 300,
  extra,
  ...over,
});
const coinbase = () => ({ ...daydreams(), extra: { name: 'USDC', version: '2', assetTransferMethod: 'permit2', facilitatorAddress: SPENDER } });

function refusal(fn: () => unknown): UptoRefusalReason | 'no refusal' {
  try {
    fn();
    return 'no refusal';
  } catch (err) {
    if (err instanceof UptoRefusedError) return err.reason;
    throw err;
  }
}

describe('uptoFlavor (§6.6)', () => {
  it('facilitatorAddress or Permit2 ⇒ Coinbase; otherwise daydreams; not upto ⇒ null', () => {
    expect(uptoFlavor(coinbase())).toBe('coinbase');
    expect(uptoFlavor(daydreams({}, { name: 'USDC', version: '2', assetTransferMethod: 'permit2' }))).toBe('coinbase');
    expect(uptoFlavor(daydreams({}, { name: 'USDC', version: '2', facilitatorAddress: SPENDER }))).toBe('coinbase');
    expect(uptoFlavor(daydreams())).toBe('daydreams');
    expect(uptoFlavor(daydreams({}, { name: 'USDC', version: '2' }))).toBe('daydreams');
    expect(uptoFlavor(daydreams({ extra: undefined }))).toBe('daydreams');
    expect(uptoFlavor(daydreams({ scheme: 'exact' }))).toBeNull();
    expect(uptoFlavor(null)).toBeNull();
  });
});

describe('daydreamsUptoTerms', () => {
  it('cap = maxAmountRequired ?? maxAmount ?? amount', () => {
    expect(daydreamsUptoTerms(daydreams()).requiredCap).toBe(50_000n);
    expect(daydreamsUptoTerms(daydreams({}, { name: 'USDC', version: '2', maxAmount: '7000' })).requiredCap).toBe(7000n);
    expect(daydreamsUptoTerms(daydreams({}, { name: 'USDC', version: '2' })).requiredCap).toBe(1000n);
    expect(daydreamsUptoTerms(daydreams())).toMatchObject({ chainId: 84532, price: 1000n, asset: ASSET, payTo: PAY_TO, maxTimeoutSeconds: 300 });
  });

  it('refuses Coinbase upto, a missing domain, a non-eip155 network, a bad cap or price', () => {
    expect(refusal(() => daydreamsUptoTerms(coinbase()))).toBe('coinbase_upto');
    expect(refusal(() => daydreamsUptoTerms({ scheme: 'exact' }))).toBe('not_upto_scheme');
    expect(refusal(() => daydreamsUptoTerms(daydreams({}, { version: '2' })))).toBe('missing_eip712_domain');
    expect(refusal(() => daydreamsUptoTerms(daydreams({ network: 'base-sepolia' })))).toBe('unsupported_network');
    expect(refusal(() => daydreamsUptoTerms(daydreams({}, { name: 'USDC', version: '2', maxAmountRequired: '-1' })))).toBe('invalid_cap');
    expect(refusal(() => daydreamsUptoTerms(daydreams({ amount: '0' })))).toBe('invalid_amount');
    expect(refusal(() => daydreamsUptoTerms(daydreams({ maxTimeoutSeconds: 'soon' })))).toBe('invalid_timeout');
  });
});

describe('uptoSpenderFromSupported', () => {
  it('signers[network] first, then signers["eip155:*"], first entry, checksummed', () => {
    expect(uptoSpenderFromSupported({ signers: { 'eip155:*': [SPENDER.toLowerCase()] } }, 'eip155:84532')).toBe(SPENDER);
    expect(uptoSpenderFromSupported({ signers: { 'eip155:84532': [PAY_TO], 'eip155:*': [SPENDER] } }, 'eip155:84532')).toBe(PAY_TO);
    expect(refusal(() => uptoSpenderFromSupported({ signers: {} }, 'eip155:84532'))).toBe('no_spender');
    expect(refusal(() => uptoSpenderFromSupported({ signers: { 'eip155:*': ['nobody'] } }, 'eip155:84532'))).toBe('no_spender');
    expect(refusal(() => uptoSpenderFromSupported('{}', 'eip155:84532'))).toBe('no_spender');
  });
});

describe('buildUptoPermit + uptoPayload', () => {
  const request = (over: Partial<Parameters<typeof buildUptoPermit>[0]> = {}) => ({ accepted: daydreams(), owner: OWNER.address, spender: SPENDER, nonce: 3n, now: NOW, ...over });

  it('Permit(owner, spender, value = cap, nonce, deadline = now + maxTimeoutSeconds) and the wire authorization', async () => {
    const plan = buildUptoPermit(request());
    expect(plan.typedData).toEqual({
      domain: { name: 'USDC', version: '2', chainId: 84532, verifyingContract: ASSET },
      types: {
        Permit: [
          { name: 'owner', type: 'address' },
          { name: 'spender', type: 'address' },
          { name: 'value', type: 'uint256' },
          { name: 'nonce', type: 'uint256' },
          { name: 'deadline', type: 'uint256' },
        ],
      },
      primaryType: 'Permit',
      message: { owner: OWNER.address, spender: SPENDER, value: 50_000n, nonce: 3n, deadline: BigInt(NOW + 300) },
    });
    expect(plan.authorization).toEqual({ from: OWNER.address, to: SPENDER, value: '50000', validBefore: String(NOW + 300), nonce: '3' });
    const signature = await OWNER.signTypedData(plan.typedData);
    const payload = uptoPayload(plan, signature);
    expect(payload).toEqual({ authorization: plan.authorization, signature });
    expect(await recoverTypedDataAddress({ ...plan.typedData, signature })).toBe(OWNER.address);
    expect(refusal(() => uptoPayload(plan, '0xdead'))).toBe('invalid_signature');
  });

  it('a chosen cap must cover the required max and one call; the validity is clamped', () => {
    expect(buildUptoPermit(request({ cap: 80_000n })).authorization.value).toBe('80000');
    expect(refusal(() => buildUptoPermit(request({ cap: 40_000n })))).toBe('cap_below_required_max');
    expect(refusal(() => buildUptoPermit(request({ accepted: daydreams({}, { name: 'USDC', version: '2' }), cap: 999n })))).toBe('cap_too_low');
    expect(buildUptoPermit(request({ accepted: daydreams({ maxTimeoutSeconds: 864_000 }) })).deadline).toBe(BigInt(NOW + 3600));
    expect(buildUptoPermit(request({ maxValiditySeconds: 60 })).deadline).toBe(BigInt(NOW + 60));
    expect(refusal(() => buildUptoPermit(request({ maxValiditySeconds: 5 })))).toBe('permit_expired');
    expect(refusal(() => buildUptoPermit(request({ nonce: -1n })))).toBe('invalid_nonce');
    expect(refusal(() => buildUptoPermit(request({ owner: 'me' })))).toBe('invalid_owner');
    expect(refusal(() => buildUptoPermit(request({ accepted: coinbase() })))).toBe('coinbase_upto');
  });
});

describe('uptoSessionId', () => {
  it('is sha256_hex of JSON { network, asset, owner, spender, cap, nonce, deadline, signature }, in that order', () => {
    const payload: UptoPayload = {
      authorization: { from: OWNER.address, to: SPENDER, value: '50000', validBefore: '1750000300', nonce: '0' },
      signature: `0x${'12'.repeat(65)}`,
    };
    const json = `{"network":"eip155:84532","asset":"${ASSET}","owner":"${OWNER.address}","spender":"${SPENDER}","cap":"50000","nonce":"0","deadline":"1750000300","signature":"0x${'12'.repeat(65)}"}`;
    expect(uptoSessionId({ network: 'eip155:84532', asset: ASSET }, payload)).toBe(createHash('sha256').update(json).digest('hex'));
  });
});

describe('parseUptoLimitSignal', () => {
  const id = 'a'.repeat(64);
  it('reads the four signals with their status and what to do', () => {
    expect(parseUptoLimitSignal(402, { error: 'cap_exhausted', message: 'Upto cap exhausted, reauthorize with higher max', sessionId: id })).toEqual({
      error: 'cap_exhausted',
      status: 402,
      action: 'reauthorize',
      message: 'Upto cap exhausted, reauthorize with higher max',
      sessionId: id,
    });
    expect(parseUptoLimitSignal(402, { error: 'session_closed', sessionId: id })).toMatchObject({ action: 'reauthorize' });
    expect(parseUptoLimitSignal(409, { error: 'settling_in_progress', sessionId: id })).toMatchObject({ action: 'retry_later' });
    expect(parseUptoLimitSignal(400, { error: 'invalid_payload', sessionId: id })).toMatchObject({ action: 'give_up' });
  });

  it('is null for anything else: wrong status for the code, unknown code, not an object; drops a malformed session id', () => {
    expect(parseUptoLimitSignal(200, { error: 'cap_exhausted' })).toBeNull();
    expect(parseUptoLimitSignal(402, { error: 'settling_in_progress' })).toBeNull();
    expect(parseUptoLimitSignal(402, { error: 'toString' })).toBeNull();
    expect(parseUptoLimitSignal(402, { error: 'cap_exceeded' })).toBeNull();
    expect(parseUptoLimitSignal(402, ['cap_exhausted'])).toBeNull();
    expect(parseUptoLimitSignal(402, 'cap_exhausted')).toBeNull();
    expect(parseUptoLimitSignal(402, { error: 'cap_exhausted', sessionId: '<img>' })).toEqual({ error: 'cap_exhausted', status: 402, action: 'reauthorize' });
    expect(parseUptoLimitSignal(402, { error: 'cap_exhausted', message: 'x'.repeat(5000) })?.message).toHaveLength(1024);
  });
});

describe('revokeAllowanceData and uptoPermitKey', () => {
  it('approve(spender, 0); a key that includes the origin and the recipient', () => {
    expect(decodeFunctionData({ abi: ERC2612_ABI, data: revokeAllowanceData(SPENDER.toLowerCase()) })).toEqual({ functionName: 'approve', args: [SPENDER, 0n] });
    const k = { origin: 'https://a.example', payTo: PAY_TO, spender: SPENDER, asset: ASSET, network: 'eip155:84532', owner: OWNER.address };
    expect(uptoPermitKey(k)).not.toBe(uptoPermitKey({ ...k, origin: 'https://b.example' }));
    expect(uptoPermitKey(k)).not.toBe(uptoPermitKey({ ...k, payTo: SPENDER }));
    expect(uptoPermitKey(k)).toBe(uptoPermitKey({ ...k, asset: ASSET.toLowerCase() }));
  });
});

describe('against the devnet', () => {
  let stack: Stack;
  const apis: PaidApiHandle[] = [];
  beforeAll(async () => {
    // Small terms: 0.01 a call, permits of at least 0.03, a batch every 2 calls.
    stack = await startStack({ quiet: true, userCount: 6, upto: { price: 10_000n, cap: 30_000n, batchCalls: 2 } });
  });
  afterAll(async () => {
    for (const api of apis) await api.stop();
    await stack?.stop();
  });

  const now = () => Math.floor(Date.now() / 1000);
  const read = (functionName: 'allowance' | 'nonces' | 'balanceOf', args: readonly `0x${string}`[]) => {
    const { publicClient } = clientsFor(stack, stack.accounts.deployer);
    const abi = [...ERC2612_ABI, { type: 'function', name: 'balanceOf', stateMutability: 'view', inputs: [{ name: 'a', type: 'address' }], outputs: [{ type: 'uint256' }] }] as const;
    return publicClient.readContract({ address: stack.token.address, abi, functionName, args } as never) as Promise<bigint>;
  };
  const balance = (a: `0x${string}`) => read('balanceOf', [a]);
  const allowance = (owner: `0x${string}`) => read('allowance', [owner, stack.upto.spender]);

  /** What the wallet does: 402 → daydreams terms → spender from /supported → nonces(owner) → sign once. */
  async function signFor(apiUrl: string, ownerIndex: number, cap?: bigint) {
    const required = paymentRequiredOf(await fetch(apiUrl + stack.upto.paths.upto))!;
    const accepted = required.accepts[0]!;
    expect(uptoFlavor(accepted)).toBe('daydreams');
    const spender = uptoSpenderFromSupported(await (await fetch(`${stack.upto.facilitatorUrl}/supported`)).json(), accepted.network);
    const owner = privateKeyToAccount(stack.accounts.users[ownerIndex]!.privateKey);
    const nonce = await read('nonces', [owner.address]);
    const plan = buildUptoPermit({ accepted, owner: owner.address, spender, nonce, now: now(), cap });
    const payload = uptoPayload(plan, await owner.signTypedData(plan.typedData));
    return { accepted, owner, payload, header: encodeHeader({ x402Version: 2, payload, accepted }) };
  }

  const pay = async (apiUrl: string, header: string) => {
    for (;;) {
      const res = await fetch(apiUrl + stack.upto.paths.upto, { headers: { 'PAYMENT-SIGNATURE': header } });
      const body = (await res.json()) as unknown;
      const signal = res.headers.get('payment-required') ? null : parseUptoLimitSignal(res.status, body);
      if (signal?.action === 'retry_later') {
        await new Promise((r) => setTimeout(r, 20));
        continue;
      }
      return { res, body, signal, sessionId: res.headers.get('x-upto-session-id') };
    }
  };
  const close = async (apiUrl: string, id: string) =>
    (await (await fetch(`${apiUrl}${stack.upto.paths.uptoSessions}/${id}/close`, { method: 'POST' })).json()) as Record<string, unknown>;

  it('one signed permit pays two calls; the id the wallet computes is the server\'s; close leaves cap − settled approved on chain; approve(spender, 0) zeroes it', async () => {
    const { accepted, owner, payload, header } = await signFor(stack.api.url, 0, 50_000n);
    const before = { owner: await balance(owner.address), recipient: await balance(stack.api.recipient) };
    const id = uptoSessionId(accepted, payload);
    for (let i = 0; i < 2; i++) {
      const r = await pay(stack.api.url, header);
      expect(r.res.status).toBe(200);
      expect(r.sessionId).toBe(id);
    }
    expect(await close(stack.api.url, id)).toMatchObject({ status: 'closed', settledTotal: '20000' });
    expect(await balance(owner.address)).toBe(before.owner - 20_000n);
    expect(await balance(stack.api.recipient)).toBe(before.recipient + 20_000n);
    // Fact 2: the allowance outlives the session: 50000 − 20000 stays approved to the spender.
    expect(await allowance(owner.address)).toBe(30_000n);

    const closed = await pay(stack.api.url, header);
    expect(closed.signal).toMatchObject({ error: 'session_closed', status: 402, action: 'reauthorize', sessionId: id });

    // The defence: the wallet sends approve(spender, 0) from the owner.
    const { wallet, publicClient } = clientsFor(stack, stack.accounts.users[0]!);
    const hash = await wallet.sendTransaction({ to: stack.token.address, data: revokeAllowanceData(stack.upto.spender) });
    expect((await publicClient.waitForTransactionReceipt({ hash })).status).toBe('success');
    expect(await allowance(owner.address)).toBe(0n);
  });

  it('fact 1: the permit names no recipient; the facilitator pays whatever payTo the holder names, on a fresh permit and after a partial settle', async () => {
    const thief = getAddress(stack.accounts.deployer.address);
    const settleTo = async (payload: unknown, accepted: object, payTo: string, amount: bigint) =>
      (await (
        await fetch(`${stack.upto.facilitatorUrl}/settle`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ x402Version: 2, paymentPayload: { x402Version: 2, payload, accepted }, paymentRequirements: { ...accepted, payTo, amount: amount.toString() } }),
        })
      ).json()) as Record<string, unknown>;

    // A fresh permit captured before it was ever used.
    const fresh = await signFor(stack.api.url, 1, 40_000n);
    const thiefBefore = await balance(thief);
    expect(await settleTo(fresh.payload, fresh.accepted, thief, 40_000n)).toMatchObject({ success: true });
    expect(await balance(thief)).toBe(thiefBefore + 40_000n);
    expect(await allowance(fresh.owner.address)).toBe(0n);

    // A permit in use: one batch settled to the site, then the rest goes to the thief.
    const used = await signFor(stack.api.url, 2, 40_000n);
    for (let i = 0; i < 2; i++) expect((await pay(stack.api.url, used.header)).res.status).toBe(200);
    const id = uptoSessionId(used.accepted, used.payload);
    await close(stack.api.url, id);
    expect(await allowance(used.owner.address)).toBe(20_000n);
    expect(await settleTo(used.payload, used.accepted, thief, 20_000n)).toMatchObject({ success: true });
    expect(await balance(thief)).toBe(thiefBefore + 60_000n);
    expect(await allowance(used.owner.address)).toBe(0n);
    // Only the allowance bounds it: nothing more can be taken.
    expect(await settleTo(used.payload, used.accepted, thief, 1n)).toMatchObject({ success: false, errorReason: 'insufficient_allowance' });
  });

  it('cap_exhausted, settling_in_progress and invalid_payload come back as bodies the parser reads', async () => {
    // cap 35000 with a 30000 minimum: three calls, then the fourth does not fit.
    const s = await signFor(stack.api.url, 3, 35_000n);
    for (let i = 0; i < 3; i++) expect((await pay(stack.api.url, s.header)).res.status).toBe(200);
    const id = uptoSessionId(s.accepted, s.payload);
    let exhausted: Awaited<ReturnType<typeof pay>> | undefined;
    for (let i = 0; i < 100 && !exhausted?.signal; i++) exhausted = await pay(stack.api.url, s.header);
    expect(exhausted?.signal).toEqual({ error: 'cap_exhausted', status: 402, action: 'reauthorize', message: 'Upto cap exhausted, reauthorize with higher max', sessionId: id });

    // A batch held in flight: the next call is told to retry.
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const token = { name: stack.token.name, version: stack.token.version };
    const base = { port: 0, facilitatorUrl: stack.facilitator.url, network: stack.chain.network, asset: stack.token.address, quiet: true } as const;
    const gated = await startPaidApi({ ...base, payTo: stack.api.recipient, upto: { facilitatorUrl: stack.upto.facilitatorUrl, token, cap: 30_000n, batchCalls: 1, beforeSettle: () => gate } });
    apis.push(gated);
    const g = await signFor(gated.url, 4);
    expect((await fetch(gated.url + stack.upto.paths.upto, { headers: { 'PAYMENT-SIGNATURE': g.header } })).status).toBe(200);
    const busy = await fetch(gated.url + stack.upto.paths.upto, { headers: { 'PAYMENT-SIGNATURE': g.header } });
    expect(busy.headers.get('payment-required')).toBeNull();
    expect(parseUptoLimitSignal(busy.status, await busy.json())).toMatchObject({ error: 'settling_in_progress', status: 409, action: 'retry_later', sessionId: uptoSessionId(g.accepted, g.payload) });
    release();

    // invalid_payload: a server whose payTo is the spender lets a payload without `to` through verify.
    const odd = await startPaidApi({ ...base, payTo: stack.upto.spender, upto: { facilitatorUrl: stack.upto.facilitatorUrl, token, cap: 30_000n } });
    apis.push(odd);
    const o = await signFor(odd.url, 5);
    const { to: _to, ...withoutTo } = o.payload.authorization;
    const bad = await fetch(odd.url + stack.upto.paths.upto, { headers: { 'PAYMENT-SIGNATURE': encodeHeader({ x402Version: 2, payload: { ...o.payload, authorization: withoutTo }, accepted: o.accepted }) } });
    expect(bad.headers.get('payment-required')).toBeNull();
    expect(parseUptoLimitSignal(bad.status, await bad.json())).toMatchObject({ error: 'invalid_payload', status: 400, action: 'give_up' });
  });
});
