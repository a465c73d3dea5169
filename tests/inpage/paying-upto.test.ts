/**
 * The page script with a daydreams `upto` server (docs/protocol.md §6.5): success is only
 * `x-upto-session-id` (no PAYMENT-RESPONSE), refusals are JSON bodies without PAYMENT-REQUIRED.
 * The page must hand those to the background, and send a call again that met `settling_in_progress`.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessionRecord } from '../support/db';
import { testPage } from '../support/page';
import { testService } from '../support/service';
import { ASSET, header, PAY_TO } from '../support/x402';

const SESSION_ID = 'ab'.repeat(32);
const FACILITATOR = 'http://127.0.0.1:4024';
const accept = { scheme: 'upto', network: 'eip155:31337', amount: '10000', asset: ASSET, payTo: PAY_TO, maxTimeoutSeconds: 300, extra: { name: 'USDC', version: '2', maxAmountRequired: '100000', facilitatorUrl: FACILITATOR } };
const payload = { authorization: { from: '0x90F79bf6EB2c4f870365E785982E1f101E93b906', to: '0x9586A4833970847aef259aD5BFB7aa8901DDf746', value: '100000', validBefore: String(Math.floor(Date.now() / 1000) + 300), nonce: '0' }, signature: `0x${'11'.repeat(65)}` };

/** What the next paid request gets, in order; then 200. */
let script: ('settling' | 'exhausted' | 'ok')[] = [];
const seen: { paid: boolean }[] = [];
let server: http.Server;
let base = '';

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const sig = req.headers['payment-signature'] as string | undefined;
    seen.push({ paid: !!sig });
    const cors = { 'access-control-allow-origin': '*', 'access-control-expose-headers': 'payment-required, x-upto-session-id' };
    if (!sig) {
      res.writeHead(402, { ...cors, 'content-type': 'application/json', 'payment-required': header({ x402Version: 2, error: 'Payment required', resource: { url: `${base}/slot` }, accepts: [accept] }) });
      return void res.end('{}');
    }
    const sent = JSON.parse(Buffer.from(sig, 'base64').toString());
    if (JSON.stringify(sent.payload) !== JSON.stringify(payload)) {
      res.writeHead(400, cors);
      return void res.end();
    }
    const next = script.shift() ?? 'ok';
    if (next === 'settling') {
      res.writeHead(409, { ...cors, 'content-type': 'application/json' });
      return void res.end(JSON.stringify({ error: 'settling_in_progress', message: 'Session is settling a batch, retry shortly', sessionId: SESSION_ID }));
    }
    if (next === 'exhausted') {
      res.writeHead(402, { ...cors, 'content-type': 'application/json' });
      return void res.end(JSON.stringify({ error: 'cap_exhausted', message: 'Upto cap exhausted, reauthorize with higher max', sessionId: SESSION_ID }));
    }
    res.writeHead(200, { ...cors, 'content-type': 'application/json', 'x-upto-session-id': SESSION_ID });
    res.end('{"pulled":true}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

async function setup() {
  const t = testService();
  const s = sessionRecord({ scheme: 'upto', grant: { payload, sessionId: SESSION_ID, domain: { name: 'USDC', version: '2' } }, apiOrigins: [base], facilitatorUrl: FACILITATOR, cap: '100000', perCallMax: '10000' });
  await t.db.sessions.add(s);
  seen.length = 0;
  return { ...t, s, page: testPage(t.router, 'http://dapp.test') };
}

describe('the page script with daydreams upto', () => {
  it('a success named by x-upto-session-id alone is settled; the permit is sent unchanged', async () => {
    const { page, db, s } = await setup();
    script = [];
    const res = await page.fetch(`${base}/slot`);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-upto-session-id')).toBe(SESSION_ID);
    await page.waitForEvent('payment');
    expect(await db.sessions.get(s.id)).toMatchObject({ spent: '10000', reserved: '0', status: 'active' });
  });

  it('settling_in_progress (409): nothing counted, sent again after a short wait, then paid', async () => {
    const { page, db, s } = await setup();
    script = ['settling'];
    const res = await page.fetch(`${base}/slot`);
    expect(res.status).toBe(200);
    // The 402, the refused paid send, the paid send again.
    expect(seen.map((r) => r.paid)).toEqual([false, true, true]);
    await page.waitForEvent('payment');
    expect(await db.sessions.get(s.id)).toMatchObject({ spent: '10000', reserved: '0' });
    const reports = page.sentToBackground.filter((m: any) => m.method === 'report').map((m: any) => m.params);
    expect(reports[0]).toMatchObject({ status: 409, body: expect.stringContaining('settling_in_progress') });
  });

  it('cap_exhausted (a JSON 402 without PAYMENT-REQUIRED): the page gets its original 402, the session ends with that reason', async () => {
    const { page, db, s } = await setup();
    script = ['exhausted'];
    const res = await page.fetch(`${base}/slot`);
    expect(res.status).toBe(402);
    expect(await res.text()).toBe('{}');
    const [failed] = await page.waitForEvent('paymentFailed');
    expect(failed!.data).toMatchObject({ reason: 'cap_exhausted' });
    await expect.poll(async () => (await db.sessions.get(s.id))?.status).toBe('exhausted');
    expect(await db.sessions.get(s.id)).toMatchObject({ spent: '0', reserved: '0', statusReason: 'cap_exhausted' });
    // Nothing more is sent with this permit.
    const again = await page.fetch(`${base}/slot`);
    expect(again.status).toBe(402);
    expect(seen.filter((r) => r.paid)).toHaveLength(1);
  });
});
