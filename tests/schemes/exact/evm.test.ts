/** The `exact` plug-in's pure parts: what it refuses before any window, and why. */
import { describe, expect, it } from 'vitest';
import { exactOnEvm } from '../../../lib/schemes/exact/evm';
import { exactScheme } from '../../../lib/schemes/exact';
import { parsePaymentRequired } from '../../../lib/x402/codec';
import { header, paymentRequiredObject } from '../../support/x402';

const entry = (over: Record<string, unknown> = {}, extra: Record<string, unknown> = { name: 'USDC', version: '2' }) => ({
  scheme: 'exact',
  network: 'eip155:31337',
  amount: '10000',
  asset: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
  payTo: '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC',
  maxTimeoutSeconds: 60,
  extra,
  ...over,
});
const option = (e: Record<string, unknown>) => {
  const parsed = parsePaymentRequired({ paymentRequired: header(paymentRequiredObject([e])) });
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.value.accepts[0]!;
};

describe('exact: what it pays, and what it refuses with a reason', () => {
  it('EIP-3009 entries with a domain and a usable validity', () => {
    expect(exactOnEvm.accepts(option(entry()))).toBe(true);
    // No facilitator of its own, nothing to bind, no secret, a signature per call the person can turn off.
    expect(exactOnEvm.facilitatorOf(option(entry()))).toBe('');
    expect(exactOnEvm.secrets({ domain: { name: 'USDC', version: '2' } })).toEqual([]);
    expect(exactScheme.signsPerCall).toBe(true);
    expect(exactOnEvm.opensFromDapp).toBe(false);
  });

  it('Permit2, an unknown transfer method, no domain, a validity no facilitator accepts', () => {
    const cases: [Record<string, unknown>, string][] = [
      [entry({}, { name: 'USDC', version: '2', assetTransferMethod: 'permit2' }), 'permit2_unsupported'],
      [entry({}, { name: 'USDC', version: '2', assetTransferMethod: 'magic' }), 'unsupported_scheme'],
      [entry({}, { name: 'USDC' }), 'missing_eip712_domain'],
      [entry({ maxTimeoutSeconds: 6 }), 'authorization_expired'],
      [entry({ maxTimeoutSeconds: 0 }), 'invalid_schema'],
      [entry({ amount: '0' }), 'invalid_amount'],
    ];
    for (const [e, reason] of cases) {
      expect(exactOnEvm.accepts(option(e)), reason).toBe(false);
      expect(exactOnEvm.refusal!(option(e))).toBe(reason);
    }
  });
});
