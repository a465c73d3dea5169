/**
 * The Soroban-RPC stand-in's HTTP face: JSON-RPC 2.0 over POST (params an object, as stellar-sdk
 * sends them), on node:http, CORS `*` so pages and the extension can call it. The methods are the
 * ones stellar-sdk 17.2's `rpc.Server` (`prepareTransaction`, `pollTransaction`, `getAccount`),
 * `contract.Client` and freighter-api need; see local-chains.md §2.2 for the fields each returns.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { closeServer, listen, originOf } from '../net';
import { PROTOCOL_VERSION, RpcParamsError, StellarLedger, type StellarLedgerOptions } from './ledger';

export interface StellarRpcOptions extends StellarLedgerOptions {
  host?: string;
  /** 0 picks a free port. Default 8000 (the quickstart image's RPC port). */
  port?: number;
  /** Serve this ledger instead of a new one. */
  ledger?: StellarLedger;
  quiet?: boolean;
}

export interface StellarRpcHandle {
  url: string;
  host: string;
  port: number;
  ledger: StellarLedger;
  /** Every JSON-RPC method called, in order (tests count round trips with it). */
  readonly calls: string[];
  stop(): Promise<void>;
}

const MAX_BODY = 1024 * 1024;

type Handler = (params: Record<string, unknown>) => unknown;

function feeDistribution(fee: number, ledger: number) {
  const f = String(fee);
  return { max: f, min: f, mode: f, p10: f, p20: f, p30: f, p40: f, p50: f, p60: f, p70: f, p80: f, p90: f, p95: f, p99: f, transactionCount: '0', ledgerCount: 50, latestLedger: ledger };
}

function methods(ledger: StellarLedger): Record<string, Handler> {
  return {
    getHealth: () => ({ status: 'healthy', latestLedger: ledger.latestSequence, oldestLedger: ledger.oldestLedger, ledgerRetentionWindow: 17_280 }),
    getNetwork: () => ({ passphrase: ledger.passphrase, protocolVersion: PROTOCOL_VERSION }),
    getVersionInfo: () => ({
      version: '23.0.0-x402-devnet-standin',
      commitHash: '0000000000000000000000000000000000000000',
      buildTimestamp: '2026-01-01T00:00:00Z',
      captiveCoreVersion: 'none (in-memory stand-in)',
      protocolVersion: PROTOCOL_VERSION,
    }),
    getFeeStats: () => ({
      sorobanInclusionFee: feeDistribution(100, ledger.latestSequence),
      inclusionFee: feeDistribution(100, ledger.latestSequence),
      latestLedger: ledger.latestSequence,
    }),
    getLatestLedger: () => ledger.latestLedger(),
    getLedgerEntries: (p) => ledger.getLedgerEntries(p.keys),
    simulateTransaction: (p) => ledger.simulate(p.transaction),
    sendTransaction: (p) => {
      const { errorCode: _code, ...result } = ledger.send(p.transaction);
      return result;
    },
    getTransaction: (p) => ledger.getTransaction(p.hash),
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(new Error('request body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export async function startStellarRpc(opts: StellarRpcOptions = {}): Promise<StellarRpcHandle> {
  const host = opts.host ?? '127.0.0.1';
  const ledger = opts.ledger ?? new StellarLedger(opts);
  const table = methods(ledger);
  const calls: string[] = [];
  const log = opts.quiet ? () => {} : (line: string) => console.log(`[stellar-rpc] ${line}`);

  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };

  const server = createServer((req, res) => {
    res.setHeader('Access-Control-Allow-Origin', '*');
    if (req.method === 'OPTIONS') {
      res.setHeader('Access-Control-Allow-Methods', 'POST, OPTIONS');
      // stellar-sdk adds X-Client-Name / X-Client-Version; allow whatever the preflight asks for.
      res.setHeader('Access-Control-Allow-Headers', req.headers['access-control-request-headers'] ?? 'content-type');
      res.setHeader('Access-Control-Max-Age', '600');
      res.writeHead(204).end();
      return;
    }
    if (req.method !== 'POST') {
      send(res, 405, { jsonrpc: '2.0', id: null, error: { code: -32600, message: 'JSON-RPC requests are POSTed' } });
      return;
    }
    readBody(req).then(
      (text) => {
        let body: unknown;
        try {
          body = JSON.parse(text);
        } catch {
          send(res, 200, { jsonrpc: '2.0', id: null, error: { code: -32700, message: 'parse error' } });
          return;
        }
        const request = body as { jsonrpc?: unknown; id?: unknown; method?: unknown; params?: unknown };
        const id = typeof request?.id === 'string' || typeof request?.id === 'number' ? request.id : null;
        if (typeof body !== 'object' || body === null || Array.isArray(body) || request.jsonrpc !== '2.0' || typeof request.method !== 'string') {
          send(res, 200, { jsonrpc: '2.0', id, error: { code: -32600, message: 'invalid request (batches are not supported)' } });
          return;
        }
        const handler = Object.prototype.hasOwnProperty.call(table, request.method) ? table[request.method] : undefined;
        if (!handler) {
          send(res, 200, { jsonrpc: '2.0', id, error: { code: -32601, message: `method not found: ${request.method}` } });
          return;
        }
        const params = request.params ?? {};
        if (typeof params !== 'object' || params === null || Array.isArray(params)) {
          send(res, 200, { jsonrpc: '2.0', id, error: { code: -32602, message: 'params must be an object' } });
          return;
        }
        calls.push(request.method);
        try {
          send(res, 200, { jsonrpc: '2.0', id, result: handler(params as Record<string, unknown>) });
        } catch (err) {
          if (err instanceof RpcParamsError) {
            send(res, 200, { jsonrpc: '2.0', id, error: { code: -32602, message: err.message } });
          } else {
            log(`internal error in ${request.method}: ${(err as Error).stack ?? String(err)}`);
            send(res, 200, { jsonrpc: '2.0', id, error: { code: -32603, message: 'internal error' } });
          }
        }
      },
      () => send(res, 413, { jsonrpc: '2.0', id: null, error: { code: -32600, message: 'request body too large' } }),
    );
  });

  const port = await listen(server, host, opts.port ?? 8000, 'Stellar RPC');
  return { url: originOf(host, port), host, port, ledger, calls, stop: () => closeServer(server) };
}
