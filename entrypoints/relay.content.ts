import { HELLO_EVENT, RELAY_UP_EVENT, replyEvent, requestEvent } from '../lib/inpage/channel';
import { EVENT_CHANNEL, PAGE_CHANNEL } from '../lib/messaging/channels';
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
    const onRequest = (e: Event) => {
      const req = parsePageRequest((e as CustomEvent).detail);
      if (!req) return;
      browser.runtime.sendMessage({ channel: PAGE_CHANNEL, method: req.method, params: req.params }).then(
        (reply: unknown) => send({ id: req.id, ...(typeof reply === 'object' && reply !== null ? reply : { error: { code: -32603, reason: 'no_reply', message: 'The wallet extension did not answer.' } }) }),
        () => send({ id: req.id, error: { code: 4900, reason: 'extension_unavailable', message: 'The wallet extension is unavailable (reloaded or updated); reload the page.' } }),
      );
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

    browser.runtime.onMessage.addListener((message: unknown, sender) => {
      if (sender.id !== browser.runtime.id || sender.tab) return;
      const m = message as { channel?: unknown; event?: unknown; data?: unknown };
      if (m?.channel === EVENT_CHANNEL && typeof m.event === 'string') send({ event: m.event, data: m.data });
    });
  },
});
