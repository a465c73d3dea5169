import { defineContentScript } from 'wxt/utils/define-content-script';
import { HELLO_EVENT, RELAY_UP_EVENT, replyEvent, requestEvent } from '../lib/inpage/channel';
import { browser, type Browser } from 'wxt/browser';
import { EVENT_CHANNEL, PAGE_CHANNEL, PAGE_PORT } from '../lib/messaging/channels';
import { parsePageRequest, SECRET_SHAPE } from '../lib/messaging/relay-shape';

/**
 * The relay (isolated world): carries well-formed requests from the MAIN-world script to the
 * background and replies back over the private channel. It makes no decisions and adds no identity:
 * the background takes the origin from the browser's sender.
 */
export default defineContentScript({
  matches: ['http://*/*', 'https://*/*'],
  runAt: 'document_start',
  allFrames: true,
  noScriptStartedPostMessage: true,
  main() {
    let secret: string | null = null;
    const send = (msg: unknown) => {
      if (secret) window.dispatchEvent(new CustomEvent(replyEvent(secret), { detail: JSON.stringify(msg) }));
    };
    // One port per frame, opened on the first call and again after the worker restarts (Chrome
    // stops idle workers; the port then disconnects and its calls in flight are answered "unavailable",
    // which the page script retries).
    let port: Browser.runtime.Port | null = null;
    const inFlight = new Set<string>();
    const unavailable = (id: string) => send({ id, error: { code: 4900, reason: 'extension_unavailable', message: 'The wallet extension is unavailable (restarting, reloaded or updated); try again.' } });
    const connect = (): Browser.runtime.Port | null => {
      try {
        const p = browser.runtime.connect({ name: PAGE_PORT });
        p.onMessage.addListener((m: { id?: unknown; channel?: unknown; event?: unknown; data?: unknown }) => {
          if (typeof m?.id === 'string') {
            inFlight.delete(m.id);
            send(m);
          } else if (m?.channel === EVENT_CHANNEL && typeof m.event === 'string') send({ event: m.event, data: m.data });
        });
        p.onDisconnect.addListener(() => {
          if (port === p) port = null;
          for (const id of inFlight) unavailable(id);
          inFlight.clear();
        });
        return p;
      } catch {
        return null;
      }
    };
    const onRequest = (e: Event) => {
      const req = parsePageRequest((e as CustomEvent).detail);
      if (!req) return;
      port ??= connect();
      if (!port) return unavailable(req.id);
      inFlight.add(req.id);
      try {
        port.postMessage({ channel: PAGE_CHANNEL, id: req.id, method: req.method, params: req.params });
      } catch {
        inFlight.delete(req.id);
        port = null;
        unavailable(req.id);
      }
    };
    // First hello wins: it comes from our MAIN-world script, which runs before any page script.
    window.addEventListener(HELLO_EVENT, (e) => {
      const s = (e as CustomEvent).detail;
      if (secret !== null || typeof s !== 'string' || !SECRET_SHAPE.test(s)) return;
      secret = s;
      window.addEventListener(requestEvent(s), onRequest);
      send({ event: 'ready' });
    });
    window.dispatchEvent(new CustomEvent(RELAY_UP_EVENT));

  },
});
