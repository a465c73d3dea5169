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

/**
 * The same paid route on a bare TCP server, for what Node's HTTP parser refuses: a lower-case
 * method such as `patch` (fetch sends it as written; browsers' servers vary, Node's answers 400).
 */
export async function startRawPaidServer(opts: { acceptSecret: () => string | null }) {
  const { createServer } = await import('node:net');
  const seen: { method: string; paymentSignature?: string }[] = [];
  const server = createServer((socket) => {
    let buf = '';
    socket.on('data', (chunk) => {
      buf += chunk.toString('latin1');
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const [line, ...lines] = buf.slice(0, end).split('\r\n');
      const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
      const length = Number(headers['content-length'] ?? 0);
      if (buf.length < end + 4 + length) return;
      buf = '';
      const method = line!.split(' ')[0]!;
      const sig = headers['payment-signature'];
      seen.push({ method, ...(sig ? { paymentSignature: sig } : {}) });
      const required = paymentRequiredObject([sessionAccept()], { resource: { url: 'http://127.0.0.1/raw' } });
      const paid = sig && JSON.parse(Buffer.from(sig, 'base64').toString()).payload?.sessionId === opts.acceptSecret();
      const extra = paid ? `payment-response: ${header({ success: true, transaction: '0xraw', network: 'eip155:31337' })}` : `payment-required: ${header(required)}`;
      const body = paid ? 'paid' : '{}';
      socket.end(`HTTP/1.1 ${paid ? '200 OK' : '402 Payment Required'}\r\n${extra}\r\ncontent-type: text/plain\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n${body}`);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { base, seen, close: () => new Promise<void>((r) => server.close(() => r())) };
}
