import { describe, expect, it } from 'vitest';
import { FacilitatorError } from '../../lib/facilitator/client';
import type { PageCaller } from '../../lib/background/sender';
import { sessionRecord } from '../support/db';
import { testService } from '../support/service';
import { header, paymentRequiredObject, sessionAccept, SPENDER } from '../support/x402';

const A: PageCaller = { kind: 'page', origin: 'http://dapp.test', tabId: 1, frameId: 0 };
const pay = (over: Record<string, unknown> = {}) => ({ url: 'http://api.test/x', method: 'GET', paymentRequired: header(paymentRequiredObject()), body: null, hadPayment: false, ...over });

describe('WalletService payment decisions', () => {
  it('a pay re-sent with the same attempt id gets the same reservation, never a second one', async () => {
    const { service, db } = testService();
    await db.sessions.add(sessionRecord({ origin: A.origin }));
    const first = await service.pay(A, pay({ attemptId: 'ab'.repeat(8) }));
    const again = await service.pay(A, pay({ attemptId: 'ab'.repeat(8) }));
    expect(first.pay && again.pay && again.ticket === first.ticket).toBe(true);
    if (!first.pay || !again.pay) return;
    expect(again.header).toEqual(first.header);
    expect(await db.payments.count()).toBe(1);
    expect((await db.sessions.toArray())[0]!.reserved).toBe('100000');
    // Once settled, the same attempt is never paid again.
    await service.report(A, { ticket: first.ticket, status: 200, paymentResponse: null, paymentRequired: null });
    expect(await service.pay(A, pay({ attemptId: 'ab'.repeat(8) }))).toMatchObject({ pay: false, reason: 'already_paid' });
  });

  it('cancel frees the reservation of an attempt the page gave up on', async () => {
    const { service, db } = testService();
    await db.sessions.add(sessionRecord({ origin: A.origin }));
    await service.pay(A, pay({ attemptId: 'cd'.repeat(8) }));
    expect(await service.cancel({ ...A, origin: 'http://other.test' }, { attemptId: 'cd'.repeat(8) })).toBe(false);
    expect(await service.cancel(A, { attemptId: 'cd'.repeat(8) })).toBe(true);
    expect((await db.sessions.toArray())[0]).toMatchObject({ reserved: '0', spent: '0' });
    expect((await db.payments.toArray())[0]).toMatchObject({ status: 'released', reason: 'not_sent' });
  });

  it('records every declined and refused payment with its reason', async () => {
    const { service, db } = testService();
    await db.sessions.add(sessionRecord({ origin: A.origin }));
    await service.pay(A, pay({ paymentRequired: 'garbage!' }));
    await service.pay(A, pay({ paymentRequired: header(paymentRequiredObject([sessionAccept({ payTo: '0x' + '99'.repeat(20) })])) }));
    const ok = await service.pay(A, pay());
    if (!ok.pay) throw new Error('expected to pay');
    await service.report(A, { ticket: ok.ticket, status: 402, paymentResponse: null, paymentRequired: header({ ...paymentRequiredObject(), error: 'per_call_limit_exceeded' }) });
    const events = await db.events.orderBy('id').toArray();
    expect(events.map((e) => [e.kind, e.reason])).toEqual([
      ['payment_declined', 'invalid_base64'],
      ['payment_declined', 'recipient_mismatch'],
      ['payment_refused', 'per_call_limit_exceeded'],
    ]);
    expect(events[1]).toMatchObject({ origin: A.origin, url: 'http://api.test/x', method: 'GET' });
  });

  it('keeps the audit log bounded', async () => {
    const { service, db } = testService();
    await db.events.bulkAdd(Array.from({ length: 30 }, (_, i) => ({ at: i, origin: A.origin, kind: 'payment_declined' as const, reason: `r${i}` })));
    await service.pruneEvents(10);
    const left = await db.events.orderBy('id').toArray();
    expect(left).toHaveLength(10);
    expect(left[0]!.reason).toBe('r20');
  });
});

describe('pre-emptive routes across a worker restart', () => {
  it('a route learnt before a restart is still paid on the first send after it', async () => {
    let stored: unknown[] = [];
    const routeStore = { load: async () => stored as never, save: (r: unknown[]) => void (stored = r) };
    const first = testService({ routeStore });
    await first.db.sessions.add(sessionRecord({ origin: A.origin }));
    const paid = await first.service.pay(A, pay({ url: 'http://api.test/x?q=1', attemptId: '1'.repeat(16) }));
    if (!paid.pay) throw new Error('expected to pay');
    const reported = await first.service.report(A, { ticket: paid.ticket, status: 200, paymentResponse: null, paymentRequired: null });
    expect(reported).toMatchObject({ outcome: 'settled', route: 'GET http://api.test/x' });
    expect(stored).toHaveLength(1);
    expect(JSON.stringify(stored)).not.toContain((await first.db.sessions.toArray())[0]!.secretId);

    // A new worker: same database, routes only from the store.
    const { WalletService } = await import('../../lib/background/service');
    const restarted = new WalletService({ db: first.db, tokenInfo: async () => ({ symbol: 'USDC', decimals: 6, verified: false }), approvals: { request: async () => Promise.reject(new Error('no')) }, signer: { approve: async () => Promise.reject(new Error('no')) }, routeStore });
    const pre = await restarted.prepay(A, { url: 'http://api.test/x?q=2', method: 'GET', attemptId: '2'.repeat(16) });
    expect(pre).toMatchObject({ pay: true, header: { name: 'PAYMENT-SIGNATURE' } });
    // Turned off, or another origin: no pre-emptive payment.
    const off = new WalletService({ db: first.db, tokenInfo: async () => ({ symbol: 'USDC', decimals: 6, verified: false }), approvals: { request: async () => Promise.reject(new Error('no')) }, signer: { approve: async () => Promise.reject(new Error('no')) }, routeStore, preemptive: async () => false });
    expect(await off.prepay(A, { url: 'http://api.test/x', method: 'GET', attemptId: '3'.repeat(16) })).toMatchObject({ pay: false, reason: 'no_route' });
    expect(await restarted.prepay({ ...A, origin: 'http://evil.test' }, { url: 'http://api.test/x', method: 'GET', attemptId: '4'.repeat(16) })).toMatchObject({ pay: false, reason: 'no_route' });
  });
});

describe('opening a session when the facilitator fails after the approve', () => {
  function facilitatorStub(behaviour: { open: () => Promise<unknown> }) {
    return () =>
      ({
        baseUrl: 'http://127.0.0.1:9',
        supported: async () => ({ kinds: [{ x402Version: 2, scheme: 'session', network: 'eip155:31337' }] }),
        discoverSpender: async () => ({ spender: SPENDER, extra: {} }),
        openSession: behaviour.open,
      }) as never;
  }
  const params = { network: 'eip155:31337', asset: '0x5FbDB2315678afecb367f032d93F642f64180aa3', cap: '1.00', expiresIn: 3600, recipient: '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC', facilitatorUrl: 'http://127.0.0.1:9' };
  const approvals = { request: async (p: { cap: string; expiresIn: number }) => ({ cap: p.cap, expiresIn: p.expiresIn }) };
  const signer = { approve: async () => ({ user: '0x90F79bf6EB2c4f870365E785982E1f101E93b906', txHash: '0x' + '12'.repeat(32) }) };

  it('keeps the approval as a pending session and registers it once the facilitator is back', async () => {
    let down = true;
    let attempts = 0;
    const { service, db } = testService({
      approvals: approvals as never,
      signer,
      registrationRetryDelaysMs: [1, 1],
      facilitator: facilitatorStub({
        open: async () => {
          attempts++;
          if (down) throw new FacilitatorError('unreachable', 'Could not reach the facilitator at 127.0.0.1:9.');
          return { sessionId: 'fac-session-1234', spent: '0' };
        },
      }),
    });
    await expect(service.requestSession(A, params)).rejects.toMatchObject({ code: -32603, reason: 'facilitator_unreachable' });
    expect(attempts).toBe(3);
    const [pending] = await db.sessions.toArray();
    expect(pending).toMatchObject({ status: 'pending', secretId: '', approvalTx: '0x' + '12'.repeat(32), registration: { body: { approvalTxHash: '0x' + '12'.repeat(32), cap: '1000000' } } });
    // Not payable while pending.
    expect(await service.pay(A, pay())).toMatchObject({ pay: false, reason: 'session_inactive' });
    down = false;
    await service.retryPendingRegistrations();
    const active = await db.sessions.get(pending!.id);
    expect(active).toMatchObject({ status: 'active', secretId: 'fac-session-1234' });
    expect(active!.registration).toBeUndefined();
    expect((await service.pay(A, pay())).pay).toBe(true);
  });

  it('the approval can only lower cap and expiry: a raised decision is refused before the wallet is asked', async () => {
    let walletAsked = 0;
    for (const decision of [{ cap: '1000001', expiresIn: 3600 }, { cap: '1000000', expiresIn: 3601 }, { cap: '0', expiresIn: 3600 }, { cap: '500000', expiresIn: 30 }]) {
      const { service, db } = testService({
        approvals: { request: async () => decision },
        signer: { approve: async () => { walletAsked++; return signer.approve(); } },
        facilitator: facilitatorStub({ open: async () => ({ sessionId: 'never-reached' }) }),
      });
      await expect(service.requestSession(A, params)).rejects.toMatchObject({ reason: 'invalid_decision' });
      expect(await db.sessions.count()).toBe(0);
    }
    expect(walletAsked).toBe(0);
  });

  it('a facilitator that refuses the approval fails the request without a pending session', async () => {
    const { service, db } = testService({
      approvals: approvals as never,
      signer,
      registrationRetryDelaysMs: [1, 1],
      facilitator: facilitatorStub({ open: async () => Promise.reject(new FacilitatorError('rejected', 'The facilitator refused the session: allowance too small', 400)) }),
    });
    await expect(service.requestSession(A, params)).rejects.toMatchObject({ reason: 'facilitator_rejected' });
    expect(await db.sessions.count()).toBe(0);
    expect((await db.events.toArray())[0]).toMatchObject({ kind: 'session_failed', reason: 'facilitator_rejected' });
  });
});
