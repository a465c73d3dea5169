/**
 * The local EVM chain: hardhat's in-process EDR node behind a plain node:http JSON-RPC server.
 *
 * Each `startChain` builds its own provider (no global hardhat runtime), so a process can run
 * several chains with different chain ids. We serve hardhat's own JsonRpcHandler from our own
 * http.Server because hardhat's JsonRpcServer neither reports a busy port (it hangs) nor drops
 * keep-alive sockets on close; the handler already answers CORS preflights, so a browser page
 * (the test wallet) can talk to the node directly.
 */
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { devAccount, type Account } from './accounts';
import { BadOptionError } from './errors';
import { closeServer, listen, originOf } from './net';
import { caip2 } from './networks';

const require = createRequire(import.meta.url);

/** The slice of hardhat's EIP-1193 provider we use. */
export interface EIP1193Provider {
  request(args: { method: string; params?: readonly unknown[] | object }): Promise<unknown>;
}

export interface ChainOptions {
  host?: string;
  /** 0 picks a free port. Default 8545. */
  port?: number;
  /** Default 31337. */
  chainId?: number;
  /** How many mnemonic accounts get ETH. Default 20. */
  accountCount?: number;
  /** ETH per account, in wei. Default 10,000 ETH. */
  balanceWei?: bigint;
}

export interface Chain {
  rpcUrl: string;
  chainId: number;
  network: `eip155:${number}`;
  host: string;
  port: number;
  /** Funded accounts in mnemonic order. */
  accounts: Account[];
  /** The in-process provider, for tests that want to skip HTTP (e.g. evm_increaseTime). */
  provider: EIP1193Provider;
  stop(): Promise<void>;
}

interface HardhatProviderModule {
  createHardhatNetworkProvider(config: Record<string, unknown>, logger: { enabled: boolean }): Promise<EIP1193Provider>;
}
interface HardhatHandlerModule {
  JsonRpcHandler: new (provider: EIP1193Provider) => {
    handleHttp(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse): Promise<void>;
  };
}
interface HardhatDefaults {
  defaultHardhatNetworkParams: { hardfork: string; chains: unknown };
}

export async function startChain(opts: ChainOptions = {}): Promise<Chain> {
  const host = opts.host ?? '127.0.0.1';
  const chainId = opts.chainId ?? 31337;
  const accountCount = opts.accountCount ?? 20;
  if (!Number.isSafeInteger(chainId) || chainId <= 0) throw new BadOptionError(`chain id must be a positive integer, got ${chainId}`);

  const { createHardhatNetworkProvider } = require('hardhat/internal/hardhat-network/provider/provider') as HardhatProviderModule;
  const { JsonRpcHandler } = require('hardhat/internal/hardhat-network/jsonrpc/handler') as HardhatHandlerModule;
  const defaults = require('hardhat/internal/core/config/default-config') as HardhatDefaults;

  const accounts = Array.from({ length: accountCount }, (_, i) => devAccount(i));
  const balance = (opts.balanceWei ?? 10_000n * 10n ** 18n).toString();
  const provider = await createHardhatNetworkProvider(
    {
      hardfork: defaults.defaultHardhatNetworkParams.hardfork,
      chainId,
      networkId: chainId,
      blockGasLimit: 60_000_000,
      minGasPrice: 0n,
      automine: true,
      intervalMining: 0,
      mempoolOrder: 'priority',
      chains: defaults.defaultHardhatNetworkParams.chains,
      genesisAccounts: accounts.map((a) => ({ privateKey: a.privateKey, balance })),
      allowUnlimitedContractSize: false,
      // Reverted transactions must come back as receipts with status 0 (like a real chain),
      // not as JSON-RPC errors, so the facilitator's refund-on-revert path is real.
      throwOnTransactionFailures: false,
      throwOnCallFailures: true,
      // Many transactions a second (funding 40 users, bursts of settlements) would otherwise push
      // block time ahead of the wall clock (each block at least one second after the last), and
      // a short-lived EIP-3009 authorization (v1: valid 60 s) then simulates as expired.
      allowBlocksWithSameTimestamp: true,
      enableTransientStorage: false,
      enableRip7212: false,
    },
    { enabled: false },
  );

  const handler = new JsonRpcHandler(provider);
  const server = createServer((req, res) => void handler.handleHttp(req, res));
  const port = await listen(server, host, opts.port ?? 8545, 'chain (JSON-RPC)');

  return {
    rpcUrl: originOf(host, port),
    chainId,
    network: caip2(chainId),
    host,
    port,
    accounts,
    provider,
    stop: () => closeServer(server),
  };
}
