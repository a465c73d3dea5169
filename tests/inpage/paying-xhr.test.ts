import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { PageRouter } from '../../lib/background/router';
import { secretOf, sessionRecord } from '../support/db';
import { startPaidServer } from '../support/paid-server';
import { testPage } from '../support/page';
import { testService } from '../support/service';
import { header, paymentRequiredObject, sessionAccept } from '../support/x402';

interface Sent {
  method?: string;
  url: string;
  body?: unknown;
  headers?: Record<string, string>;
  type?: XMLHttpRequestResponseType;
  timeout?: number;
  async?: boolean;
  credentials?: boolean;
}

/** What the page saw of one XHR: every event in order with readyState and status at that moment. */
type Trace = string[];

function run(page: ReturnType<typeof testPage>, o: Sent, during?: (x: XMLHttpRequest) => void) {
  const x = new page.XMLHttpRequest();
  const trace: Trace = [];
  const note = (e: string) => trace.push(`${e}@${x.readyState}/${x.status}`);
  return new Promise<{ x: XMLHttpRequest; trace: Trace }>((resolve) => {
    x.onreadystatechange = () => note('rs');
    for (const t of ['progress', 'load', 'error', 'abort', 'timeout']) x.addEventListener(t, () => note(t));
    x.onloadend = () => {
      note('loadend');
      resolve({ x, trace });
    };
    if (o.async === false) x.open(o.method ?? 'GET', o.url, false);
    else x.open(o.method ?? 'GET', o.url);
    if (o.type) x.responseType = o.type;
    if (o.timeout) x.timeout = o.timeout;
    if (o.credentials) x.withCredentials = true;
    for (const [k, v] of Object.entries(o.headers ?? {})) x.setRequestHeader(k, v);
    x.send((o.body ?? null) as XMLHttpRequestBodyInit | null);
    during?.(x);
  });
}

const PAID_TRACE = ['rs@2/200', 'rs@3/200', 'progress@3/200', 'rs@4/200', 'load@4/200', 'loadend@4/200'];

describe('the paying XMLHttpRequest wrapper (page → relay → router → ledger)', () => {
  let secret: string | null = null;
  let refuse: string | null = null;
  let server: Awaited<ReturnType<typeof startPaidServer>>;
  beforeAll(async () => {
    server = await startPaidServer({ acceptSecret: () => secret, refuseReason: () => refuse });
  });
  afterAll(() => server.close());
  beforeEach(() => {
    server.seen.length = 0;
    refuse = null;
  });

  /** A page whose `pay` calls can be held (to abort or time out while the wallet decides). */
  async function setup(sessionOver = {}) {
    const t = testService();
    const s = sessionRecord({ origin: 'http://dapp.test', apiOrigins: [server.base], ...sessionOver });
    secret = secretOf(s);
    await t.db.sessions.add(s);
    const held: (() => void)[] = [];
    let holdPay = false;
    const router: Pick<PageRouter, 'handle'> = {
      async handle(caller, msg) {
        if ((msg as { method?: string }).method === 'pay' && holdPay) await new Promise<void>((r) => held.push(r));
        return t.router.handle(caller, msg);
      },
    };
    const page = testPage(router, 'http://dapp.test');
    const gate = {
      hold: () => (holdPay = true),
      release: () => held.splice(0).forEach((r) => r()),
      waiting: () => held.length,
    };
    return { ...t, s, page, gate };
  }

  it('pays a 402: one retry with the same method, headers and body; the page sees only the paid response', async () => {
    const { page, db, s } = await setup();
    const body = JSON.stringify({ message: 'hello ☕' });
    const { x, trace } = await run(page, { method: 'POST', url: `${server.base}/paid`, body, headers: { 'Content-Type': 'application/json', 'X-App': 'demo' } });
    expect(x.status).toBe(200);
    expect(x.readyState).toBe(4);
    expect(JSON.parse(x.responseText)).toEqual({ paid: true, echo: body });
    expect(x.response).toBe(x.responseText);
    expect(x.responseURL).toBe(`${server.base}/paid`);
    expect(x.getResponseHeader('X-ECHO')).toBe('kept');
    expect(x.getAllResponseHeaders()).toMatch(/^content-type: application\/json\r\n/m);
    // The held 402 never reached the page's listeners.
    expect(trace).toEqual(['rs@1/0', ...PAID_TRACE]);
    expect(server.seen.map((r) => [r.method, r.body, !!r.paymentSignature])).toEqual([
      ['POST', body, false],
      ['POST', body, true],
    ]);
    const sent = JSON.parse(Buffer.from(server.seen[1]!.paymentSignature!, 'base64').toString());
    expect(sent.payload).toEqual({ sessionId: secretOf(s) });
    const [payment] = await page.waitForEvent('payment');
    expect(payment!.data).toMatchObject({ url: `${server.base}/paid`, method: 'POST', amount: '100000', transaction: '0xfeed' });
    await expect.poll(async () => (await db.sessions.get(s.id))?.spent).toBe('100000');
  });

  it('redacts the bearer id from PAYMENT-RESPONSE in getResponseHeader and getAllResponseHeaders', async () => {
    const { page, s } = await setup();
    const { x } = await run(page, { url: `${server.base}/paid` });
    const pr = x.getResponseHeader('payment-response')!;
    expect(JSON.parse(Buffer.from(pr, 'base64').toString())).toMatchObject({ success: true, extensions: { session: { id: '[redacted]' } } });
    expect(x.getAllResponseHeaders()).toContain(`payment-response: ${pr}\r\n`);
    await page.waitForEvent('payment');
    const visible = JSON.stringify({ all: x.getAllResponseHeaders(), text: x.responseText, events: page.events });
    expect(visible).not.toContain(secretOf(s));
    expect(Buffer.from(pr, 'base64').toString()).not.toContain(secretOf(s));
  });

  it('presents the paid body for every responseType axios and others use', async () => {
    const { page } = await setup();
    const json = await run(page, { url: `${server.base}/paid`, type: 'json' });
    expect(json.x.response).toEqual({ paid: true, echo: '' });
    expect(() => json.x.responseText).toThrow(/InvalidStateError|responseText/);
    const buf = await run(page, { url: `${server.base}/paid`, type: 'arraybuffer' });
    expect(buf.x.response).toBeInstanceOf(ArrayBuffer);
    expect(JSON.parse(Buffer.from(buf.x.response as ArrayBuffer).toString())).toEqual({ paid: true, echo: '' });
    const blob = await run(page, { url: `${server.base}/paid`, type: 'blob' });
    expect(blob.x.response).toBeInstanceOf(Blob);
    expect((blob.x.response as Blob).type).toBe('application/json');
    expect(JSON.parse(await (blob.x.response as Blob).text())).toEqual({ paid: true, echo: '' });
    const text = await run(page, { url: `${server.base}/paid`, type: 'text' });
    expect(text.x.response).toBe('{"paid":true,"echo":""}');
    for (const r of [json, buf, blob, text]) expect(r.trace).toEqual(['rs@1/0', ...PAID_TRACE]);
    await page.waitForEvent('payment', 4);
  });

  it('pays a v1 402 (JSON body) with X-PAYMENT, also when the page asked for responseType json', async () => {
    const { page, s } = await setup();
    const { x } = await run(page, { url: `${server.base}/v1`, type: 'json' });
    expect(x.status).toBe(200);
    // The paid body is not JSON: XHR's json type answers null, as the native one would.
    expect(x.response).toBeNull();
    const sent = JSON.parse(Buffer.from(server.seen[1]!.xPayment!, 'base64').toString());
    expect(sent.payload).toEqual({ sessionId: secretOf(s) });
    await page.waitForEvent('payment');
  });

  it('leaves a 402 without x402 data untouched, telling the background nothing', async () => {
    const { page } = await setup();
    const { x, trace } = await run(page, { url: `${server.base}/plain402` });
    expect(x.status).toBe(402);
    expect(x.responseText).toBe('pay me somehow');
    expect(trace).toEqual(['rs@1/0', 'rs@2/402', 'rs@3/402', 'progress@3/402', 'rs@4/402', 'load@4/402', 'loadend@4/402']);
    expect(page.sentToBackground.filter((m: any) => m.method !== 'getSessions')).toHaveLength(0);
  });

  it('delivers the original 402 when the server refuses the paid retry, and says why', async () => {
    const { page, db } = await setup();
    refuse = 'cap_exceeded';
    const { x, trace } = await run(page, { url: `${server.base}/paid` });
    expect(x.status).toBe(402);
    expect(JSON.parse(x.responseText)).toEqual({ original: true });
    expect(x.getResponseHeader('payment-required')).toBeTruthy();
    expect(server.seen).toHaveLength(2);
    // Held, then handed back at DONE: the page hears DONE once, with the original.
    expect(trace).toEqual(['rs@1/0', 'progress@4/402', 'rs@4/402', 'load@4/402', 'loadend@4/402']);
    const [failed] = await page.waitForEvent('paymentFailed');
    expect(failed!.data).toMatchObject({ reason: 'cap_exceeded' });
    await expect.poll(async () => (await db.payments.toArray())[0]?.status).toBe('released');
  });

  it('never pays a request that already carried a payment header, nor a synchronous one', async () => {
    const { page, db } = await setup();
    const carried = await run(page, { url: `${server.base}/paid`, headers: { 'X-PAYMENT': 'e30=' } });
    expect(carried.x.status).toBe(402);
    const sync = await run(page, { url: `${server.base}/paid`, async: false });
    expect(sync.x.status).toBe(402);
    expect(server.seen).toHaveLength(2);
    expect(page.sentToBackground.filter((m: any) => m.method !== 'getSessions')).toHaveLength(0);
    expect(await db.payments.count()).toBe(0);
  });

  it('says no_session and delivers the original 402 when this origin has no session', async () => {
    const { page, db } = await setup({ origin: 'http://other.test' });
    const { x } = await run(page, { url: `${server.base}/paid` });
    expect(x.status).toBe(402);
    const [failed] = await page.waitForEvent('paymentFailed');
    expect(failed!.data).toMatchObject({ reason: 'no_session' });
    expect(await db.payments.count()).toBe(0);
  });

  it('abort() while the wallet decides: abort events, UNSENT after, and the reservation is freed unsent', async () => {
    const { page, db, gate } = await setup();
    gate.hold();
    let xhr: XMLHttpRequest | null = null;
    const done = run(page, { url: `${server.base}/paid` }, (x) => (xhr = x));
    await expect.poll(() => gate.waiting()).toBe(1);
    expect(xhr!.readyState).toBe(1); // held: the page still sees OPENED
    expect(xhr!.status).toBe(0);
    xhr!.abort();
    const { x, trace } = await done;
    expect(trace).toEqual(['rs@1/0', 'rs@4/0', 'abort@4/0', 'loadend@4/0']);
    expect(x.readyState).toBe(0);
    gate.release();
    await expect.poll(async () => (await db.payments.toArray())[0]?.status).toBe('released');
    expect((await db.payments.toArray())[0]?.reason).toBe('not_sent');
    expect(server.seen).toHaveLength(1);
  });

  it('timeout while the wallet decides: timeout events at the deadline, nothing sent', async () => {
    const { page, db, gate } = await setup();
    gate.hold();
    const started = Date.now();
    const { x, trace } = await run(page, { url: `${server.base}/paid`, timeout: 300 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(trace).toEqual(['rs@1/0', 'rs@4/0', 'timeout@4/0', 'loadend@4/0']);
    expect(x.readyState).toBe(4);
    expect(x.status).toBe(0);
    gate.release();
    await expect.poll(async () => (await db.payments.toArray())[0]?.status).toBe('released');
    expect(server.seen).toHaveLength(1);
  });

  it('an XHR re-opened and re-sent after a paid call pays again, and a paid call can be aborted after it ended', async () => {
    const { page, db, s } = await setup();
    const first = await run(page, { url: `${server.base}/paid` });
    expect(first.x.status).toBe(200);
    const x = first.x;
    const second = new Promise<number>((resolve) => {
      x.onloadend = () => resolve(x.status);
      x.open('POST', `${server.base}/paid`);
      x.send('again');
    });
    expect(await second).toBe(200);
    expect(x.responseText).toBe('{"paid":true,"echo":"again"}');
    x.abort(); // a finished request: back to UNSENT without events
    expect(x.readyState).toBe(0);
    expect(x.status).toBe(0);
    await page.waitForEvent('payment', 2);
    await expect.poll(async () => (await db.sessions.get(s.id))?.spent).toBe('200000');
  });

  it('pays concurrent XHRs exactly up to the cap; the rest get the original 402', async () => {
    const { page, db, s } = await setup({ cap: '300000' });
    const results = await Promise.all(Array.from({ length: 7 }, () => run(page, { method: 'POST', url: `${server.base}/paid`, body: 'x' })));
    expect(results.filter((r) => r.x.status === 200)).toHaveLength(3);
    expect(results.filter((r) => r.x.status === 402)).toHaveLength(4);
    await expect.poll(async () => (await db.sessions.get(s.id))?.spent).toBe('300000');
  });
});

describe('the paying XMLHttpRequest wrapper when the paid retry fails at the network level', () => {
  it('gives the page an error (as a native failure would) and keeps the reservation for reconciliation', async () => {
    let secretId = '';
    const server = http.createServer((req, res) => {
      if (req.headers['payment-signature']) return void req.socket.destroy();
      res.writeHead(402, { 'payment-required': header(paymentRequiredObject([sessionAccept()], { resource: { url: 'http://127.0.0.1/x' } })) });
      res.end('{}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const t = testService();
      const s = sessionRecord({ origin: 'http://dapp.test', apiOrigins: [`http://127.0.0.1:${(server.address() as AddressInfo).port}`] });
      secretId = secretOf(s);
      await t.db.sessions.add(s);
      const page = testPage(t.router, 'http://dapp.test');
      const { x, trace } = await run(page, { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/x` });
      expect(trace).toEqual(['rs@1/0', 'rs@4/0', 'error@4/0', 'loadend@4/0']);
      expect(x.status).toBe(0);
      await expect.poll(() => page.sentToBackground.filter((m: any) => m.method === 'report').length).toBe(1);
      expect((await t.db.payments.toArray())[0]?.status).toBe('reserved');
      expect(JSON.stringify(page.events)).not.toContain(secretId);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
