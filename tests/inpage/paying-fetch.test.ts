import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { secretOf, sessionRecord } from '../support/db';
import { startPaidServer, startRawPaidServer } from '../support/paid-server';
import { testPage } from '../support/page';
import { testService } from '../support/service';

describe('the paying fetch wrapper (page → relay → router → ledger)', () => {
  let secret: string | null = null;
  let refuse: string | null = null;
  let amount = '100000';
  let server: Awaited<ReturnType<typeof startPaidServer>>;
  beforeAll(async () => {
    server = await startPaidServer({ acceptSecret: () => secret, refuseReason: () => refuse, amount: () => amount });
  });
  afterAll(() => server.close());
  beforeEach(() => {
    server.seen.length = 0;
    refuse = null;
    amount = '100000';
  });

  async function setup(sessionOver = {}) {
    const t = testService();
    const s = sessionRecord({ origin: 'http://dapp.test', ...sessionOver });
    secret = secretOf(s);
    await t.db.sessions.add(s);
    const page = testPage(t.router, 'http://dapp.test');
    return { ...t, s, page };
  }

  it('pays a 402 with one retry, replaying the POST body, and commits the reservation', async () => {
    const { page, db, s } = await setup();
    const body = JSON.stringify({ message: 'hello ☕', n: [1, 2, 3] });
    const res = await page.fetch(`${server.base}/paid`, { method: 'POST', body, headers: { 'content-type': 'application/json', 'x-app': 'demo' } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ paid: true, echo: body });
    expect(server.seen.map((r) => r.path)).toEqual(['/paid', '/paid']);
    expect(server.seen[1]!.body).toBe(body);
    expect(server.seen[0]!.paymentSignature).toBeUndefined();
    const sent = JSON.parse(Buffer.from(server.seen[1]!.paymentSignature!, 'base64').toString());
    expect(sent.payload).toEqual({ sessionId: secretOf(s) });
    const [payment] = await page.waitForEvent('payment');
    expect(payment!.data).toMatchObject({ amount: '100000', transaction: '0xfeed', session: { spent: '100000' } });
    expect(await db.sessions.get(s.id)).toMatchObject({ spent: '100000', reserved: '0' });
  });

  it('never pays a request that already carried a payment header, and sends the background nothing', async () => {
    const { page, db } = await setup();
    const res = await page.fetch(`${server.base}/paid`, { headers: { 'PAYMENT-SIGNATURE': 'e30=' } });
    expect(res.status).toBe(402);
    expect(server.seen).toHaveLength(1);
    expect(page.sentToBackground.filter((m: any) => m.method !== 'getSessions')).toHaveLength(0);
    expect(await db.payments.count()).toBe(0);
  });

  it('leaves non-402 and non-x402 402 responses untouched without a message to the background', async () => {
    const { page } = await setup();
    expect(await (await page.fetch(`${server.base}/free`)).text()).toBe('free');
    const r = await page.fetch(`${server.base}/plain402`);
    expect(r.status).toBe(402);
    expect(await r.text()).toBe('pay me somehow');
    expect(page.sentToBackground.filter((m: any) => m.method !== 'getSessions')).toHaveLength(0);
  });

  it('returns the original 402 when the server refuses the paid retry, releases, and says why', async () => {
    const { page, db, s } = await setup();
    refuse = 'cap_exceeded';
    const res = await page.fetch(`${server.base}/paid`);
    expect(res.status).toBe(402);
    expect(await res.json()).toEqual({ original: true });
    expect(server.seen).toHaveLength(2); // retried exactly once
    const [failed] = await page.waitForEvent('paymentFailed');
    expect(failed!.data).toMatchObject({ reason: 'cap_exceeded' });
    await expect.poll(async () => (await db.payments.toArray())[0]?.status).toBe('released');
    expect(await db.sessions.get(s.id)).toMatchObject({ spent: '0', reserved: '0' });
  });

  it('returns the original 402 untouched for malformed requirements, reserving nothing', async () => {
    const { page, db } = await setup();
    const res = await page.fetch(`${server.base}/bad402`);
    expect(res.status).toBe(402);
    expect(await res.text()).toBe('{}');
    expect(server.seen).toHaveLength(1);
    const [failed] = await page.waitForEvent('paymentFailed');
    expect(failed!.data).toMatchObject({ reason: 'invalid_base64' });
    expect(await db.payments.count()).toBe(0);
  });

  it('pays a v1 402 body with X-PAYMENT', async () => {
    const { page, s } = await setup();
    const res = await page.fetch(`${server.base}/v1`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('v1 paid');
    const sent = JSON.parse(Buffer.from(server.seen[1]!.xPayment!, 'base64').toString());
    expect(sent).toEqual({ x402Version: 1, scheme: 'session', network: 'eip155:31337', payload: { sessionId: secretOf(s) } });
    await page.waitForEvent('payment');
  });

  it('says no_session and returns the original 402 when this origin has no session', async () => {
    const { page, db } = await setup({ origin: 'http://other.test' });
    const res = await page.fetch(`${server.base}/paid`);
    expect(res.status).toBe(402);
    const [failed] = await page.waitForEvent('paymentFailed');
    expect(failed!.data).toMatchObject({ reason: 'no_session' });
    expect(await db.payments.count()).toBe(0);
  });

  it('pays concurrent calls exactly up to the cap, the rest get the original 402', async () => {
    const { page, db, s } = await setup({ cap: '500000' });
    const results = await Promise.all(Array.from({ length: 12 }, () => page.fetch(`${server.base}/paid`, { method: 'POST', body: 'x' })));
    expect(results.filter((r) => r.status === 200)).toHaveLength(5);
    expect(results.filter((r) => r.status === 402)).toHaveLength(7);
    await expect.poll(async () => (await db.sessions.get(s.id))?.spent).toBe('500000');
    expect(server.seen.filter((r) => r.paymentSignature)).toHaveLength(5);
  });

  it('re-sends a report lost to a stopped worker, so the payment is committed, not left reserved', async () => {
    const { page, db, s } = await setup();
    page.dropNext.report = 2;
    expect((await page.fetch(`${server.base}/paid`)).status).toBe(200);
    await page.waitForEvent('payment');
    expect(await db.sessions.get(s.id)).toMatchObject({ spent: '100000', reserved: '0' });
    expect(page.sentToBackground.filter((m: any) => m.method === 'report')).toHaveLength(3);
  });

  it('redacts the bearer id a facilitator echoes in PAYMENT-RESPONSE, keeping the rest of the response', async () => {
    const { page, s } = await setup();
    const res = await page.fetch(`${server.base}/paid`, { method: 'POST', body: 'b' });
    const pr = res.headers.get('payment-response')!;
    const decoded = JSON.parse(Buffer.from(pr, 'base64').toString());
    expect(decoded).toMatchObject({ success: true, transaction: '0xfeed', extensions: { session: { id: '[redacted]', spent: '100000' } } });
    expect(pr).not.toContain(secretOf(s));
    expect(res.url).toBe(`${server.base}/paid`);
    expect(res.headers.get('x-echo')).toBe('kept');
    expect(await res.json()).toEqual({ paid: true, echo: 'b' });
    // The background still got the real settle response.
    const [payment] = await page.waitForEvent('payment');
    expect(payment!.data.transaction).toBe('0xfeed');
  });

  it('pre-emptive: a route paid once is paid on the first send next time (one request, not two)', async () => {
    const { page, db, s } = await setup();
    expect((await page.fetch(`${server.base}/paid?q=1`, { method: 'POST', body: 'a' })).status).toBe(200);
    await page.waitForEvent('payment');
    server.seen.length = 0;
    const res = await page.fetch(`${server.base}/paid?q=2`, { method: 'POST', body: 'b' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ paid: true, echo: 'b' });
    expect(server.seen).toHaveLength(1);
    expect(server.seen[0]!.paymentSignature).toBeDefined();
    await page.waitForEvent('payment', 2);
    expect(await db.sessions.get(s.id)).toMatchObject({ spent: '200000', reserved: '0' });
    // Another method or path is another route: the normal 402 dance.
    server.seen.length = 0;
    expect((await page.fetch(`${server.base}/paid`)).status).toBe(200);
    expect(server.seen).toHaveLength(2);
  });

  it('pre-emptive: a PATCH route (a method fetch does not upper-case) is paid on its first send too', async () => {
    const raw = await startRawPaidServer({ acceptSecret: () => secret });
    try {
      const { page, db, s } = await setup();
      expect((await page.fetch(`${raw.base}/raw`, { method: 'patch', body: 'a' })).status).toBe(200);
      await page.waitForEvent('payment');
      raw.seen.length = 0;
      expect((await page.fetch(`${raw.base}/raw`, { method: 'patch', body: 'b' })).status).toBe(200);
      expect(raw.seen).toHaveLength(1);
      expect(raw.seen[0]).toMatchObject({ method: 'patch', paymentSignature: expect.any(String) });
      await page.waitForEvent('payment', 2);
      expect(await db.sessions.get(s.id)).toMatchObject({ spent: '200000', reserved: '0' });
    } finally {
      await raw.close();
    }
  });

  it('pre-emptive: when the server still answers 402 (price changed) it falls back to the normal path, paying once', async () => {
    const { page, db, s } = await setup();
    await page.fetch(`${server.base}/paid`);
    await page.waitForEvent('payment');
    amount = '150000';
    server.seen.length = 0;
    const res = await page.fetch(`${server.base}/paid`);
    expect(res.status).toBe(200);
    expect(server.seen.map((r) => !!r.paymentSignature)).toEqual([true, true]);
    const second = JSON.parse(Buffer.from(server.seen[1]!.paymentSignature!, 'base64').toString());
    expect(second.accepted.amount).toBe('150000');
    await page.waitForEvent('payment', 2);
    await expect.poll(async () => (await db.sessions.get(s.id))?.spent).toBe('250000');
    expect((await db.payments.toArray()).map((p) => p.status).sort()).toEqual(['released', 'settled', 'settled']);
    expect(page.events.filter((e) => e.event === 'paymentFailed')).toHaveLength(0);
  });

  it('pre-emptive payment can be turned off', async () => {
    const t = testService({ preemptive: async () => false });
    const s = sessionRecord({ origin: 'http://dapp.test' });
    secret = secretOf(s);
    await t.db.sessions.add(s);
    const page = testPage(t.router, 'http://dapp.test');
    await page.fetch(`${server.base}/paid`);
    await page.waitForEvent('payment');
    server.seen.length = 0;
    await page.fetch(`${server.base}/paid`);
    expect(server.seen.map((r) => !!r.paymentSignature)).toEqual([false, true]);
  });

  it('never exposes the bearer session id in results or events', async () => {
    const { page, s } = await setup();
    await page.fetch(`${server.base}/paid`);
    await page.waitForEvent('payment');
    const sessions = await page.api.getSessions();
    expect(sessions).toHaveLength(1);
    const visible = JSON.stringify({ sessions, events: page.events });
    expect(visible).not.toContain(secretOf(s));
  });
});
