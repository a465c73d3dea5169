/**
 * `npm run devnet` as a person runs it: a child process on free ports, up in < 30 s, answering
 * GET /supported, stopping cleanly on Ctrl-C (SIGINT to its process group); and a busy port gives
 * a one-line error naming it, fast.
 *
 * Exit status on Ctrl-C: the devnet process (`tsx devnet/cli.ts`, what the npm script runs) exits
 * 0. npm itself, having received the SIGINT too, re-raises it once its child is done, so the
 * `npm` process always ends "killed by SIGINT" (status 130 in a shell) whatever the child did:
 * that is npm's behaviour, pinned below, not ours.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const children: ChildProcess[] = [];

afterEach(() => {
  // Only the process groups this file started, by id.
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
  const ports: number[] = [];
  for (let i = 0; i < n; i++) {
    const s = createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    servers.push(s);
    ports.push((s.address() as { port: number }).port);
  }
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

/**
 * `via: 'npm'` runs `npm run devnet -- …`; `via: 'node'` runs the devnet in one process
 * (`node --import tsx devnet/cli.ts`): the tsx CLI wrapper relays a signal to its child and kills
 * the child if it does not acknowledge within ~60 ms, which a loaded 2-core machine sometimes misses.
 */
function runDevnet(args: string[], via: 'npm' | 'node' = 'npm') {
  const [cmd, cmdArgs] = via === 'npm' ? ['npm', ['run', '--silent', 'devnet', '--', ...args]] : [process.execPath, ['--import', 'tsx', 'devnet/cli.ts', ...args]];
  // detached: its own process group, so a SIGINT to -pid reaches npm, sh, tsx and node like Ctrl-C.
  const child = spawn(cmd, cmdArgs, {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, FORCE_COLOR: '0' },
  });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, exited, out: () => stdout, err: () => stderr };
}

async function waitFor(check: () => boolean, timeoutMs: number, what: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting: ${what()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('npm run devnet', () => {
  it('comes up in under 30 s, prints every URL and key, answers GET /supported, and stops on Ctrl-C', async () => {
    const [chain, facilitator, api, dapp, exact, upto, stellarRpc, stellarFacilitator] = await freePorts(8);
    const started = Date.now();
    const run = runDevnet([
      '--chain-port', String(chain),
      '--facilitator-port', String(facilitator),
      '--api-port', String(api),
      '--dapp-port', String(dapp),
      '--exact-facilitator-port', String(exact),
      '--upto-facilitator-port', String(upto),
      '--stellar-rpc-port', String(stellarRpc),
      '--stellar-facilitator-port', String(stellarFacilitator),
      '--data-dir', mkdtempSync(join(tmpdir(), 'x402-cli-')),
      '--quiet',
    ]);
    await waitFor(() => run.out().includes('Ctrl-C stops everything.'), 30_000, () => run.out() + run.err());
    const res = await fetch(`http://127.0.0.1:${facilitator}/supported`);
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ kinds: [{ x402Version: 2, scheme: 'session', network: 'eip155:31337' }, { x402Version: 1 }] });

    const out = run.out();
    for (const port of [chain, facilitator, api, dapp, exact, upto]) expect(out).toContain(`http://127.0.0.1:${port}`);
    expect(out).toMatch(/token\s+0x5FbDB2315678afecb367f032d93F642f64180aa3/);
    expect(out).toMatch(/facilitator\s+0x70997970C51812dc3A010C7d01b50e0d17dc79C8\s+\(spender\)/);
    expect(out).toContain('PUBLIC hardhat test key');
    expect(out).toContain('0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6');
    expect((await fetch(`http://127.0.0.1:${dapp}/config.json`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${api}/api/slot`)).status).toBe(402);
    expect((await fetch(`http://127.0.0.1:${api}/api/exact/slot`)).status).toBe(402);
    expect((await fetch(`http://127.0.0.1:${api}/api/upto/slot`)).status).toBe(402);
    expect(await (await fetch(`http://127.0.0.1:${exact}/supported`)).json()).toMatchObject({ kinds: [{ scheme: 'exact' }, { scheme: 'exact' }] });
    expect(await (await fetch(`http://127.0.0.1:${upto}/supported`)).json()).toMatchObject({ kinds: [{ scheme: 'upto' }] });
    // The Stellar half: its RPC stand-in, its facilitator and the paid API's Stellar routes.
    expect(out).toContain(`soroban rpc  http://127.0.0.1:${stellarRpc}`);
    expect(out).toMatch(/funded payer G[A-Z2-7]{55}\s+secret S[A-Z2-7]{55}/);
    expect(await (await fetch(`http://127.0.0.1:${stellarFacilitator}/supported`)).json()).toMatchObject({ kinds: [{ x402Version: 2, scheme: 'session', network: 'stellar:local' }, { x402Version: 1 }] });
    expect((await fetch(`http://127.0.0.1:${api}/api/stellar/slot`)).status).toBe(402);

    process.kill(-run.child.pid!, 'SIGINT');
    expect(await run.exited).toEqual({ code: null, signal: 'SIGINT' }); // npm re-raises Ctrl-C (see top)
    expect(run.out()).toContain('devnet: stopped');
    expect(run.err()).not.toMatch(/devnet: error/);
    // Everything is released: the same ports can be bound again.
    const again = await freePortsAre([chain!, facilitator!, api!, dapp!, exact!, upto!, stellarRpc!, stellarFacilitator!]);
    expect(again).toBe(true);
  });

  it('a port in use gives a one-line error naming it and a non-zero exit, fast', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const busy = (blocker.address() as { port: number }).port;
    const [chain, facilitator, dapp, exact, upto] = await freePorts(5);
    try {
      const started = Date.now();
      const run = runDevnet([
        '--chain-port', String(chain),
        '--facilitator-port', String(facilitator),
        '--api-port', String(busy),
        '--dapp-port', String(dapp),
        '--exact-facilitator-port', String(exact),
        '--upto-facilitator-port', String(upto),
        // What this measures is the EVM half failing fast; the Stellar half's start (loading
        // stellar-sdk) adds seconds on a loaded machine and is covered by the first test.
        '--no-stellar',
        '--data-dir', mkdtempSync(join(tmpdir(), 'x402-cli-')),
      ]);
      const { code } = await run.exited;
      expect(code).toBe(1);
      expect(Date.now() - started).toBeLessThan(15_000);
      const lines = run.err().split('\n').filter((l) => l.startsWith('devnet:'));
      expect(lines).toEqual([`devnet: port ${busy} (paid API) on 127.0.0.1 is already in use; free it or pass --api-port <n>`]);
      // The components started before the failure were stopped: their ports are free again.
      expect(await freePortsAre([chain!, facilitator!, exact!, upto!])).toBe(true);
    } finally {
      await new Promise((r) => blocker.close(r));
    }
  });

  it('the devnet process itself exits 0 on SIGINT (Ctrl-C) and on SIGTERM', async () => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      const run = runDevnet(['--chain-port', '0', '--facilitator-port', '0', '--api-port', '0', '--dapp-port', '0', '--exact-facilitator-port', '0', '--upto-facilitator-port', '0', '--stellar-rpc-port', '0', '--stellar-facilitator-port', '0', '--data-dir', mkdtempSync(join(tmpdir(), 'x402-cli-')), '--quiet'], 'node');
      await waitFor(() => run.out().includes('Ctrl-C stops everything.'), 30_000, () => run.out() + run.err());
      process.kill(-run.child.pid!, signal);
      expect(await run.exited).toEqual({ code: 0, signal: null });
      expect(run.out()).toContain(`devnet: ${signal} received, stopping…`);
      expect(run.out()).toContain('devnet: stopped');
    }
  });

  it('refuses a bad flag with the usage text', async () => {
    const run = runDevnet(['--api-port', 'many']);
    expect((await run.exited).code).toBe(2);
    expect(run.err()).toContain('devnet: --api-port must be a port number (0-65535), got many');
    expect(run.err()).toContain('Usage: npm run devnet');
  });
});

async function freePortsAre(ports: number[]): Promise<boolean> {
  for (const port of ports) {
    const s = createServer();
    const ok = await new Promise<boolean>((resolve) => {
      s.once('error', () => resolve(false));
      s.listen(port, '127.0.0.1', () => resolve(true));
    });
    if (ok) await new Promise((r) => s.close(r));
    else return false;
  }
  return true;
}
