import { createPageApi, INITIALIZED_EVENT } from './api';
import { openChannel } from './channel';
import { captureNatives } from './natives';
import { createPaying } from './paying-fetch';
import { installPayingXhr } from './paying-xhr';

/**
 * Everything the MAIN-world script does, synchronously at document_start: capture builtins, open
 * the private channel, wrap `fetch` and `XMLHttpRequest`, define `window.x402session`, announce it.
 */
export function installInPage(win: Window & typeof globalThis): void {
  if (Object.prototype.hasOwnProperty.call(win, 'x402session')) return; // injected twice (e.g. frames reusing a realm)
  const n = captureNatives(win);
  const channel = openChannel(n, win);
  let emitter: ((event: 'payment' | 'paymentFailed' | 'sessionChanged', data: unknown) => void) | null = null;
  const paying = createPaying({ n, channel, emit: (e, d) => emitter?.(e, d) });
  const { api, emit } = createPageApi(n, channel, paying.fetch);
  emitter = emit;
  channel.onEvent((event, data) => {
    if (event === 'sessionChanged') emit('sessionChanged', data);
  });
  win.fetch = paying.fetch;
  installPayingXhr(win, n, paying);
  n.defineProperty(win, 'x402session', { value: api, writable: false, configurable: false, enumerable: true });
  n.dispatch(win, new n.CustomEvent(INITIALIZED_EVENT));
}
