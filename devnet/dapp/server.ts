/**
 * The demo dapp: static HTML + JS on a third origin (no build step), plus `/config.json` with
 * the URLs and addresses of the running stack, so the same files work on any ports.
 */
import { createServer } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express from 'express';
import { errorHandler, HttpError } from '../http';
import { closeServer, listen, originOf } from '../net';

export const DAPP_PUBLIC_DIR = join(dirname(fileURLToPath(import.meta.url)), 'public');

export interface DappConfig {
  apiUrl: string;
  facilitatorUrl: string;
  network: string;
  chainId: number;
  rpcUrl: string;
  token: { address: `0x${string}`; symbol: string; decimals: number; name: string; version: string };
  recipient: `0x${string}`;
  paths: { chat: string; cheap: string; v1: string; nocors: string };
  /** Base units as decimal strings (JSON has no bigint). */
  prices: { chat: string; cheap: string; v1: string; nocors: string };
  /** What "Start session" asks for: `cap` in token units ("1.00"), like requestSession takes it. */
  session: { cap: string; expiresIn: number };
  /** The Stellar half, when the stack runs it: the page's chain picker offers it. */
  stellar?: DappStellarConfig;
  /** The Solana terms, when the devnet runs its Solana half (the page's chain picker offers it). */
  solana?: {
    network: string;
    facilitatorUrl: string;
    rpcUrl: string;
    token: { address: string; symbol: string; decimals: number };
    recipient: string;
    paths: { chat: string; cheap: string };
    prices: { chat: string; cheap: string };
  };
  /** Routes offering only `upto` / only `exact` (one card each), base units as decimal strings. */
  schemes?: {
    upto?: { path: string; price: string; cap: string };
    exact?: { path: string; v1Path: string; price: string; v1Price: string };
  };
}

export interface DappStellarConfig {
  network: string;
  facilitatorUrl: string;
  /** The SAC (C…). */
  token: { address: string; symbol: string; decimals: number };
  /** G… payTo of the Stellar routes. */
  recipient: string;
  paths: { chat: string; cheap: string };
  prices: { chat: string; cheap: string };
}

export interface DappOptions {
  host?: string;
  /** 0 picks a free port. Default 4022. */
  port?: number;
  config: DappConfig;
  quiet?: boolean;
}

export interface DappHandle {
  url: string;
  host: string;
  port: number;
  stop(): Promise<void>;
}

export async function startDapp(opts: DappOptions): Promise<DappHandle> {
  const host = opts.host ?? '127.0.0.1';
  const log = opts.quiet ? () => {} : (line: string) => console.log(`[dapp] ${line}`);
  const app = express();
  app.disable('x-powered-by');
  app.get('/config.json', (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.json(opts.config);
  });
  // no-cache: a restarted devnet on other ports must never run yesterday's app.js.
  app.use(express.static(DAPP_PUBLIC_DIR, { index: 'index.html', etag: true, setHeaders: (res) => res.setHeader('Cache-Control', 'no-cache') }));
  app.use((_req, _res) => {
    throw new HttpError(404, 'not found');
  });
  app.use(errorHandler(log));

  const server = createServer(app);
  const port = await listen(server, host, opts.port ?? 4022, 'demo dapp');
  return { url: originOf(host, port), host, port, stop: () => closeServer(server) };
}
