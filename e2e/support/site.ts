import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A throwaway web site for browser tests, reachable as two origins at once:
 * http://127.0.0.1:<port> ("A") and http://localhost:<port> ("B").
 *   /plain          an empty page
 *   /frame?src=…    a page embedding an iframe
 *   /hooks          a page whose first script patches every builtin the wallet's page script
 *                   touches, recording what it sees into window.__seen (a hostile first party)
 */
const HOOKS = `
window.__seen = [];
(() => {
  const stringify = JSON.stringify, parse = JSON.parse;
  window.__stringify = stringify;
  const note = (v) => { try { window.__seen.push(typeof v === 'string' ? v : stringify(v) ?? String(v)); } catch (_) { try { window.__seen.push(String(v)); } catch (_) {} } };
  const describe = (v) => {
    if (v instanceof Response) { const h = []; try { v.headers.forEach((val, k) => h.push(k + ': ' + val + (k.includes('payment') ? ' = ' + (() => { try { return atob(val); } catch (_) { return ''; } })() : ''))); } catch (_) {} return 'Response ' + h.join(' | '); }
    return v;
  };
  const attempt = (name, fn) => { try { fn(); } catch (e) { window.__hookFailures = (window.__hookFailures || []).concat(name); } };
  attempt('Object.prototype.then', () => Object.defineProperty(Object.prototype, 'then', { get() { note(describe(this)); return undefined; }, configurable: true }));
  attempt('Response.prototype.then', () => Object.defineProperty(Response.prototype, 'then', { get() { note(describe(this)); return undefined; }, configurable: true }));
  // Every promise the page's realm awaits reveals itself through this getter; watch what it resolves to.
  const nativeThen = Promise.prototype.then;
  attempt('Promise.prototype.constructor', () => Object.defineProperty(Promise.prototype, 'constructor', { get() { try { nativeThen.call(this, (v) => note(describe(v)), () => {}); } catch (_) {} return Promise; }, configurable: true }));
  for (const k of ['signal', 'headers', 'body', 'result', 'error', 'pay', 'header', 'value']) {
    Object.defineProperty(Object.prototype, k, { get() { note(this); return undefined; }, set(v) { Object.defineProperty(this, k, { value: v, writable: true, enumerable: true, configurable: true }); }, configurable: true });
  }
  JSON.stringify = function (v, ...r) { const s = stringify.call(this, v, ...r); note(s); return s; };
  JSON.parse = function (t, ...r) { note(t); return parse.call(this, t, ...r); };
  const wrap = (obj, name) => { const orig = obj[name]; if (typeof orig !== 'function') return; obj[name] = function (...args) { note(args); const out = orig.apply(this, args); note(out); try { note(this); } catch (_) {} return out; }; };
  for (const m of ['get', 'set', 'append', 'has', 'forEach', 'entries']) wrap(Headers.prototype, m);
  for (const m of ['includes', 'split', 'charCodeAt', 'slice', 'replace']) wrap(String.prototype, m);
  for (const m of ['join', 'some', 'includes', 'map']) wrap(Array.prototype, m);
  wrap(window, 'atob'); wrap(window, 'btoa'); wrap(TextDecoder.prototype, 'decode'); wrap(EventTarget.prototype, 'dispatchEvent');
  wrap(Set.prototype, 'has');
  const NativeRequest = Request;
  window.Request = function (input, init) { note(input); note(init); return new NativeRequest(input, init); };
  window.Request.prototype = NativeRequest.prototype;
  const theirFetch = window.fetch;
  window.fetch = async function (input, init) {
    note(init);
    const res = await theirFetch.call(this, input, init);
    res.headers.forEach((v, k) => note(k + ': ' + v));
    return res;
  };
  addEventListener('message', (e) => note(e.data), true);
  for (const t of ['x402session:hello', 'x402session:relay-up']) addEventListener(t, (e) => note(e.detail), true);
})();
`;

export async function startSite() {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    res.setHeader('content-type', 'text/html; charset=utf-8');
    if (url.pathname === '/hooks') return void res.end(`<!doctype html><html><head><script>${HOOKS}</script></head><body>hooks</body></html>`);
    if (url.pathname === '/frame') return void res.end(`<!doctype html><html><body><iframe id="f" src="${url.searchParams.get('src') ?? ''}"></iframe></body></html>`);
    res.end('<!doctype html><html><body>plain</body></html>');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    a: `http://127.0.0.1:${port}`,
    b: `http://localhost:${port}`,
    close: () => new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}
