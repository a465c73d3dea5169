import { MAX_PAYMENT_REQUIRED_HEADER, MAX_PAYMENT_RESPONSE_HEADER, MAX_V1_BODY } from '../x402/limits';
import type { Channel } from './channel';
import type { Natives } from './natives';
import { redactResponse, sessionIdOf } from './redact';

export type PageEvent = 'payment' | 'paymentFailed';

export interface PayingFetchDeps {
  n: Natives;
  channel: Channel;
  emit(event: PageEvent, data: unknown): void;
}


function clip(value: string | null, max: number): string | null {
  // One past the limit, so the background's codec names the problem instead of a schema error.
  return value !== null && value.length > max ? value.slice(0, max + 1) : value;
}

/**
 * The page's `fetch`, paying x402 402s through the background (design §3):
 * clone before the first send; a 402 without x402 data, or one we will not pay, goes back to the
 * page untouched; a payable one is retried exactly once with the header the background reserved
 * for; a request that already carried a payment header is never paid.
 *
 * Hardening: the payment header (a bearer credential) exists only in null-prototype objects and in
 * the retry Request, which is handed straight to the captured native fetch and never returned from
 * an async function, so page getters on Object.prototype (`then`, `signal`, …) never see it.
 */
export function createPayingFetch({ n, channel, emit }: PayingFetchDeps): typeof fetch {
  const fail = (url: string, method: string, reason: string, message: string, session?: unknown) =>
    emit('paymentFailed', { url, method, reason, message, ...(session ? { session } : {}) });

  /**
   * A call that met a worker being stopped (Chrome stops idle workers; tests stop them on purpose)
   * gets `extension_unavailable`; the next message starts a fresh worker. `report` is idempotent in
   * the ledger, so it is re-sent until it lands: otherwise money that moved stays "reserved" until
   * reconciliation. `pay` is retried once: at worst a reservation dangles until reconciliation.
   */
  const workerGone = (reason: unknown) => reason === 'extension_unavailable' || reason === 'no_reply';
  const callWithRetry = async (method: string, params: unknown, attempts: number): Promise<string> => {
    for (let i = 0; ; i++) {
      const raw = await channel.request(method, params);
      const reason = ((n.parseInert(raw) as Record<string, any>).error as Record<string, any> | undefined)?.reason;
      if (!workerGone(reason) || i + 1 >= attempts) return raw;
      await new Promise((r) => n.setTimeout(r, 50 * 2 ** i));
    }
  };
  const report = (params: Record<string, unknown>) => callWithRetry('report', params, 6);

  return async function x402fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
    let request: Request;
    try {
      request = new n.Request(input as RequestInfo, init);
    } catch {
      // Let the native fetch raise its own error for input it would refuse.
      return n.fetch(input as RequestInfo, init);
    }
    const headers = n.requestHeaders(request);
    const hadPayment = n.headersHas(headers, 'payment-signature') || n.headersHas(headers, 'x-payment');
    let replay: Request | null = null;
    if (!hadPayment) {
      try {
        replay = n.requestClone(request);
      } catch {
        replay = null;
      }
    }
    const response = await n.fetch(request);
    if (n.responseStatus(response) !== 402 || hadPayment || replay === null || !channel.connected) return response;

    const url = n.requestUrl(request);
    const method = n.requestMethod(request);
    const resHeaders = n.responseHeaders(response);
    const paymentRequired = n.headersGet(resHeaders, 'payment-required');
    let body: string | null = null;
    // v1 keeps its requirements in a JSON body. Read it even beside a v2 header: a body that
    // disagrees with the header must stop the payment, not be ignored.
    if (/json/i.test(n.headersGet(resHeaders, 'content-type') ?? '')) {
      try {
        body = await n.responseText(n.responseClone(response));
      } catch {
        body = null;
      }
      if (body !== null && !n.stringIncludes(body, 'x402Version')) body = null;
    }
    if (paymentRequired === null && body === null) return response;

    const attemptId = n.randomHex(8);
    const payRaw = await callWithRetry('pay', {
      url,
      method,
      paymentRequired: clip(paymentRequired, MAX_PAYMENT_REQUIRED_HEADER),
      body: clip(body, MAX_V1_BODY),
      hadPayment: false,
      attemptId,
    }, 2);
    const pay = n.parseInert(payRaw) as Record<string, any>;
    const decision = pay.result as Record<string, any> | undefined;
    if (!decision || decision.pay !== true) {
      const err = pay.error as Record<string, any> | undefined;
      // No answer at all: a reservation may exist that we will never use. Free it.
      if (!decision && workerGone(err?.reason)) void callWithRetry('cancel', { attemptId }, 6);
      if (decision) fail(url, method, String(decision.reason), String(decision.message), decision.session);
      else fail(url, method, String(err?.reason ?? 'extension_error'), String(err?.message ?? 'The wallet extension failed.'));
      return response;
    }
    const ticket = String(decision.ticket);
    if (n.requestSignal(replay).aborted) {
      void report({ ticket, status: 0, paymentResponse: null, paymentRequired: null, sent: false });
      return response;
    }
    const record = n.inert() as Record<string, string>;
    n.headersForEach(n.requestHeaders(replay), (value, name) => {
      record[name] = value;
    });
    record[String(decision.header.name)] = String(decision.header.value);
    const retryInit = n.inert();
    retryInit.headers = record;
    let retry: Response;
    try {
      retry = await n.fetch(new n.Request(replay, retryInit as RequestInit));
    } catch (error) {
      // Unknown whether it reached the server: the background keeps the reservation and asks the
      // facilitator later. The page sees the same network error a plain fetch would give.
      void report({ ticket, status: 0, paymentResponse: null, paymentRequired: null });
      throw error;
    }
    const retryHeaders = n.responseHeaders(retry);
    const status = n.responseStatus(retry);
    const reported = report({
      ticket,
      status,
      paymentResponse: clip(n.headersGet(retryHeaders, 'payment-response') ?? n.headersGet(retryHeaders, 'x-payment-response'), MAX_PAYMENT_RESPONSE_HEADER),
      paymentRequired: clip(n.headersGet(retryHeaders, 'payment-required'), MAX_PAYMENT_REQUIRED_HEADER),
    });
    void reported.then((raw) => {
      const r = (n.parseInert(raw) as Record<string, any>).result as Record<string, any> | undefined;
      if (!r) return;
      if (r.outcome === 'settled') emit('payment', { url, method, amount: r.amount, ...(r.transaction ? { transaction: r.transaction } : {}), session: r.session });
      else fail(url, method, String(r.reason), String(r.message), r.session);
    });
    // The server refused the payment: the page gets its original 402 (the reason is in the event).
    return status === 402 ? response : redactResponse(n, retry, sessionIdOf(n, String(decision.header.value)));
  };
}
