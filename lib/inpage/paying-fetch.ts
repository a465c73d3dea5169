import { MAX_PAYMENT_REQUIRED_HEADER, MAX_PAYMENT_RESPONSE_HEADER, MAX_V1_BODY } from '../x402/limits';
import { routeKey } from '../messaging/route-key';
import type { Channel } from './channel';
import type { Natives } from './natives';
import { redactResponse } from './redact';

export type PageEvent = 'payment' | 'paymentFailed';

export interface PayingFetchDeps {
  n: Natives;
  channel: Channel;
  emit(event: PageEvent, data: unknown): void;
}

/**
 * A reply from the background, as parsed here (null-prototype objects): the fields of `pay` /
 * `prepay` / `report` results and errors that this script reads. Everything is `unknown` until used.
 */
interface Reply {
  result?: Reply;
  error?: Reply;
  pay?: unknown;
  attemptId?: unknown;
  header?: { name?: unknown; value?: unknown };
  redact?: unknown;
  reason?: unknown;
  message?: unknown;
  session?: unknown;
  outcome?: unknown;
  route?: unknown;
  amount?: unknown;
  transaction?: unknown;
  location?: unknown;
  method?: unknown;
  after?: unknown;
}

/** Redirect hops a paid request may follow (same origin, approved ones only). */
const MAX_REDIRECTS = 3;

/** The strings of the grant the background named as never page-visible (e.g. the session id). */
function secretsOf(decision: Reply): string[] {
  const list = decision.redact as unknown;
  const out: string[] = [];
  if (list && typeof (list as ArrayLike<unknown>).length === 'number') {
    for (let i = 0; i < (list as ArrayLike<unknown>).length; i++) {
      const v = (list as ArrayLike<unknown>)[i];
      if (typeof v === 'string' && v.length >= 8) out[out.length] = v;
    }
  }
  return out;
}

/** Does the response say it is JSON? */
const isJson = (n: Natives, h: Headers) => /json/i.test(n.headersGet(h, 'content-type') ?? '');

function clip(value: string | null, max: number): string | null {
  // One past the limit, so the background's codec names the problem instead of a schema error.
  return value !== null && value.length > max ? value.slice(0, max + 1) : value;
}

/**
 * The page's `fetch`, paying x402 402s through the background (docs/architecture.md §2):
 * clone before the first send; a 402 without x402 data, or one we will not pay, goes back to the
 * page untouched; a payable one is retried exactly once with the header the background reserved
 * for; a request that already carried a payment header is never paid.
 *
 * Pre-emptive payment: once this page has paid a route (method + URL path), the next request to it
 * asks the background first and carries the header on its first send — one round trip instead of
 * two. If the server answers 402 anyway, that 402 goes through the normal path.
 *
 * Hardening: the payment header (a bearer credential) exists only in null-prototype objects and in
 * the request handed straight to the captured native fetch, never returned from an async function,
 * so page getters on Object.prototype (`then`, `signal`, …) never see it.
 */
export function createPayingFetch(deps: PayingFetchDeps): typeof fetch {
  return createPaying(deps).fetch;
}

/**
 * After a 402 with x402 data: ask `pay`, retry `replay` once with the header, report. Resolves with
 * the paid response (secrets redacted), or null when the page should get its original 402 (not
 * payable, or the server refused: the reason went out as an event). Rejects as the retry's native
 * fetch does (network error, abort). Shared by the fetch and the XMLHttpRequest wrappers.
 */
export type PaidRetry = (url: string, verb: string, paymentRequired: string | null, body: string | null, replay: Request) => Promise<Response | null>;

export interface Paying {
  fetch: typeof fetch;
  retry: PaidRetry;
  /** True once the relay answered: only then is a 402 worth holding back. */
  readonly connected: boolean;
}

export function createPaying({ n, channel, emit }: PayingFetchDeps): Paying {
  /** Routes this page has paid, by the background's own route key (no secrets). */
  const knownRoutes = new Set<string>();

  const fail = (url: string, method: string, reason: string, message: string, session?: unknown) =>
    emit('paymentFailed', { url, method, reason, message, ...(session ? { session } : {}) });

  /**
   * A call that met a worker being stopped (Chrome stops idle workers; tests stop them on purpose)
   * gets `extension_unavailable`; the next message starts a fresh worker. `report` is idempotent in
   * the ledger, so it is re-sent until it lands: otherwise money that moved stays "reserved" until
   * reconciliation. `pay` is retried once: the attempt id makes the retry reuse its reservation.
   */
  const workerGone = (reason: unknown) => reason === 'extension_unavailable';
  const callWithRetry = async (method: string, params: unknown, attempts: number): Promise<string> => {
    for (let i = 0; ; i++) {
      const raw = await channel.request(method, params);
      const reason = (n.parseInert(raw) as Reply).error?.reason;
      if (!workerGone(reason) || i + 1 >= attempts) return raw;
      await new Promise((r) => n.setTimeout(r, 50 * 2 ** i));
    }
  };
  const report = (params: Record<string, unknown>) => callWithRetry('report', params, 6);

  /** Ask for a header (`pay` after a 402, `prepay` before the first send); null when none. */
  async function decide(method: 'pay' | 'prepay', params: Record<string, unknown>, url: string, verb: string, quiet: boolean): Promise<Reply | null> {
    const attemptId = params.attemptId as string;
    const reply = n.parseInert(await callWithRetry(method, params, 2)) as Reply;
    const decision = reply.result;
    if (decision && decision.pay === true && decision.header) return decision;
    const err = reply.error;
    // No answer at all: a reservation may exist that we will never use. Free it.
    if (!decision && workerGone(err?.reason)) void report({ attemptId, sent: false, status: 0 });
    if (!quiet) {
      if (decision) fail(url, verb, String(decision.reason), String(decision.message), decision.session);
      else fail(url, verb, String(err?.reason ?? 'extension_error'), String(err?.message ?? 'Extension failed.'));
    }
    return null;
  }

  /** Report a paid send's answer; resolves with the background's verdict. */
  const verdict = async (attemptId: string, res: Response): Promise<Reply | undefined> => {
    const headers = n.responseHeaders(res);
    const status = n.responseStatus(res);
    const required = n.headersGet(headers, 'payment-required');
    let body: string | null = null;
    try {
      // A refusal without PAYMENT-REQUIRED may say why in a JSON body (daydreams `upto`'s limits);
      // cloned before the first await, so before the page can read the body.
      if (status > 399 && required === null && isJson(n, headers)) body = clip(await n.responseText(n.responseClone(res)), MAX_V1_BODY);
    } catch {
      // Unreadable: report without it.
    }
    const raw = await report({
      attemptId,
      sent: true,
      status,
      paymentResponse: clip(n.headersGet(headers, 'payment-response') ?? n.headersGet(headers, 'x-payment-response'), MAX_PAYMENT_RESPONSE_HEADER),
      paymentRequired: clip(required, MAX_PAYMENT_REQUIRED_HEADER),
      body,
      uptoSessionId: n.headersGet(headers, 'x-upto-session-id'),
    });
    return (n.parseInert(raw) as Reply).result;
  };

  /** Send `base` with the reserved header and report what came back. Returns the raw response. */
  async function sendPaid(base: Request, decision: Reply, url: string, verb: string, quiet: boolean): Promise<Response> {
    const attemptId = String(decision.attemptId);
    if (n.requestSignal(base).aborted) {
      void report({ attemptId, sent: false, status: 0 });
      throw new DOMException('The operation was aborted.', 'AbortError');
    }
    const record = n.inert() as Record<string, string>;
    n.headersForEach(n.requestHeaders(base), (value, name) => {
      record[name] = value;
    });
    // `decide` only hands over decisions that carry a header.
    const header = decision.header as { name: unknown; value: unknown };
    record[String(header.name)] = String(header.value);
    const init = n.inert();
    init.headers = record;
    // The header never follows a redirect by itself (the fetch standard would re-send it to any
    // origin): a redirect comes back to us, and only one the background allows is followed.
    init.redirect = 'manual';
    let target = base;
    let res: Response;
    let done: Promise<Reply | undefined>;
    for (let hop = 0; ; hop++) {
      const spare = hop < MAX_REDIRECTS ? n.requestClone(target) : null;
      try {
        res = await n.fetch(new n.Request(target, init as RequestInit));
      } catch (error) {
        // Unknown whether it reached the server: the background keeps the reservation and asks the
        // facilitator later. The page sees the same network error a plain fetch would give.
        void report({ attemptId, sent: true, status: 0 });
        throw error;
      }
      if (n.responseType(res) !== 'opaqueredirect') {
        done = verdict(attemptId, res);
        // A 409 the background calls a retry (daydreams: a batch is settling): nothing was counted and
        // the reservation stands; the same payment goes again after the wait.
        const r = spare && n.responseStatus(res) === 409 ? await done : null;
        if (r?.outcome !== 'retry') break;
        await new Promise((ok) => n.setTimeout(ok, Number(r.after)));
        target = spare!;
        continue;
      }
      const next = (n.parseInert(await report({ attemptId, sent: true, status: 0, redirected: true, url: n.requestUrl(target) })) as Reply).result;
      if (!spare || next?.outcome !== 'redirect' || typeof next.location !== 'string') {
        if (!quiet) fail(url, verb, String(next?.reason ?? 'redirect_refused'), String(next?.message ?? 'Redirect not followed.'));
        throw new TypeError('Failed to fetch');
      }
      // Same origin, approved: send the same payment on, the way the browser would have followed it.
      const follow = n.inert();
      follow.method = String(next.method);
      follow.headers = record;
      follow.credentials = n.requestCredentials(spare);
      follow.redirect = 'manual';
      follow.signal = n.requestSignal(spare);
      if (follow.method !== 'GET' && follow.method !== 'HEAD') follow.body = await n.requestArrayBuffer(spare);
      target = new n.Request(next.location, follow as RequestInit);
    }
    void done.then((r) => {
      if (!r) return;
      if (r.outcome === 'settled') {
        if (typeof r.route === 'string') knownRoutes.add(r.route);
        emit('payment', { url, method: verb, amount: r.amount, ...(r.transaction ? { transaction: r.transaction } : {}), session: r.session });
      } else if (!quiet) fail(url, verb, String(r.reason), String(r.message), r.session);
    });
    return res;
  }

  async function x402fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
    let request: Request;
    try {
      request = new n.Request(input as RequestInfo, init);
    } catch {
      // Let the native fetch raise its own error for input it would refuse.
      return n.fetch(input as RequestInfo, init);
    }
    const headers = n.requestHeaders(request);
    if (n.headersHas(headers, 'payment-signature') || n.headersHas(headers, 'x-payment')) return n.fetch(request);
    let replay: Request | null = null;
    try {
      replay = n.requestClone(request);
    } catch {
      replay = null;
    }
    const url = n.requestUrl(request);
    const verb = n.requestMethod(request);

    let response: Response | null = null;
    const route = routeKey(url, verb);
    if (replay !== null && channel.connected && route !== null && knownRoutes.has(route)) {
      const decision = await decide('prepay', { url, method: verb, attemptId: n.randomHex(8) }, url, verb, true);
      if (decision === null) knownRoutes.delete(route);
      else {
        const pre = await sendPaid(request, decision, url, verb, true);
        if (n.responseStatus(pre) !== 402) return redactResponse(n, pre, secretsOf(decision));
        // The server wants paying anyway (price or session changed): treat its 402 as the original.
        knownRoutes.delete(route);
        response = pre;
      }
    }
    response ??= await n.fetch(request);
    if (n.responseStatus(response) !== 402 || replay === null || !channel.connected) return response;

    const resHeaders = n.responseHeaders(response);
    const paymentRequired = n.headersGet(resHeaders, 'payment-required');
    let body: string | null = null;
    // v1 keeps its requirements in a JSON body. Read it even beside a v2 header: a body that
    // disagrees with the header must stop the payment, not be ignored.
    if (isJson(n, resHeaders)) {
      try {
        body = await n.responseText(n.responseClone(response));
      } catch {
        // Unreadable: as if there were none.
      }
      // Beside a header the body always goes (the background parses it, so a disguised v1 claim
      // cannot slip past as text); alone, only a body that names x402 at all.
      if (body !== null && paymentRequired === null && !n.stringIncludes(body, 'x402Version')) body = null;
    }
    if (paymentRequired === null && body === null) return response;

    let paid: Response | null;
    try {
      paid = await retry(url, verb, paymentRequired, body, replay);
    } catch (error) {
      if ((error as { name?: unknown })?.name === 'AbortError' && n.requestSignal(replay).aborted) return response;
      throw error;
    }
    return paid ?? response;
  }

  const retry: PaidRetry = async (url, verb, paymentRequired, body, replay) => {
    const decision = await decide(
      'pay',
      { url, method: verb, paymentRequired: clip(paymentRequired, MAX_PAYMENT_REQUIRED_HEADER), body: clip(body, MAX_V1_BODY), hadPayment: false, attemptId: n.randomHex(8) },
      url,
      verb,
      false,
    );
    if (decision === null) return null;
    const res = await sendPaid(replay, decision, url, verb, false);
    // The server refused the payment: the page gets its original 402 (the reason is in the event).
    return n.responseStatus(res) === 402 ? null : redactResponse(n, res, secretsOf(decision));
  };

  return {
    fetch: x402fetch,
    retry,
    get connected() {
      return channel.connected;
    },
  };
}
