import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { header, paymentRequiredObject, sessionAccept } from './x402';

/**
 * A minimal x402 resource server for wrapper unit tests (the real one, @x402/express with the real
 * facilitator, is exercised by the devnet and browser suites). It records every request it sees.
 */
export interface SeenRequest {
  path: string;
  method: string;
  body: string;
  paymentSignature?: string;
  xPayment?: string;
}

export async function startPaidServer(opts: { acceptSecret: () => string | null; refuseReason?: () => string | null; amount?: () => string }) {
  const seen: SeenRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const sig = req.headers['payment-signature'] as string | undefined;
      const xp = req.headers['x-payment'] as string | undefined;
      seen.push({ path: url.pathname, method: req.method ?? 'GET', body: Buffer.concat(chunks).toString(), ...(sig ? { paymentSignature: sig } : {}), ...(xp ? { xPayment: xp } : {}) });
      const required = paymentRequiredObject([sessionAccept(opts.amount ? { amount: opts.amount() } : {})], { resource: { url: `http://127.0.0.1${url.pathname}` } });
      if (url.pathname === '/free') return void res.end('free');
      if (url.pathname === '/plain402') {
        res.writeHead(402, { 'content-type': 'text/plain' });
        return void res.end('pay me somehow');
      }
      if (url.pathname === '/bad402') {
        res.writeHead(402, { 'payment-required': 'not base64!!', 'content-type': 'application/json' });
        return void res.end('{}');
      }
      if (url.pathname === '/v1') {
        if (xp) {
          const p = JSON.parse(Buffer.from(xp, 'base64').toString());
          if (p.payload?.sessionId === opts.acceptSecret()) {
            res.writeHead(200, { 'x-payment-response': header({ success: true, transaction: '0xv1', network: 'eip155:31337' }) });
            return void res.end('v1 paid');
          }
        }
        res.writeHead(402, { 'content-type': 'application/json' });
        const a = sessionAccept();
        return void res.end(JSON.stringify({ x402Version: 1, error: 'X-PAYMENT header is required', accepts: [{ scheme: 'session', network: a.network, maxAmountRequired: a.amount, asset: a.asset, payTo: a.payTo, resource: 'http://127.0.0.1/v1', maxTimeoutSeconds: 60, extra: {} }] }));
      }
      if (sig) {
        const p = JSON.parse(Buffer.from(sig, 'base64').toString());
        const refuse = opts.refuseReason?.();
        if (refuse) {
          res.writeHead(402, { 'payment-required': header({ ...required, error: refuse }), 'content-type': 'application/json' });
          return void res.end('{"refused":true}');
        }
        if (p.payload?.sessionId === opts.acceptSecret() && JSON.stringify(p.accepted) === JSON.stringify(required.accepts[0])) {
          // Like the session facilitators, echo the session (bearer id included) in the settle response.
          res.writeHead(200, { 'content-type': 'application/json', 'x-echo': 'kept', 'payment-response': header({ success: true, transaction: '0xfeed', network: 'eip155:31337', extensions: { session: { id: p.payload.sessionId, spent: '100000' } } }) });
          return void res.end(JSON.stringify({ paid: true, echo: Buffer.concat(chunks).toString() }));
        }
        // What @x402/express answers when `accepted` matches none of its requirements.
        const known = p.payload?.sessionId === opts.acceptSecret();
        res.writeHead(402, { 'payment-required': header({ ...required, error: known ? 'No matching payment requirements' : 'session_not_found' }) });
        return void res.end('{}');
      }
      res.writeHead(402, { 'payment-required': header(required), 'content-type': 'application/json' });
      res.end('{"original":true}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { base, seen, close: () => new Promise<void>((r) => server.close(() => r())) };
}
