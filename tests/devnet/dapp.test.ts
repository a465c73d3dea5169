/**
 * The demo dapp: served on its own origin with the stack's config, and the stable test ids the
 * browser tests will drive. Its behaviour in a browser is in dapp-browser.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../../devnet/stack';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ quiet: true, userCount: 1 });
});
afterAll(async () => {
  await stack?.stop();
});

describe('demo dapp', () => {
  it('runs on a third origin, distinct from the API, the facilitator and the chain', () => {
    const origins = [stack.dapp.url, stack.api.url, stack.facilitator.url, stack.chain.rpcUrl].map((u) => new URL(u).origin);
    expect(new Set(origins).size).toBe(4);
  });

  it('serves /config.json with everything the page needs', async () => {
    const res = await fetch(`${stack.dapp.url}/config.json`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      apiUrl: stack.api.url,
      facilitatorUrl: stack.facilitator.url,
      network: 'eip155:31337',
      chainId: 31337,
      rpcUrl: stack.chain.rpcUrl,
      token: { address: stack.token.address, symbol: 'USDC', decimals: 6, name: stack.token.name, version: '2' },
      recipient: stack.api.recipient,
      paths: { chat: '/api/chat', cheap: '/api/slot', v1: '/api/v1/fortune', nocors: '/api/nocors/slot', hidden: '/api/hidden/slot' },
      prices: { chat: '100000', cheap: '10000', v1: '50000', nocors: '10000' },
      session: { cap: '1.00', expiresIn: 3600 },
      schemes: {
        upto: { path: '/api/upto/slot', price: '10000', cap: '100000' },
        exact: { path: '/api/exact/slot', v1Path: '/api/exact/v1/fortune', price: '10000', v1Price: '50000' },
      },
    });
  });

  it('serves the page with the stable data-testids and its script', async () => {
    const res = await fetch(`${stack.dapp.url}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    const html = await res.text();
    for (const id of [
      'start-session',
      'session-cap',
      'session-spent',
      'session-remaining',
      'session-expiry',
      'chat-input',
      'chat-send',
      'chat-log',
      'slot-pull',
      'slot-reels',
      'install-hint',
      'status',
      'chain-picker',
      'upto-pull',
      'upto-result',
      'exact-pull',
      'exact-fortune',
      'exact-result',
    ]) {
      expect(html).toContain(`data-testid="${id}"`);
    }
    const js = await fetch(`${stack.dapp.url}/app.js`);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toMatch(/javascript/);
    expect((await fetch(`${stack.dapp.url}/nope`)).status).toBe(404);
  });
});
