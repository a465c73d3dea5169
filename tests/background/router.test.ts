import { describe, expect, it } from 'vitest';
import { sessionRecord } from '../support/db';
import { header, paymentRequiredObject } from '../support/x402';
import { stubFacilitator } from '../support/facilitator';
import { testService } from '../support/service';
import type { PageCaller } from '../../lib/background/sender';
import { callerFromSender } from '../../lib/background/sender';

const A: PageCaller = { kind: 'page', origin: 'https://a.example', tabId: 1, frameId: 0 };
const B: PageCaller = { kind: 'page', origin: 'https://b.example', tabId: 1, frameId: 3 };
let attempt = 0;
const payParams = () => ({ url: 'https://api.example/x', method: 'GET', paymentRequired: header(paymentRequiredObject()), body: null, hadPayment: false, attemptId: (++attempt).toString(16).padStart(16, '0') });

describe('PageRouter origin isolation', () => {
  async function withSessionForA() {
    const t = testService();
    const s = sessionRecord({ origin: A.origin });
    await t.db.sessions.add(s);
    return { ...t, s };
  }

  it('origin B cannot pay with, list, or end origin A\'s session', async () => {
    const { router, db, s } = await withSessionForA();
    expect(await router.handle(B, { method: 'pay', params: payParams() })).toMatchObject({ result: { pay: false, reason: 'no_session' } });
    expect(await router.handle(B, { method: 'getSessions', params: {} })).toEqual({ result: [] });
    expect(await router.handle(B, { method: 'endSession', params: { id: s.id } })).toMatchObject({ error: { code: 4100 } });
    expect((await db.sessions.get(s.id))!.status).toBe('active');
    expect(await db.payments.count()).toBe(0);
    // A itself can.
    const paid = await router.handle(A, { method: 'pay', params: payParams() });
    expect(paid).toMatchObject({ result: { pay: true, header: { name: 'PAYMENT-SIGNATURE' } } });
    expect(await router.handle(A, { method: 'getSessions', params: {} })).toMatchObject({ result: [{ id: s.id }] });
  });

  it('ignores origin claims in the payload: extra fields are refused by the schema', async () => {
    const { router, db } = await withSessionForA();
    expect(await router.handle(B, { method: 'getSessions', params: { origin: A.origin } })).toMatchObject({ error: { code: -32602 } });
    expect(await router.handle(B, { method: 'pay', params: { ...payParams(), origin: A.origin } })).toMatchObject({ error: { code: -32602 } });
    expect(await router.handle(B, { method: 'pay', origin: A.origin, params: payParams() })).toMatchObject({ result: { pay: false, reason: 'no_session' } });
    expect(await db.payments.count()).toBe(0);
  });

  it('a report for another origin\'s attempt is unauthorized and changes nothing', async () => {
    const { router, db, s } = await withSessionForA();
    const paid = (await router.handle(A, { method: 'pay', params: payParams() })) as { result: { attemptId: string } };
    const forged = await router.handle(B, { method: 'report', params: { attemptId: paid.result.attemptId, sent: true, status: 200, paymentResponse: null, paymentRequired: null } });
    expect(forged).toMatchObject({ error: { code: 4100 } });
    expect(await db.sessions.get(s.id)).toMatchObject({ spent: '0', reserved: '100000' });
  });

  it('unknown methods get 4200; malformed envelopes get -32602', async () => {
    const { router } = testService();
    expect(await router.handle(A, { method: 'eth_sendTransaction', params: {} })).toMatchObject({ error: { code: 4200 } });
    expect(await router.handle(A, { method: '__proto__', params: {} })).toMatchObject({ error: { code: 4200 } });
    expect(await router.handle(A, 'pay')).toMatchObject({ error: { code: -32602 } });
    expect(await router.handle(A, { method: 'pay', params: { url: 1 } })).toMatchObject({ error: { code: -32602 } });
  });

  it('rate-limits a flood of 402s from one origin without touching another', async () => {
    const { router } = testService();
    const flood = await Promise.all(Array.from({ length: 1000 }, () => router.handle(B, { method: 'pay', params: payParams() })));
    const limited = flood.filter((r) => 'result' in r && (r.result as { reason?: string }).reason === 'rate_limited').length;
    expect(limited).toBeGreaterThan(700);
    expect(await router.handle(A, { method: 'pay', params: payParams() })).toMatchObject({ result: { reason: 'no_session' } });
  });

  it('one pending approval per origin: a second requestSession gets -32002', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const { router } = testService({
      facilitator: stubFacilitator().facilitator,
      approvals: { request: async () => { await gate; throw Object.assign(new (await import('../../lib/errors')).WalletError(4001, 'user_rejected', 'no')); } },
    });
    const params = { network: 'eip155:31337', asset: '0x5FbDB2315678afecb367f032d93F642f64180aa3', cap: '1.00', expiresIn: 3600, recipient: '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC', facilitatorUrl: 'https://f.example' };
    const first = router.handle(A, { method: 'requestSession', params });
    await new Promise((r) => setTimeout(r, 10));
    expect(await router.handle(A, { method: 'requestSession', params })).toMatchObject({ error: { code: -32002, reason: 'approval_pending' } });
    release();
    expect(await first).toMatchObject({ error: { code: 4001 } });
  });
});

describe('callerFromSender', () => {
  const ext = 'abcdefghijklmnop';
  const extOrigin = `chrome-extension://${ext}`;
  it('takes the frame origin from the browser, frame-aware', () => {
    expect(callerFromSender({ id: ext, url: 'https://b.example/frame', origin: 'https://b.example', tab: { id: 4, url: 'https://a.example/' }, frameId: 7 }, ext, extOrigin)).toEqual({ kind: 'page', origin: 'https://b.example', tabId: 4, frameId: 7 });
  });
  it('falls back to the frame URL when there is no sender.origin (Firefox)', () => {
    expect(callerFromSender({ id: ext, url: 'http://localhost:4022/x?y', tab: { id: 4 }, frameId: 0 }, ext, extOrigin)).toMatchObject({ origin: 'http://localhost:4022' });
  });
  it('refuses other extensions, opaque origins and non-web schemes', () => {
    expect(callerFromSender({ id: 'other', url: 'https://a.example', tab: { id: 1 } }, ext, extOrigin)).toBeNull();
    expect(callerFromSender({ id: ext, url: 'about:blank', origin: 'null', tab: { id: 1 } }, ext, extOrigin)).toBeNull();
    expect(callerFromSender({ id: ext, url: 'file:///etc/passwd', tab: { id: 1 } }, ext, extOrigin)).toBeNull();
    expect(callerFromSender({ id: ext, url: 'https://a.example' }, ext, extOrigin)).toBeNull();
  });
  it('recognises the extension\'s own pages', () => {
    expect(callerFromSender({ id: ext, url: `${extOrigin}/popup.html` }, ext, extOrigin)).toEqual({ kind: 'extension', url: `${extOrigin}/popup.html` });
  });
});
