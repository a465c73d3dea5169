/**
 * Top-up on the devnet session facilitator (`PATCH /sessions/:id`, ours — devnet/README.md): a new
 * approve from the session's user, checked like a registration, raises the cap or extends the expiry
 * of the same session; the bearer id alone changes nothing.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFacilitator } from '../../devnet/facilitator/server';
import { startStack, type Stack } from '../../devnet/stack';
import { approve, nowSeconds, openSession } from './support/sessions';

let stack: Stack;
let next = 0;
beforeAll(async () => {
  stack = await startStack({ quiet: true, userCount: 12 });
});
afterAll(async () => {
  await stack?.stop();
});
const freshUser = () => stack.accounts.users[next++]!;

async function call(method: 'GET' | 'PATCH' | 'POST' | 'OPTIONS', path: string, body?: unknown, url = stack.facilitator.url) {
  const res = await fetch(url + path, { method, headers: body === undefined ? {} : { 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const text = await res.text();
  return { status: res.status, json: (text ? JSON.parse(text) : null) as Record<string, any>, headers: res.headers };
}

/** A settle of `amount` for `sessionId` (v2 body), as the paid API sends it. */
function settle(sessionId: string, amount: string) {
  const requirements = { scheme: 'session', network: stack.chain.network, amount, asset: stack.token.address, payTo: stack.api.recipient, maxTimeoutSeconds: 60, extra: {} };
  return call('POST', '/settle', { x402Version: 2, paymentPayload: { x402Version: 2, accepted: requirements, payload: { sessionId } }, paymentRequirements: requirements });
}

describe('PATCH /sessions/:id (top-up)', () => {
  it('raises the cap of a used-up session with a new approve: same id, spent kept, pays again', async () => {
    const user = freshUser();
    const id = await openSession(stack, user, 20_000n);
    expect((await settle(id, '10000')).json.success).toBe(true);
    expect((await settle(id, '10000')).json.success).toBe(true);
    expect((await settle(id, '10000')).json).toMatchObject({ success: false, errorReason: 'cap_exceeded' });
    const before = (await call('GET', `/sessions/${id}`)).json;
    // The new approve covers what the session may still pull: new cap 50000 − spent 20000.
    const tx = await approve(stack, user, 30_000n);
    const r = await call('PATCH', `/sessions/${id}`, { approvalTxHash: tx, cap: '50000', expiresAt: before.expiresAt + 600 });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ id, cap: '50000', spent: '20000', remaining: '30000', expiresAt: before.expiresAt + 600 });
    expect((await settle(id, '10000')).json).toMatchObject({ success: true, extensions: { session: { cap: '50000', spent: '30000' } } });
    // The same approval never backs a second change, nor a new session.
    expect((await call('PATCH', `/sessions/${id}`, { approvalTxHash: tx, cap: '60000', expiresAt: before.expiresAt + 600 })).status).toBe(409);
    const post = await call('POST', '/sessions', { approvalTxHash: tx, user: user.address, asset: stack.token.address, recipient: stack.api.recipient, cap: '10000', expiresAt: nowSeconds() + 600, network: stack.chain.network });
    expect(post.status).toBe(409);
  });

  it('refuses what a registration refuses, and never lowers: bearer id alone, too small an approve, someone else\'s approve, lower cap, earlier expiry', async () => {
    const user = freshUser();
    const other = freshUser();
    const id = await openSession(stack, user, 20_000n);
    const { expiresAt } = (await call('GET', `/sessions/${id}`)).json;
    expect((await call('PATCH', `/sessions/${id}`, { cap: '50000', expiresAt })).status).toBe(400);
    const small = await approve(stack, user, 29_999n);
    expect((await call('PATCH', `/sessions/${id}`, { approvalTxHash: small, cap: '50000', expiresAt })).json.error).toMatch(/smaller than/);
    const theirs = await approve(stack, other, 100_000n);
    expect((await call('PATCH', `/sessions/${id}`, { approvalTxHash: theirs, cap: '50000', expiresAt })).json.error).toMatch(/signed by/);
    const ok = await approve(stack, user, 100_000n);
    expect((await call('PATCH', `/sessions/${id}`, { approvalTxHash: ok, cap: '10000', expiresAt })).json.error).toMatch(/only raises/);
    expect((await call('PATCH', `/sessions/${id}`, { approvalTxHash: ok, cap: '20000', expiresAt: expiresAt - 1 })).json.error).toMatch(/only extends/);
    expect((await call('PATCH', `/sessions/${id}`, { approvalTxHash: ok, cap: '20000', expiresAt })).json.error).toMatch(/nothing to change/);
    expect((await call('PATCH', `/sessions/${id}`, { approvalTxHash: ok, cap: '20000', expiresAt: nowSeconds() + 31 * 86400 })).status).toBe(400);
    expect((await call('PATCH', '/sessions/sess_unknown', { approvalTxHash: ok, cap: '50000', expiresAt })).status).toBe(404);
    // Nothing changed through any of these.
    expect((await call('GET', `/sessions/${id}`)).json).toMatchObject({ cap: '20000', expiresAt });
    // An expiry-only extension with a fresh approve of what the session still needs works.
    const r = await call('PATCH', `/sessions/${id}`, { approvalTxHash: ok, cap: '20000', expiresAt: expiresAt + 3600 });
    expect(r).toMatchObject({ status: 200, json: { cap: '20000', expiresAt: expiresAt + 3600 } });
  });

  it('says so in /supported and CORS; a facilitator started without top-ups has no such endpoint', async () => {
    const pre = await call('OPTIONS', '/sessions/x');
    expect(pre.headers.get('access-control-allow-methods')).toContain('PATCH');
    const plain = await startFacilitator({ ...stack.facilitator.options, port: 0, dataDir: mkdtempSync(join(tmpdir(), 'x402-notopup-')), topUp: false, quiet: true });
    try {
      const supported = (await call('GET', '/supported', undefined, plain.url)).json;
      expect(supported.kinds[0].extra.sessionTopUp).toBeUndefined();
      expect((await call('GET', '/supported')).json.kinds[0].extra.sessionTopUp).toBe(true);
      expect((await call('PATCH', '/sessions/x', { approvalTxHash: `0x${'11'.repeat(32)}`, cap: '1', expiresAt: nowSeconds() + 60 }, plain.url)).status).toBe(404);
    } finally {
      await plain.stop();
    }
  });
});
