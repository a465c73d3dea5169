/**
 * A real Solana runtime in-process: litesvm (the Agave SVM with the SPL Token, Token-2022 and
 * Associated Token Account programs bundled), plus what a cluster has and litesvm lacks
 * (local-chains.md §1.2):
 *
 * - a window of recent blockhashes: litesvm accepts only its latest one, a cluster ~150, and a
 *   wallet's approve is signed on a blockhash fetched before the person clicked. The litesvm
 *   check is off; this class keeps its own window and refuses older hashes with
 *   `BlockhashNotFound`, as a validator does.
 * - slots that advance (one per landed transaction, and on a timer) with the clock set to wall
 *   time, since litesvm's clock starts at unix 0.
 * - signature statuses, and listeners for the WebSocket `signatureSubscribe`.
 *
 * Transactions go in as wire bytes, exactly as an RPC client sends them.
 */
import { randomBytes } from 'node:crypto';
import { Account, Clock, LiteSvm, SimulatedTransactionInfo, type FailedTransactionMetadata, type TransactionMetadata } from 'litesvm/dist/internal.js';
import { addressToBytes, bytesToAddress } from '../../lib/chains/solana/address';
import { encodeBase58 } from '../../lib/chains/solana/base58';
import { toRpcError, type RpcTransactionError } from './errors';

export const LAMPORTS_PER_SOL = 1_000_000_000n;
/** Blockhashes a cluster still accepts (MAX_PROCESSING_AGE). */
export const BLOCKHASH_WINDOW = 150;
/** Lamports per signature, the cluster default. */
export const FEE_PER_SIGNATURE = 5000;

export interface RuntimeAccount {
  lamports: bigint;
  data: Uint8Array;
  owner: string;
  executable: boolean;
  rentEpoch: bigint;
}

export interface SignatureStatus {
  slot: number;
  err: RpcTransactionError | null;
}

export interface ExecutionResult {
  /** base58 of the first signature: the transaction id. */
  signature: string;
  err: RpcTransactionError | null;
  logs: string[];
  unitsConsumed: number;
}

export interface SimulationResult extends ExecutionResult {
  /** Post-state of the requested addresses (null where the account does not exist). */
  accounts: (RuntimeAccount | null)[] | null;
}

export interface SolanaRuntimeOptions {
  /** A slot every `slotMs` (400 on a cluster); 0 = slots advance only with transactions. */
  slotMs?: number;
  /** Wall clock in unix seconds; tests may move it. */
  nowSeconds?: () => number;
}

/** Parts of a wire transaction the runtime reads before executing it (legacy and v0 alike). */
export function peekTransaction(bytes: Uint8Array): { signature: string; recentBlockhash: string; numRequiredSignatures: number; versioned: boolean } {
  let offset = 0;
  const shortVec = (): number => {
    let value = 0;
    for (let i = 0; i < 3; i++) {
      const b = bytes[offset++];
      if (b === undefined) throw new Error('transaction ends early');
      value |= (b & 0x7f) << (7 * i);
      if ((b & 0x80) === 0) return value;
    }
    throw new Error('bad length encoding');
  };
  const sigCount = shortVec();
  if (sigCount === 0) throw new Error('transaction has no signatures');
  const signature = encodeBase58(bytes.subarray(offset, offset + 64));
  offset += 64 * sigCount;
  const versioned = ((bytes[offset] ?? 0) & 0x80) !== 0;
  if (versioned) offset++; // the version prefix byte
  const numRequiredSignatures = bytes[offset] ?? 0;
  offset += 3;
  const keys = shortVec();
  offset += 32 * keys;
  if (offset + 32 > bytes.length) throw new Error('transaction ends early');
  const recentBlockhash = encodeBase58(bytes.subarray(offset, offset + 32));
  return { signature, recentBlockhash, numRequiredSignatures, versioned };
}

export class SolanaRuntime {
  /** CAIP-2-able id of this instance: random, so ledgers of two runs never mix. */
  readonly genesisHash = encodeBase58(randomBytes(32));
  private readonly svm = new LiteSvm();
  private readonly recent: { blockhash: string; height: number }[] = [];
  private readonly statuses = new Map<string, SignatureStatus>();
  private readonly listeners = new Map<string, Set<(status: SignatureStatus) => void>>();
  private readonly now: () => number;
  private readonly timer: NodeJS.Timeout | null;
  private height = 0;

  constructor(opts: SolanaRuntimeOptions = {}) {
    this.now = opts.nowSeconds ?? (() => Math.floor(Date.now() / 1000));
    this.svm.setBlockhashCheck(false);
    this.recent.push({ blockhash: this.svm.latestBlockhash(), height: 0 });
    this.syncClock();
    const slotMs = opts.slotMs ?? 400;
    this.timer = slotMs > 0 ? setInterval(() => this.advanceSlots(1), slotMs) : null;
    this.timer?.unref();
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.listeners.clear();
  }

  get slot(): number {
    return Number(this.svm.getClock().slot);
  }

  get blockHeight(): number {
    return this.height;
  }

  latestBlockhash(): { blockhash: string; lastValidBlockHeight: number } {
    const latest = this.recent[this.recent.length - 1]!;
    return { blockhash: latest.blockhash, lastValidBlockHeight: latest.height + BLOCKHASH_WINDOW };
  }

  isBlockhashValid(blockhash: string): boolean {
    return this.recent.some((r) => r.blockhash === blockhash);
  }

  /** New slots, each with a new blockhash; hashes older than the window stop being accepted. */
  advanceSlots(n: number): void {
    for (let i = 0; i < n; i++) {
      this.svm.expireBlockhash();
      this.height++;
      this.recent.push({ blockhash: this.svm.latestBlockhash(), height: this.height });
      if (this.recent.length > BLOCKHASH_WINDOW) this.recent.shift();
    }
    this.syncClock(n);
  }

  private syncClock(slots = 0): void {
    const c = this.svm.getClock();
    const now = BigInt(this.now());
    this.svm.setClock(new Clock(c.slot + BigInt(slots), c.epochStartTimestamp === 0n ? now : c.epochStartTimestamp, c.epoch, c.leaderScheduleEpoch, now));
  }

  getAccount(address: string): RuntimeAccount | null {
    const a = this.svm.getAccount(addressToBytes(address));
    // litesvm reports deleted accounts as 0-lamport empties; a cluster says "no account".
    if (!a || (a.lamports() === 0n && a.data().length === 0)) return null;
    return { lamports: a.lamports(), data: a.data(), owner: bytesToAddress(a.owner()), executable: a.executable(), rentEpoch: a.rentEpoch() };
  }

  getBalance(address: string): bigint {
    return this.svm.getBalance(addressToBytes(address)) ?? 0n;
  }

  minimumBalanceForRentExemption(dataLength: number): bigint {
    return this.svm.minimumBalanceForRentExemption(BigInt(dataLength));
  }

  /** Writes an account directly (test setup only; real state changes go through transactions). */
  setAccount(address: string, account: Omit<RuntimeAccount, 'rentEpoch'>): void {
    this.svm.setAccount(addressToBytes(address), new Account(account.lamports, account.data, addressToBytes(account.owner), account.executable, 0n));
  }

  /** Airdrop as a cluster faucet does: a real System transfer that lands in a slot. */
  airdrop(address: string, lamports: bigint): string {
    const result = this.svm.airdrop(addressToBytes(address), lamports);
    if (!result) throw new Error('airdrop failed');
    if ('err' in result) throw new Error(`airdrop failed: ${JSON.stringify(toRpcError((result as FailedTransactionMetadata).err()))}`);
    const signature = encodeBase58((result as TransactionMetadata).signature());
    this.record(signature, null);
    return signature;
  }

  signatureStatus(signature: string): SignatureStatus | null {
    return this.statuses.get(signature) ?? null;
  }

  /** Called once when `signature` lands (at once if it already has). Returns an unsubscribe. */
  onSignature(signature: string, listener: (status: SignatureStatus) => void): () => void {
    const known = this.statuses.get(signature);
    if (known) {
      queueMicrotask(() => listener(known));
      return () => {};
    }
    let set = this.listeners.get(signature);
    if (!set) this.listeners.set(signature, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(signature);
    };
  }

  /**
   * Executes and commits. A blockhash outside the window fails like a validator would, before
   * execution. A transaction that fails in execution changes no account but still pays its fee
   * (litesvm charges it, as a cluster does); the RPC preflight keeps such a transaction from
   * being sent at all.
   */
  execute(bytes: Uint8Array): ExecutionResult {
    const { signature, recentBlockhash, versioned } = peekTransaction(bytes);
    if (!this.isBlockhashValid(recentBlockhash)) return { signature, err: 'BlockhashNotFound', logs: [], unitsConsumed: 0 };
    const result = versioned ? this.svm.sendVersionedTransaction(bytes) : this.svm.sendLegacyTransaction(bytes);
    if ('err' in result) {
      const failed = result as FailedTransactionMetadata;
      const meta = failed.meta();
      return { signature, err: toRpcError(failed.err()), logs: meta.logs(), unitsConsumed: Number(meta.computeUnitsConsumed()) };
    }
    const meta = result as TransactionMetadata;
    this.advanceSlots(1);
    this.record(signature, null);
    return { signature, err: null, logs: meta.logs(), unitsConsumed: Number(meta.computeUnitsConsumed()) };
  }

  /** Runs without committing. `sigVerify` off by default, as RPC `simulateTransaction` does. */
  simulate(bytes: Uint8Array, opts: { sigVerify?: boolean; replaceRecentBlockhash?: boolean; addresses?: string[] } = {}): SimulationResult {
    const { signature, recentBlockhash, versioned } = peekTransaction(bytes);
    if (!opts.replaceRecentBlockhash && !this.isBlockhashValid(recentBlockhash)) {
      return { signature, err: 'BlockhashNotFound', logs: [], unitsConsumed: 0, accounts: null };
    }
    const sigVerify = opts.sigVerify ?? false;
    const previous = this.svm.getSigverify();
    this.svm.setSigverify(sigVerify);
    let result: SimulatedTransactionInfo | FailedTransactionMetadata;
    try {
      result = versioned ? this.svm.simulateVersionedTransaction(bytes) : this.svm.simulateLegacyTransaction(bytes);
    } finally {
      this.svm.setSigverify(previous);
    }
    if ('err' in result) {
      const failed = result as FailedTransactionMetadata;
      const meta = failed.meta();
      return { signature, err: toRpcError(failed.err()), logs: meta.logs(), unitsConsumed: Number(meta.computeUnitsConsumed()), accounts: null };
    }
    const info = result as SimulatedTransactionInfo;
    const meta = info.meta();
    let accounts: SimulationResult['accounts'] = null;
    if (opts.addresses) {
      const post = new Map(info.postAccounts().map((p) => [bytesToAddress(p.address), p.account()]));
      accounts = opts.addresses.map((address) => {
        const a = post.get(address);
        if (a) return { lamports: a.lamports(), data: a.data(), owner: bytesToAddress(a.owner()), executable: a.executable(), rentEpoch: a.rentEpoch() };
        return this.getAccount(address);
      });
    }
    return { signature, err: null, logs: meta.logs(), unitsConsumed: Number(meta.computeUnitsConsumed()), accounts };
  }

  private record(signature: string, err: RpcTransactionError | null): void {
    const status: SignatureStatus = { slot: this.slot, err };
    this.statuses.set(signature, status);
    const set = this.listeners.get(signature);
    if (set) {
      this.listeners.delete(signature);
      for (const listener of set) listener(status);
    }
  }

  /**
   * A transaction sent with `skipPreflight` that fails in execution still lands on a cluster, with
   * its fee charged and a status carrying `err`; litesvm charged the fee, this records the status.
   */
  recordFailedLanding(signature: string, err: RpcTransactionError): void {
    this.record(signature, err);
  }
}
