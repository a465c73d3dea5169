/**
 * Starts the session facilitator on its own port. Stop it and start it again with the same
 * options (see `FacilitatorHandle.options`) and it comes back on the same port with the same
 * SQLite ledger: sessions survive a restart.
 */
import { createServer } from 'node:http';
import { join } from 'node:path';
import { getAddress, type Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { BadOptionError, DevnetError } from '../errors';
import { publicClientFor, walletClientFor } from '../evm';
import { closeServer, listen, originOf } from '../net';
import { caip2, evmChainId, normalizeNetwork } from '../networks';
import { createFacilitatorApp, InFlight, type FacilitatorConfig } from './app';
import { TransferSender } from './payer';
import { SessionStore } from './store';

export interface FacilitatorOptions {
  host?: string;
  /** 0 picks a free port. Default 4020. */
  port?: number;
  rpcUrl: string;
  chainId: number;
  /** Network served; default `eip155:<chainId>`. Aliases such as `base:sepolia` are accepted. */
  network?: string;
  /** The spender key: receives approvals, sends transferFrom, pays gas. */
  privateKey: Hex;
  /** Folder for the SQLite ledger. */
  dataDir: string;
  /** Per-call ceiling in base units. Default 1_000_000n (1.00 of a 6-decimal token). */
  perCallMax?: bigint;
  /** Only these tokens may back sessions (default: any ERC-20). */
  assets?: `0x${string}`[];
  /** How long to wait for approve / transferFrom receipts. Default 60 s. */
  receiptTimeoutMs?: number;
  /** Take top-ups (`PATCH /sessions/:id`, ours). Default true. */
  topUp?: boolean;
  /** RPC polling interval; 100 ms suits a local chain, use ~1000 for a remote one. */
  pollingIntervalMs?: number;
  quiet?: boolean;
}

export interface FacilitatorHandle {
  url: string;
  host: string;
  port: number;
  /** The spender address (facilitator account). */
  address: `0x${string}`;
  network: string;
  dbPath: string;
  /** The options it runs with, `port` resolved: pass them to startFacilitator to restart it. */
  options: FacilitatorOptions & { port: number };
  stop(): Promise<void>;
}

export const DEFAULT_PER_CALL_MAX = 1_000_000n;

/**
 * One ledger per chain *instance*: a fresh local chain replays the same transactions with the
 * same hashes, so a ledger from a previous run would refuse new approvals as replays.
 * The genesis block hash tells chain instances apart (and is stable for Base Sepolia).
 */
function ledgerPath(dataDir: string, network: string, genesisHash: string): string {
  return join(dataDir, `facilitator-${network.replace(/[^a-z0-9]+/gi, '-')}-${genesisHash.slice(2, 14)}.sqlite`);
}

export async function startFacilitator(opts: FacilitatorOptions): Promise<FacilitatorHandle> {
  const host = opts.host ?? '127.0.0.1';
  const network = normalizeNetwork(opts.network ?? caip2(opts.chainId));
  if (evmChainId(network) !== opts.chainId) {
    throw new BadOptionError(`network ${opts.network} does not match chain id ${opts.chainId}`);
  }
  const perCallMax = opts.perCallMax ?? DEFAULT_PER_CALL_MAX;
  if (perCallMax <= 0n) throw new BadOptionError('perCallMax must be positive');
  const receiptTimeoutMs = opts.receiptTimeoutMs ?? 60_000;
  const log = opts.quiet ? () => {} : (line: string) => console.log(`[facilitator] ${line}`);

  const client = publicClientFor(opts.rpcUrl, opts.chainId, opts.pollingIntervalMs);
  const wallet = walletClientFor(opts.rpcUrl, opts.chainId, opts.privateKey, opts.pollingIntervalMs);
  let genesisHash: string;
  try {
    const remoteChainId = await client.getChainId();
    if (remoteChainId !== opts.chainId) {
      throw new DevnetError('CHAIN_MISMATCH', `RPC ${opts.rpcUrl} is chain ${remoteChainId}, expected ${opts.chainId}`);
    }
    genesisHash = (await client.getBlock({ blockNumber: 0n })).hash;
  } catch (err) {
    if (err instanceof DevnetError) throw err;
    throw new DevnetError('CHAIN_MISMATCH', `facilitator cannot reach the chain at ${opts.rpcUrl}: ${(err as Error).message}`, { cause: err });
  }

  const spender = getAddress(privateKeyToAccount(opts.privateKey).address);
  const config: FacilitatorConfig = {
    network,
    chainId: opts.chainId,
    spender,
    perCallMax,
    assets: opts.assets?.map((a) => getAddress(a)),
    receiptTimeoutMs,
    ...(opts.topUp === false ? { topUp: false } : {}),
  };
  const dbPath = ledgerPath(opts.dataDir, network, genesisHash);
  const store = new SessionStore(dbPath);
  const pending = store.pendingSettlements();
  if (pending.length > 0) log(`${pending.length} settlement(s) were interrupted by a previous stop; kept debited (see devnet/README.md)`);

  const sender = new TransferSender(wallet, client, receiptTimeoutMs);
  const inFlight = new InFlight();
  const app = createFacilitatorApp({ config, store, client, sender, log, inFlight });
  const server = createServer(app);
  let port: number;
  try {
    port = await listen(server, host, opts.port ?? 4020, 'facilitator');
  } catch (err) {
    store.close();
    throw err;
  }

  let stopped = false;
  return {
    url: originOf(host, port),
    host,
    port,
    address: spender,
    network,
    dbPath,
    options: { ...opts, port },
    async stop() {
      if (stopped) return;
      stopped = true;
      await closeServer(server);
      // A settle whose socket was dropped still records its outcome before the ledger closes.
      await inFlight.idle(receiptTimeoutMs);
      store.close();
    },
  };
}
