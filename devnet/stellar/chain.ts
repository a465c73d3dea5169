/**
 * What the Stellar facilitator asks of the network, through stellar-sdk's `rpc.Server` (so the
 * same code runs against the stand-in and against a real Soroban RPC): the latest ledger, a
 * transaction by hash, a SAC `allowance` by simulation, and `transfer_from` with the facilitator
 * as transaction source.
 *
 * Sends from the facilitator account are serialised (one "pick sequence, prepare, sign, send" at
 * a time) because every transaction must carry the next sequence number; confirmations are
 * awaited outside that lock.
 */
import { Account, Address, Contract, Keypair, nativeToScVal, rpc, scValToNative, TransactionBuilder, type xdr } from '@stellar/stellar-sdk';

export type TransferOutcome = { ok: true; txHash: string; ledger: number } | { ok: false; txHash: string | null; error: string };

export interface StellarChainOptions {
  rpcUrl: string;
  passphrase: string;
  /** The facilitator (spender): sources and signs every transfer_from. */
  keypair: Keypair;
  /** getTransaction polling; default 1000 ms (use less against the stand-in). */
  pollIntervalMs?: number;
  /** How long to wait for a transaction to land; default 30 s. */
  confirmTimeoutMs?: number;
}

export type FoundTransaction =
  | { status: 'SUCCESS'; envelopeXdr: string; ledger: number }
  | { status: 'FAILED'; ledger: number }
  | { status: 'NOT_FOUND' };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function describe(err: unknown): string {
  if (err instanceof Error) return err.message.split('\n')[0]!.slice(0, 300);
  if (typeof err === 'object' && err !== null && 'message' in err) return String((err as { message: unknown }).message).slice(0, 300);
  return String(err).slice(0, 300);
}

export class StellarChain {
  readonly server: rpc.Server;
  readonly spender: string;
  private readonly pollIntervalMs: number;
  private readonly confirmTimeoutMs: number;
  private tail: Promise<void> = Promise.resolve();
  /** Next sequence number to use, or undefined to read it from the network. */
  private nextSequence: bigint | undefined;

  constructor(private readonly opts: StellarChainOptions) {
    this.server = new rpc.Server(opts.rpcUrl, { allowHttp: opts.rpcUrl.startsWith('http://') });
    this.spender = opts.keypair.publicKey();
    this.pollIntervalMs = opts.pollIntervalMs ?? 1000;
    this.confirmTimeoutMs = opts.confirmTimeoutMs ?? 30_000;
  }

  get passphrase(): string {
    return this.opts.passphrase;
  }

  async latestLedger(): Promise<number> {
    return (await this.server.getLatestLedger()).sequence;
  }

  /** The transaction, waiting up to `waitMs` while the RPC does not know it yet. */
  async findTransaction(hash: string, waitMs: number): Promise<FoundTransaction> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      const tx = await this.server.getTransaction(hash);
      if (tx.status === rpc.Api.GetTransactionStatus.SUCCESS) return { status: 'SUCCESS', envelopeXdr: tx.envelopeXdr.toXDR('base64'), ledger: tx.ledger };
      if (tx.status === rpc.Api.GetTransactionStatus.FAILED) return { status: 'FAILED', ledger: tx.ledger };
      if (Date.now() >= deadline) return { status: 'NOT_FOUND' };
      await sleep(this.pollIntervalMs);
    }
  }

  /** `allowance(from, spender)` by simulation, as a wallet or the peer facilitator reads it. */
  async allowance(asset: string, from: string, spender: string): Promise<bigint> {
    const op = new Contract(asset).call('allowance', new Address(from).toScVal(), new Address(spender).toScVal());
    const tx = new TransactionBuilder(new Account(this.spender, '0'), { fee: '100', networkPassphrase: this.opts.passphrase }).addOperation(op).setTimeout(30).build();
    const sim = await this.server.simulateTransaction(tx);
    if (rpc.Api.isSimulationError(sim)) throw new Error(`allowance simulation failed: ${sim.error.split('\n')[0]}`);
    const retval: xdr.ScVal | undefined = sim.result?.retval;
    return retval ? (scValToNative(retval) as bigint) : 0n;
  }

  async transferFrom(asset: string, from: string, to: string, amount: bigint): Promise<TransferOutcome> {
    let hash: string;
    try {
      hash = await this.exclusive(() => this.submitTransfer(asset, from, to, amount));
    } catch (err) {
      return { ok: false, txHash: null, error: describe(err) };
    }
    const deadline = Date.now() + this.confirmTimeoutMs;
    try {
      for (;;) {
        const tx = await this.server.getTransaction(hash);
        if (tx.status === rpc.Api.GetTransactionStatus.SUCCESS) return { ok: true, txHash: hash, ledger: tx.ledger };
        if (tx.status === rpc.Api.GetTransactionStatus.FAILED) return { ok: false, txHash: hash, error: `transfer_from ${hash} failed on chain` };
        if (Date.now() >= deadline) return { ok: false, txHash: hash, error: `transfer_from ${hash} not confirmed within ${this.confirmTimeoutMs} ms` };
        await sleep(this.pollIntervalMs);
      }
    } catch (err) {
      return { ok: false, txHash: hash, error: `cannot confirm transfer_from ${hash}: ${describe(err)}` };
    }
  }

  private async submitTransfer(asset: string, from: string, to: string, amount: bigint): Promise<string> {
    try {
      return await this.submitOnce(asset, from, to, amount);
    } catch (err) {
      // Someone else used the facilitator account (another process, a manual tx): our cached
      // sequence is stale. Nothing was accepted, so one retry with a fresh sequence is safe.
      if (!(err instanceof BadSequenceError)) throw err;
      this.nextSequence = undefined;
      return this.submitOnce(asset, from, to, amount);
    }
  }

  private async submitOnce(asset: string, from: string, to: string, amount: bigint): Promise<string> {
    const sequence = this.nextSequence ?? BigInt((await this.server.getAccount(this.spender)).sequenceNumber()) + 1n;
    const op = new Contract(asset).call(
      'transfer_from',
      new Address(this.spender).toScVal(),
      new Address(from).toScVal(),
      new Address(to).toScVal(),
      nativeToScVal(amount, { type: 'i128' }),
    );
    const draft = new TransactionBuilder(new Account(this.spender, String(sequence - 1n)), { fee: '100', networkPassphrase: this.opts.passphrase })
      .addOperation(op)
      .setTimeout(60)
      .build();
    // Simulation failures (not enough allowance or balance) consume no sequence number.
    const prepared = await this.server.prepareTransaction(draft);
    prepared.sign(this.opts.keypair);
    const sent = await this.server.sendTransaction(prepared);
    if (sent.status === 'PENDING' || sent.status === 'DUPLICATE') {
      this.nextSequence = sequence + 1n;
      return sent.hash;
    }
    const code = sent.errorResult?.result.type;
    if (code === 'txBadSeq') throw new BadSequenceError();
    this.nextSequence = undefined;
    throw new Error(`sendTransaction ${sent.status}${code ? ` (${code})` : ''}`);
  }

  private exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.tail.then(task);
    this.tail = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }
}

class BadSequenceError extends Error {
  constructor() {
    super('txBadSeq');
  }
}
