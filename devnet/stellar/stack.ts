/**
 * The local Stellar half of the devnet in one call: the Soroban-RPC stand-in with a USDC-like
 * Stellar Asset Contract, the Stellar `session` facilitator, a recipient with a trustline and
 * funded payer accounts. `devnet/stack.ts` starts it when asked (`startStack({ stellar: true })`)
 * and hands `paidApiOptions()` to the paid API so it serves `/api/stellar/*`.
 *
 * If any part fails to start, the parts already running are stopped before the error is
 * rethrown.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StellarPaidRoutesOptions } from '../api/stellar-routes';
import { randomStellarAccount, stellarDevAccount, type StellarDevAccount } from './accounts';
import { startStellarFacilitator, STELLAR_DEFAULT_PER_CALL_MAX, type StellarFacilitatorHandle, type StellarFacilitatorOptions } from './facilitator';
import type { StellarLedger } from './ledger';
import { startStellarRpc } from './rpc';

export const STELLAR_DEVNET_NETWORK = 'stellar:local';
const UNIT = 10_000_000n; // 1.00 of a 7-decimal SAC

export interface StellarStackOptions {
  /** Default '127.0.0.1'. */
  host?: string;
  /** 0 = a free port (the default here; the CLI uses 8000 and 4023). */
  ports?: { rpc?: number; facilitator?: number };
  /** Facilitator SQLite lives here. Default: a fresh temp dir. */
  dataDir?: string;
  /** Funded payers (dev accounts `payer #0..`). Default 4. */
  payerCount?: number;
  /** USDC each payer gets, base units. Default 10,000.00. */
  payerUsdc?: bigint;
  perCallMax?: bigint;
  /** getTransaction answers NOT_FOUND this long after a send. Default 0. */
  notFoundDelayMs?: number;
  /** Facilitator polling of getTransaction. Default 100 ms (the stand-in answers at once). */
  pollIntervalMs?: number;
  /** How long POST /sessions waits for an approve it cannot find yet. Default 5 s. */
  approvalWaitMs?: number;
  quiet?: boolean;
}

export interface StellarStackFacilitator {
  url: string;
  /** The spender (G…). */
  address: string;
  port: number;
  dbPath: string;
  readonly running: boolean;
  /** The live handle's store (undefined while stopped). */
  readonly handle: StellarFacilitatorHandle | null;
  stop(): Promise<void>;
  /** Starts it again on the same port and ledger (no-op while running). */
  start(): Promise<void>;
}

export interface StellarStackAsset {
  contractId: string;
  code: string;
  issuer: string;
  decimals: number;
  /** SEP-11 `CODE:ISSUER`. */
  name: string;
}

export interface StellarStack {
  network: string;
  passphrase: string;
  rpc: { url: string; readonly calls: readonly string[] };
  /** The in-memory ledger behind the RPC (tests: balances, allowances, the clock). */
  ledger: StellarLedger;
  asset: StellarStackAsset;
  facilitator: StellarStackFacilitator;
  accounts: { issuer: StellarDevAccount; facilitator: StellarDevAccount; recipient: StellarDevAccount; payers: StellarDevAccount[] };
  /** What `startPaidApi({ stellar })` needs to serve the Stellar routes. */
  paidApiOptions(): StellarPaidRoutesOptions;
  /** Closes `n` empty ledgers; returns the latest ledger. */
  advanceLedgers(n: number): number;
  /** A new random account with XLM and `usdc` base units of the asset (default 100.00). */
  createPayer(usdc?: bigint): StellarDevAccount;
  mint(to: string, amount: bigint): void;
  balance(holder: string): bigint;
  /** What `from` has approved to `spender` (default: the facilitator), spendable in the next ledger. */
  allowance(from: string, spender?: string): { amount: bigint; liveUntil: number | null };
  stop(): Promise<void>;
}

export async function startStellarStack(opts: StellarStackOptions = {}): Promise<StellarStack> {
  const host = opts.host ?? '127.0.0.1';
  const quiet = opts.quiet ?? false;
  const stoppers: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stoppers.splice(0).reverse()) await stop().catch(() => {});
  };
  try {
    const rpc = await startStellarRpc({ host, port: opts.ports?.rpc ?? 0, quiet, notFoundDelayMs: opts.notFoundDelayMs });
    stoppers.push(() => rpc.stop());
    const ledger = rpc.ledger;

    const issuer = stellarDevAccount('issuer');
    const facilitatorAccount = stellarDevAccount('facilitator');
    const recipient = stellarDevAccount('recipient');
    const payers = Array.from({ length: opts.payerCount ?? 4 }, (_, i) => stellarDevAccount('payer', i));
    for (const account of [issuer, facilitatorAccount, recipient, ...payers]) ledger.createAccount(account.publicKey);
    const contractId = ledger.createAsset('USDC', issuer.publicKey);
    ledger.addTrustline(recipient.publicKey, contractId);
    for (const payer of payers) ledger.mint(contractId, payer.publicKey, opts.payerUsdc ?? 10_000n * UNIT);

    const facilitatorOptions: StellarFacilitatorOptions = {
      host,
      port: opts.ports?.facilitator ?? 0,
      rpcUrl: rpc.url,
      network: STELLAR_DEVNET_NETWORK,
      passphrase: ledger.passphrase,
      secretKey: facilitatorAccount.secret,
      dataDir: opts.dataDir ?? mkdtempSync(join(tmpdir(), 'x402-stellar-')),
      // A fresh stand-in is a new chain whose transaction hashes may repeat an old run's.
      instanceTag: ledger.instanceId,
      perCallMax: opts.perCallMax ?? STELLAR_DEFAULT_PER_CALL_MAX,
      assets: [contractId],
      pollIntervalMs: opts.pollIntervalMs ?? 100,
      approvalWaitMs: opts.approvalWaitMs ?? 5_000,
      quiet,
    };
    let handle: StellarFacilitatorHandle | null = await startStellarFacilitator(facilitatorOptions);
    const first = handle;
    stoppers.push(async () => {
      await handle?.stop();
      handle = null;
    });
    const facilitator: StellarStackFacilitator = {
      url: first.url,
      address: first.address,
      port: first.port,
      dbPath: first.dbPath,
      get running() {
        return handle !== null;
      },
      get handle() {
        return handle;
      },
      async stop() {
        const h = handle;
        handle = null;
        await h?.stop();
      },
      async start() {
        if (handle) return;
        handle = await startStellarFacilitator(first.options);
      },
    };

    const info = ledger.asset(contractId);
    return {
      network: STELLAR_DEVNET_NETWORK,
      passphrase: ledger.passphrase,
      rpc: { url: rpc.url, calls: rpc.calls },
      ledger,
      asset: { contractId, code: info.code, issuer: info.issuer, decimals: info.decimals, name: info.name },
      facilitator,
      accounts: { issuer, facilitator: facilitatorAccount, recipient, payers },
      paidApiOptions: () => ({ facilitatorUrl: facilitator.url, network: STELLAR_DEVNET_NETWORK, asset: contractId, payTo: recipient.publicKey, decimals: info.decimals }),
      advanceLedgers: (n) => ledger.advance(n),
      createPayer(usdc = 100n * UNIT) {
        const account = randomStellarAccount();
        ledger.createAccount(account.publicKey);
        if (usdc > 0n) ledger.mint(contractId, account.publicKey, usdc);
        else ledger.addTrustline(account.publicKey, contractId);
        return account;
      },
      mint: (to, amount) => ledger.mint(contractId, to, amount),
      balance: (holder) => ledger.balance(contractId, holder),
      allowance: (from, spender = facilitatorAccount.publicKey) => ledger.allowance(contractId, from, spender),
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
