import type { AuditEntry } from './audit';
import type { DnrPorts, DnrRule, ResponseDetails, WebRequestPorts } from './browser-ports';

/**
 * x402 across CORS. The page's wrapper reads a 402's `PAYMENT-REQUIRED` and a paid response's
 * `PAYMENT-RESPONSE` with the page's own fetch, so CORS decides what it sees. Two cases:
 *
 * 1. **The API sends CORS but does not expose x402's headers** (common: `cors()` with defaults).
 *    Two dynamic `declarativeNetRequest` rules make x402's own names — and nothing else — readable
 *    on responses that already carry `Access-Control-Allow-Origin`:
 *    - non-OPTIONS responses: append `Access-Control-Expose-Headers: PAYMENT-REQUIRED,
 *      PAYMENT-RESPONSE, X-PAYMENT-RESPONSE, X-UPTO-SESSION-ID` (the last is daydreams `upto`'s
 *      receipt: its successes carry no PAYMENT-RESPONSE);
 *    - OPTIONS (preflight) responses: append `Access-Control-Allow-Headers: PAYMENT-SIGNATURE,
 *      X-PAYMENT`, so the paid retry may carry its header.
 *    They never add `Access-Control-Allow-Origin` or widen any other name: a response the page could
 *    not read stays unreadable, other headers stay hidden, other request headers stay refused. Where
 *    the browser cannot condition a rule on a response header (Firefox; Chrome before 128) the rules
 *    go in without that condition, which is equally safe: expose / allow lists are only consulted
 *    once `Access-Control-Allow-Origin` has already let the page in.
 * 2. **The API sends no CORS at all**: the page's fetch fails with a TypeError and nothing can be
 *    paid — the wallet must not read it for the page either. `webRequest` observation (read-only)
 *    notices a cross-origin 402 carrying `PAYMENT-REQUIRED` that no `Access-Control-Allow-Origin`
 *    lets the initiating origin read, and records `cors_blocked` for that origin, so the popup's
 *    "recently declined" list says why. The page hears nothing: telling it would reveal what CORS
 *    hides (that the cross-origin URL answered an x402 402).
 */
export const X402_RESPONSE_HEADERS = 'PAYMENT-REQUIRED, PAYMENT-RESPONSE, X-PAYMENT-RESPONSE, X-UPTO-SESSION-ID';
export const X402_REQUEST_HEADERS = 'PAYMENT-SIGNATURE, X-PAYMENT';
/** The dynamic rule ids this module owns; replaced at every worker start. */
export const CORS_RULE_IDS = [402_001, 402_002];

/** How the rules went in: with the `Access-Control-Allow-Origin` condition, without it, or not at all. */
export type Exposure = 'conditioned' | 'unconditioned' | 'failed';

export function exposureRules(conditioned: boolean): DnrRule[] {
  const when = conditioned ? { responseHeaders: [{ header: 'access-control-allow-origin' }] } : {};
  const rule = (id: number, methods: Pick<DnrRule['condition'], 'requestMethods' | 'excludedRequestMethods'>, header: string, value: string): DnrRule => ({
    id,
    priority: 1,
    // `xmlhttprequest` is fetch and XHR (preflights included); never documents, scripts or images.
    condition: { resourceTypes: ['xmlhttprequest'], ...methods, ...when },
    action: { type: 'modifyHeaders', responseHeaders: [{ header, operation: 'append', value }] },
  });
  return [
    rule(CORS_RULE_IDS[0]!, { excludedRequestMethods: ['options'] }, 'Access-Control-Expose-Headers', X402_RESPONSE_HEADERS),
    rule(CORS_RULE_IDS[1]!, { requestMethods: ['options'] }, 'Access-Control-Allow-Headers', X402_REQUEST_HEADERS),
  ];
}

const REPEAT_MS = 60_000;
const MAX_PER_MINUTE = 30;
const MAX_REMEMBERED = 500;

export interface X402CorsDeps {
  dnr?: DnrPorts;
  webRequest?: WebRequestPorts;
  /** The audit log's writer. */
  record(entry: AuditEntry): Promise<void>;
  now?: () => number;
  log?: (event: string, data: Record<string, unknown>) => void;
}

/**
 * Call `start()` synchronously at worker start: the `webRequest` listener must be registered in the
 * first turn to wake the worker. Resolves with how the header rules went in.
 */
export function createX402Cors(deps: X402CorsDeps) {
  const now = deps.now ?? Date.now;
  /** When each (origin, method, URL path) was last recorded, so a polling page is one line a minute. */
  const last = new Map<string, number>();
  let minute = { start: 0, count: 0 };

  function onHeaders(d: ResponseDetails): void {
    const origin = unreadable402(d);
    if (!origin) return;
    const t = now();
    const key = `${origin} ${d.method} ${d.url.split(/[?#]/)[0]}`;
    if (t - (last.get(key) ?? -Infinity) < REPEAT_MS) return;
    if (t - minute.start >= 60_000) minute = { start: t, count: 0 };
    if (++minute.count > MAX_PER_MINUTE) return;
    last.delete(key);
    last.set(key, t);
    if (last.size > MAX_REMEMBERED) last.delete(last.keys().next().value!);
    void deps.record({ origin, kind: 'payment_declined', reason: 'cors_blocked', url: d.url, method: d.method.toUpperCase() });
  }

  return {
    start(): Promise<Exposure> {
      const wr = deps.webRequest;
      if (wr) {
        // Chrome hands an observer the headers of a response CORS then blocks only with
        // `extraHeaders` (Firefox has no such option and always does).
        const extra = wr.OnHeadersReceivedOptions?.EXTRA_HEADERS;
        try {
          wr.onHeadersReceived.addListener(onHeaders, { urls: ['http://*/*', 'https://*/*'], types: ['xmlhttprequest'] }, extra ? ['responseHeaders', extra] : ['responseHeaders']);
        } catch (e) {
          deps.log?.('cors.observe_failed', { error: e instanceof Error ? e.message : String(e) });
        }
      }
      return deps.dnr ? installRules(deps.dnr, deps.log) : Promise.resolve('failed');
    },
    /** For tests: what a response would record. */
    onHeaders,
  };
}

async function installRules(dnr: DnrPorts, log: X402CorsDeps['log']): Promise<Exposure> {
  for (const conditioned of [true, false]) {
    try {
      await dnr.updateDynamicRules({ removeRuleIds: CORS_RULE_IDS, addRules: exposureRules(conditioned) });
      return conditioned ? 'conditioned' : 'unconditioned';
    } catch (e) {
      log?.('cors.rules_failed', { conditioned, error: e instanceof Error ? e.message : String(e) });
    }
  }
  return 'failed';
}

/**
 * The origin that made `d` when `d` is a cross-origin 402 with x402 data its page cannot read (no
 * `Access-Control-Allow-Origin` for it); null otherwise. The initiator is the browser's word
 * (Chrome `initiator`, Firefox `originUrl`), never a page's.
 */
export function unreadable402(d: ResponseDetails): string | null {
  // A preflight is never the page's own request (and a server answering it 402 is not paying it).
  if (d.statusCode !== 402 || d.method.toUpperCase() === 'OPTIONS') return null;
  const origin = webOrigin(d.initiator ?? d.originUrl);
  const target = webOrigin(d.url);
  if (!origin || !target || origin === target) return null;
  let required = false;
  let allowed: string | null = null;
  for (const h of d.responseHeaders ?? []) {
    const name = h.name.toLowerCase();
    if (name === 'payment-required') required = true;
    else if (name === 'access-control-allow-origin') allowed = (h.value ?? '').trim();
  }
  return required && allowed !== '*' && allowed !== origin ? origin : null;
}

function webOrigin(url: string | undefined): string | null {
  if (!url) return null;
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.origin : null;
  } catch {
    return null;
  }
}
