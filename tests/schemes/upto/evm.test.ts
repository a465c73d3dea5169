/** The `upto` plug-in's pure parts: reading a paid call's answer, what ends a session, what is secret, what it refuses. */
import { describe, expect, it } from 'vitest';
import { uptoOnEvm } from '../../../lib/schemes/upto/evm';
import type { SessionRecord } from '../../../lib/sessions/types';
import { parsePaymentRequired } from '../../../lib/x402/codec';
import { header, paymentRequiredObject } from '../../support/x402';

const SESSION_ID = 'ab'.repeat(32);
const SIGNATURE = `0x${'11'.repeat(65)}`;
const grant = {
  payload: { authorization: { from: '0x90F79bf6EB2c4f870365E785982E1f101E93b906', to: '0x9586A4833970847aef259aD5BFB7aa8901DDf746', value: '100000', validBefore: '1750000300', nonce: '0' }, signature: SIGNATURE },
  sessionId: SESSION_ID,
  domain: { name: 'USDC', version: '2' },
};
const session = { scheme: 'upto', family: 'evm', grant, facilitatorUrl: 'https://f.example' } as unknown as SessionRecord;
const answer = (over: Partial<Parameters<NonNullable<typeof uptoOnEvm.classify>>[1]>) => ({ status: 200, paymentResponse: null, paymentRequired: null, body: null, uptoSessionId: null, ...over });
const signal = (error: string, sessionId = SESSION_ID) => JSON.stringify({ error, message: 'server text', sessionId });

describe('upto: reading a paid answer (docs/protocol.md §6.5)', () => {
  it('a 2xx naming this permit\'s session is settled; another session id, or none, is left to the standard rule', () => {
    expect(uptoOnEvm.classify!(session, answer({ uptoSessionId: SESSION_ID }))).toEqual({ outcome: 'settled' });
    expect(uptoOnEvm.classify!(session, answer({ uptoSessionId: 'cd'.repeat(32) }))).toBeUndefined();
    expect(uptoOnEvm.classify!(session, answer({}))).toBeUndefined();
  });

  it('limit signals: JSON bodies without PAYMENT-REQUIRED, at their own status, about this session', () => {
    expect(uptoOnEvm.classify!(session, answer({ status: 402, body: signal('cap_exhausted') }))).toEqual({ outcome: 'refused', reason: 'cap_exhausted' });
    expect(uptoOnEvm.classify!(session, answer({ status: 402, body: signal('session_closed') }))).toEqual({ outcome: 'refused', reason: 'session_closed' });
    expect(uptoOnEvm.classify!(session, answer({ status: 400, body: signal('invalid_payload') }))).toEqual({ outcome: 'refused', reason: 'invalid_payload' });
    expect(uptoOnEvm.classify!(session, answer({ status: 409, body: signal('settling_in_progress') }))).toMatchObject({ outcome: 'retry', reason: 'settling_in_progress', afterMs: expect.any(Number) });
    // Not a signal: the wrong status, another session, a PAYMENT-REQUIRED beside it, not JSON, a prototype trick.
    expect(uptoOnEvm.classify!(session, answer({ status: 409, body: signal('cap_exhausted') }))).toBeUndefined();
    expect(uptoOnEvm.classify!(session, answer({ status: 402, body: signal('cap_exhausted', 'ef'.repeat(32)) }))).toBeUndefined();
    expect(uptoOnEvm.classify!(session, answer({ status: 402, body: signal('cap_exhausted'), paymentRequired: 'eyJ9' }))).toBeUndefined();
    expect(uptoOnEvm.classify!(session, answer({ status: 402, body: 'cap_exhausted' }))).toBeUndefined();
    expect(uptoOnEvm.classify!(session, answer({ status: 402, body: '{"__proto__":{"error":"cap_exhausted"}}' }))).toBeUndefined();
  });

  it('what ends the session, and what is secret', () => {
    expect(['cap_exhausted', 'session_closed', 'invalid_payload', 'authorization_expired', 'invalid_permit_signature', 'http_500'].map((r) => uptoOnEvm.statusFor(r))).toEqual(['exhausted', 'expired', 'failed', 'expired', 'failed', undefined]);
    expect(uptoOnEvm.secrets(grant)).toEqual([SIGNATURE]);
    expect(uptoOnEvm.secrets({ sessionId: 'x' })).toEqual([]);
    expect(uptoOnEvm.classify!({ ...session, grant: { damaged: true } } as unknown as SessionRecord, answer({ uptoSessionId: SESSION_ID }))).toBeUndefined();
  });

  it('accepts only daydreams upto; refuses Coinbase upto with its reason; a 402 without a facilitator cannot open one', () => {
    const option = (extra: Record<string, unknown>) => {
      const parsed = parsePaymentRequired({ paymentRequired: header(paymentRequiredObject([{ scheme: 'upto', network: 'eip155:31337', amount: '10000', asset: '0x5FbDB2315678afecb367f032d93F642f64180aa3', payTo: '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC', maxTimeoutSeconds: 300, extra }])) });
      if (!parsed.ok) throw new Error(parsed.error);
      return parsed.value.accepts[0]!;
    };
    const daydreams = option({ name: 'USDC', version: '2', maxAmountRequired: '100000', facilitatorUrl: 'https://f.example' });
    expect(uptoOnEvm.accepts(daydreams)).toBe(true);
    expect(uptoOnEvm.facilitatorOf(daydreams)).toBe('https://f.example');
    expect(uptoOnEvm.binds(session, daydreams)).toBeNull();
    expect(uptoOnEvm.binds(session, option({ name: 'USDC', version: '2', facilitatorUrl: 'https://other.example' }))).toBe('facilitator_mismatch');
    expect(uptoOnEvm.binds(session, option({ name: 'USDC', version: '2' }))).toBe('facilitator_mismatch');
    expect(uptoOnEvm.facilitatorOf(option({ name: 'USDC', version: '2' }))).toBeNull();
    const coinbase = option({ name: 'USDC', version: '2', assetTransferMethod: 'permit2', facilitatorAddress: '0x9586A4833970847aef259aD5BFB7aa8901DDf746' });
    expect(uptoOnEvm.accepts(coinbase)).toBe(false);
    expect(uptoOnEvm.refusal!(coinbase)).toBe('coinbase_upto');
    expect(uptoOnEvm.refusal!(option({ maxAmountRequired: '100000' }))).toBe('missing_eip712_domain');
  });
});
