import type { Natives } from './natives';

/**
 * The private line between the MAIN-world script and the extension's relay (isolated world).
 *
 * Both run at document_start, before any page script. MAIN makes a random secret and hands it to
 * the relay in a synchronous DOM event; from then on requests and replies travel as JSON strings
 * in events whose names contain the secret. Page scripts never saw the secret, cannot name those
 * events, so they can neither read replies (which carry payment headers) nor forge them.
 * `window.postMessage` would expose every reply to every `message` listener on the page.
 */
export const HELLO_EVENT = 'x402session:hello';
export const RELAY_UP_EVENT = 'x402session:relay-up';
export const requestEvent = (secret: string) => `x402session:req:${secret}`;
export const replyEvent = (secret: string) => `x402session:res:${secret}`;

export interface RelayReply {
  id?: string;
  result?: unknown;
  error?: { code: number; reason: string; message: string };
  event?: string;
  data?: unknown;
}

export interface Channel {
  /** True once the relay answered the handshake. */
  readonly connected: boolean;
  /** Resolves with the raw JSON reply text: a string never triggers `then` lookups on the way. */
  request(method: string, params: unknown): Promise<string>;
  onEvent(fn: (event: string, data: unknown) => void): void;
}

export function openChannel(n: Natives, win: Window, timeoutMs = 10 * 60_000): Channel {
  const secret = n.randomHex(16);
  const waiting = new Map<string, (raw: string) => void>();
  let eventSink: ((event: string, data: unknown) => void) | null = null;
  let counter = 0;
  let ready = false;

  const hello = () => n.dispatch(win, new n.CustomEvent(HELLO_EVENT, { detail: secret }));
  n.listen(win, replyEvent(secret), (e) => {
    const raw = (e as CustomEvent).detail;
    if (typeof raw !== 'string') return;
    let msg: RelayReply;
    try {
      msg = n.parseInert(raw) as RelayReply;
    } catch {
      return;
    }
    if (typeof msg.id === 'string') {
      const done = waiting.get(msg.id);
      if (done) {
        waiting.delete(msg.id);
        done(raw);
      }
    } else if (msg.event === 'ready') {
      ready = true;
    } else if (typeof msg.event === 'string' && eventSink) {
      eventSink(msg.event, msg.data);
    }
  });
  // Whichever of the two scripts starts second completes the handshake.
  n.listen(win, RELAY_UP_EVENT, hello);
  hello();

  return {
    get connected() {
      return ready;
    },
    request(method, params) {
      const id = `${++counter}`;
      if (!ready) {
        return Promise.resolve(n.jsonStringify({ id, error: { code: 4900, reason: 'extension_unavailable', message: 'Extension not connected; reload the page.' } }));
      }
      return new Promise<string>((resolve) => {
        const timer = n.setTimeout(() => {
          if (waiting.delete(id)) resolve(n.jsonStringify({ id, error: { code: -32603, reason: 'extension_timeout', message: 'Extension did not answer.' } }));
        }, timeoutMs);
        waiting.set(id, (raw) => {
          clearTimeout(timer);
          resolve(raw);
        });
        n.dispatch(win, new n.CustomEvent(requestEvent(secret), { detail: n.jsonStringify({ id, method, params }) }));
      });
    },
    onEvent(fn) {
      eventSink = fn;
    },
  };
}
