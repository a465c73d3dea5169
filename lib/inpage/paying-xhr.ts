import type { Natives } from './natives';
import type { Paying } from './paying-fetch';

/** What the XHR wrapper takes from the page's window, at document_start. */
export interface XhrWindow {
  XMLHttpRequest?: typeof XMLHttpRequest;
  ProgressEvent: typeof ProgressEvent;
  Event: typeof Event;
  AbortController: typeof AbortController;
  Document?: typeof Document;
}

type AnyFn = (...args: never[]) => unknown;

/** What the page sees instead of the native object's fields, while a 402 is held back or once paid. */
interface View {
  readyState: number;
  status: number;
  statusText: string;
  url: string;
  response: unknown;
  /** `responseText`; null for the binary and json types (the native getter then throws as it should). */
  text: string | null;
  all: string;
  map: Record<string, string>;
}

interface State {
  method: string;
  async: boolean;
  /** The page's request headers, combined per name as XHR does. */
  headers: Record<string, string>;
  /** The request already carried a payment header: never paid. */
  carried: boolean;
  body: unknown;
  sentAt: number;
  /** Bumped by open / abort / timeout: an answer for an earlier generation is dropped. */
  gen: number;
  /** The native events of a payable 402 are being held back from the page. */
  hold: boolean;
  view: View | null;
  ctl: AbortController | null;
  /** We are dispatching our own events: let them through. */
  emitting: boolean;
}

const OPENED = 1;
const DONE = 4;
const EVENTS = ['readystatechange', 'progress', 'load', 'loadend', 'error', 'abort', 'timeout'];
/** Response types whose paid body this wrapper presents; a `document` 402 is left to the page. */
const TYPES: Record<string, 1> = { '': 1, text: 1, json: 1, arraybuffer: 1, blob: 1 };

/**
 * `XMLHttpRequest` paying x402 402s like the fetch wrapper (axios in the browser uses XHR). The page
 * keeps a real native XHR (a subclass: `instanceof`, `upload`, `on*` handlers, brand checks all
 * native). The first send is the native one. When its answer is a 402 with x402 data the wrapper's
 * capture listeners (registered first, so they run before any page listener) hold its events back,
 * the paid retry runs through the shared paid-retry step (`Paying.retry`: the captured native fetch,
 * so the payment header exists only there, never on this object), and the result is presented
 * through this XHR: its getters answer from the paid (redacted) response and the page gets
 * readystatechange 2→3→4, progress, load, loadend. Not payable, or refused: the page gets the
 * original 402 (readystatechange, progress, load, loadend at DONE). A network error of the paid
 * retry is an `error`, as a native failure would be; `abort()` and `timeout` work while paying.
 *
 * Never paid: synchronous XHR (the page's thread is blocked; we leave it alone), a request that
 * already carried PAYMENT-SIGNATURE / X-PAYMENT, a Document body, `responseType = 'document'`.
 * No pre-emptive payment on XHR: each paid call is a 402 and one paid retry.
 */
export function installPayingXhr(win: XhrWindow, n: Natives, paying: Paying): void {
  const Native = win.XMLHttpRequest;
  if (typeof Native !== 'function') return;
  const P = Native.prototype;
  const u = n.uncurry;
  const get = (proto: object, k: string) => u(Object.getOwnPropertyDescriptor(proto, k)!.get as AnyFn);
  const nRs = get(P, 'readyState') as (x: unknown) => number;
  const nStatus = get(P, 'status') as (x: unknown) => number;
  const nType = get(P, 'responseType') as (x: unknown) => string;
  const nResp = get(P, 'response');
  const nText = get(P, 'responseText') as (x: unknown) => string;
  const nUrl = get(P, 'responseURL') as (x: unknown) => string;
  const nTimeout = get(P, 'timeout') as (x: unknown) => number;
  const nCreds = get(P, 'withCredentials') as (x: unknown) => boolean;
  const nHeader = u(P.getResponseHeader as AnyFn) as (x: unknown, k: string) => string | null;
  const nAbort = u(P.abort as AnyFn);
  const { open, send, setRequestHeader, abort, getResponseHeader, getAllResponseHeaders } = P;
  const apply = Reflect.apply;
  const states = new WeakMap<object, State>();
  const stateOf = u(WeakMap.prototype.get as AnyFn) as (m: WeakMap<object, State>, k: unknown) => State | undefined;
  const setState = u(WeakMap.prototype.set as AnyFn);
  const stop = u(win.Event.prototype.stopImmediatePropagation as AnyFn);
  const lower = u(String.prototype.toLowerCase as AnyFn) as (s: string) => string;
  const upper = u(String.prototype.toUpperCase as AnyFn) as (s: string) => string;
  const abortCtl = u(win.AbortController.prototype.abort as AnyFn);
  const signalOf = get(win.AbortController.prototype, 'signal') as (c: AbortController) => AbortSignal;
  const arrayBuffer = u(n.Response.prototype.arrayBuffer as AnyFn) as (r: Response) => Promise<ArrayBuffer>;
  const blob = u(n.Response.prototype.blob as AnyFn) as (r: Response) => Promise<Blob>;
  const now = Date.now;
  const { Event: Ev, ProgressEvent: PE, AbortController: AC, Document: Doc } = win;

  const blank = (readyState: number, type: string): View => {
    const text = type === '' || type === 'text' ? '' : null;
    return { readyState, status: 0, statusText: '', url: '', response: text, text, all: '', map: n.inert() as Record<string, string> };
  };
  const viewOf = (x: unknown) => stateOf(states, x)?.view;
  const end = (s: State) => {
    s.gen++;
    s.hold = false;
    if (s.ctl) abortCtl(s.ctl);
    s.ctl = null;
  };
  const emit = (x: XMLHttpRequest, s: State, type: string, size = 0) => {
    s.emitting = true;
    n.dispatch(x, type === 'readystatechange' ? new Ev(type) : new PE(type, { lengthComputable: size > 0, loaded: size, total: size }));
    s.emitting = false;
  };
  /** readystatechange (4), then `type` and loadend, with nothing to read: how XHR fails. */
  const fail = (x: XMLHttpRequest, s: State, type: string) => {
    const gen = s.gen;
    s.view = blank(DONE, nType(x));
    emit(x, s, 'readystatechange');
    if (s.gen === gen) emit(x, s, type);
    if (s.gen === gen) emit(x, s, 'loadend');
  };

  const json = (x: XMLHttpRequest) => n.stringIncludes(lower(nHeader(x, 'content-type') ?? ''), 'json');
  const holdable = (x: XMLHttpRequest, s: State) =>
    s.async &&
    !s.carried &&
    paying.connected &&
    nStatus(x) === 402 &&
    n.hasOwn(TYPES, nType(x)) &&
    !(Doc && s.body instanceof Doc) &&
    (nHeader(x, 'payment-required') !== null || json(x));

  function onNative(x: XMLHttpRequest, s: State, e: Event, type: string): void {
    if (s.emitting) return;
    if (!s.hold) {
      if (type !== 'readystatechange' || nRs(x) !== 2 || !holdable(x, s)) return;
      s.hold = true;
      s.view = blank(OPENED, nType(x));
    } else if (type === 'error' || type === 'timeout') {
      // The 402's own body never arrived: the page gets what the native XHR gives.
      s.hold = false;
      s.view = null;
      return;
    } else if (type === 'loadend') void settle(x, s, s.gen);
    stop(e);
  }

  /** The 402 is complete (its loadend, the last native event, is being held): pay, then present. */
  async function settle(x: XMLHttpRequest, s: State, gen: number): Promise<void> {
    const type = nType(x);
    let paid: Response | null = null;
    let failed = false;
    try {
      const url = nUrl(x);
      const paymentRequired = nHeader(x, 'payment-required');
      let body: string | null = null;
      if (json(x)) {
        const r = nResp(x);
        body = type === 'json' ? n.jsonStringify(r) : type === '' || type === 'text' ? nText(x) : await n.responseText(new n.Response(r as Blob));
        if (paymentRequired === null && !n.stringIncludes(body ?? '', 'x402Version')) body = null;
      }
      if (paymentRequired === null && body === null) throw 0;
      const ctl = (s.ctl = new AC());
      const init = n.inert();
      init.method = s.method;
      init.headers = s.headers;
      const m = upper(s.method);
      if (m !== 'GET' && m !== 'HEAD') init.body = s.body;
      init.credentials = nCreds(x) ? 'include' : 'same-origin';
      init.signal = signalOf(ctl);
      const replay = new n.Request(url, init as RequestInit);
      const limit = nTimeout(x);
      if (limit > 0) {
        n.setTimeout(() => {
          if (s.gen !== gen || s.ctl !== ctl) return; // finished, aborted or re-opened meanwhile
          end(s);
          fail(x, s, 'timeout');
        }, limit - (now() - s.sentAt));
      }
      try {
        paid = await paying.retry(url, n.requestMethod(replay), paymentRequired, body, replay);
      } catch {
        failed = true;
      }
    } catch {
      // Nothing to pay, or nothing we can replay: the original 402.
      await 0;
    }
    if (s.gen !== gen) return;
    s.ctl = null;
    s.hold = false;
    if (failed) return fail(x, s, 'error');
    let v: View | null = null;
    let response: unknown;
    let text: string | null = null;
    if (paid) {
      const all = { s: '' };
      const map = n.inert() as Record<string, string>;
      n.headersForEach(n.responseHeaders(paid), (value, name) => {
        all.s += `${name}: ${value}\r\n`;
        map[name] = value;
      });
      // A redacted copy keeps the original URL as its own property (a constructed Response has none).
      const url = n.hasOwn(paid, 'url') ? paid.url : n.responseUrl(paid);
      try {
        if (type === 'arraybuffer') response = await arrayBuffer(paid);
        else if (type === 'blob') response = await blob(paid);
        else {
          text = await n.responseText(paid);
          response = text;
          if (type === 'json') {
            try {
              response = n.jsonParse(text);
            } catch {
              response = null;
            }
            text = null;
          }
        }
      } catch {
        failed = true;
      }
      if (s.gen !== gen) return;
      if (failed) return fail(x, s, 'error');
      v = blank(2, type);
      v.status = n.responseStatus(paid);
      v.statusText = n.responseStatusText(paid);
      v.url = url;
      v.all = all.s;
      v.map = map;
    }
    s.view = v;
    const size = +((v ? v.map['content-length'] : nHeader(x, 'content-length')) ?? 0) || 0;
    // As XHR does: readystatechange for each state (2 and 3 only when we present a new response),
    // progress, DONE, load, loadend. Each step checks the page did not abort or re-open meanwhile.
    const steps = v ? [2, 3, 0, DONE] : [0, DONE];
    for (let i = 0; i < steps.length; i++) {
      if (s.gen !== gen) return;
      const step = steps[i]!;
      if (step === 0) {
        emit(x, s, 'progress', size);
        continue;
      }
      if (v) {
        v.readyState = step;
        if (step === DONE) {
          v.response = response;
          v.text = text;
        }
      }
      emit(x, s, 'readystatechange');
    }
    if (s.gen === gen) emit(x, s, 'load', size);
    if (s.gen === gen) emit(x, s, 'loadend', size);
  }

  class PayingXMLHttpRequest extends Native {
    constructor() {
      super();
      const s: State = { method: 'GET', async: true, headers: n.inert() as Record<string, string>, carried: false, body: null, sentAt: 0, gen: 0, hold: false, view: null, ctl: null, emitting: false };
      setState(states, this, s);
      for (let i = 0; i < EVENTS.length; i++) {
        const type = EVENTS[i]!;
        n.listen(this, type, (e) => onNative(this, s, e, type), true);
      }
    }
    override open(...args: unknown[]): void {
      const s = stateOf(states, this);
      if (s) {
        end(s);
        s.view = null;
        s.headers = n.inert() as Record<string, string>;
        s.carried = false;
      }
      apply(open, this, args);
      if (s) {
        s.method = `${args[0]}`;
        s.async = args.length < 3 || !!args[2];
      }
    }
    override setRequestHeader(name: string, value: string): void {
      apply(setRequestHeader, this, [name, value]);
      const s = stateOf(states, this);
      if (!s) return;
      const k = lower(`${name}`);
      if (k === 'payment-signature' || k === 'x-payment') s.carried = true;
      s.headers[k] = n.hasOwn(s.headers, k) ? `${s.headers[k]}, ${value}` : `${value}`;
    }
    override send(body?: Document | XMLHttpRequestBodyInit | null): void {
      apply(send, this, [body]);
      const s = stateOf(states, this);
      if (s) {
        s.body = body ?? null;
        s.sentAt = now();
      }
    }
    override abort(): void {
      const s = stateOf(states, this);
      const held = s?.hold;
      if (s) {
        end(s);
        s.view = null;
      }
      // Not held (or the 402 still loading): the native abort fires its own events.
      if (!held || nRs(this) !== DONE) return void apply(abort, this, []);
      nAbort(this); // a finished native XHR goes back to UNSENT silently
      fail(this, s!, 'abort');
      s!.view = null;
    }
    override getResponseHeader(name: string): string | null {
      const v = viewOf(this);
      if (!v) return apply(getResponseHeader, this, [name]) as string | null;
      const k = lower(`${name}`);
      return n.hasOwn(v.map, k) ? v.map[k]! : null;
    }
    override getAllResponseHeaders(): string {
      const v = viewOf(this);
      return v ? v.all : (apply(getAllResponseHeaders, this, []) as string);
    }
  }
  // The fields a paid (or held) response answers; TypeScript declares them as data properties, so
  // they are defined here, as the accessors they are on the native prototype.
  const shadow = (k: keyof View, name: string = k) => {
    const native = get(P, name);
    n.defineProperty(PayingXMLHttpRequest.prototype, name, {
      configurable: true,
      enumerable: true,
      get(this: XMLHttpRequest) {
        const v = viewOf(this);
        return v && !(k === 'text' && v.text === null) ? v[k] : native(this);
      },
    });
  };
  shadow('readyState');
  shadow('status');
  shadow('statusText');
  shadow('url', 'responseURL');
  shadow('response');
  shadow('text', 'responseText');
  n.defineProperty(PayingXMLHttpRequest, 'name', { value: 'XMLHttpRequest' });
  (win as { XMLHttpRequest: unknown }).XMLHttpRequest = PayingXMLHttpRequest;
}
