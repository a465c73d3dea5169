import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { generate } from 'selfsigned';

/**
 * Test servers with public-looking names. Chromium runs with `--host-resolver-rules=MAP *.test
 * 127.0.0.1` and `--ignore-certificate-errors` (e2e/support/extension.ts), so a page at
 * `http://site.test:<port>` is not a loopback origin and a facilitator at
 * `https://facilitator.test:<port>` is reached over TLS with a self-signed certificate — the
 * situations the wallet's URL policy is about, on one machine.
 */

const PAYMENT_HEADERS = ['payment-signature', 'x-payment'];
const hasPayment = (req: http.IncomingMessage) => PAYMENT_HEADERS.some((h) => req.headers[h] !== undefined);

function listen(server: http.Server | https.Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

function closer(server: http.Server | https.Server): () => Promise<void> {
  return () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
}

/** Forward a request to `target` (same path), answering with its response. */
function forward(req: http.IncomingMessage, res: http.ServerResponse, target: string, path: string, edit?: (headers: http.IncomingHttpHeaders) => void): void {
  const url = new URL(path, target);
  const headers = { ...req.headers, host: url.host };
  const up = http.request(url, { method: req.method, headers }, (r) => {
    const out = { ...r.headers };
    edit?.(out);
    res.writeHead(r.statusCode ?? 502, out);
    r.pipe(res);
  });
  up.on('error', () => {
    res.writeHead(502);
    res.end();
  });
  req.pipe(up);
}

/** Plain pages on any *.test name: `/plain`, `/frames?hosts=a,b,…&path=/plain` (one iframe per host). */
export async function startPublicSite() {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    res.setHeader('content-type', 'text/html; charset=utf-8');
    if (url.pathname === '/frames') {
      const port = (server.address() as AddressInfo).port;
      const hosts = (url.searchParams.get('hosts') ?? '').split(',').filter(Boolean);
      const frames = hosts.map((h) => `<iframe src="http://${h}:${port}${url.searchParams.get('path') ?? '/plain'}"></iframe>`).join('');
      return void res.end(`<!doctype html><html><body>${frames}</body></html>`);
    }
    res.end('<!doctype html><html><body>public site</body></html>');
  });
  const port = await listen(server);
  return { port, url: (host: string, path = '/plain') => `http://${host}:${port}${path}`, close: closer(server) };
}

/** `https://<name>:<port>` in front of a local HTTP service, with a self-signed certificate. */
export async function startTlsProxy(target: string, name = 'facilitator.test') {
  const pems = await generate([{ name: 'commonName', value: name }], { keySize: 2048, extensions: [{ name: 'subjectAltName', altNames: [{ type: 2, value: name }] }] } as never);
  const seen: string[] = [];
  const server = https.createServer({ key: pems.private, cert: pems.cert }, (req, res) => {
    seen.push(`${req.method} ${req.url}`);
    forward(req, res, target, req.url ?? '/');
  });
  const port = await listen(server);
  return { url: `https://${name}:${port}`, seen, close: closer(server) };
}

/**
 * A server that records every request carrying a payment header (it must get none), and answers
 * whatever it is given for everything else.
 */
export async function startRecorder(answer: (req: http.IncomingMessage, res: http.ServerResponse) => void = (_q, r) => r.end('ok')) {
  const paid: string[] = [];
  const all: string[] = [];
  const server = http.createServer((req, res) => {
    res.setHeader('access-control-allow-origin', '*');
    res.setHeader('access-control-allow-headers', 'content-type, payment-signature, x-payment');
    res.setHeader('access-control-expose-headers', 'payment-required, payment-response, x-payment-response');
    if (req.method === 'OPTIONS') {
      res.writeHead(204);
      return void res.end();
    }
    all.push(`${req.method} ${req.url}`);
    if (hasPayment(req)) paid.push(`${req.method} ${req.url}`);
    answer(req, res);
  });
  const port = await listen(server);
  return { url: `http://127.0.0.1:${port}`, port, paid, all, close: closer(server) };
}

export type FrontMode = 'forward' | 'strip-receipt' | 'lie' | 'same-redirect' | 'cross-redirect';

/**
 * A front for the paid API on its own origin. Per path prefix (`/<mode>/<route>`), what it does with
 * a request carrying a payment header: forward it; forward it and strip the settlement receipt;
 * answer 200 itself without ever settling (a lying server); redirect it to `/<route>` on this same
 * origin (307); redirect it to `crossTo` (302). Unpaid requests are always forwarded, so the 402
 * is the real API's. `/flip/<route>` behaves as `flipMode` says, changeable between calls.
 */
export async function startFront(api: string, crossTo: string) {
  const paidSeen: string[] = [];
  let flipMode: FrontMode = 'forward';
  const server = http.createServer((req, res) => {
    const m = /^\/(forward|strip-receipt|lie|same-redirect|cross-redirect|flip)(\/.*)$/.exec(req.url ?? '/');
    if (!m || !hasPayment(req) || req.method === 'OPTIONS') return forward(req, res, api, m ? m[2]! : req.url ?? '/');
    const mode: FrontMode = m[1] === 'flip' ? flipMode : (m[1] as FrontMode);
    const route = m[2]!;
    paidSeen.push(`${mode} ${route}`);
    const cors = { 'access-control-allow-origin': '*', 'access-control-expose-headers': 'payment-required, payment-response, x-payment-response' };
    if (mode === 'forward') return forward(req, res, api, route);
    if (mode === 'strip-receipt') return forward(req, res, api, route, (h) => void delete h['payment-response']);
    if (mode === 'lie') {
      res.writeHead(200, { ...cors, 'content-type': 'application/json' });
      return void res.end('{"served":"without settling"}');
    }
    if (mode === 'same-redirect') {
      res.writeHead(307, { ...cors, location: `/forward${route}` });
      return void res.end();
    }
    res.writeHead(302, { ...cors, location: `${crossTo}${route}` });
    res.end();
  });
  const port = await listen(server);
  return {
    url: `http://127.0.0.1:${port}`,
    paidSeen,
    setFlip(mode: FrontMode) {
      flipMode = mode;
    },
    close: closer(server),
  };
}
