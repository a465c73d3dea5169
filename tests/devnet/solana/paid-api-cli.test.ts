/**
 * The Solana routes of the paid API from Node (the plugin's 402, a tampered `accepted`), and
 * `npm run devnet -- --solana` as a person runs it (banner, the façade and facilitator up, Ctrl-C).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { solanaPaidRoutes, type SolanaPaidRoutes } from '../../../devnet/api/solana-routes';
import { cors, errorHandler, jsonBody } from '../../../devnet/http';
import { startSolanaStack, type SolanaStack } from '../../../devnet/solana/stack';
import { openSolanaSession } from './support/sessions';

const ROOT = join(import.meta.dirname, '..', '..', '..');
let stack: SolanaStack;
let routes: SolanaPaidRoutes;
let server: HttpServer;
let apiUrl: string;

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64');
const unb64 = (h: string | null) => (h ? (JSON.parse(Buffer.from(h, 'base64').toString('utf8')) as Record<string, any>) : null);

beforeAll(async () => {
  stack = await startSolanaStack({ quiet: true, payerCount: 1, slotMs: 0 });
  routes = solanaPaidRoutes({ facilitatorUrl: stack.facilitator.url, network: stack.network, mint: stack.mint.address, payTo: stack.recipient.address });
  const app = express();
  app.use(cors({ allowHeaders: ['Content-Type', 'PAYMENT-SIGNATURE'], exposeHeaders: ['PAYMENT-REQUIRED', 'PAYMENT-RESPONSE'] }));
  app.use(jsonBody());
  routes.mount(app);
  app.use(errorHandler(() => {}));
  server = createHttpServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((r) => server?.close(r));
  await stack?.stop();
});

describe('the Solana paid routes', () => {
  it('answer 402 with a session option carrying the facilitator’s extra, and take PAYMENT-SIGNATURE', async () => {
    const res = await fetch(`${apiUrl}${routes.paths.chat}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message: 'hi' }) });
    expect(res.status).toBe(402);
    const required = unb64(res.headers.get('PAYMENT-REQUIRED'))!;
    expect(required.accepts).toEqual([
      {
        scheme: 'session',
        network: 'solana:devnet',
        amount: '100000',
        asset: stack.mint.address,
        payTo: stack.recipient.address,
        maxTimeoutSeconds: expect.any(Number),
        extra: { facilitatorAddress: stack.facilitator.address, spender: stack.facilitator.address, sessionsEndpoint: '/sessions', decimals: 6, facilitatorUrl: stack.facilitator.url },
      },
    ]);
    const sessionId = await openSolanaSession(stack, stack.payers[0]!.keypair, { cap: 250_000n });
    const accepted = required.accepts[0];
    const pay = (acc: unknown, message = 'hello') =>
      fetch(`${apiUrl}${routes.paths.chat}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'PAYMENT-SIGNATURE': b64({ x402Version: 2, accepted: acc, payload: { sessionId, amount: accepted.amount }, resource: { url: required.resource.url } }) },
        body: JSON.stringify({ message }),
      });
    const paid = await pay(accepted);
    expect(paid.status).toBe(200);
    expect(await paid.json()).toMatchObject({ paymentNumber: 1, chain: 'solana' });
    expect(unb64(paid.headers.get('PAYMENT-RESPONSE'))).toMatchObject({ success: true, extensions: { session: { id: sessionId, spent: '100000', remaining: '150000' } } });

    // A tampered `accepted` matches nothing the server offers.
    const tampered = await pay({ ...accepted, amount: '1' });
    expect(tampered.status).toBe(402);
    expect(unb64(tampered.headers.get('PAYMENT-REQUIRED'))!.error).toMatch(/No matching payment requirements/);
    // A 400 from the handler is not charged.
    const bad = await pay(accepted, '');
    expect(bad.status).toBe(400);
    expect(stack.tokenBalance(stack.recipient.address)).toBe(100_000n);
  });
});

describe('npm run devnet -- --solana', () => {
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const child of children.splice(0)) {
      if (child.exitCode === null && child.signalCode === null && child.pid) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }
    }
  });

  async function freePorts(n: number): Promise<number[]> {
    const servers: Server[] = [];
    for (let i = 0; i < n; i++) {
      const s = createServer();
      await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
      servers.push(s);
    }
    const ports = servers.map((s) => (s.address() as AddressInfo).port);
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    return ports;
  }

  // Every port is free or 0 and the Stellar half is off: fixed default ports collide with other
  // stacks on a shared machine, and this test is about the Solana half.
  it('prints the Solana half, serves it, and stops on SIGINT', async () => {
    const [chain, fac, api, dapp, solRpc, solFac] = await freePorts(6);
    // One process (node --import tsx): the tsx CLI wrapper may kill a child slow to acknowledge a signal.
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'devnet/cli.ts', '--solana', '--quiet', '--chain-port', String(chain), '--facilitator-port', String(fac), '--api-port', String(api), '--dapp-port', String(dapp), '--solana-rpc-port', String(solRpc), '--solana-facilitator-port', String(solFac), '--exact-facilitator-port', '0', '--upto-facilitator-port', '0', '--no-stellar', '--data-dir', mkdtempSync(join(tmpdir(), 'x402-solana-cli-'))],
      { cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FORCE_COLOR: '0' } },
    );
    children.push(child);
    let out = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    const deadline = Date.now() + 40_000;
    while (!out.includes('Ctrl-C stops everything.')) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`devnet did not come up:\n${out}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(out).toContain(`solana rpc   http://127.0.0.1:${solRpc}`);
    expect(out).toContain(`solana fac.  http://127.0.0.1:${solFac}`);
    expect(out).toContain(`/api/solana/chat`);
    const supported = (await (await fetch(`http://127.0.0.1:${solFac}/supported`)).json()) as { kinds: { network: string }[] };
    expect(supported.kinds[0]!.network).toBe('solana:devnet');
    const health = await fetch(`http://127.0.0.1:${solRpc}`, { method: 'POST', body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'getHealth' }) });
    expect(await health.json()).toEqual({ jsonrpc: '2.0', id: 1, result: 'ok' });
    const slot = await fetch(`http://127.0.0.1:${api}/api/solana/slot`);
    expect(slot.status).toBe(402);
    process.kill(-child.pid!, 'SIGINT');
    expect(await exited).toBe(0);
  });
});
