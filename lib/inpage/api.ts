import type { X402Session, X402SessionEventMap } from '../../types/x402session';
import type { Channel } from './channel';
import type { Natives } from './natives';

export const API_VERSION = '0.1.0';
export const INITIALIZED_EVENT = 'x402session#initialized';

type EventName = keyof X402SessionEventMap;
type Handler = (data: never) => void;

export interface PageApi {
  api: X402Session;
  /** Deliver an event to the dapp's handlers (from the fetch wrapper or a background push). */
  emit(event: EventName, data: unknown): void;
}

/** Builds `window.x402session`. Results are plain copies; errors carry EIP-1193 codes. */
export function createPageApi(n: Natives, channel: Channel, payingFetch: typeof fetch): PageApi {
  const handlers: Record<EventName, Set<Handler>> = { payment: new Set(), paymentFailed: new Set(), sessionChanged: new Set(), budgetAlert: new Set() };
  let listening = false;

  async function call(method: string, params: unknown): Promise<unknown> {
    const reply = n.parseInert(await channel.request(method, params)) as { result?: unknown; error?: { code?: unknown; reason?: unknown; message?: unknown } };
    if (reply.error) {
      const err = new Error(String(reply.error.message)) as Error & { code: number; reason: string };
      err.code = Number(reply.error.code);
      err.reason = String(reply.error.reason);
      throw err;
    }
    // Hand the dapp ordinary objects, not our null-prototype parse.
    return reply.result === undefined ? undefined : n.jsonParse(n.jsonStringify(reply.result));
  }

  /** Also the sink of the background's pushes (`sessionChanged`, `budgetAlert`): only our event names get through. */
  function emit(event: EventName, data: unknown): void {
    const set = n.hasOwn(handlers, event) ? handlers[event] : null;
    if (!set || set.size === 0) return;
    const copy = n.jsonParse(n.jsonStringify(data)) as never;
    for (const h of [...set]) {
      try {
        h(copy);
      } catch {
        // A throwing dapp handler must not break the others or the payment path.
      }
    }
  }

  const api: X402Session = {
    version: API_VERSION,
    requestSession: (params) => call('requestSession', params) as ReturnType<X402Session['requestSession']>,
    getSessions: () => call('getSessions', {}) as ReturnType<X402Session['getSessions']>,
    endSession: async (id) => {
      await call('endSession', { id });
    },
    fetch: payingFetch,
    on(event, handler) {
      if (!n.hasOwn(handlers, event) || typeof handler !== 'function') return;
      handlers[event].add(handler as Handler);
      if (!listening) {
        // Pushes (`sessionChanged`, `budgetAlert`) reach a frame over its relay's port, which opens
        // with the frame's first call: make one (a read of this origin's own sessions) so a dapp that
        // only listens hears them. (Once per page, whichever event: fewer bytes than telling them apart.)
        listening = true;
        void channel.request('getSessions', {});
      }
    },
    off(event, handler) {
      if (n.hasOwn(handlers, event)) handlers[event].delete(handler as Handler);
    },
  };
  n.freeze(api);
  return { api, emit };
}
