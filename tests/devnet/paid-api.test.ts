/**
 * Acceptance of the devnet through the paid API (the reference @x402/express middleware with our
 * session plugin), driven by a plain Node client: approve → POST /sessions → paid calls, with
 * every money movement checked on chain.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../../devnet/stack';
import { approve, balanceOf, openSession } from './support/sessions';
import { encodeHeader, paidFetch, paidFetchV1, paymentRequiredOf, sessionPaymentHeader } from './support/x402-client';

let stack: Stack;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  stack = await startStack({ quiet: true, userCount: 10 });
});
afterAll(async () => {
  await stack?.stop();
});

const user = (i: number) => {
  const u = stack.accounts.users[i];
  if (!u) throw new Error(`no user #${i}`);
  return u;
};
const chatUrl = () => stack.api.url + stack.api.paths.chat;
const chat = (message: string): RequestInit => ({
  method: 'POST',
  headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify({ message }),
});

describe('402 challenge', () => {
  it('advertises the session scheme with the facilitator extra and facilitatorUrl', async () => {
    const res = await fetch(chatUrl(), chat('hi'));
    expect(res.status).toBe(402);
    const required = paymentRequiredOf(res);
    expect(required?.x402Version).toBe(2);
    expect(required?.error).toBe('Payment required');
    expect(required?.resource.url).toBe(chatUrl());
    expect(required?.accepts).toEqual([
      {
        scheme: 'session',
        network: stack.chain.network,
        amount: '100000',
        asset: stack.token.address,
        payTo: stack.api.recipient,
        maxTimeoutSeconds: 300,
        extra: {
          areFeesSponsored: true,
          facilitatorAddress: stack.facilitator.address,
          spender: stack.facilitator.address,
          sessionsEndpoint: '/sessions',
          chainId: stack.chain.chainId,
          facilitatorUrl: stack.facilitator.url,
        },
      },
    ]);
    expect(stack.api.prices).toEqual({ chat: 100_000n, cheap: 10_000n, v1: 50_000n, nocors: 10_000n, hidden: 10_000n });
  });

  it('lets another origin send payment headers and read the x402 response headers (CORS)', async () => {
    const preflight = await fetch(stack.api.url + stack.api.paths.cheap, {
      method: 'OPTIONS',
      headers: { Origin: 'http://page.example', 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'payment-signature' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/PAYMENT-SIGNATURE/);
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/X-PAYMENT/);
    const res = await fetch(stack.api.url + stack.api.paths.cheap, { headers: { Origin: 'http://page.example' } });
    expect(res.status).toBe(402);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-expose-headers')).toBe('PAYMENT-REQUIRED, PAYMENT-RESPONSE, X-PAYMENT-RESPONSE');
  });

  it('the no-CORS route sets no CORS header at all, not even on preflight', async () => {
    const url = stack.api.url + stack.api.paths.nocors;
    const preflight = await fetch(url, {
      method: 'OPTIONS',
      headers: { Origin: 'http://page.example', 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'payment-signature' },
    });
    const res = await fetch(url, { headers: { Origin: 'http://page.example' } });
    expect(res.status).toBe(402);
    expect(res.headers.get('payment-required')).toBeTruthy();
    for (const r of [preflight, res]) {
      for (const name of r.headers.keys()) expect(name).not.toMatch(/^access-control-/);
    }
  });

  it('the hidden-headers route allows every origin but exposes nothing and allows only Content-Type on preflight', async () => {
    const url = stack.api.url + stack.api.paths.hidden;
    const preflight = await fetch(url, {
      method: 'OPTIONS',
      headers: { Origin: 'http://page.example', 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'payment-signature' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
    expect(preflight.headers.get('access-control-allow-headers')).toBe('Content-Type');
    const res = await fetch(url, { headers: { Origin: 'http://page.example' } });
    expect(res.status).toBe(402);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-expose-headers')).toBeNull();
    expect(paymentRequiredOf(res)?.accepts[0]).toMatchObject({ scheme: 'session', amount: '10000' });
  });

  it('pins @x402/express 2.27: a browser navigation gets the HTML paywall AND the PAYMENT-REQUIRED header', async () => {
    const res = await fetch(stack.api.url + stack.api.paths.cheap, {
      headers: { Accept: 'text/html,application/xhtml+xml', 'User-Agent': 'Mozilla/5.0 (X11; Linux x86_64) Chrome/140' },
    });
    expect(res.status).toBe(402);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(paymentRequiredOf(res)?.accepts[0]?.scheme).toBe('session');
  });
});

describe('paying with a session', () => {
  it('ten paid chats move exactly ten prices on chain; the eleventh is refused with cap_exceeded and moves nothing', async () => {
    const payer = user(0);
    const price = stack.api.prices.chat;
    const sessionId = await openSession(stack, payer, 10n * price);
    const payerBefore = await balanceOf(stack, payer.address);
    const recipientBefore = await balanceOf(stack, stack.api.recipient);

    for (let i = 1; i <= 10; i++) {
      const paid = await paidFetch(chatUrl(), chat(`message ${i}`), sessionId);
      expect(paid.res.status).toBe(200);
      expect(paid.body).toMatchObject({ paymentNumber: i });
      expect((paid.body as { reply: string }).reply).toContain(`paid message #${i}`);
      expect(paid.settle).toMatchObject({
        success: true,
        network: stack.chain.network,
        payer: payer.address,
        amount: price.toString(),
        extensions: { session: { id: sessionId, cap: (10n * price).toString(), spent: (BigInt(i) * price).toString() } },
      });
      expect(paid.settle?.transaction).toMatch(/^0x[0-9a-f]{64}$/);
    }
    expect(await balanceOf(stack, payer.address)).toBe(payerBefore - 10n * price);
    expect(await balanceOf(stack, stack.api.recipient)).toBe(recipientBefore + 10n * price);

    const eleventh = await paidFetch(chatUrl(), chat('one more'), sessionId);
    expect(eleventh.res.status).toBe(402);
    expect(eleventh.required?.error).toBe('cap_exceeded');
    expect(eleventh.settle).toBeUndefined();
    expect(await balanceOf(stack, payer.address)).toBe(payerBefore - 10n * price);
    expect(await balanceOf(stack, stack.api.recipient)).toBe(recipientBefore + 10n * price);

    const view = (await (await fetch(`${stack.facilitator.url}/sessions/${sessionId}`)).json()) as Record<string, unknown>;
    expect(view).toMatchObject({ spent: (10n * price).toString(), cap: (10n * price).toString() });
  });

  it('an expired session gets session_expired and moves nothing', async () => {
    const payer = user(1);
    const sessionId = await openSession(stack, payer, 1_000_000n, { expiresIn: 2 });
    const first = await paidFetch(stack.api.url + stack.api.paths.cheap, {}, sessionId);
    expect(first.res.status).toBe(200);
    const before = await balanceOf(stack, payer.address);
    await sleep(2_100);
    const late = await paidFetch(stack.api.url + stack.api.paths.cheap, {}, sessionId);
    expect(late.res.status).toBe(402);
    expect(late.required?.error).toBe('session_expired');
    expect(await balanceOf(stack, payer.address)).toBe(before);
  });

  it('50 concurrent paid calls against a cap for 20 settle exactly 20', async () => {
    const payer = user(2);
    const price = stack.api.prices.cheap;
    const sessionId = await openSession(stack, payer, 20n * price);
    const payerBefore = await balanceOf(stack, payer.address);
    const recipientBefore = await balanceOf(stack, stack.api.recipient);

    const results = await Promise.all(
      Array.from({ length: 50 }, () => paidFetch(stack.api.url + stack.api.paths.cheap, {}, sessionId)),
    );
    const ok = results.filter((r) => r.res.status === 200);
    const refused = results.filter((r) => r.res.status === 402);
    expect(ok).toHaveLength(20);
    expect(refused).toHaveLength(30);
    for (const r of refused) {
      // Refused at verify (PAYMENT-REQUIRED) or, if it raced past verify, at the debit (PAYMENT-RESPONSE).
      const reason = r.required?.error ?? r.settle?.errorReason;
      expect(reason).toBe('cap_exceeded');
    }
    expect(new Set(ok.map((r) => r.settle?.transaction)).size).toBe(20);
    expect(await balanceOf(stack, payer.address)).toBe(payerBefore - 20n * price);
    expect(await balanceOf(stack, stack.api.recipient)).toBe(recipientBefore + 20n * price);
  });

  it('a legacy v1 route round-trips with X-PAYMENT and X-PAYMENT-RESPONSE', async () => {
    const payer = user(3);
    const price = stack.api.prices.v1;
    const sessionId = await openSession(stack, payer, 2n * price);
    const before = await balanceOf(stack, payer.address);
    const url = stack.api.url + stack.api.paths.v1;

    const paid = await paidFetchV1(url, sessionId);
    expect(paid.challenge).toMatchObject({
      x402Version: 1,
      error: 'X-PAYMENT header is required',
      accepts: [
        {
          scheme: 'session',
          network: stack.chain.network,
          maxAmountRequired: price.toString(),
          asset: stack.token.address,
          payTo: stack.api.recipient,
          resource: url,
          mimeType: 'application/json',
          extra: { spender: stack.facilitator.address, facilitatorUrl: stack.facilitator.url, sessionsEndpoint: '/sessions' },
        },
      ],
    });
    expect(paid.res.status).toBe(200);
    expect(paid.body).toMatchObject({ fortune: expect.any(String), paymentNumber: 1 });
    expect(paid.settle).toMatchObject({ success: true, payer: payer.address, amount: price.toString() });
    expect(paid.res.headers.get('payment-response')).toBeNull();
    expect(await balanceOf(stack, payer.address)).toBe(before - price);

    await paidFetchV1(url, sessionId);
    const third = await paidFetchV1(url, sessionId);
    expect(third.res.status).toBe(402);
    expect(third.body).toMatchObject({ x402Version: 1, error: 'cap_exceeded' });
    expect(await balanceOf(stack, payer.address)).toBe(before - 2n * price);
  });

  it('v1: a malformed X-PAYMENT is answered with a fresh v1 402, not a 500', async () => {
    const res = await fetch(stack.api.url + stack.api.paths.v1, { headers: { 'X-PAYMENT': 'not base64 json!' } });
    expect(res.status).toBe(402);
    expect(await res.json()).toMatchObject({ x402Version: 1, error: 'Invalid or malformed X-PAYMENT header' });
  });

  it('the no-CORS route is paid like the others', async () => {
    const payer = user(4);
    const sessionId = await openSession(stack, payer, 1_000_000n);
    const before = await balanceOf(stack, payer.address);
    const paid = await paidFetch(stack.api.url + stack.api.paths.nocors, {}, sessionId);
    expect(paid.res.status).toBe(200);
    expect(paid.body).toMatchObject({ reels: expect.any(Array), win: expect.any(Boolean) });
    expect(await balanceOf(stack, payer.address)).toBe(before - stack.api.prices.nocors);
  });
});

describe('failures through the reference middleware (pinned behaviour of @x402/express 2.27)', () => {
  it('a bad chat body after a valid payment gets 400 and is not charged', async () => {
    const payer = user(5);
    const sessionId = await openSession(stack, payer, 1_000_000n);
    const before = await balanceOf(stack, payer.address);
    const paid = await paidFetch(chatUrl(), { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"msg":1}' }, sessionId);
    expect(paid.res.status).toBe(400);
    expect(paid.body).toMatchObject({ error: expect.stringMatching(/message/) });
    expect(paid.settle).toBeUndefined();
    expect(await balanceOf(stack, payer.address)).toBe(before);
  });

  it('an unknown session id comes back as a fresh 402 whose error is session_not_found', async () => {
    const paid = await paidFetch(stack.api.url + stack.api.paths.cheap, {}, 'sess_does-not-exist');
    expect(paid.res.status).toBe(402);
    expect(paid.required?.error).toBe('session_not_found');
  });

  it('X-PAYMENT alone on a v2 route is ignored: plain "Payment required"', async () => {
    const first = await fetch(stack.api.url + stack.api.paths.cheap);
    const challenge = paymentRequiredOf(first)!;
    const header = sessionPaymentHeader(challenge, challenge.accepts[0]!, 'sess_whatever');
    const res = await fetch(stack.api.url + stack.api.paths.cheap, { headers: { 'X-PAYMENT': header } });
    expect(res.status).toBe(402);
    expect(paymentRequiredOf(res)?.error).toBe('Payment required');
  });

  it('an undecodable PAYMENT-SIGNATURE is treated as no payment: "Payment required"', async () => {
    const res = await fetch(stack.api.url + stack.api.paths.cheap, { headers: { 'PAYMENT-SIGNATURE': 'eyJub3QiOiJjbG9zZWQ-_' } });
    expect(res.status).toBe(402);
    expect(paymentRequiredOf(res)?.error).toBe('Payment required');
  });

  it('an edited `accepted` entry gets "No matching payment requirements"', async () => {
    const first = await fetch(stack.api.url + stack.api.paths.cheap);
    const challenge = paymentRequiredOf(first)!;
    const accepted = { ...challenge.accepts[0]!, amount: '1' };
    const res = await fetch(stack.api.url + stack.api.paths.cheap, {
      headers: { 'PAYMENT-SIGNATURE': encodeHeader({ x402Version: 2, resource: challenge.resource, accepted, payload: { sessionId: 'x' } }) },
    });
    expect(res.status).toBe(402);
    expect(paymentRequiredOf(res)?.error).toBe('No matching payment requirements');
  });

  it('a transferFrom that fails on chain answers 402 with PAYMENT-RESPONSE onchain_transfer_failed and refunds the debit', async () => {
    const payer = user(6);
    const sessionId = await openSession(stack, payer, 1_000_000n);
    // Revoke the approval behind the facilitator's back: verify still passes (its ledger has
    // room), the on-chain transferFrom cannot.
    await approve(stack, payer, 0n);
    const before = await balanceOf(stack, payer.address);
    const paid = await paidFetch(stack.api.url + stack.api.paths.cheap, {}, sessionId);
    expect(paid.res.status).toBe(402);
    expect(paid.required).toBeUndefined();
    expect(paid.settle).toMatchObject({ success: false, errorReason: 'onchain_transfer_failed', transaction: '' });
    expect(await balanceOf(stack, payer.address)).toBe(before);
    const view = (await (await fetch(`${stack.facilitator.url}/sessions/${sessionId}`)).json()) as Record<string, unknown>;
    expect(view.spent).toBe('0');
  });

  it('while the facilitator is down, paid calls fail with a 402 and nothing moves; after a restart the same session pays', async () => {
    const payer = user(7);
    const sessionId = await openSession(stack, payer, 1_000_000n);
    const before = await balanceOf(stack, payer.address);
    await stack.facilitator.stop();
    try {
      const first = await fetch(stack.api.url + stack.api.paths.cheap);
      const challenge = paymentRequiredOf(first)!;
      const res = await fetch(stack.api.url + stack.api.paths.cheap, {
        headers: { 'PAYMENT-SIGNATURE': sessionPaymentHeader(challenge, challenge.accepts[0]!, sessionId) },
      });
      expect(res.status).toBe(402);
      expect(paymentRequiredOf(res)?.error).toBe('fetch failed');
    } finally {
      await stack.facilitator.start();
    }
    expect(await balanceOf(stack, payer.address)).toBe(before);
    const paid = await paidFetch(stack.api.url + stack.api.paths.cheap, {}, sessionId);
    expect(paid.res.status).toBe(200);
    expect(await balanceOf(stack, payer.address)).toBe(before - stack.api.prices.cheap);
  });
});

describe('catalog', () => {
  it('GET / lists the routes and prices for free', async () => {
    const res = await fetch(stack.api.url + '/');
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      network: stack.chain.network,
      asset: stack.token.address,
      payTo: stack.api.recipient,
      facilitatorUrl: stack.facilitator.url,
      routes: { chat: { path: '/api/chat', price: '100000' }, v1: { path: '/api/v1/fortune', x402Version: 1 } },
    });
  });
});
