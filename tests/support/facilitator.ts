import { FacilitatorClient } from '../../lib/facilitator/client';
import { SPENDER } from './x402';

export type StubReply = { status: number; json?: unknown } | 'down';

/**
 * A facilitator answered in-process: real FacilitatorClients (timeouts, validation, typed errors)
 * over a fetch that serves `/supported` and `POST /sessions` from the test's own behaviour.
 */
export function stubFacilitator(behaviour: { open?: () => StubReply | Promise<StubReply>; supported?: () => StubReply; session?: (id: string) => StubReply } = {}) {
  const calls: { method: string; path: string; body?: unknown }[] = [];
  const fetchImpl = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(String(input));
    const method = init?.method ?? 'GET';
    calls.push({ method, path: url.pathname, ...(init?.body ? { body: JSON.parse(String(init.body)) } : {}) });
    let reply: StubReply = { status: 404, json: { error: 'no such endpoint' } };
    if (method === 'GET' && url.pathname.endsWith('/supported')) {
      reply = behaviour.supported?.() ?? { status: 200, json: { kinds: [{ x402Version: 2, scheme: 'session', network: 'eip155:31337', extra: { spender: SPENDER } }], signers: { 'eip155:*': [SPENDER] } } };
    } else if (method === 'POST' && url.pathname.endsWith('/sessions') && behaviour.open) {
      reply = await behaviour.open();
    } else if (method === 'GET' && /\/sessions\/[^/]+$/.test(url.pathname) && behaviour.session) {
      reply = behaviour.session(decodeURIComponent(url.pathname.split('/').pop()!));
    }
    if (reply === 'down') throw new TypeError('fetch failed');
    return new Response(reply.json === undefined ? '' : JSON.stringify(reply.json), { status: reply.status, headers: { 'content-type': 'application/json' } });
  }) as typeof fetch;
  return { calls, facilitator: (url: string) => new FacilitatorClient(url, { fetch: fetchImpl }) };
}
