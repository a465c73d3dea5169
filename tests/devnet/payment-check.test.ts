/**
 * The session verify rules as a pure function: every documented reason string, including the
 * ones a single-network facilitator cannot reach over HTTP (session_network_mismatch), and the
 * order in which they are checked.
 */
import { describe, expect, it } from 'vitest';
import { checkPayment, type CheckContext } from '../../devnet/facilitator/payment-check';
import { paymentBody, type PaymentBody } from '../../devnet/facilitator/schemas';
import type { SessionRecord } from '../../devnet/facilitator/store';

const SPENDER = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';
const USER = '0x90F79bf6EB2c4f870365E785982E1f101E93b906';
const ASSET = '0x036CbD53842c5426634e7929541eC2318f3dCF7e';
const PAY_TO = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC';
const NOW = 1_800_000_000;

const session: SessionRecord = {
  id: 'sess_1',
  user: USER,
  spender: SPENDER,
  asset: ASSET,
  recipient: PAY_TO,
  cap: 1_000_000n,
  spent: 900_000n,
  expiresAt: NOW + 60,
  network: 'base:sepolia',
  approvalTxHash: `0x${'11'.repeat(32)}`,
  createdAt: NOW - 60,
};

function ctx(over: Partial<CheckContext> = {}, s: SessionRecord = session): CheckContext {
  return { network: 'eip155:84532', spender: SPENDER, perCallMax: 1_000_000n, nowSeconds: NOW, findSession: (id) => (id === s.id ? s : undefined), ...over };
}

function body(req: Record<string, unknown> = {}, payload: Record<string, unknown> = { sessionId: 'sess_1' }, version: 1 | 2 = 2): PaymentBody {
  const requirements = { scheme: 'session', network: 'eip155:84532', asset: ASSET, payTo: PAY_TO, maxTimeoutSeconds: 300, extra: {}, ...(version === 2 ? { amount: '100000' } : { maxAmountRequired: '100000' }), ...req };
  const paymentPayload =
    version === 2
      ? { x402Version: 2, accepted: requirements, payload }
      : { x402Version: 1, scheme: requirements.scheme, network: requirements.network, payload };
  return paymentBody.parse({ x402Version: version, paymentPayload, paymentRequirements: requirements });
}

const reason = (b: PaymentBody, c = ctx()) => {
  const r = checkPayment(b, c);
  return r.ok ? 'ok' : r.reason;
};

describe('checkPayment', () => {
  it('accepts a payment that fits the session exactly, with alias networks on both sides', () => {
    const r = checkPayment(body(), ctx());
    expect(r).toMatchObject({ ok: true, amount: 100_000n, payTo: PAY_TO });
    expect(reason(body({ network: 'base:sepolia' }))).toBe('ok');
    expect(reason(body({ network: 'base-sepolia' }, undefined, 1))).toBe('ok');
    expect(reason(body({ asset: ASSET.toLowerCase(), payTo: PAY_TO.toLowerCase() }))).toBe('ok');
  });

  it.each([
    ['scheme_mismatch', body({ scheme: 'exact' })],
    ['network_mismatch', body({ network: 'eip155:8453' })],
    ['missing_session_id', body({}, {})],
    ['missing_session_id', body({}, { sessionId: 42 })],
    ['session_not_found', body({}, { sessionId: 'sess_2' })],
    ['asset_mismatch', body({ asset: PAY_TO })],
    ['recipient_mismatch', body({ payTo: USER })],
    ['invalid_amount', body({ amount: '-1' })],
    ['invalid_amount', body({ amount: '0x10' })],
    ['invalid_amount', body({ maxAmountRequired: '' }, undefined, 1)],
    ['per_call_limit_exceeded', body({ amount: '1000001' })],
    ['cap_exceeded', body({ amount: '100001' })],
  ])('%s', (expected, b) => {
    expect(reason(b)).toBe(expected);
  });

  it('spender_mismatch, session_network_mismatch and session_expired come from the session record', () => {
    expect(reason(body(), ctx({ spender: USER }))).toBe('spender_mismatch');
    expect(reason(body(), ctx({}, { ...session, network: 'eip155:8453' }))).toBe('session_network_mismatch');
    expect(reason(body(), ctx({ nowSeconds: session.expiresAt }))).toBe('session_expired');
    expect(reason(body(), ctx({ nowSeconds: session.expiresAt - 1 }))).toBe('ok');
  });

  it('a payload scheme or network that disagrees with the requirements is refused', () => {
    const b = body();
    const tampered = { ...b, paymentPayload: { ...b.paymentPayload, accepted: { ...b.paymentPayload.accepted!, scheme: 'exact' } } };
    expect(reason(tampered as PaymentBody)).toBe('scheme_mismatch');
    const v1 = body({}, undefined, 1);
    expect(reason({ ...v1, paymentPayload: { ...v1.paymentPayload, network: 'base' } } as PaymentBody)).toBe('network_mismatch');
  });

  it('checks in the documented order: the first failing rule wins', () => {
    const expired = { ...session, expiresAt: NOW - 1 };
    // Expired and over the cap and over the per-call limit: expiry is reported first.
    expect(reason(body({ amount: '2000000' }), ctx({}, expired))).toBe('session_expired');
    // Wrong recipient and expired: the binding is reported first.
    expect(reason(body({ payTo: USER }), ctx({}, expired))).toBe('recipient_mismatch');
    // Over the per-call limit and over the cap: per-call first.
    expect(reason(body({ amount: '1000001' }))).toBe('per_call_limit_exceeded');
  });

  it('names the payer once the session is known', () => {
    const r = checkPayment(body({ amount: '100001' }), ctx());
    expect(r).toMatchObject({ ok: false, reason: 'cap_exceeded', payer: USER });
    expect(checkPayment(body({}, { sessionId: 'nope' }), ctx())).not.toHaveProperty('payer', USER);
  });
});
