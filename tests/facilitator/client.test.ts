import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FacilitatorClient, FacilitatorError } from '../../lib/facilitator/client';
import { SessionFacilitator } from '../../lib/schemes/session/facilitator';

/** A facilitator over real HTTP whose every route misbehaves in its own way. */
describe('FacilitatorClient (real HTTP, hostile answers)', () => {
  let base = '';
  let supportedHits = 0;
  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (path === '/ok/supported') {
      supportedHits++;
      return json(200, { kinds: [{ x402Version: 2, scheme: 'session', network: 'base:sepolia', extra: { spender: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8' } }], signers: { 'eip155:*': ['0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC'] } });
    }
    if (path === '/signers/supported') return json(200, { kinds: [{ x402Version: 2, scheme: 'session', network: 'eip155:84532' }], signers: { 'eip155:*': ['0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC'] } });
    if (path === '/malformed/supported') return json(200, { kinds: 'many' });
    if (path === '/notjson/supported') return void res.end('<html>hello</html>');
    if (path === '/huge/supported') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return void res.end('[' + '0,'.repeat(200_000) + '0]');
    }
    if (path === '/slow/supported') return void setTimeout(() => json(200, { kinds: [] }), 2000);
    if (path === '/redirect/supported') {
      res.writeHead(302, { location: `${base}/ok/supported` });
      return void res.end();
    }
    if (path === '/ok/sessions' && req.method === 'POST') return json(201, { sessionId: 'fac-session-0001', cap: '1000000', spent: '0' });
    if (path === '/refuse/sessions') return json(400, { error: 'allowance too small' });
    if (path === '/broken/sessions') return json(503, { error: 'maintenance' });
    if (path === '/ok/sessions/fac-session-0001') return json(200, { id: 'fac-session-0001', cap: '1000000', spent: '300000' });
    if (path.startsWith('/ok/sessions/')) return json(404, { error: 'session not found' });
    json(404, { error: 'no' });
  });
  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const fail = (p: Promise<unknown>) => p.then(() => null, (e: unknown) => e as FacilitatorError);

  it('refuses URLs that are not https (or loopback http), with credentials, or hostile', () => {
    for (const url of ['http://evil.example', 'https://u:p@f.example', 'javascript:alert(1)', 'ftp://f.example']) {
      expect(() => new FacilitatorClient(url)).toThrow(FacilitatorError);
    }
    expect(new FacilitatorClient('https://f.example/base/').baseUrl).toBe('https://f.example/base');
  });

  it('reads /supported once for a while, and finds the session kind under any spelling of the network', async () => {
    const client = new FacilitatorClient(`${base}/ok`);
    const kind = await client.supportedKind('session', { id: 'eip155:84532', family: 'evm', chainId: 84532 });
    expect(kind).toMatchObject({ scheme: 'session', network: 'base:sepolia' });
    expect(await client.supportedKind('upto', { id: 'eip155:84532', family: 'evm', chainId: 84532 })).toBeNull();
    await client.supported();
    expect(supportedHits).toBe(1);
    const session = new SessionFacilitator(client);
    expect(await session.discover({ id: 'eip155:84532', family: 'evm', chainId: 84532 }, 'eip155:*')).toMatchObject({ spender: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8', facilitatorNetwork: 'base:sepolia' });
    expect(supportedHits).toBe(1);
  });

  it('falls back to the family signer when the kind names no spender', async () => {
    const session = new SessionFacilitator(new FacilitatorClient(`${base}/signers`));
    expect((await session.discover({ id: 'eip155:84532', family: 'evm', chainId: 84532 }, 'eip155:*')).spender).toBe('0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC');
    expect(await fail(session.discover({ id: 'eip155:8453', family: 'evm', chainId: 8453 }, 'eip155:*'))).toMatchObject({ code: 'unsupported_network' });
  });

  it('types every failure: malformed, not JSON, oversized, slow, redirected, unreachable', async () => {
    expect(await fail(new FacilitatorClient(`${base}/malformed`).supported())).toMatchObject({ code: 'bad_response' });
    expect(await fail(new FacilitatorClient(`${base}/notjson`).supported())).toMatchObject({ code: 'bad_response' });
    expect(await fail(new FacilitatorClient(`${base}/huge`).supported())).toMatchObject({ code: 'bad_response' });
    expect(await fail(new FacilitatorClient(`${base}/slow`, { timeoutMs: 200 }).supported())).toMatchObject({ code: 'timeout' });
    expect(await fail(new FacilitatorClient(`${base}/redirect`).supported())).toMatchObject({ code: 'unreachable' });
    expect(await fail(new FacilitatorClient('http://127.0.0.1:9').supported())).toMatchObject({ code: 'unreachable' });
    // A failure is not cached: the next call asks again.
    const flaky = new FacilitatorClient(`${base}/malformed`);
    await fail(flaky.supported());
    expect(await fail(flaky.supported())).toMatchObject({ code: 'bad_response' });
  });

  it('opens and reads sessions; refusals and outages are told apart', async () => {
    const ok = new SessionFacilitator(new FacilitatorClient(`${base}/ok`));
    expect(await ok.open(`${base}/ok/sessions`, { cap: '1000000' })).toMatchObject({ sessionId: 'fac-session-0001' });
    expect(await ok.get('fac-session-0001')).toMatchObject({ spent: '300000' });
    expect(await fail(ok.get('other-session'))).toMatchObject({ code: 'not_found', status: 404 });
    expect(await fail(ok.open(`${base}/refuse/sessions`, {}))).toMatchObject({ code: 'rejected', status: 400, message: expect.stringContaining('allowance too small') });
    expect(await fail(ok.open(`${base}/broken/sessions`, {}))).toMatchObject({ code: 'http_error', status: 503 });
  });
});
