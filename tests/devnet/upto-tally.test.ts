/**
 * The resource server's upto tally on its own (no chain): the cap rule, the state machine
 * around a settlement, and what a failed settlement leaves behind.
 */
import { describe, expect, it } from 'vitest';
import { UptoTally } from '../../devnet/upto/tally';
import { uptoSessionId } from '../../devnet/upto/wire';

const accepted = { network: 'eip155:31337', asset: '0x5FbDB2315678afecb367f032d93F642f64180aa3' };
const requirements = { scheme: 'upto', network: accepted.network, amount: '10', asset: accepted.asset, payTo: '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC' };
const payload = (cap: string, deadline = '9999999999') => ({
  x402Version: 2,
  accepted,
  payload: {
    authorization: { from: '0x90F79bf6EB2c4f870365E785982E1f101E93b906', to: '0x9586A4833970847aef259aD5BFB7aa8901DDf746', value: cap, validBefore: deadline, nonce: '0' },
    signature: `0x${'11'.repeat(65)}`,
  },
});
const opts = (closeAfter = false, nowMs = 1_000_000) => ({ closeAfter, nowMs, deadlineBufferSec: 60 });

describe('UptoTally', () => {
  it('counts calls while settled + pending + amount ≤ cap, keyed by the permit', () => {
    const tally = new UptoTally();
    const p = payload('25');
    const first = tally.track(p, requirements, 0);
    expect(first.ok && first.session.id).toBe(uptoSessionId(accepted, p.payload));
    expect(tally.track(p, requirements, 0).ok).toBe(true);
    expect(tally.track(p, requirements, 0)).toMatchObject({ ok: false, error: 'cap_exhausted' });
    expect(tally.track(payload('30'), requirements, 0).ok).toBe(true); // another permit, another session
  });

  it('settling refuses calls; a failed batch keeps the pending amount and reopens; a failed close still closes', () => {
    const tally = new UptoTally();
    const p = payload('100');
    const tracked = tally.track(p, requirements, 0);
    if (!tracked.ok) throw new Error('not tracked');
    const id = tracked.session.id;
    const work = tally.beginSettle(id, false);
    expect(work?.paymentRequirements).toMatchObject({ amount: '10', payTo: requirements.payTo });
    expect(tally.beginSettle(id, false)).toBeUndefined(); // one batch at a time
    expect(tally.track(p, requirements, 0)).toMatchObject({ ok: false, error: 'settling_in_progress' });
    tally.finishSettle(id, { amount: 10n, reason: 'batch', success: false, transaction: '', errorReason: 'insufficient_allowance' }, opts());
    expect(tally.get(id)).toMatchObject({ status: 'open', pending: 10n, settled: 0n });
    expect(tally.get(id)?.settlements).toEqual([{ reason: 'batch', amount: 10n, success: false, transaction: '', errorReason: 'insufficient_allowance', atMs: 1_000_000 }]);

    tally.beginSettle(id, true);
    tally.finishSettle(id, { amount: 10n, reason: 'close', success: false, transaction: '' }, opts(true));
    expect(tally.get(id)).toMatchObject({ status: 'closed', pending: 10n });
    expect(tally.track(p, requirements, 0)).toMatchObject({ ok: false, error: 'session_closed' });
  });

  it('a successful batch closes the session when the permit deadline is within the buffer', () => {
    const tally = new UptoTally();
    const tracked = tally.track(payload('100', '1030'), requirements, 0);
    if (!tracked.ok) throw new Error('not tracked');
    tally.beginSettle(tracked.session.id, false);
    tally.finishSettle(tracked.session.id, { amount: 10n, reason: 'batch', success: true, transaction: '0xabc' }, opts(false, 1_000_000));
    expect(tally.get(tracked.session.id)).toMatchObject({ status: 'closed', settled: 10n, pending: 0n });
  });

  it('closing with nothing pending just closes; an unreadable payload is invalid_payload', () => {
    const tally = new UptoTally();
    const tracked = tally.track(payload('100'), requirements, 0);
    if (!tracked.ok) throw new Error('not tracked');
    tally.beginSettle(tracked.session.id, false);
    tally.finishSettle(tracked.session.id, { amount: 10n, reason: 'batch', success: true, transaction: '0xabc' }, opts());
    expect(tally.beginSettle(tracked.session.id, true)).toBeUndefined();
    expect(tally.get(tracked.session.id)?.status).toBe('closed');
    expect(tally.track({ x402Version: 2, accepted, payload: { signature: '0x' } }, requirements, 0)).toMatchObject({ ok: false, error: 'invalid_payload' });
  });
});
