/**
 * Where paid requests were redirected. A paid send never follows a redirect by itself (the page
 * script sends it with `redirect: 'manual'`, and the fetch API then hides the target), so the
 * background observes the browser's own account of it (webRequest `onSendHeaders` +
 * `onBeforeRedirect`, which Chrome reports for manual redirects too) for requests that carried a
 * payment header, and answers the page's question "where did my paid send go?" for its own frame.
 * Memory only, a few seconds, a bounded number of entries.
 */
export interface ObservedRedirect {
  tabId: number;
  frameId: number;
  url: string;
  redirectUrl: string;
  statusCode: number;
  method: string;
  at: number;
}

const KEEP_MS = 10_000;
const MAX = 200;
const PAYMENT_HEADERS = new Set(['payment-signature', 'x-payment']);

export class RedirectLog {
  private readonly carrying = new Map<string, number>();
  private readonly seen: ObservedRedirect[] = [];
  private readonly waiters = new Set<() => void>();

  constructor(private readonly now: () => number = Date.now) {}

  /** webRequest.onSendHeaders: remember which requests carry a payment header. */
  noteSend(d: { requestId: string; requestHeaders?: { name: string }[] }): void {
    if (!d.requestHeaders?.some((h) => PAYMENT_HEADERS.has(h.name.toLowerCase()))) return;
    this.carrying.set(d.requestId, this.now());
    if (this.carrying.size > MAX) this.carrying.delete(this.carrying.keys().next().value!);
  }

  /** webRequest.onBeforeRedirect: a paid request was answered with a redirect. */
  noteRedirect(d: { requestId: string; tabId: number; frameId: number; url: string; redirectUrl: string; statusCode: number; method: string }): void {
    if (!this.carrying.has(d.requestId)) return;
    this.seen.push({ tabId: d.tabId, frameId: d.frameId, url: d.url, redirectUrl: d.redirectUrl, statusCode: d.statusCode, method: d.method, at: this.now() });
    if (this.seen.length > MAX) this.seen.shift();
    for (const w of [...this.waiters]) w();
  }

  /** webRequest.onCompleted / onErrorOccurred: done with a request. */
  forget(requestId: string): void {
    this.carrying.delete(requestId);
  }

  /**
   * The newest redirect of a paid request from this frame to `url`, taken (each answers once); waits
   * briefly, since the browser's event and the page's report race.
   */
  async take(tabId: number, frameId: number, url: string, waitMs = 1_000): Promise<ObservedRedirect | null> {
    const find = () => {
      const cutoff = this.now() - KEEP_MS;
      for (let i = this.seen.length - 1; i >= 0; i--) {
        const r = this.seen[i]!;
        if (r.at < cutoff) break;
        if (r.tabId === tabId && r.frameId === frameId && r.url === url) return this.seen.splice(i, 1)[0]!;
      }
      return null;
    };
    const hit = find();
    if (hit || waitMs <= 0) return hit;
    return new Promise((resolve) => {
      const done = (r: ObservedRedirect | null) => {
        this.waiters.delete(check);
        clearTimeout(timer);
        resolve(r);
      };
      const check = () => {
        const r = find();
        if (r) done(r);
      };
      const timer = setTimeout(() => done(find()), waitMs);
      this.waiters.add(check);
    });
  }
}
