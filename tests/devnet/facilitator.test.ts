/**
 * The session facilitator's HTTP surface, driven directly (no paid API in between), as a client
 * that knows only the seed README and docs/protocol.md §4–5 would drive it.
 */
import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFacilitator } from '../../devnet/facilitator/server';
import { startStack, type Stack } from '../../devnet/stack';
import { deployToken } from '../../devnet/token/deploy';
import { approve, balanceOf, clientsFor, erc20, nowSeconds, openSession, postSession, type SessionRequest } from './support/sessions';

let stack: Stack;
let nextUser = 0;

beforeAll(async () => {
  stack = await startStack({ quiet: true, userCount: 32 });
});
afterAll(async () => {
  await stack?.stop();
});

/** A fresh funded user per test, so balances and allowances never interfere. */
function freshUser() {
  const u = nextUser < stack.accounts.users.length - 1 ? stack.accounts.users[nextUser++] : undefined;
  if (!u) throw new Error('out of dev users: raise userCount');
  return u;
}

async function getJson(path: string): Promise<{ status: number; json: Record<string, unknown>; headers: Headers }> {
  const res = await fetch(stack.facilitator.url + path);
  return { status: res.status, json: (await res.json()) as Record<string, unknown>, headers: res.headers };
}

async function postJson(path: string, body: unknown, url = stack.facilitator.url): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(url + path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

/** A v2 verify/settle body for `sessionId`, with requirement overrides. */
function v2Body(sessionId: string | undefined, overrides: Record<string, unknown> = {}) {
  const requirements = {
    scheme: 'session',
    network: stack.chain.network,
    amount: '10000',
    asset: stack.token.address,
    payTo: stack.api.recipient,
    maxTimeoutSeconds: 300,
    extra: { spender: stack.facilitator.address },
    ...overrides,
  };
  return {
    x402Version: 2,
    paymentPayload: {
      x402Version: 2,
      resource: { url: 'http://api.example/x' },
      accepted: requirements,
      payload: sessionId === undefined ? {} : { sessionId },
    },
    paymentRequirements: requirements,
  };
}

function v1Body(sessionId: string, amount = '10000') {
  return {
    x402Version: 1,
    paymentPayload: { x402Version: 1, scheme: 'session', network: stack.chain.network, payload: { sessionId } },
    paymentRequirements: {
      scheme: 'session',
      network: stack.chain.network,
      maxAmountRequired: amount,
      asset: stack.token.address,
      payTo: stack.api.recipient,
      resource: 'http://api.example/v1',
      description: 'v1 thing',
      mimeType: 'application/json',
      maxTimeoutSeconds: 300,
      extra: {},
    },
  };
}

async function sessionRequest(user = freshUser(), cap = 1_000_000n): Promise<SessionRequest> {
  return {
    approvalTxHash: await approve(stack, user, cap),
    user: user.address,
    asset: stack.token.address,
    recipient: stack.api.recipient,
    cap: cap.toString(),
    expiresAt: nowSeconds() + 3600,
    network: stack.chain.network,
  };
}

describe('GET /supported and CORS', () => {
  it('lists the session kind for v2 and v1 with the spender in extra and in signers', async () => {
    const { status, json, headers } = await getJson('/supported');
    expect(status).toBe(200);
    expect(headers.get('access-control-allow-origin')).toBe('*');
    const extra = {
      areFeesSponsored: true,
      facilitatorAddress: stack.facilitator.address,
      spender: stack.facilitator.address,
      sessionsEndpoint: '/sessions',
      chainId: 31337,
      // Ours (issue 15): PATCH /sessions/:id takes top-ups.
      sessionTopUp: true,
    };
    expect(json).toEqual({
      kinds: [
        { x402Version: 2, scheme: 'session', network: 'eip155:31337', extra },
        { x402Version: 1, scheme: 'session', network: 'eip155:31337', extra },
      ],
      extensions: [],
      signers: { 'eip155:*': [stack.facilitator.address] },
    });
    expect(stack.facilitator.address).toBe(stack.accounts.facilitator.address);
  });

  it('answers preflights and errors with Access-Control-Allow-Origin: *', async () => {
    const preflight = await fetch(`${stack.facilitator.url}/sessions`, {
      method: 'OPTIONS',
      headers: { Origin: 'chrome-extension://abc', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type,x-sdk-version' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
    expect(preflight.headers.get('access-control-allow-methods')).toMatch(/POST/);
    expect(preflight.headers.get('access-control-allow-headers')).toBe('content-type,x-sdk-version');
    const missing = await getJson('/sessions/nope');
    expect(missing.status).toBe(404);
    expect(missing.headers.get('access-control-allow-origin')).toBe('*');
    const health = await getJson('/health');
    expect(health.json).toMatchObject({ ok: true, spender: stack.facilitator.address, chainId: 31337 });
  });
});

describe('POST /sessions', () => {
  it('opens a session from a mined approve and GET /sessions/:id reads it back', async () => {
    const user = freshUser();
    const req = await sessionRequest(user, 1_000_000n);
    const { status, json } = await postSession(stack, req);
    expect(status).toBe(201);
    expect(json).toEqual({
      sessionId: expect.stringMatching(/^sess_[A-Za-z0-9_-]{32}$/),
      user: user.address,
      spender: stack.facilitator.address,
      asset: stack.token.address,
      recipient: stack.api.recipient,
      cap: '1000000',
      spent: '0',
      expiresAt: req.expiresAt,
      network: 'eip155:31337',
    });
    const view = await getJson(`/sessions/${String(json.sessionId)}`);
    expect(view.status).toBe(200);
    expect(view.json).toEqual({
      id: json.sessionId,
      user: user.address,
      spender: stack.facilitator.address,
      asset: stack.token.address,
      recipient: stack.api.recipient,
      cap: '1000000',
      spent: '0',
      remaining: '1000000',
      expiresAt: req.expiresAt,
      network: 'eip155:31337',
      createdAt: expect.any(Number),
    });
  });

  it('accepts lower-case addresses and a numeric-string expiresAt, and echoes checksummed values', async () => {
    const user = freshUser();
    const req = await sessionRequest(user);
    const { status, json } = await postSession(stack, { ...req, user: user.address.toLowerCase(), expiresAt: String(req.expiresAt) });
    expect(status).toBe(201);
    expect(json).toMatchObject({ user: user.address, expiresAt: req.expiresAt });
  });

  it.each([
    ['approvalTxHash', undefined, /approvalTxHash: is required/],
    ['approvalTxHash', '0x1234', /approvalTxHash: must be a 0x-prefixed 32-byte hex/],
    ['user', undefined, /user: is required/],
    ['user', '0xnot-an-address', /user: must be a 0x-prefixed 20-byte hex address/],
    ['asset', 42, /asset: must be a 0x-prefixed 20-byte hex address/],
    ['recipient', undefined, /recipient: is required/],
    ['cap', undefined, /cap: is required/],
    ['cap', 1000000, /cap: must be a base-unit integer string/],
    ['cap', '0', /cap: must be greater than 0/],
    ['cap', '-5', /cap: must be a base-unit integer string/],
    ['cap', '1.5', /cap: must be a base-unit integer string/],
    ['expiresAt', undefined, /expiresAt: is required/],
    ['expiresAt', 'tomorrow', /expiresAt: must be an integer number of unix seconds/],
    ['expiresAt', 1.5, /expiresAt: must be an integer/],
    ['network', undefined, /network: is required/],
    ['network', 7, /network: must be a network string/],
  ])('refuses %s = %j with 400 and a clear error', async (field, value, message) => {
    const body: Record<string, unknown> = {
      approvalTxHash: `0x${'ab'.repeat(32)}`,
      user: stack.accounts.users[0]!.address,
      asset: stack.token.address,
      recipient: stack.api.recipient,
      cap: '1000000',
      expiresAt: nowSeconds() + 3600,
      network: stack.chain.network,
    };
    if (value === undefined) delete body[field];
    else body[field] = value;
    const { status, json } = await postSession(stack, body);
    expect(status).toBe(400);
    expect(json.error).toMatch(message);
  });

  it.each([
    ['an array', '[]'],
    ['a string', '"hello"'],
    ['null', 'null'],
  ])('refuses a body that is %s', async (_name, raw) => {
    const { status, json } = await postJson('/sessions', raw);
    expect(status).toBe(400);
    expect(json.error).toBe('body must be a JSON object');
  });

  it('refuses malformed JSON with 400', async () => {
    const { status, json } = await postJson('/sessions', '{"approvalTxHash": ');
    expect(status).toBe(400);
    expect(json.error).toBe('body is not valid JSON');
  });

  it('refuses an expiry in the past and a network it does not serve', async () => {
    const req = await sessionRequest();
    const past = await postSession(stack, { ...req, expiresAt: nowSeconds() - 1 });
    expect(past.status).toBe(400);
    expect(past.json.error).toMatch(/expiresAt .* is not in the future/);
    for (const network of ['eip155:84532', 'base:sepolia', 'eip155:1']) {
      const other = await postSession(stack, { ...req, network });
      expect(other.status).toBe(400);
      expect(other.json.error).toMatch(/is not served here/);
    }
    // The same approval still opens a session once the request is right: refusals consume nothing.
    expect((await postSession(stack, req)).status).toBe(201);
  });

  it('refuses an unknown transaction hash', async () => {
    const req = await sessionRequest();
    const { status, json } = await postSession(stack, { ...req, approvalTxHash: `0x${'12'.repeat(32)}` });
    expect(status).toBe(400);
    expect(json.error).toMatch(/was not found/);
  });

  it('refuses an approve sent to another token', async () => {
    const user = freshUser();
    const other = await deployToken({ rpcUrl: stack.chain.rpcUrl, chainId: stack.chain.chainId, deployer: stack.accounts.deployer });
    const approvalTxHash = await approve(stack, user, 1_000_000n, { token: other.address });
    const req = { ...(await sessionRequest(user)), approvalTxHash };
    const { status, json } = await postSession(stack, req);
    expect(status).toBe(400);
    expect(json.error).toMatch(new RegExp(`sent to ${other.address}, not to the asset`));
  });

  it('refuses an approve for another spender', async () => {
    const user = freshUser();
    const approvalTxHash = await approve(stack, user, 1_000_000n, { spender: stack.accounts.recipient.address });
    const { status, json } = await postSession(stack, { ...(await sessionRequest(user)), approvalTxHash });
    expect(status).toBe(400);
    expect(json.error).toMatch(/approves 0x[0-9a-fA-F]{40}, not this facilitator's spender/);
  });

  it("refuses someone else's approve (owner mismatch)", async () => {
    const owner = freshUser();
    const claimant = freshUser();
    const req = await sessionRequest(owner);
    const { status, json } = await postSession(stack, { ...req, user: claimant.address });
    expect(status).toBe(400);
    expect(json.error).toMatch(new RegExp(`signed by ${owner.address}, not by user ${claimant.address}`));
  });

  it('refuses an approve whose value is smaller than the cap', async () => {
    const user = freshUser();
    const req = await sessionRequest(user, 500_000n);
    const { status, json } = await postSession(stack, { ...req, cap: '1000000' });
    expect(status).toBe(400);
    expect(json.error).toMatch(/approval value 500000 is smaller than the requested cap 1000000/);
  });

  it('refuses a transaction that is not an approve call', async () => {
    const user = freshUser();
    const { publicClient, wallet } = clientsFor(stack, user);
    const hash = await wallet.writeContract({ address: stack.token.address, abi: erc20, functionName: 'transfer', args: [stack.api.recipient, 1n] });
    await publicClient.waitForTransactionReceipt({ hash });
    const { status, json } = await postSession(stack, { ...(await sessionRequest(user)), approvalTxHash: hash });
    expect(status).toBe(400);
    expect(json.error).toMatch(/not an ERC-20 approve/);
  });

  it('refuses a reverted approve', async () => {
    const user = freshUser();
    const { publicClient, wallet } = clientsFor(stack, user);
    // approve(0x0, …) reverts in DevUSDC; a fixed gas limit skips estimation so it is mined as failed.
    const hash = await wallet.writeContract({
      address: stack.token.address,
      abi: erc20,
      functionName: 'approve',
      args: ['0x0000000000000000000000000000000000000000', 1_000_000n],
      gas: 100_000n,
    });
    expect((await publicClient.waitForTransactionReceipt({ hash })).status).toBe('reverted');
    const { status, json } = await postSession(stack, { ...(await sessionRequest(user)), approvalTxHash: hash });
    expect(status).toBe(400);
    expect(json.error).toMatch(/reverted/);
  });

  it('refuses an approve that was revoked since (allowance re-read)', async () => {
    const user = freshUser();
    const req = await sessionRequest(user, 1_000_000n);
    await approve(stack, user, 0n);
    const { status, json } = await postSession(stack, req);
    expect(status).toBe(400);
    expect(json.error).toMatch(/current allowance 0 is smaller than the requested cap/);
  });

  it('refuses to reuse an approval tx for a second session (409), even concurrently', async () => {
    const user = freshUser();
    const req = await sessionRequest(user, 1_000_000n);
    const first = await postSession(stack, req);
    expect(first.status).toBe(201);
    const replay = await postSession(stack, { ...req, expiresAt: req.expiresAt + 10 });
    expect(replay.status).toBe(409);
    expect(replay.json.error).toMatch(/already backs a session/);

    const user2 = freshUser();
    const req2 = await sessionRequest(user2, 1_000_000n);
    const racing = await Promise.all(Array.from({ length: 5 }, () => postSession(stack, req2)));
    expect(racing.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409]);

    // The cap did not double: one session of 1.00 can spend 1.00 and no more.
    const sessionId = String(first.json.sessionId);
    const settle = await postJson('/settle', v2Body(sessionId, { amount: '1000000' }));
    expect(settle.json.success).toBe(true);
    const again = await postJson('/verify', v2Body(sessionId, { amount: '1' }));
    expect(again.json).toMatchObject({ isValid: false, invalidReason: 'cap_exceeded' });
  });
});

describe('GET /sessions/:id', () => {
  it('404s with { error } for an unknown session', async () => {
    const { status, json } = await getJson('/sessions/sess_unknown');
    expect(status).toBe(404);
    expect(json).toEqual({ error: 'session not found' });
  });
});

describe('POST /verify', () => {
  let sessionId: string;
  let payer: `0x${string}`;
  beforeAll(async () => {
    const user = freshUser();
    payer = user.address;
    sessionId = await openSession(stack, user, 50_000n);
  });

  it('accepts a valid v2 payment and names the payer', async () => {
    const { status, json } = await postJson('/verify', v2Body(sessionId));
    expect(status).toBe(200);
    expect(json).toEqual({ isValid: true, payer });
  });

  it('accepts a valid v1 payment (maxAmountRequired)', async () => {
    const { json } = await postJson('/verify', v1Body(sessionId));
    expect(json).toEqual({ isValid: true, payer });
  });

  it.each([
    ['scheme_mismatch', () => v2Body(sessionId, { scheme: 'exact' })],
    ['network_mismatch', () => v2Body(sessionId, { network: 'eip155:1' })],
    ['missing_session_id', () => v2Body(undefined)],
    ['session_not_found', () => v2Body('sess_nope')],
    ['asset_mismatch', () => v2Body(sessionId, { asset: stack.accounts.deployer.address })],
    ['recipient_mismatch', () => v2Body(sessionId, { payTo: stack.accounts.deployer.address })],
    ['invalid_amount', () => v2Body(sessionId, { amount: 'ten' })],
    ['invalid_amount', () => v2Body(sessionId, { amount: '0' })],
    ['invalid_amount', () => v2Body(sessionId, { amount: '1.5' })],
    ['per_call_limit_exceeded', () => v2Body(sessionId, { amount: '1000001' })],
    ['cap_exceeded', () => v2Body(sessionId, { amount: '50001' })],
  ])('answers 200 isValid:false %s', async (reason, body) => {
    const { status, json } = await postJson('/verify', body());
    expect(status).toBe(200);
    expect(json).toMatchObject({ isValid: false, invalidReason: reason, invalidMessage: expect.any(String) });
  });

  it('reports spender_mismatch when the facilitator key changed since the session was opened', async () => {
    // A second facilitator on the same chain and ledger, with another key (a key rotation).
    const rotated = await startFacilitator({
      ...stack.facilitator.options,
      port: 0,
      privateKey: stack.accounts.users.at(-1)!.privateKey,
      quiet: true,
    });
    try {
      const { json } = await postJson('/verify', v2Body(sessionId), rotated.url);
      expect(json).toMatchObject({ isValid: false, invalidReason: 'spender_mismatch', payer });
    } finally {
      await rotated.stop();
    }
  });

  it.each([
    ['an empty body', undefined, /paymentPayload: is required/],
    ['no paymentPayload', { x402Version: 2, paymentRequirements: {} }, /paymentPayload: is required/],
    ['a JSON array', [], 'body must be a JSON object'],
    ['no requirements scheme', { x402Version: 2, paymentPayload: {}, paymentRequirements: { network: 'x', asset: 'a', payTo: 'p', amount: '1' } }, /paymentRequirements.scheme: is required/],
    ['v2 without amount', { x402Version: 2, paymentPayload: {}, paymentRequirements: { scheme: 'session', network: 'x', asset: 'a', payTo: 'p' } }, /paymentRequirements.amount: is required for x402 v2/],
    ['v1 without maxAmountRequired', { x402Version: 1, paymentPayload: {}, paymentRequirements: { scheme: 'session', network: 'x', asset: 'a', payTo: 'p', amount: '1' } }, /maxAmountRequired: is required for x402 v1/],
    ['unknown version', { x402Version: 3, paymentPayload: {}, paymentRequirements: { scheme: 'session', network: 'x', asset: 'a', payTo: 'p', amount: '1' } }, /x402Version: must be 1 or 2/],
    ['ill-typed payload', { x402Version: 2, paymentPayload: { payload: 'sess' }, paymentRequirements: { scheme: 'session', network: 'x', asset: 'a', payTo: 'p', amount: '1' } }, /paymentPayload.payload/],
  ])('400s a malformed body (%s)', async (_name, body, error) => {
    for (const path of ['/verify', '/settle']) {
      const res = await fetch(stack.facilitator.url + path, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: body === undefined ? '' : JSON.stringify(body),
      });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: string }).error).toMatch(error);
    }
  });
});

describe('POST /settle', () => {
  it('debits, transfers on chain and reports the session state (v2 and v1 bodies)', async () => {
    const user = freshUser();
    const sessionId = await openSession(stack, user, 100_000n);
    const payerBefore = await balanceOf(stack, user.address);
    const recipientBefore = await balanceOf(stack, stack.api.recipient);

    const v2 = await postJson('/settle', v2Body(sessionId, { amount: '30000' }));
    expect(v2.status).toBe(200);
    expect(v2.json).toEqual({
      success: true,
      payer: user.address,
      transaction: expect.stringMatching(/^0x[0-9a-f]{64}$/),
      network: 'eip155:31337',
      amount: '30000',
      extensions: { session: { id: sessionId, cap: '100000', spent: '30000', remaining: '70000' } },
    });
    const v1 = await postJson('/settle', v1Body(sessionId, '20000'));
    expect(v1.json).toMatchObject({ success: true, amount: '20000', extensions: { session: { spent: '50000', remaining: '50000' } } });

    const { publicClient } = clientsFor(stack, user);
    const receipt = await publicClient.getTransactionReceipt({ hash: v2.json.transaction as `0x${string}` });
    expect(receipt.status).toBe('success');
    expect(receipt.from.toLowerCase()).toBe(stack.facilitator.address.toLowerCase());
    expect(await balanceOf(stack, user.address)).toBe(payerBefore - 50_000n);
    expect(await balanceOf(stack, stack.api.recipient)).toBe(recipientBefore + 50_000n);
  });

  it('answers a refused payment with success:false, the reason, an empty transaction, and moves nothing', async () => {
    const user = freshUser();
    const sessionId = await openSession(stack, user, 10_000n);
    const before = await balanceOf(stack, user.address);
    const { status, json } = await postJson('/settle', v2Body(sessionId, { amount: '10001' }));
    expect(status).toBe(200);
    expect(json).toMatchObject({ success: false, errorReason: 'cap_exceeded', transaction: '', network: 'eip155:31337', payer: user.address });
    const unknown = await postJson('/settle', v2Body('sess_nope'));
    expect(unknown.json).toMatchObject({ success: false, errorReason: 'session_not_found', transaction: '' });
    expect(await balanceOf(stack, user.address)).toBe(before);
  });

  it('never overspends under concurrency: 30 settles against a cap for 10 → exactly 10 succeed', async () => {
    const user = freshUser();
    const sessionId = await openSession(stack, user, 100_000n);
    const before = await balanceOf(stack, user.address);
    const results = await Promise.all(Array.from({ length: 30 }, () => postJson('/settle', v2Body(sessionId, { amount: '10000' }))));
    const ok = results.filter((r) => r.json.success === true);
    expect(ok).toHaveLength(10);
    expect(results.filter((r) => r.json.errorReason === 'cap_exceeded')).toHaveLength(20);
    expect(new Set(ok.map((r) => r.json.transaction)).size).toBe(10);
    expect(await balanceOf(stack, user.address)).toBe(before - 100_000n);
    expect((await getJson(`/sessions/${sessionId}`)).json).toMatchObject({ spent: '100000', remaining: '0' });
  });

  it('refunds the debit when transferFrom fails on chain, and keeps an audit trail', async () => {
    const user = freshUser();
    const sessionId = await openSession(stack, user, 100_000n);
    expect((await postJson('/settle', v2Body(sessionId))).json.success).toBe(true);
    await approve(stack, user, 0n); // revoked on chain behind the facilitator's back
    const before = await balanceOf(stack, user.address);
    const { json } = await postJson('/settle', v2Body(sessionId));
    expect(json).toMatchObject({
      success: false,
      errorReason: 'onchain_transfer_failed',
      errorMessage: expect.any(String),
      transaction: '',
      extensions: { session: { id: sessionId, spent: '10000', remaining: '90000' } },
    });
    expect(await balanceOf(stack, user.address)).toBe(before);
    expect((await getJson(`/sessions/${sessionId}`)).json).toMatchObject({ spent: '10000' });

    const db = new Database(stack.facilitator.dbPath, { readonly: true });
    try {
      const rows = db.prepare('SELECT amount, status, tx_hash, error FROM settlements WHERE session_id = ? ORDER BY id').all(sessionId) as {
        amount: string;
        status: string;
        tx_hash: string | null;
        error: string | null;
      }[];
      expect(rows).toHaveLength(2);
      expect(rows[0]).toMatchObject({ amount: '10000', status: 'settled', tx_hash: expect.stringMatching(/^0x/), error: null });
      expect(rows[1]).toMatchObject({ amount: '10000', status: 'failed', error: expect.any(String) });
    } finally {
      db.close();
    }
  });
});

describe('durability and configuration', () => {
  it('keeps sessions across a facilitator restart on the same port', async () => {
    const user = freshUser();
    const sessionId = await openSession(stack, user, 100_000n);
    expect((await postJson('/settle', v2Body(sessionId))).json.success).toBe(true);
    const url = stack.facilitator.url;
    await stack.facilitator.stop();
    expect(stack.facilitator.running).toBe(false);
    await expect(fetch(`${url}/supported`)).rejects.toThrow();
    await stack.facilitator.start();
    expect(stack.facilitator.url).toBe(url);
    expect((await getJson(`/sessions/${sessionId}`)).json).toMatchObject({ spent: '10000', remaining: '90000' });
    expect((await postJson('/settle', v2Body(sessionId))).json).toMatchObject({ success: true, extensions: { session: { spent: '20000' } } });
  });

  it('applies a configured per-call ceiling (a second facilitator sharing the key)', async () => {
    const strict = await startFacilitator({
      ...stack.facilitator.options,
      port: 0,
      dataDir: mkdtempSync(join(tmpdir(), 'x402-strict-')),
      perCallMax: 5_000n,
      quiet: true,
    });
    try {
      const user = freshUser();
      const req = await sessionRequest(user, 100_000n);
      const opened = await postJson('/sessions', req, strict.url);
      expect(opened.status).toBe(201);
      const sessionId = String(opened.json.sessionId);
      expect((await postJson('/verify', v2Body(sessionId, { amount: '5000' }), strict.url)).json).toMatchObject({ isValid: true });
      expect((await postJson('/verify', v2Body(sessionId, { amount: '5001' }), strict.url)).json).toMatchObject({
        isValid: false,
        invalidReason: 'per_call_limit_exceeded',
      });
      // Both facilitators send from the same key: each must recover from the other's nonces.
      const main = await openSession(stack, freshUser(), 100_000n);
      for (let i = 0; i < 3; i++) {
        expect((await postJson('/settle', v2Body(sessionId, { amount: '5000' }), strict.url)).json).toMatchObject({ success: true });
        expect((await postJson('/settle', v2Body(main, { amount: '5000' }))).json).toMatchObject({ success: true });
      }
    } finally {
      await strict.stop();
    }
  });
});
