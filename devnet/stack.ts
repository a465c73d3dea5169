/**
 * The whole local x402 stack in one call: chain → token → facilitator → paid API → demo dapp,
 * each on its own port (distinct origins). `startStack` is for the local chain;
 * `startRemoteStack` points the same facilitator / API / dapp at an existing chain and token
 * (e.g. Base Sepolia) and deploys nothing.
 *
 * `startStack({ stellar: true })` also starts the local Stellar half (devnet/stellar/stack.ts:
 * Soroban-RPC stand-in + Stellar facilitator) and serves its routes from the same paid API.
 *
 * If any component fails to start (a busy port, say), the ones already running are stopped
 * before the error is rethrown, so nothing is left holding a port.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getAddress, type Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { devAccounts, type Account, type DevAccounts } from './accounts';
import { startPaidApi, type ApiPaths, type ApiPrices, type PaidApiHandle } from './api/server';
import type { StellarPaidApiInfo, StellarPaidRoutesOptions } from './api/stellar-routes';
import { startChain } from './chain';
import { startDapp } from './dapp/server';
import { BadOptionError } from './errors';
import { publicClientFor } from './evm';
import { DEFAULT_PER_CALL_MAX, startFacilitator, type FacilitatorHandle, type FacilitatorOptions } from './facilitator/server';
import { caip2, evmChainId, normalizeNetwork } from './networks';
import type { StellarStack, StellarStackOptions } from './stellar/stack';
import { deployToken, readTokenInfo, type TokenInfo } from './token/deploy';

export type { Account } from './accounts';

export interface StackPorts {
  chain?: number;
  facilitator?: number;
  api?: number;
  dapp?: number;
  /** Stellar Soroban-RPC stand-in (with `stellar`). */
  stellarRpc?: number;
  /** Stellar facilitator (with `stellar`). */
  stellarFacilitator?: number;
}

/** What `startStack({ stellar })` may tune of the Stellar half. */
export type StackStellarOptions = Pick<StellarStackOptions, 'payerCount' | 'payerUsdc' | 'perCallMax' | 'notFoundDelayMs' | 'pollIntervalMs' | 'approvalWaitMs'>;

export interface StackOptions {
  /** Default '127.0.0.1'. */
  host?: string;
  /** Default 31337. */
  chainId?: number;
  /** 0 = pick a free port. Defaults here are 0 (tests); the CLI defaults to 8545/4020/4021/4022. */
  ports?: StackPorts;
  /** Facilitator SQLite lives here. Default: a fresh temp dir. */
  dataDir?: string;
  /** Facilitator per-call ceiling, base units. Default 1_000_000n (1.00). */
  perCallMax?: bigint;
  /** How many funded user accounts (#3..). Default 8. */
  userCount?: number;
  /** USDC minted to each user. Default 10,000 USDC. */
  userUsdc?: bigint;
  prices?: Partial<ApiPrices>;
  quiet?: boolean;
  /** Also start the local Stellar half and serve /api/stellar/*. Default false. */
  stellar?: boolean | StackStellarOptions;
}

/** The facilitator, restartable on the same port with the same ledger. */
export interface StackFacilitator {
  url: string;
  /** The spender (dev account #1). */
  address: `0x${string}`;
  port: number;
  /** Where its SQLite ledger is. */
  dbPath: string;
  readonly running: boolean;
  stop(): Promise<void>;
  /** Starts it again on the same port and ledger (no-op while running). */
  start(): Promise<void>;
  /** The options to pass to `startFacilitator` to run an equivalent one yourself. */
  options: FacilitatorOptions & { port: number };
}

export interface StackApi {
  url: string;
  recipient: `0x${string}`;
  prices: ApiPrices;
  paths: ApiPaths;
  /** The Stellar routes, when the stack runs the Stellar half. */
  stellar?: StellarPaidApiInfo;
}

export interface Stack {
  chain: { rpcUrl: string; chainId: number; network: string };
  token: TokenInfo;
  facilitator: StackFacilitator;
  api: StackApi;
  dapp: { url: string };
  accounts: DevAccounts;
  /** Where the facilitator keeps its data. */
  dataDir: string;
  /** The local Stellar half, when started with `stellar`. */
  stellar?: StellarStack;
  stop(): Promise<void>;
}

export interface RemoteStackOptions {
  host?: string;
  /** JSON-RPC of the existing chain, e.g. https://sepolia.base.org */
  rpcUrl: string;
  /** e.g. `eip155:84532` or `base:sepolia`. */
  network: string;
  /** The USDC-like token already deployed there. */
  token: `0x${string}`;
  /** Spender key: must hold ETH for gas. */
  facilitatorKey: Hex;
  /** payTo of the paid API. Default: the facilitator address. */
  recipient?: `0x${string}`;
  ports?: StackPorts;
  dataDir?: string;
  perCallMax?: bigint;
  prices?: Partial<ApiPrices>;
  quiet?: boolean;
}

export interface RemoteStack {
  chain: { rpcUrl: string; chainId: number; network: string };
  token: Omit<TokenInfo, 'symbol'> & { symbol: string };
  facilitator: StackFacilitator;
  api: StackApi;
  dapp: { url: string };
  accounts: { facilitator: Account; recipient: { address: `0x${string}` } };
  dataDir: string;
  stop(): Promise<void>;
}

type Stopper = () => Promise<void>;

/** Stops in reverse start order; every stopper runs even if one fails. */
async function stopAll(stoppers: Stopper[]): Promise<void> {
  const errors: unknown[] = [];
  for (const stop of [...stoppers].reverse()) {
    try {
      await stop();
    } catch (err) {
      errors.push(err);
    }
  }
  stoppers.length = 0;
  if (errors.length > 0) throw errors[0];
}

async function restartableFacilitator(options: FacilitatorOptions, stoppers: Stopper[]): Promise<StackFacilitator> {
  let handle: FacilitatorHandle | null = await startFacilitator(options);
  const first = handle;
  stoppers.push(async () => {
    await handle?.stop();
    handle = null;
  });
  return {
    url: first.url,
    address: first.address,
    port: first.port,
    dbPath: first.dbPath,
    options: first.options,
    get running() {
      return handle !== null;
    },
    async stop() {
      const h = handle;
      handle = null;
      await h?.stop();
    },
    async start() {
      if (handle) return;
      handle = await startFacilitator(first.options);
    },
  };
}

function apiView(api: PaidApiHandle): StackApi {
  return { url: api.url, recipient: api.recipient, prices: api.prices, paths: api.paths, ...(api.stellar ? { stellar: api.stellar } : {}) };
}

function dataDirOf(dataDir: string | undefined): string {
  return dataDir ?? mkdtempSync(join(tmpdir(), 'x402-devnet-'));
}

interface ServicesOptions {
  host: string;
  ports: StackPorts;
  quiet: boolean;
  prices?: Partial<ApiPrices>;
  rpcUrl: string;
  chainId: number;
  network: string;
  facilitatorKey: Hex;
  dataDir: string;
  perCallMax: bigint;
  pollingIntervalMs?: number;
  token: Omit<TokenInfo, 'symbol' | 'decimals'> & { symbol: string; decimals: number };
  payTo: `0x${string}`;
  stellar?: StellarPaidRoutesOptions;
}

/** Facilitator → paid API → demo dapp, the same on the local chain and on a remote one. */
async function startServices(o: ServicesOptions, stoppers: Stopper[]): Promise<{ facilitator: StackFacilitator; api: StackApi; dapp: { url: string } }> {
  const facilitator = await restartableFacilitator(
    {
      host: o.host,
      port: o.ports.facilitator ?? 0,
      rpcUrl: o.rpcUrl,
      chainId: o.chainId,
      network: o.network,
      privateKey: o.facilitatorKey,
      dataDir: o.dataDir,
      perCallMax: o.perCallMax,
      pollingIntervalMs: o.pollingIntervalMs,
      quiet: o.quiet,
    },
    stoppers,
  );
  const api = await startPaidApi({
    host: o.host,
    port: o.ports.api ?? 0,
    facilitatorUrl: facilitator.url,
    network: o.network,
    asset: o.token.address,
    payTo: o.payTo,
    prices: o.prices,
    quiet: o.quiet,
    stellar: o.stellar,
  });
  stoppers.push(api.stop);
  const { address, symbol, decimals, name, version } = o.token;
  const dapp = await startDapp({
    host: o.host,
    port: o.ports.dapp ?? 0,
    quiet: o.quiet,
    config: {
      apiUrl: api.url,
      facilitatorUrl: facilitator.url,
      network: o.network,
      chainId: o.chainId,
      rpcUrl: o.rpcUrl,
      token: { address, symbol, decimals, name, version },
      recipient: api.recipient,
      paths: api.paths,
      prices: stringPrices(api.prices),
      // Token units, as window.x402session.requestSession takes them (1.00 USDC = ten chat messages).
      session: { cap: '1.00', expiresIn: 3600 },
    },
  });
  stoppers.push(dapp.stop);
  return { facilitator, api: apiView(api), dapp: { url: dapp.url } };
}

export async function startStack(opts: StackOptions = {}): Promise<Stack> {
  const host = opts.host ?? '127.0.0.1';
  const chainId = opts.chainId ?? 31337;
  const ports = opts.ports ?? {};
  const quiet = opts.quiet ?? false;
  const userCount = opts.userCount ?? 8;
  const dataDir = dataDirOf(opts.dataDir);
  const accounts = devAccounts(userCount);
  const stoppers: Stopper[] = [];

  try {
    const chain = await startChain({ host, port: ports.chain ?? 0, chainId, accountCount: 3 + userCount });
    stoppers.push(chain.stop);

    const userUsdc = opts.userUsdc ?? 10_000n * 10n ** 6n;
    const token = await deployToken({
      rpcUrl: chain.rpcUrl,
      chainId,
      deployer: accounts.deployer,
      mints: accounts.users.map((u) => ({ to: u.address, amount: userUsdc })),
    });

    let stellar: StellarStack | undefined;
    if (opts.stellar) {
      // Loaded only when asked: stellar-sdk is heavy and EVM-only stacks do not need it.
      const { startStellarStack } = await import('./stellar/stack');
      stellar = await startStellarStack({
        ...(typeof opts.stellar === 'object' ? opts.stellar : {}),
        host,
        ports: { rpc: ports.stellarRpc ?? 0, facilitator: ports.stellarFacilitator ?? 0 },
        dataDir,
        quiet,
      });
      stoppers.push(stellar.stop);
    }

    const { facilitator, api, dapp } = await startServices(
      {
        host,
        ports,
        quiet,
        prices: opts.prices,
        rpcUrl: chain.rpcUrl,
        chainId,
        network: chain.network,
        facilitatorKey: accounts.facilitator.privateKey,
        dataDir,
        perCallMax: opts.perCallMax ?? DEFAULT_PER_CALL_MAX,
        token,
        payTo: accounts.recipient.address,
        stellar: stellar?.paidApiOptions(),
      },
      stoppers,
    );

    return {
      chain: { rpcUrl: chain.rpcUrl, chainId, network: chain.network },
      token,
      facilitator,
      api,
      dapp,
      accounts,
      dataDir,
      ...(stellar ? { stellar } : {}),
      stop: () => stopAll(stoppers),
    };
  } catch (err) {
    await stopAll(stoppers).catch(() => {});
    throw err;
  }
}

export async function startRemoteStack(opts: RemoteStackOptions): Promise<RemoteStack> {
  const host = opts.host ?? '127.0.0.1';
  const ports = opts.ports ?? {};
  const quiet = opts.quiet ?? false;
  const network = normalizeNetwork(opts.network);
  const chainId = evmChainId(network);
  if (chainId === undefined) throw new BadOptionError(`--network ${opts.network} is not an EVM network (expected eip155:<id>)`);
  const dataDir = dataDirOf(opts.dataDir);
  const facilitatorAccount: Account = {
    address: privateKeyToAccount(opts.facilitatorKey).address,
    privateKey: opts.facilitatorKey,
  };
  const recipient = getAddress(opts.recipient ?? facilitatorAccount.address);
  const client = publicClientFor(opts.rpcUrl, chainId, 1000);
  const info = await readTokenInfo(client, getAddress(opts.token));
  const stoppers: Stopper[] = [];

  try {
    const { facilitator, api, dapp } = await startServices(
      {
        host,
        ports,
        quiet,
        prices: opts.prices,
        rpcUrl: opts.rpcUrl,
        chainId,
        network,
        facilitatorKey: opts.facilitatorKey,
        dataDir,
        perCallMax: opts.perCallMax ?? DEFAULT_PER_CALL_MAX,
        // A real chain's blocks are seconds apart: poll receipts every second, not at hardhat speed.
        pollingIntervalMs: 1000,
        token: info,
        payTo: recipient,
      },
      stoppers,
    );
    return {
      chain: { rpcUrl: opts.rpcUrl, chainId, network: caip2(chainId) },
      token: info,
      facilitator,
      api,
      dapp,
      accounts: { facilitator: facilitatorAccount, recipient: { address: recipient } },
      dataDir,
      stop: () => stopAll(stoppers),
    };
  } catch (err) {
    await stopAll(stoppers).catch(() => {});
    throw err;
  }
}

function stringPrices(p: ApiPrices): { chat: string; cheap: string; v1: string; nocors: string } {
  return { chat: p.chat.toString(), cheap: p.cheap.toString(), v1: p.v1.toString(), nocors: p.nocors.toString() };
}
