/**
 * Solana JSON-RPC + WebSocket façade over a `SolanaRuntime`, on one port of 127.0.0.1
 * (local-chains.md §1.3): enough for web3.js 1.x `Connection`, spl-token's helpers, kit's
 * `createSolanaRpc` and wallets. HTTP POST carries JSON-RPC (single or batch); the WebSocket on
 * the same port carries subscriptions. web3.js dials *port + 1* for WS unless given
 * `wsEndpoint`: pass `wsUrl`.
 *
 * `sendTransaction` preflights like a validator: a failing simulation is answered with
 * `-32002 "Transaction simulation failed: …"` and `data { err, logs, accounts, unitsConsumed,
 * returnData }` (web3.js turns it into a `SendTransactionError` whose `getLogs()` work), a bad
 * signature with `-32003`; nothing is sent, no fee is paid. With `skipPreflight`, a transaction
 * that fails in execution lands (fee paid, status with `err`); one with an unknown blockhash is
 * dropped (no status).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import { decodeBase58, encodeBase58 } from '../../lib/chains/solana/base58';
import { decodeTokenAccount, decodeMint } from '../../lib/chains/solana/layouts';
import { isTokenProgram } from '../../lib/chains/solana/programs';
import { isSolanaAddress } from '../../lib/chains/solana/address';
import { closeServer, listen, originOf } from '../net';
import { describeRpcError } from './errors';
import { FEE_PER_SIGNATURE, peekTransaction, type RuntimeAccount, type SolanaRuntime } from './runtime';

export const RPC_API_VERSION = '2.3.0';
const MAX_BODY = 1 << 20;

export class RpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
  }
}

export interface SolanaRpcOptions {
  runtime: SolanaRuntime;
  host?: string;
  /** 0 picks a free port. Default 8899 (solana-test-validator's). */
  port?: number;
  quiet?: boolean;
}

export interface SolanaRpcHandle {
  url: string;
  wsUrl: string;
  port: number;
  /** JSON-RPC calls answered, by method (tests and logs read it). */
  readonly calls: Map<string, number>;
  stop(): Promise<void>;
}

type Params = unknown[];
type Config = Record<string, unknown>;

function configOf(params: Params, index: number): Config {
  const c = params[index];
  return c && typeof c === 'object' && !Array.isArray(c) ? (c as Config) : {};
}

function addressParam(params: Params, index: number): string {
  const a = params[index];
  if (!isSolanaAddress(a)) throw new RpcError(-32602, `Invalid param: ${JSON.stringify(a)} is not a base58 pubkey`);
  return a;
}

function wireParam(params: Params): Uint8Array {
  const wire = params[0];
  const encoding = configOf(params, 1).encoding ?? 'base58';
  if (typeof wire !== 'string') throw new RpcError(-32602, 'Invalid params: transaction must be a string');
  try {
    if (encoding === 'base64') return Buffer.from(wire, 'base64');
    if (encoding === 'base58') return decodeBase58(wire);
  } catch {
    throw new RpcError(-32602, `Invalid params: transaction is not ${String(encoding)}`);
  }
  throw new RpcError(-32602, `Invalid params: unsupported encoding ${String(encoding)}`);
}

/** `getAccountInfo`'s value. jsonParsed falls back to base64, as RPC does without a parser. */
function accountJson(account: RuntimeAccount | null, encoding: unknown): unknown {
  if (!account) return null;
  const data = encoding === 'base58' ? [encodeBase58(account.data), 'base58'] : [Buffer.from(account.data).toString('base64'), 'base64'];
  return {
    data,
    executable: account.executable,
    lamports: Number(account.lamports),
    owner: account.owner,
    // Agave reports u64::MAX for rent-exempt accounts; JSON numbers lose it, as on a cluster.
    rentEpoch: Number(account.rentEpoch),
    space: account.data.length,
  };
}

export function createRpcHandler(runtime: SolanaRuntime): (method: string, params: Params) => unknown {
  const context = () => ({ slot: runtime.slot, apiVersion: RPC_API_VERSION });
  const withContext = (value: unknown) => ({ context: context(), value });

  const sendTransaction = (params: Params): string => {
    const bytes = wireParam(params);
    const config = configOf(params, 1);
    let peek;
    try {
      peek = peekTransaction(bytes);
    } catch (err) {
      throw new RpcError(-32602, `invalid transaction: ${(err as Error).message}`);
    }
    if (config.skipPreflight !== true) {
      // Validators check signatures before simulating, with their own error code.
      const verified = runtime.simulate(bytes, { sigVerify: true });
      if (verified.err === 'SignatureFailure') throw new RpcError(-32003, 'Transaction signature verification failure');
      if (verified.err !== null) {
        throw new RpcError(-32002, `Transaction simulation failed: ${describeRpcError(verified.err)}`, {
          err: verified.err,
          logs: verified.logs,
          accounts: null,
          unitsConsumed: verified.unitsConsumed,
          returnData: null,
          innerInstructions: null,
        });
      }
    }
    const result = runtime.execute(bytes);
    if (result.err !== null) {
      // What simulation cannot see (a replay: AlreadyProcessed) still fails the preflight.
      if (config.skipPreflight !== true) {
        throw new RpcError(-32002, `Transaction simulation failed: ${describeRpcError(result.err)}`, {
          err: result.err,
          logs: result.logs,
          accounts: null,
          unitsConsumed: result.unitsConsumed,
          returnData: null,
          innerInstructions: null,
        });
      }
      // Unsent on a cluster too: a stale blockhash, a replay or a bad signature never lands.
      if (result.err !== 'BlockhashNotFound' && result.err !== 'AlreadyProcessed' && result.err !== 'SignatureFailure') {
        runtime.recordFailedLanding(result.signature, result.err);
      }
    }
    return peek.signature;
  };

  const simulateTransaction = (params: Params): unknown => {
    const bytes = wireParam(params);
    const config = configOf(params, 1);
    if (config.sigVerify === true && config.replaceRecentBlockhash === true) {
      throw new RpcError(-32602, 'Invalid params: sigVerify may not be used with replaceRecentBlockhash');
    }
    const accountsConfig = configOf([config.accounts], 0);
    const addresses = Array.isArray(accountsConfig.addresses) ? accountsConfig.addresses : undefined;
    if (addresses && !addresses.every(isSolanaAddress)) throw new RpcError(-32602, 'Invalid params: accounts.addresses must be base58 pubkeys');
    const result = runtime.simulate(bytes, {
      sigVerify: config.sigVerify === true,
      replaceRecentBlockhash: config.replaceRecentBlockhash === true,
      addresses: addresses as string[] | undefined,
    });
    const replacement = config.replaceRecentBlockhash === true ? { replacementBlockhash: runtime.latestBlockhash() } : {};
    return withContext({
      err: result.err,
      logs: result.logs,
      accounts: result.accounts ? result.accounts.map((a) => accountJson(a, accountsConfig.encoding ?? 'base64')) : null,
      unitsConsumed: result.unitsConsumed,
      returnData: null,
      innerInstructions: null,
      ...replacement,
    });
  };

  const methods: Record<string, (params: Params) => unknown> = {
    getHealth: () => 'ok',
    getVersion: () => ({ 'solana-core': RPC_API_VERSION, 'feature-set': 0 }),
    getGenesisHash: () => runtime.genesisHash,
    getSlot: () => runtime.slot,
    getBlockHeight: () => runtime.blockHeight,
    getEpochInfo: () => ({ absoluteSlot: runtime.slot, blockHeight: runtime.blockHeight, epoch: 0, slotIndex: runtime.slot, slotsInEpoch: 432000, transactionCount: null }),
    getLatestBlockhash: () => withContext(runtime.latestBlockhash()),
    isBlockhashValid: (p) => {
      if (typeof p[0] !== 'string') throw new RpcError(-32602, 'Invalid params: blockhash must be a string');
      return withContext(runtime.isBlockhashValid(p[0]));
    },
    getFeeForMessage: (p) => {
      if (typeof p[0] !== 'string') throw new RpcError(-32602, 'Invalid params: message must be base64');
      const message = Buffer.from(p[0], 'base64');
      const first = message[0] ?? 0;
      const sigs = first & 0x80 ? (message[1] ?? 0) : first;
      return withContext(sigs * FEE_PER_SIGNATURE);
    },
    getMinimumBalanceForRentExemption: (p) => {
      const len = p[0];
      if (typeof len !== 'number' || !Number.isInteger(len) || len < 0) throw new RpcError(-32602, 'Invalid params: data length must be a non-negative integer');
      return Number(runtime.minimumBalanceForRentExemption(len));
    },
    getBalance: (p) => withContext(Number(runtime.getBalance(addressParam(p, 0)))),
    getAccountInfo: (p) => withContext(accountJson(runtime.getAccount(addressParam(p, 0)), configOf(p, 1).encoding)),
    getMultipleAccounts: (p) => {
      const list = p[0];
      if (!Array.isArray(list) || list.length > 100 || !list.every(isSolanaAddress)) throw new RpcError(-32602, 'Invalid params: up to 100 base58 pubkeys');
      const encoding = configOf(p, 1).encoding;
      return withContext(list.map((a) => accountJson(runtime.getAccount(a), encoding)));
    },
    getTokenAccountBalance: (p) => {
      const address = addressParam(p, 0);
      const account = runtime.getAccount(address);
      if (!account || !isTokenProgram(account.owner) || account.data.length < 165) {
        throw new RpcError(-32602, 'Invalid param: could not find account');
      }
      const token = decodeTokenAccount(account.data);
      const mint = runtime.getAccount(token.mint);
      if (!mint) throw new RpcError(-32602, 'Invalid param: could not find mint');
      const { decimals } = decodeMint(mint.data);
      const uiAmountString = formatUi(token.amount, decimals);
      return withContext({ amount: token.amount.toString(), decimals, uiAmount: Number(uiAmountString), uiAmountString });
    },
    requestAirdrop: (p) => {
      const address = addressParam(p, 0);
      const lamports = p[1];
      if (typeof lamports !== 'number' || !Number.isSafeInteger(lamports) || lamports <= 0) throw new RpcError(-32602, 'Invalid params: lamports must be a positive integer');
      return runtime.airdrop(address, BigInt(lamports));
    },
    sendTransaction,
    simulateTransaction,
    getSignatureStatuses: (p) => {
      const sigs = p[0];
      if (!Array.isArray(sigs) || sigs.length > 256 || !sigs.every((s) => typeof s === 'string')) {
        throw new RpcError(-32602, 'Invalid params: up to 256 signatures');
      }
      return withContext(
        sigs.map((sig: string) => {
          const status = runtime.signatureStatus(sig);
          if (!status) return null;
          return {
            slot: status.slot,
            confirmations: null,
            err: status.err,
            status: status.err === null ? { Ok: null } : { Err: status.err },
            confirmationStatus: 'finalized',
          };
        }),
      );
    },
  };

  return (method, params) => {
    const fn = Object.prototype.hasOwnProperty.call(methods, method) ? methods[method] : undefined;
    if (!fn) throw new RpcError(-32601, 'Method not found');
    return fn(params);
  };
}

function formatUi(amount: bigint, decimals: number): string {
  if (decimals === 0) return amount.toString();
  const s = amount.toString().padStart(decimals + 1, '0');
  const whole = s.slice(0, -decimals);
  const frac = s.slice(-decimals).replace(/0+$/, '');
  return frac ? `${whole}.${frac}` : whole;
}

interface JsonRpcRequest {
  jsonrpc?: unknown;
  id?: unknown;
  method?: unknown;
  params?: unknown;
}

function answer(handler: (method: string, params: Params) => unknown, request: unknown, count: (m: string) => void): unknown {
  const req = request as JsonRpcRequest;
  const id = req && typeof req === 'object' && 'id' in req ? (req.id ?? null) : null;
  if (!req || typeof req !== 'object' || req.jsonrpc !== '2.0' || typeof req.method !== 'string') {
    return { jsonrpc: '2.0', id, error: { code: -32600, message: 'Invalid request' } };
  }
  count(req.method);
  const params = Array.isArray(req.params) ? req.params : req.params === undefined ? [] : null;
  if (params === null) return { jsonrpc: '2.0', id, error: { code: -32602, message: 'Invalid params: expected an array' } };
  try {
    return { jsonrpc: '2.0', id, result: handler(req.method, params) };
  } catch (err) {
    if (err instanceof RpcError) {
      return { jsonrpc: '2.0', id, error: { code: err.code, message: err.message, ...(err.data !== undefined ? { data: err.data } : {}) } };
    }
    return { jsonrpc: '2.0', id, error: { code: -32603, message: `Internal error: ${(err as Error).message}` } };
  }
}

const CORS_HEADERS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Methods': 'POST, GET, OPTIONS',
  // web3.js sends `solana-client`; a browser preflight must allow it.
  'Access-Control-Allow-Headers': 'content-type, solana-client',
  'Access-Control-Max-Age': '600',
};

export async function startSolanaRpc(opts: SolanaRpcOptions): Promise<SolanaRpcHandle> {
  const host = opts.host ?? '127.0.0.1';
  const runtime = opts.runtime;
  const handler = createRpcHandler(runtime);
  const calls = new Map<string, number>();
  const count = (m: string) => calls.set(m, (calls.get(m) ?? 0) + 1);
  const log = opts.quiet ? () => {} : (line: string) => console.log(`[solana-rpc] ${line}`);

  const onHttp = (req: IncomingMessage, res: ServerResponse): void => {
    if (req.method === 'OPTIONS') {
      res.writeHead(204, CORS_HEADERS).end();
      return;
    }
    if (req.method === 'GET' && (req.url === '/health' || req.url === '/')) {
      res.writeHead(200, { ...CORS_HEADERS, 'content-type': 'text/plain' }).end('ok');
      return;
    }
    if (req.method !== 'POST') {
      res.writeHead(405, CORS_HEADERS).end();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        res.writeHead(413, CORS_HEADERS).end();
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (res.writableEnded) return;
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        res.writeHead(200, { ...CORS_HEADERS, 'content-type': 'application/json' });
        res.end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } }));
        return;
      }
      const result = Array.isArray(body) ? body.map((r) => answer(handler, r, count)) : answer(handler, body, count);
      res.writeHead(200, { ...CORS_HEADERS, 'content-type': 'application/json' });
      res.end(JSON.stringify(result));
    });
  };

  const server = createServer(onHttp);
  const wss = new WebSocketServer({ server, maxPayload: MAX_BODY });
  wss.on('connection', (socket: WebSocket) => {
    let nextSubscription = 1;
    const unsubscribes = new Map<number, () => void>();
    const send = (value: unknown) => {
      if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(value));
    };
    socket.on('message', (raw) => {
      let msg: JsonRpcRequest;
      try {
        msg = JSON.parse(String(raw)) as JsonRpcRequest;
      } catch {
        send({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } });
        return;
      }
      const id = msg.id ?? null;
      const method = typeof msg.method === 'string' ? msg.method : '';
      const params = Array.isArray(msg.params) ? msg.params : [];
      count(method);
      if (method === 'signatureSubscribe') {
        const signature = params[0];
        if (typeof signature !== 'string') {
          send({ jsonrpc: '2.0', id, error: { code: -32602, message: 'Invalid params: signature' } });
          return;
        }
        const subscription = nextSubscription++;
        send({ jsonrpc: '2.0', id, result: subscription });
        // One notification, then the subscription ends, as on a cluster.
        const off = runtime.onSignature(signature, (status) => {
          unsubscribes.delete(subscription);
          send({
            jsonrpc: '2.0',
            method: 'signatureNotification',
            params: { result: { context: { slot: status.slot }, value: { err: status.err } }, subscription },
          });
        });
        unsubscribes.set(subscription, off);
      } else if (method.endsWith('Unsubscribe')) {
        const sub = Number(params[0]);
        unsubscribes.get(sub)?.();
        unsubscribes.delete(sub);
        send({ jsonrpc: '2.0', id, result: true });
      } else if (method.endsWith('Subscribe')) {
        // Acknowledged so clients do not stall; these never notify here.
        send({ jsonrpc: '2.0', id, result: nextSubscription++ });
      } else {
        send(answer(handler, msg, () => {}));
      }
    });
    socket.on('close', () => {
      for (const off of unsubscribes.values()) off();
      unsubscribes.clear();
    });
  });

  const port = await listen(server, host, opts.port ?? 8899, 'solana RPC');
  const url = originOf(host, port);
  log(`listening on ${url}`);
  return {
    url,
    wsUrl: url.replace(/^http/, 'ws'),
    port,
    calls,
    async stop() {
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await closeServer(server);
    },
  };
}
