import { HELLO_EVENT, RELAY_UP_EVENT, replyEvent, requestEvent } from '../../lib/inpage/channel';
import { createPageApi } from '../../lib/inpage/api';
import { openChannel } from '../../lib/inpage/channel';
import { captureNatives } from '../../lib/inpage/natives';
import { createPaying } from '../../lib/inpage/paying-fetch';
import { installPayingXhr, type XhrWindow } from '../../lib/inpage/paying-xhr';
import { parsePageRequest, SECRET_SHAPE } from '../../lib/messaging/relay-shape';
import type { PageRouter } from '../../lib/background/router';
import type { PageCaller } from '../../lib/background/sender';
import { ProgressEventStandIn, XhrStandIn } from './xhr';

/**
 * A page in Node: the real MAIN-world modules on an EventTarget standing in for `window`, and a
 * relay that forwards to a real PageRouter with the caller fixed as the browser would set it. Its
 * `XMLHttpRequest` is the paying wrapper over an XHR stand-in (tests/support/xhr.ts).
 */
export function testPage(router: Pick<PageRouter, 'handle'>, origin: string, opts: { tabId?: number; frameId?: number } = {}) {
  const win = new EventTarget() as unknown as Window & typeof globalThis;
  const caller: PageCaller = { kind: 'page', origin, tabId: opts.tabId ?? 1, frameId: opts.frameId ?? 0 };
  const events: { event: string; data: any }[] = [];
  const sentToBackground: unknown[] = [];
  /** Simulated worker deaths: the next N calls of a method are lost as if the worker was stopped. */
  const dropNext: Record<string, number> = {};
  let secret: string | null = null;
  const relayReply = (msg: unknown) => win.dispatchEvent(new CustomEvent(replyEvent(secret!), { detail: JSON.stringify(msg) }));
  win.addEventListener(HELLO_EVENT, (e) => {
    const s = (e as CustomEvent).detail;
    if (secret !== null || typeof s !== 'string' || !SECRET_SHAPE.test(s)) return;
    secret = s;
    win.addEventListener(requestEvent(s), (ev) => {
      const req = parsePageRequest((ev as CustomEvent).detail);
      if (!req) return;
      sentToBackground.push(req);
      if ((dropNext[req.method] ?? 0) > 0) {
        dropNext[req.method]!--;
        relayReply({ id: req.id, error: { code: 4900, reason: 'extension_unavailable', message: 'worker stopped' } });
        return;
      }
      void router.handle(caller, { method: req.method, params: req.params }).then((reply) => relayReply({ id: req.id, ...reply }));
    });
    relayReply({ event: 'ready' });
  });
  win.dispatchEvent(new CustomEvent(RELAY_UP_EVENT));

  const n = captureNatives(globalThis as typeof globalThis);
  const channel = openChannel(n, win);
  let emit: (e: any, d: unknown) => void = () => undefined;
  const paying = createPaying({ n, channel, emit: (e, d) => emit(e, d) });
  const fetch = paying.fetch;
  const xhrWin: XhrWindow = { XMLHttpRequest: XhrStandIn as unknown as typeof XMLHttpRequest, ProgressEvent: ProgressEventStandIn as unknown as typeof ProgressEvent, Event, AbortController };
  installPayingXhr(xhrWin, n, paying);
  const page = createPageApi(n, channel, fetch);
  emit = page.emit;
  for (const e of ['payment', 'paymentFailed', 'sessionChanged'] as const) page.api.on(e, (data: any) => events.push({ event: e, data }));
  return {
    api: page.api,
    fetch,
    XMLHttpRequest: xhrWin.XMLHttpRequest!,
    events,
    sentToBackground,
    caller,
    dropNext,
    /** Deliver a background push, as the relay would. */
    push: (event: string, data: unknown) => relayReply({ event, data }),
    waitForEvent: async (event: string, count = 1, timeoutMs = 5000) => {
      const start = Date.now();
      while (events.filter((e) => e.event === event).length < count) {
        if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${count} ${event} event(s)`);
        await new Promise((r) => setTimeout(r, 5));
      }
      return events.filter((e) => e.event === event);
    },
  };
}
