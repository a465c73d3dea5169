/**
 * The whole local x402 stack in one call: chain → token → facilitator → paid API → demo dapp,
 * each on its own port (distinct origins). `startStack` is for the local chain, and also runs
 * an `exact` facilitator (reference code) and a daydreams-format `upto` facilitator with their
 * routes on the paid API; `startRemoteStack` points the same facilitator / API / dapp at an
 * existing chain and token (e.g. Base Sepolia) and deploys nothing.
 *
 * `startStack({ stellar: true })` also starts the local Stellar half (devnet/stellar/stack.ts:
 * Soroban-RPC stand-in + Stellar facilitator) and serves its routes from the same paid API.
 *
 * If any component fails to start (a busy port, say), the ones already running are stopped
 * before the error is rethrown, so nothing is left holding a port.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { Express } from 'express';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getAddress, type Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { devAccount, devAccounts, EXACT_FACILITATOR_INDEX, UPTO_FACILITATOR_INDEX, type Account, type DevAccounts } from './accounts';
import type { EXACT_PATHS, ExactPrices } from './api/exact-routes';
import { startPaidApi, type ApiPaths, type ApiPrices, type PaidApiHandle, type PaidApiOptions } from './api/server';
import type { StellarPaidApiInfo, StellarPaidRoutesOptions } from './api/stellar-routes';
import type { UPTO_PATHS } from './api/upto-routes';
import { startChain } from './chain';
import { startDapp, type DappConfig } from './dapp/server';
import { BadOptionError } from './errors';
import { publicClientFor } from './evm';
import { startExactFacilitator } from './exact/server';
import { DEFAULT_PER_CALL_MAX, startFacilitator, type FacilitatorHandle, type FacilitatorOptions } from './facilitator/server';
import { installMulticall } from './multicall/install';
import { caip2, evmChainId, normalizeNetwork } from './networks';
import type { StellarStack, StellarStackOptions } from './stellar/stack';
import { deployToken, readTokenInfo, type TokenInfo } from './token/deploy';
import { startUptoFacilitator } from './upto/server';
// Types only: the Solana half (litesvm, web3.js) is loaded on demand, so EVM-only stacks do not pay for it.
import type { SolanaApiPrices, SolanaPaidRoutes } from './api/solana-routes';
import type { SolanaStack, SolanaStackOptions } from './solana/stack';

export type { Account } from './accounts';

export interface StackPorts {
  chain?: number;
  facilitator?: number;
  api?: number;
  dapp?: number;
  exactFacilitator?: number;
  uptoFacilitator?: number;
  /** Solana RPC + WebSocket façade (only with `solana`). */
  solanaRpc?: number;
  /** Solana session facilitator (only with `solana`). */
  solanaFacilitator?: number;
  /** Stellar Soroban-RPC stand-in (with `stellar`). */
  stellarRpc?: number;
  /** Stellar facilitator (with `stellar`). */
  stellarFacilitator?: number;
}

/** Tunables of the paid API's daydreams `upto` route (base units; see api/upto-routes.ts). */
export interface StackUptoOptions {
  price?: bigint;
  cap?: bigint;
  batchCalls?: number;
  idleSettleMs?: number;
  /** Name the facilitator in the 402's `extra.facilitatorUrl` (default on the stack; daydreams does not). */
  advertiseFacilitator?: boolean;
  maxTimeoutSeconds?: number;
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
  /** Prices of the `exact` routes. Default 0.01 (v2) and 0.05 (v1). */
  exactPrices?: Partial<ExactPrices>;
  upto?: StackUptoOptions;
  quiet?: boolean;
  /**
   * Also run the Solana half (litesvm runtime, RPC façade, Solana facilitator, funded payers)
   * and serve `/api/solana/*` on the paid API. Off by default: it adds ~150 ms and ~170 MB.
   */
  solana?: boolean | Omit<SolanaStackOptions, 'host' | 'ports' | 'quiet'>;
  /** Also start the local Stellar half and serve /api/stellar/*. Default false. */
  stellar?: boolean | StackStellarOptions;
}

/** The Solana half of a stack, with the paid API's Solana routes. */
export type StackSolana = SolanaStack & { api: { url: string; paths: SolanaPaidRoutes['paths']; prices: SolanaApiPrices; recipient: string } };

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
  /** Restarts it on the same port with an empty ledger: every session it knew is gone. */
  loseDatabase(): Promise<void>;
  /** The options to pass to `startFacilitator` to run an equivalent one yourself. */
  options: FacilitatorOptions & { port: number };
}

export interface StackApi {
  url: string;
  recipient: `0x${string}`;
  prices: ApiPrices;
  /** The `exact` / `upto` entries are there on the local stack (also in `Stack.exact.paths` / `Stack.upto.paths`). */
  paths: ApiPaths & Partial<typeof EXACT_PATHS & typeof UPTO_PATHS>;
  /** The Stellar routes, when the stack runs the Stellar half. */
  stellar?: StellarPaidApiInfo;
}

/** The `exact` facilitator (`@x402/core` + `@x402/evm`) and its routes' prices. */
export interface StackExact {
  facilitatorUrl: string;
  /** Submits the transferWithAuthorization transactions (`signers["eip155:*"][0]`). */
  address: `0x${string}`;
  /** v2 network and the v1 name it also serves (the CAIP-2 string on the local chain). */
  network: string;
  v1Network: string;
  prices: ExactPrices;
  /** Paths on the paid API (`stack.api.url + path`). */
  paths: typeof EXACT_PATHS;
}

/** The daydreams-format `upto` facilitator and its route's terms. */
export interface StackUpto {
  facilitatorUrl: string;
  /** The permit spender (`signers["eip155:*"][0]`). */
  spender: `0x${string}`;
  /** Price of one call and the advertised `extra.maxAmountRequired`, base units. */
  price: bigint;
  cap: bigint;
  /** `upto` is the paid route; `uptoSessions` + `/:id` (GET) and `/:id/close` (POST) the tally. */
  paths: typeof UPTO_PATHS;
}

export interface Stack {
  chain: { rpcUrl: string; chainId: number; network: string };
  token: TokenInfo;
  facilitator: StackFacilitator;
  api: StackApi;
  exact: StackExact;
  upto: StackUpto;
  dapp: { url: string };
  accounts: DevAccounts;
  /** Where the facilitator keeps its data. */
  dataDir: string;
  /** Present when started with `solana`. */
  solana?: StackSolana;
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
    async loseDatabase() {
      // A facilitator redeployed without its volume: same address and port, no sessions.
      const h = handle;
      handle = null;
      await h?.stop();
      for (const suffix of ['', '-wal', '-shm']) rmSync(`${first.dbPath}${suffix}`, { force: true });
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
  /** Scheme routes on the paid API (local stack). */
  exact?: PaidApiOptions['exact'];
  upto?: PaidApiOptions['upto'];
  /** Extra paid routes (Solana) on the same paid API. */
  mounts?: { mount(app: Express): void }[];
  stellar?: StellarPaidRoutesOptions;
  /** The Solana terms for the demo dapp's chain picker. */
  dappSolana?: DappConfig['solana'];
}

/** Facilitator → paid API → demo dapp, the same on the local chain and on a remote one. */
async function startServices(
  o: ServicesOptions,
  stoppers: Stopper[],
): Promise<{ facilitator: StackFacilitator; api: StackApi; apiHandle: PaidApiHandle; dapp: { url: string } }> {
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
    exact: o.exact,
    upto: o.upto,
    mounts: o.mounts,
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
      ...(api.stellar
        ? {
            stellar: {
              network: api.stellar.network,
              facilitatorUrl: api.stellar.facilitatorUrl,
              token: { address: api.stellar.asset, symbol: 'USDC', decimals: o.stellar?.decimals ?? 7 },
              recipient: api.stellar.recipient,
              paths: { ...api.stellar.paths },
              prices: { chat: api.stellar.prices.chat.toString(), cheap: api.stellar.prices.cheap.toString() },
            },
          }
        : {}),
      ...(o.dappSolana ? { solana: o.dappSolana } : {}),
      // One card per other scheme the wallet pays (local stack only).
      schemes: {
        ...(api.upto ? { upto: { path: api.upto.paths.upto, price: api.upto.price.toString(), cap: api.upto.cap.toString() } } : {}),
        ...(api.exact ? { exact: { path: api.exact.paths.exact, v1Path: api.exact.paths.exactV1, price: api.exact.prices.exact.toString(), v1Price: api.exact.prices.exactV1.toString() } } : {}),
      },
    },
  });
  stoppers.push(dapp.stop);
  return { facilitator, api: apiView(api), apiHandle: api, dapp: { url: dapp.url } };
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
  // The Stellar half starts beside the EVM one (loading stellar-sdk takes seconds on a busy
  // machine); it is awaited, and its stop registered, before the paid API that serves its routes.
  let stellarStarting: Promise<StellarStack> | null = null;

  try {
    if (opts.stellar) {
      const stellarOpts = typeof opts.stellar === 'object' ? opts.stellar : {};
      // Loaded only when asked: stellar-sdk is heavy and EVM-only stacks do not need it.
      stellarStarting = import('./stellar/stack').then(({ startStellarStack }) =>
        startStellarStack({ ...stellarOpts, host, ports: { rpc: ports.stellarRpc ?? 0, facilitator: ports.stellarFacilitator ?? 0 }, dataDir, quiet }),
      );
      // Awaited below; until then a failure must not surface as an unhandled rejection.
      stellarStarting.catch(() => undefined);
    }
    const chain = await startChain({ host, port: ports.chain ?? 0, chainId, accountCount: 3 + userCount });
    stoppers.push(chain.stop);

    const userUsdc = opts.userUsdc ?? 10_000n * 10n ** 6n;
    const token = await deployToken({
      rpcUrl: chain.rpcUrl,
      chainId,
      deployer: accounts.deployer,
      mints: accounts.users.map((u) => ({ to: u.address, amount: userUsdc })),
    });

    // The scheme facilitators: keys funded for gas, Multicall3 where @x402/evm looks for it.
    const exactKey = devAccount(EXACT_FACILITATOR_INDEX);
    const uptoKey = devAccount(UPTO_FACILITATOR_INDEX);
    const gas = `0x${(10_000n * 10n ** 18n).toString(16)}`;
    for (const a of [exactKey, uptoKey]) await chain.provider.request({ method: 'hardhat_setBalance', params: [a.address, gas] });
    await installMulticall(chain.provider);
    const [exactFacilitator, uptoFacilitator] = await Promise.all([
      startExactFacilitator({ host, port: ports.exactFacilitator ?? 0, rpcUrl: chain.rpcUrl, chainId, network: chain.network, privateKey: exactKey.privateKey, quiet }),
      startUptoFacilitator({ host, port: ports.uptoFacilitator ?? 0, rpcUrl: chain.rpcUrl, chainId, network: chain.network, privateKey: uptoKey.privateKey, quiet }),
    ]);
    stoppers.push(exactFacilitator.stop, uptoFacilitator.stop);
    const domain = { name: token.name, version: token.version };


    let solana: SolanaStack | undefined;
    let solanaRoutes: SolanaPaidRoutes | undefined;
    if (opts.solana) {
      const solanaOpts = opts.solana === true ? {} : opts.solana;
      const [{ startSolanaStack }, { solanaPaidRoutes }] = await Promise.all([import('./solana/stack'), import('./api/solana-routes')]);
      solana = await startSolanaStack({
        ...solanaOpts,
        host,
        ports: { rpc: ports.solanaRpc ?? 0, facilitator: ports.solanaFacilitator ?? 0 },
        dataDir: solanaOpts.dataDir ?? dataDir,
        quiet,
      });
      stoppers.push(solana.stop);
      solanaRoutes = solanaPaidRoutes({
        facilitatorUrl: solana.facilitator.url,
        network: solana.network,
        mint: solana.mint.address,
        decimals: solana.mint.decimals,
        payTo: solana.recipient.address,
        log: quiet ? undefined : (line) => console.log(`[paid-api] ${line}`),
      });
    }

    let stellar: StellarStack | undefined;
    if (stellarStarting) {
      const pending = stellarStarting;
      stellarStarting = null;
      stellar = await pending;
      stoppers.push(stellar.stop);
    }

    const { facilitator, api, apiHandle, dapp } = await startServices(
      {
        host,
        ports,
        quiet,
        prices: opts.prices,
        mounts: solanaRoutes ? [solanaRoutes] : undefined,
        dappSolana:
          solana && solanaRoutes
            ? {
                network: solana.network,
                facilitatorUrl: solana.facilitator.url,
                rpcUrl: solana.rpc.url,
                token: { address: solana.mint.address, symbol: 'USDC', decimals: solana.mint.decimals },
                recipient: solana.recipient.address,
                paths: solanaRoutes.paths,
                prices: { chat: solanaRoutes.prices.chat.toString(), cheap: solanaRoutes.prices.cheap.toString() },
              }
            : undefined,
        rpcUrl: chain.rpcUrl,
        chainId,
        network: chain.network,
        facilitatorKey: accounts.facilitator.privateKey,
        dataDir,
        perCallMax: opts.perCallMax ?? DEFAULT_PER_CALL_MAX,
        token,
        payTo: accounts.recipient.address,
        exact: { facilitatorUrl: exactFacilitator.url, v1Network: exactFacilitator.v1Network, token: domain, prices: opts.exactPrices },
        // The 402 names its facilitator, so a wallet meeting it can find the permit's spender.
        upto: { facilitatorUrl: uptoFacilitator.url, token: domain, advertiseFacilitator: true, ...opts.upto },
        stellar: stellar?.paidApiOptions(),
      },
      stoppers,
    );
    const exact = apiHandle.exact;
    const upto = apiHandle.upto;
    if (!exact || !upto) throw new Error('paid API started without its exact/upto routes');

    return {
      chain: { rpcUrl: chain.rpcUrl, chainId, network: chain.network },
      token,
      facilitator,
      api: { ...api, paths: { ...api.paths, ...exact.paths, ...upto.paths } },
      exact: {
        facilitatorUrl: exactFacilitator.url,
        address: exactFacilitator.address,
        network: exactFacilitator.network,
        v1Network: exactFacilitator.v1Network,
        prices: exact.prices,
        paths: exact.paths,
      },
      upto: { facilitatorUrl: uptoFacilitator.url, spender: uptoFacilitator.spender, price: upto.price, cap: upto.cap, paths: upto.paths },
      dapp,
      accounts,
      dataDir,
      ...(solana && solanaRoutes
        ? { solana: Object.assign(solana, { api: { url: api.url, paths: solanaRoutes.paths, prices: solanaRoutes.prices, recipient: solanaRoutes.payTo } }) }
        : {}),
      ...(stellar ? { stellar } : {}),
      stop: () => stopAll(stoppers),
    };
  } catch (err) {
    await stopAll(stoppers).catch(() => {});
    // The Stellar half may still be starting (or have started) beside a failed EVM half.
    if (stellarStarting) await (stellarStarting as Promise<StellarStack>).then((s) => s.stop(), () => undefined);
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
