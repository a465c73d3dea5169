/**
 * The MAIN-world script runs at document_start, before any page script. It captures every builtin
 * it will use *now*, so a page that later patches `fetch`, `Headers.prototype.set`, `JSON` or
 * `Object.prototype.then` can neither change what we do nor observe the payment header we attach.
 */
type AnyFn = (...args: never[]) => unknown;

export interface Natives {
  fetch: typeof fetch;
  Request: typeof Request;
  Headers: typeof Headers;
  CustomEvent: typeof CustomEvent;
  jsonParse: (text: string) => unknown;
  jsonStringify: (value: unknown) => string;
  headersGet: (h: Headers, name: string) => string | null;
  headersHas: (h: Headers, name: string) => boolean;
  requestClone: (r: Request) => Request;
  responseClone: (r: Response) => Response;
  responseText: (r: Response) => Promise<string>;
  dispatch: (target: EventTarget, event: Event) => boolean;
  listen: (target: EventTarget, type: string, fn: (e: Event) => void, capture?: boolean) => void;
  /** `uncurry(F.prototype.m)(self, ...args)` calls the builtin captured now, whatever the page patches later. */
  uncurry: <F extends AnyFn>(fn: F) => (self: unknown, ...args: unknown[]) => ReturnType<F>;
  randomHex: (bytes: number) => string;
  /** JSON.parse into null-prototype objects: reading a missing key never reaches a page getter. */
  parseInert: (text: string) => unknown;
  /** A fresh null-prototype object (for fetch inits and header records). */
  inert: () => Record<string, unknown>;
  hasOwn: (o: object, key: string) => boolean;
  headersForEach: (h: Headers, fn: (value: string, name: string) => void) => void;
  requestHeaders: (r: Request) => Headers;
  requestUrl: (r: Request) => string;
  requestMethod: (r: Request) => string;
  requestSignal: (r: Request) => AbortSignal;
  responseStatus: (r: Response) => number;
  responseHeaders: (r: Response) => Headers;
  responseStatusText: (r: Response) => string;
  responseUrl: (r: Response) => string;
  responseRedirected: (r: Response) => boolean;
  responseType: (r: Response) => ResponseType;
  requestArrayBuffer: (r: Request) => Promise<ArrayBuffer>;
  requestCredentials: (r: Request) => RequestCredentials;
  responseBody: (r: Response) => ReadableStream<Uint8Array> | null;
  Response: typeof Response;
  stringIncludes: (s: string, search: string) => boolean;
  stringSplit: (s: string, sep: string) => string[];
  arrayJoin: (a: string[], sep: string) => string;
  charCodeAt: (s: string, i: number) => number;
  fromCharCode: (code: number) => string;
  atob: (s: string) => string;
  btoa: (s: string) => string;
  utf8Decode: (bytes: Uint8Array) => string;
  utf8Encode: (text: string) => Uint8Array;
  defineProperty: typeof Object.defineProperty;
  freeze: typeof Object.freeze;
  setTimeout: typeof setTimeout;
}

/**
 * Two lookups the engine itself makes can hand our objects to a page getter:
 * - `await p` reads `p.constructor` (a getter there could attach its own `then` to our promises,
 *   including the one carrying the payment header);
 * - resolving a promise with a Response reads `response.then`, which falls through to
 *   `Object.prototype.then` (a getter there would receive the raw paid response).
 * Pinning both at document_start, non-configurable, closes them for the life of the page. The web-
 * visible cost: `Response.prototype.then` exists and is undefined (so a Response stays non-thenable).
 */
function pinEngineLookups(win: typeof globalThis): void {
  const pin = (target: object, key: string, value: unknown) => {
    const d = Object.getOwnPropertyDescriptor(target, key);
    if (d && !d.configurable) return;
    Object.defineProperty(target, key, { value, writable: false, enumerable: false, configurable: false });
  };
  pin(win.Promise.prototype, 'constructor', win.Promise);
  pin(win.Response.prototype, 'then', undefined);
}

export function captureNatives(win: typeof globalThis): Natives {
  pinEngineLookups(win);
  const bind = Function.prototype.bind;
  const call = Function.prototype.call;
  // uncurry(Headers.prototype.get)(h, name) === h.get(name), immune to later prototype patches.
  const uncurry = <F extends AnyFn>(fn: F) => bind.call(call, fn) as unknown as (self: unknown, ...args: unknown[]) => ReturnType<F>;
  const HeadersProto = win.Headers.prototype;
  const ET = win.EventTarget.prototype;
  const getRandomValues = uncurry(win.crypto.getRandomValues as AnyFn);
  const crypto = win.crypto;
  const toString = uncurry(Number.prototype.toString as AnyFn);
  const create = Object.create;
  const isArray = Array.isArray;
  const assign = Object.assign;
  const parse = JSON.parse;
  const hasOwn = uncurry(Object.prototype.hasOwnProperty as AnyFn) as (o: object, k: string) => boolean;
  const getter = (proto: object, name: string) => uncurry(Object.getOwnPropertyDescriptor(proto, name)!.get as AnyFn);
  const ReqP = win.Request.prototype;
  const decode = uncurry(win.TextDecoder.prototype.decode as AnyFn) as (d: TextDecoder, b: Uint8Array) => string;
  const encode = uncurry(win.TextEncoder.prototype.encode as AnyFn) as (e: TextEncoder, t: string) => Uint8Array;
  const ResP = win.Response.prototype;
  const padStart = uncurry(String.prototype.padStart as AnyFn);
  return Object.freeze({
    fetch: bind.call(win.fetch, win) as typeof fetch,
    Request: win.Request,
    Headers: win.Headers,
    CustomEvent: win.CustomEvent,
    jsonParse: bind.call(JSON.parse, JSON) as (t: string) => unknown,
    jsonStringify: bind.call(JSON.stringify, JSON) as (v: unknown) => string,
    headersGet: uncurry(HeadersProto.get as AnyFn) as Natives['headersGet'],
    headersHas: uncurry(HeadersProto.has as AnyFn) as Natives['headersHas'],
    requestClone: uncurry(win.Request.prototype.clone as AnyFn) as Natives['requestClone'],
    responseClone: uncurry(win.Response.prototype.clone as AnyFn) as Natives['responseClone'],
    responseText: uncurry(win.Response.prototype.text as AnyFn) as Natives['responseText'],
    dispatch: uncurry(ET.dispatchEvent as AnyFn) as Natives['dispatch'],
    listen: uncurry(ET.addEventListener as AnyFn) as Natives['listen'],
    uncurry,
    randomHex(bytes: number) {
      const buf = new Uint8Array(bytes);
      getRandomValues(crypto, buf);
      let s = '';
      for (let i = 0; i < buf.length; i++) s += padStart(toString(buf[i], 16), 2, '0');
      return s;
    },
    parseInert: (text: string) =>
      parse(text, (_k: string, v: unknown) => (v !== null && typeof v === 'object' && !isArray(v) ? assign(create(null), v) : v)),
    inert: () => create(null) as Record<string, unknown>,
    hasOwn,
    headersForEach: uncurry(HeadersProto.forEach as AnyFn) as Natives['headersForEach'],
    requestHeaders: getter(ReqP, 'headers') as Natives['requestHeaders'],
    requestUrl: getter(ReqP, 'url') as Natives['requestUrl'],
    requestMethod: getter(ReqP, 'method') as Natives['requestMethod'],
    requestSignal: getter(ReqP, 'signal') as Natives['requestSignal'],
    responseStatus: getter(ResP, 'status') as Natives['responseStatus'],
    responseHeaders: getter(ResP, 'headers') as Natives['responseHeaders'],
    responseStatusText: getter(ResP, 'statusText') as Natives['responseStatusText'],
    responseUrl: getter(ResP, 'url') as Natives['responseUrl'],
    responseRedirected: getter(ResP, 'redirected') as Natives['responseRedirected'],
    responseType: getter(ResP, 'type') as Natives['responseType'],
    requestArrayBuffer: uncurry(ReqP.arrayBuffer as AnyFn) as Natives['requestArrayBuffer'],
    requestCredentials: getter(ReqP, 'credentials') as Natives['requestCredentials'],
    responseBody: getter(ResP, 'body') as Natives['responseBody'],
    Response: win.Response,
    stringIncludes: uncurry(String.prototype.includes as AnyFn) as Natives['stringIncludes'],
    stringSplit: uncurry(String.prototype.split as AnyFn) as Natives['stringSplit'],
    arrayJoin: uncurry(Array.prototype.join as AnyFn) as Natives['arrayJoin'],
    charCodeAt: uncurry(String.prototype.charCodeAt as AnyFn) as Natives['charCodeAt'],
    fromCharCode: String.fromCharCode,
    atob: bind.call(win.atob, win) as (s: string) => string,
    btoa: bind.call(win.btoa, win) as (s: string) => string,
    utf8Decode: ((d: TextDecoder) => (b: Uint8Array) => decode(d, b))(new win.TextDecoder()),
    utf8Encode: ((e: TextEncoder) => (t: string) => encode(e, t))(new win.TextEncoder()),
    defineProperty: Object.defineProperty,
    freeze: Object.freeze,
    setTimeout: bind.call(win.setTimeout, win) as typeof setTimeout,
  });
}
