/**
 * Node has no XMLHttpRequest. This is a stand-in with the parts of the browser's that the paying
 * XHR wrapper relies on, built on Node's fetch: accessors on the prototype (the wrapper captures
 * their getters), events in the browser's order (readystatechange per state, progress, load /
 * error / timeout / abort, loadend), `on*` handlers that join the listener list when first set (as
 * event handler attributes do), `abort()` semantics (a finished request goes back to UNSENT
 * silently), `timeout`, `responseType` and `responseText` throwing for the non-text types.
 * No CORS: Node's fetch shows every header.
 */
export class ProgressEventStandIn extends Event {
  readonly lengthComputable: boolean;
  readonly loaded: number;
  readonly total: number;
  constructor(type: string, init: { lengthComputable?: boolean; loaded?: number; total?: number } = {}) {
    super(type);
    this.lengthComputable = !!init.lengthComputable;
    this.loaded = init.loaded ?? 0;
    this.total = init.total ?? 0;
  }
}

const HANDLERS = ['readystatechange', 'loadstart', 'progress', 'load', 'loadend', 'error', 'abort', 'timeout'] as const;

export class XhrStandIn extends EventTarget {
  static readonly UNSENT = 0;
  static readonly OPENED = 1;
  static readonly HEADERS_RECEIVED = 2;
  static readonly LOADING = 3;
  static readonly DONE = 4;
  /** Every request this class sent, for assertions. */
  static sent: { method: string; url: string; headers: Record<string, string>; body: unknown }[] = [];

  #state = 0;
  #method = 'GET';
  #url = '';
  #headers: Record<string, string> = {};
  #res: { status: number; statusText: string; url: string; headers: [string, string][]; bytes: ArrayBuffer } | null = null;
  #type: XMLHttpRequestResponseType = '';
  #timeout = 0;
  #creds = false;
  #ctl: AbortController | null = null;
  #sendFlag = false;
  #handlers = new Map<string, ((e: Event) => void) | null>();
  readonly upload = new EventTarget();

  constructor() {
    super();
    for (const type of HANDLERS) {
      Object.defineProperty(this, `on${type}`, {
        get: () => this.#handlers.get(type) ?? null,
        set: (fn: ((e: Event) => void) | null) => {
          if (!this.#handlers.has(type)) this.addEventListener(type, (e) => this.#handlers.get(type)?.call(this, e));
          this.#handlers.set(type, typeof fn === 'function' ? fn : null);
        },
      });
    }
  }

  get readyState() {
    return this.#state;
  }
  get status() {
    return this.#state >= 2 && this.#res ? this.#res.status : 0;
  }
  get statusText() {
    return this.#state >= 2 && this.#res ? this.#res.statusText : '';
  }
  get responseURL() {
    return this.#res?.url ?? '';
  }
  get responseType() {
    return this.#type;
  }
  set responseType(t: XMLHttpRequestResponseType) {
    if (this.#state >= 3) throw new DOMException('responseType is fixed once loading', 'InvalidStateError');
    this.#type = t;
  }
  get timeout() {
    return this.#timeout;
  }
  set timeout(ms: number) {
    this.#timeout = ms;
  }
  get withCredentials() {
    return this.#creds;
  }
  set withCredentials(v: boolean) {
    this.#creds = !!v;
  }
  get responseText(): string {
    if (this.#type !== '' && this.#type !== 'text') throw new DOMException('responseText needs a text responseType', 'InvalidStateError');
    return this.#state === 4 && this.#res ? new TextDecoder().decode(this.#res.bytes) : '';
  }
  get response(): unknown {
    if (this.#type === '' || this.#type === 'text') return this.responseText;
    if (this.#state !== 4 || !this.#res) return null;
    const bytes = this.#res.bytes;
    if (this.#type === 'json') {
      try {
        return JSON.parse(new TextDecoder().decode(bytes));
      } catch {
        return null;
      }
    }
    if (this.#type === 'arraybuffer') return bytes;
    if (this.#type === 'blob') return new Blob([bytes], { type: this.getResponseHeader('content-type') ?? '' });
    return null;
  }
  getResponseHeader(name: string): string | null {
    if (this.#state < 2 || !this.#res) return null;
    const hit = this.#res.headers.filter(([k]) => k === name.toLowerCase()).map(([, v]) => v);
    return hit.length ? hit.join(', ') : null;
  }
  getAllResponseHeaders(): string {
    if (this.#state < 2 || !this.#res) return '';
    return this.#res.headers.map(([k, v]) => `${k}: ${v}\r\n`).join('');
  }

  open(method: string, url: string, _async = true): void {
    this.#ctl?.abort();
    this.#ctl = null;
    this.#method = method;
    this.#url = new URL(url).href;
    this.#headers = {};
    this.#res = null;
    this.#sendFlag = false;
    this.#state = 1;
    this.#fire('readystatechange');
  }
  setRequestHeader(name: string, value: string): void {
    if (this.#state !== 1 || this.#sendFlag) throw new DOMException('not opened', 'InvalidStateError');
    const k = name.toLowerCase();
    this.#headers[k] = this.#headers[k] ? `${this.#headers[k]}, ${value}` : value;
  }
  send(body?: unknown): void {
    if (this.#state !== 1 || this.#sendFlag) throw new DOMException('not opened', 'InvalidStateError');
    this.#sendFlag = true;
    const ctl = (this.#ctl = new AbortController());
    const sendBody = this.#method === 'GET' || this.#method === 'HEAD' ? undefined : (body as BodyInit | undefined);
    XhrStandIn.sent.push({ method: this.#method, url: this.#url, headers: { ...this.#headers }, body });
    this.#fire('loadstart');
    let timedOut = false;
    const timer = this.#timeout > 0 ? setTimeout(() => ((timedOut = true), ctl.abort()), this.#timeout) : null;
    void (async () => {
      try {
        const r = await fetch(this.#url, { method: this.#method, headers: this.#headers, body: sendBody ?? null, signal: ctl.signal });
        if (this.#ctl !== ctl) return;
        const headers: [string, string][] = [];
        r.headers.forEach((v, k) => headers.push([k, v]));
        this.#res = { status: r.status, statusText: r.statusText, url: r.url, headers, bytes: new ArrayBuffer(0) };
        this.#state = 2;
        this.#fire('readystatechange');
        if (this.#ctl !== ctl) return;
        this.#state = 3;
        this.#fire('readystatechange');
        const bytes = await r.arrayBuffer();
        if (this.#ctl !== ctl) return;
        this.#res.bytes = bytes;
        this.#fire('progress', bytes.byteLength);
        this.#state = 4;
        this.#sendFlag = false;
        this.#fire('readystatechange');
        this.#fire('load', bytes.byteLength);
        this.#fire('loadend', bytes.byteLength);
      } catch {
        if (this.#ctl !== ctl && !timedOut) return; // aborted: abort() fired its own events
        this.#fail(timedOut ? 'timeout' : 'error');
      } finally {
        if (timer) clearTimeout(timer);
      }
    })();
  }
  abort(): void {
    const live = this.#sendFlag && this.#state < 4;
    this.#ctl?.abort();
    this.#ctl = null;
    if (live) this.#fail('abort');
    if (this.#state === 4) {
      this.#state = 0;
      this.#res = null;
    }
  }

  #fail(type: string): void {
    this.#res = null;
    this.#state = 4;
    this.#sendFlag = false;
    this.#fire('readystatechange');
    this.#fire(type);
    this.#fire('loadend');
  }
  #fire(type: string, size = 0): void {
    this.dispatchEvent(type === 'readystatechange' ? new Event(type) : new ProgressEventStandIn(type, { lengthComputable: size > 0, loaded: size, total: size }));
  }
}
