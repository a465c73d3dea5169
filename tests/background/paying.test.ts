import { describe, expect, it } from 'vitest';
import { WalletService } from '../../lib/background/service';
import type { PageCaller } from '../../lib/background/sender';
import { secretOf, sessionRecord } from '../support/db';
import { testService } from '../support/service';
import { header, paymentRequiredObject, sessionAccept } from '../support/x402';

const A: PageCaller = { kind: 'page', origin: 'http://dapp.test', tabId: 1, frameId: 0 };
let attempts = 0;
const nextAttempt = () => (++attempts).toString(16).padStart(16, '0');
const pay = (over: Record<string, unknown> = {}) => ({ url: 'http://api.test/x', method: 'GET', paymentRequired: header(paymentRequiredObject()), body: null, hadPayment: false, attemptId: nextAttempt(), ...over });
const receipt = header({ success: true, transaction: '0x' + 'ab'.repeat(32), network: 'eip155:31337' });
const settled = (attemptId: string) => ({ attemptId, sent: true, status: 200, paymentResponse: receipt, paymentRequired: null });

describe('paying: decisions, reservations and reports', () => {
  it('a pay re-sent with the same attempt id gets the same reservation, never a second one', async () => {
    const { service, db } = testService();
    await db.sessions.add(sessionRecord({ origin: A.origin }));
    const first = await service.paying.pay(A, pay({ attemptId: 'ab'.repeat(8) }));
    const again = await service.paying.pay(A, pay({ attemptId: 'ab'.repeat(8) }));
    expect(first.pay && again.pay && again.attemptId === first.attemptId).toBe(true);
    if (!first.pay || !again.pay) return;
    expect(again.header).toEqual(first.header);
    expect(await db.payments.count()).toBe(1);
    expect((await db.sessions.toArray())[0]!.reserved).toBe('100000');
    // Once settled, the same attempt is never paid again.
    await service.paying.report(A, settled(first.attemptId));
    expect(await service.paying.pay(A, pay({ attemptId: 'ab'.repeat(8) }))).toMatchObject({ pay: false, reason: 'already_paid' });
  });

  it('names the grant secrets the page must redact, and they are what the header carries', async () => {
    const { service, db } = testService();
    const s = sessionRecord({ origin: A.origin });
    await db.sessions.add(s);
    const paid = await service.paying.pay(A, pay());
    if (!paid.pay) throw new Error('expected to pay');
    expect(paid.redact).toEqual([secretOf(s)]);
    expect(JSON.parse(Buffer.from(paid.header.value, 'base64').toString()).payload).toEqual({ sessionId: secretOf(s) });
  });

  it('a report that it was never sent frees the reservation; another origin cannot touch it', async () => {
    const { service, db } = testService();
    await db.sessions.add(sessionRecord({ origin: A.origin }));
    await service.paying.pay(A, pay({ attemptId: 'cd'.repeat(8) }));
    const notSent = { attemptId: 'cd'.repeat(8), sent: false, status: 0, paymentResponse: null, paymentRequired: null };
    await expect(service.paying.report({ ...A, origin: 'http://other.test' }, notSent)).rejects.toMatchObject({ code: 4100 });
    expect(await service.paying.report(A, notSent)).toMatchObject({ outcome: 'failed', reason: 'not_sent' });
    expect((await db.sessions.toArray())[0]).toMatchObject({ reserved: '0', spent: '0' });
    expect((await db.payments.toArray())[0]).toMatchObject({ status: 'released', reason: 'not_sent' });
  });

  it('records every declined and refused payment with its reason', async () => {
    const { service, db } = testService();
    await db.sessions.add(sessionRecord({ origin: A.origin }));
    await service.paying.pay(A, pay({ paymentRequired: 'garbage!' }));
    await service.paying.pay(A, pay({ paymentRequired: header(paymentRequiredObject([sessionAccept({ payTo: '0x' + '99'.repeat(20) })])) }));
    const ok = await service.paying.pay(A, pay());
    if (!ok.pay) throw new Error('expected to pay');
    await service.paying.report(A, { attemptId: ok.attemptId, sent: true, status: 402, paymentResponse: null, paymentRequired: header({ ...paymentRequiredObject(), error: 'per_call_limit_exceeded' }) });
    // A v1 server says why in the 402 body's `error`, with no PAYMENT-REQUIRED header.
    const v1 = await service.paying.pay(A, pay());
    if (!v1.pay) throw new Error('expected to pay');
    const { amount, ...rest } = sessionAccept();
    const v1Body = JSON.stringify({ x402Version: 1, error: 'invalid_exact_evm_transaction_simulation_failed', accepts: [{ ...rest, maxAmountRequired: amount, resource: 'http://api.test/x', description: '', mimeType: 'application/json' }] });
    await service.paying.report(A, { attemptId: v1.attemptId, sent: true, status: 402, paymentResponse: null, paymentRequired: null, body: v1Body });
    const events = await db.events.orderBy('id').toArray();
    expect(events.map((e) => [e.kind, e.reason])).toEqual([
      ['payment_declined', 'invalid_base64'],
      ['payment_declined', 'recipient_mismatch'],
      ['payment_refused', 'per_call_limit_exceeded'],
      ['payment_refused', 'invalid_exact_evm_transaction_simulation_failed'],
    ]);
    expect(events[1]).toMatchObject({ origin: A.origin, url: 'http://api.test/x', method: 'GET' });
  });
});

describe('pre-emptive routes', () => {
  it('a route learnt before a restart is still paid on the first send after it', async () => {
    let stored: unknown[] = [];
    const routeStore = { load: async () => stored as never, save: (r: unknown[]) => void (stored = r) };
    const first = testService({ routeStore });
    await first.db.sessions.add(sessionRecord({ origin: A.origin }));
    const paid = await first.service.paying.pay(A, pay({ url: 'http://api.test/x?q=1', attemptId: '1'.repeat(16) }));
    if (!paid.pay) throw new Error('expected to pay');
    const reported = await first.service.paying.report(A, settled(paid.attemptId));
    expect(reported).toMatchObject({ outcome: 'settled', route: 'GET http://api.test/x' });
    expect(stored).toHaveLength(1);
    expect(JSON.stringify(stored)).not.toContain(secretOf((await first.db.sessions.toArray())[0]!));

    // A new worker: same database, routes only from the store.
    const deps = { db: first.db, tokenInfo: async () => ({ symbol: 'USDC', decimals: 6, verified: false }), approvals: { request: async () => Promise.reject(new Error('no')) }, signer: { sign: async () => Promise.reject(new Error('no')) }, routeStore };
    const restarted = new WalletService(deps);
    const pre = await restarted.paying.prepay(A, { url: 'http://api.test/x?q=2', method: 'GET', attemptId: '2'.repeat(16) });
    expect(pre).toMatchObject({ pay: true, header: { name: 'PAYMENT-SIGNATURE' } });
    // Turned off, or another origin: no pre-emptive payment.
    const off = new WalletService({ ...deps, preemptive: async () => false });
    expect(await off.paying.prepay(A, { url: 'http://api.test/x', method: 'GET', attemptId: '3'.repeat(16) })).toMatchObject({ pay: false, reason: 'no_route' });
    expect(await restarted.paying.prepay({ ...A, origin: 'http://evil.test' }, { url: 'http://api.test/x', method: 'GET', attemptId: '4'.repeat(16) })).toMatchObject({ pay: false, reason: 'no_route' });
  });

  it('a PATCH route is learnt and pre-paid like any other (one route key for page and background)', async () => {
    const { service, db } = testService();
    await db.sessions.add(sessionRecord({ origin: A.origin }));
    // What a page's Request.method is for `fetch(url, { method: 'patch' })`: not upper-cased.
    const paid = await service.paying.pay(A, pay({ method: 'patch' }));
    if (!paid.pay) throw new Error('expected to pay');
    const reported = await service.paying.report(A, settled(paid.attemptId));
    expect(reported).toMatchObject({ outcome: 'settled', route: 'PATCH http://api.test/x' });
    const { routeKey } = await import('../../lib/messaging/route-key');
    expect(routeKey('http://api.test/x?y=1#z', 'patch')).toBe('PATCH http://api.test/x');
    expect(await service.paying.prepay(A, { url: 'http://api.test/x', method: 'patch', attemptId: '5'.repeat(16) })).toMatchObject({ pay: true });
  });
});
