import { describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../lib/background/audit';
import type { DnrRule, ResponseDetails, WebRequestPorts } from '../../lib/background/browser-ports';
import { CORS_RULE_IDS, createX402Cors, exposureRules, unreadable402 } from '../../lib/background/cors';

const PAGE = 'http://dapp.test';
const API = 'http://api.test/api/nocors/slot?x=1';
const h = (name: string, value = 'v') => ({ name, value });
const nocors = (over: Partial<ResponseDetails> = {}): ResponseDetails => ({
  url: API,
  method: 'GET',
  statusCode: 402,
  initiator: PAGE,
  responseHeaders: [h('Payment-Required', 'eyJ4NDAyVmVyc2lvbiI6Mn0='), h('content-type', 'application/json')],
  ...over,
});

describe('the x402 header rules (declarativeNetRequest)', () => {
  it('append only x402 names, to expose-headers on responses and allow-headers on preflights, where CORS already allows the page', () => {
    const [expose, allow] = exposureRules(true);
    expect(expose).toMatchObject({
      condition: { resourceTypes: ['xmlhttprequest'], excludedRequestMethods: ['options'], responseHeaders: [{ header: 'access-control-allow-origin' }] },
      action: { type: 'modifyHeaders', responseHeaders: [{ header: 'Access-Control-Expose-Headers', operation: 'append', value: 'PAYMENT-REQUIRED, PAYMENT-RESPONSE, X-PAYMENT-RESPONSE, X-UPTO-SESSION-ID' }] },
    });
    expect(allow).toMatchObject({
      condition: { resourceTypes: ['xmlhttprequest'], requestMethods: ['options'], responseHeaders: [{ header: 'access-control-allow-origin' }] },
      action: { type: 'modifyHeaders', responseHeaders: [{ header: 'Access-Control-Allow-Headers', operation: 'append', value: 'PAYMENT-SIGNATURE, X-PAYMENT' }] },
    });
    for (const conditioned of [true, false]) {
      for (const rule of exposureRules(conditioned)) {
        // Never the origin check itself, never set / remove, never another resource type.
        for (const m of rule.action.responseHeaders) {
          expect(m.operation).toBe('append');
          expect(m.header.toLowerCase()).not.toBe('access-control-allow-origin');
          expect(m.header.toLowerCase()).not.toBe('access-control-allow-credentials');
        }
        expect(rule.condition.resourceTypes).toEqual(['xmlhttprequest']);
      }
    }
    expect(exposureRules(false).every((r) => r.condition.responseHeaders === undefined)).toBe(true);
  });

  it('go in with the response-header condition, without it where the browser refuses it, and replace their own ids only', async () => {
    const calls: { removeRuleIds?: number[]; addRules?: DnrRule[] }[] = [];
    const chrome = { updateDynamicRules: async (o: (typeof calls)[number]) => void calls.push(o) };
    expect(await createX402Cors({ dnr: chrome, record: async () => undefined }).start()).toBe('conditioned');
    expect(calls[0]!.removeRuleIds).toEqual(CORS_RULE_IDS);
    expect(calls[0]!.addRules!.map((r) => r.id)).toEqual(CORS_RULE_IDS);

    // Firefox 153: no `responseHeaders` condition in its rule schema.
    const seen: boolean[] = [];
    const firefox = {
      updateDynamicRules: async (o: { addRules?: DnrRule[] }) => {
        const conditioned = o.addRules!.some((r) => r.condition.responseHeaders);
        seen.push(conditioned);
        if (conditioned) throw new Error('Unexpected property "responseHeaders"');
      },
    };
    const logged: string[] = [];
    expect(await createX402Cors({ dnr: firefox, record: async () => undefined, log: (e) => logged.push(e) }).start()).toBe('unconditioned');
    expect(seen).toEqual([true, false]);
    expect(logged).toEqual(['cors.rules_failed']);

    const broken = { updateDynamicRules: async () => Promise.reject(new Error('quota')) };
    expect(await createX402Cors({ dnr: broken, record: async () => undefined }).start()).toBe('failed');
  });
});

describe('noticing an x402 402 that CORS keeps from the page (webRequest)', () => {
  it('names the initiating origin for a cross-origin 402 with PAYMENT-REQUIRED and no CORS for that origin', () => {
    expect(unreadable402(nocors())).toBe(PAGE);
    // Another origin allowed is still no CORS for this one.
    expect(unreadable402(nocors({ responseHeaders: [h('payment-required'), h('Access-Control-Allow-Origin', 'http://other.test')] }))).toBe(PAGE);
    // Firefox names the initiating document's URL.
    expect(unreadable402(nocors({ initiator: undefined, originUrl: 'http://dapp.test/app/page.html?q' }))).toBe(PAGE);
  });

  it('ignores what the page can read, what is not x402, and what no web page started', () => {
    expect(unreadable402(nocors({ responseHeaders: [h('payment-required'), h('access-control-allow-origin', '*')] }))).toBeNull();
    expect(unreadable402(nocors({ responseHeaders: [h('payment-required'), h('access-control-allow-origin', PAGE)] }))).toBeNull();
    expect(unreadable402(nocors({ url: 'http://dapp.test/api/slot' }))).toBeNull(); // same origin: CORS does not apply
    expect(unreadable402(nocors({ statusCode: 200 }))).toBeNull();
    expect(unreadable402(nocors({ method: 'OPTIONS' }))).toBeNull(); // a preflight some server answered 402
    expect(unreadable402(nocors({ responseHeaders: [h('content-type', 'application/json')] }))).toBeNull();
    expect(unreadable402(nocors({ initiator: 'null' }))).toBeNull(); // opaque origin (sandboxed frame)
    expect(unreadable402(nocors({ initiator: 'chrome-extension://abcdefghijklmnop' }))).toBeNull();
    expect(unreadable402(nocors({ initiator: undefined }))).toBeNull();
  });

  it('records cors_blocked once a minute per route, at most 30 lines a minute, and listens with extraHeaders where Chrome has it', () => {
    let listener: ((d: ResponseDetails) => void) | null = null;
    let spec: string[] | undefined;
    let filter: unknown;
    const webRequest: WebRequestPorts = {
      onHeadersReceived: {
        addListener(fn, f, s) {
          listener = fn;
          filter = f;
          spec = s;
        },
      },
      OnHeadersReceivedOptions: { BLOCKING: 'blocking', RESPONSE_HEADERS: 'responseHeaders', EXTRA_HEADERS: 'extraHeaders' },
    };
    const recorded: AuditEntry[] = [];
    let t = 1_000_000;
    void createX402Cors({ webRequest, record: async (e) => void recorded.push(e), now: () => t }).start();
    expect(spec).toEqual(['responseHeaders', 'extraHeaders']);
    expect(filter).toEqual({ urls: ['http://*/*', 'https://*/*'], types: ['xmlhttprequest'] });

    listener!(nocors());
    listener!(nocors({ url: 'http://api.test/api/nocors/slot?x=2' })); // same route
    expect(recorded).toEqual([{ origin: PAGE, kind: 'payment_declined', reason: 'cors_blocked', url: API, method: 'GET' }]);
    t += 61_000;
    listener!(nocors());
    expect(recorded).toHaveLength(2);
    // A new minute: that one and 29 more routes, then nothing until the next minute.
    for (let i = 0; i < 100; i++) listener!(nocors({ url: `http://api.test/r${i}` }));
    expect(recorded).toHaveLength(1 + 30);
    t += 60_000;
    listener!(nocors({ url: 'http://api.test/next-minute' }));
    expect(recorded).toHaveLength(32);

    let firefoxSpec: string[] | undefined;
    void createX402Cors({ webRequest: { onHeadersReceived: { addListener: (_f, _u, s) => void (firefoxSpec = s) } }, record: async () => undefined }).start();
    expect(firefoxSpec).toEqual(['responseHeaders']);
  });
});
