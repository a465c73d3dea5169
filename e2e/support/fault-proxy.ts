import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A proxy in front of the real facilitator that can misbehave per endpoint: be down, answer
 * slowly, 500, send garbage, or answer POST /sessions with a 201 that has no sessionId.
 */
/** `hang`: no answer until the client gives up, request never processed; `slow`: processed, but answered after the client's timeout. */
export type Fault = 'ok' | 'down' | 'hang' | 'slow' | '500' | 'garbage' | 'missing-id';
export type Endpoint = 'supported' | 'sessions' | 'verify' | 'settle';

export async function startFaultProxy(target: string, slowMs = 12_000) {
  const faults: Record<Endpoint, Fault> = { supported: 'ok', sessions: 'ok', verify: 'ok', settle: 'ok' };
  const hits: Record<string, number> = {};
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      const path = (req.url ?? '/').split('?')[0]!;
      const endpoint = (['supported', 'sessions', 'verify', 'settle'] as const).find((e) => path.startsWith(`/${e}`));
      const fault = endpoint ? faults[endpoint] : 'ok';
      hits[`${req.method} ${endpoint ?? path}:${fault}`] = (hits[`${req.method} ${endpoint ?? path}:${fault}`] ?? 0) + 1;
      const cors = { 'access-control-allow-origin': '*', 'access-control-allow-headers': 'content-type' };
      if (req.method === 'OPTIONS') {
        res.writeHead(204, { ...cors, 'access-control-allow-methods': 'GET, POST' });
        return void res.end();
      }
      if (fault === 'down') return void req.socket.destroy();
      if (fault === '500') {
        res.writeHead(500, { ...cors, 'content-type': 'application/json' });
        return void res.end('{"error":"internal"}');
      }
      if (fault === 'garbage') {
        res.writeHead(200, { ...cors, 'content-type': 'application/json' });
        return void res.end('<html>not json{');
      }
      if (fault === 'missing-id' && req.method === 'POST') {
        res.writeHead(201, { ...cors, 'content-type': 'application/json' });
        return void res.end('{"spent":"0"}');
      }
      if (fault === 'hang') {
        await new Promise((r) => setTimeout(r, 3_000));
        return void req.socket.destroy();
      }
      if (fault === 'slow') await new Promise((r) => setTimeout(r, slowMs));
      try {
        const upstream = await fetch(`${target}${req.url}`, {
          method: req.method,
          headers: { 'content-type': 'application/json' },
          ...(req.method === 'POST' ? { body: Buffer.concat(chunks) } : {}),
        });
        res.writeHead(upstream.status, { ...cors, 'content-type': 'application/json' });
        res.end(Buffer.from(await upstream.arrayBuffer()));
      } catch {
        req.socket.destroy();
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    faults,
    hits,
    set(endpoint: Endpoint, fault: Fault) {
      faults[endpoint] = fault;
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
