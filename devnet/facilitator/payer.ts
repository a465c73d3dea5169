/**
 * Sends `transferFrom(user, payTo, amount)` from the facilitator account.
 *
 * Many settles run at once but share one sending account, so nonces are assigned here, one
 * submission at a time (a mutex around "pick nonce, sign, broadcast"); receipts are awaited
 * outside the lock so a slow block does not hold up the queue. If a broadcast fails in a way
 * that may or may not have consumed the nonce, the next send re-reads it from the chain.
 */
import { BaseError, ContractFunctionRevertedError, NonceTooLowError, parseAbi, type Hex } from 'viem';
import type { PublicClient, WalletClient } from '../evm';

const erc20TransferFrom = parseAbi(['function transferFrom(address from, address to, uint256 value) returns (bool)']);

export type TransferOutcome =
  | { ok: true; txHash: Hex }
  | { ok: false; txHash: Hex | null; error: string };

export class TransferSender {
  private tail: Promise<void> = Promise.resolve();
  private nextNonce: number | undefined;

  constructor(
    private readonly wallet: WalletClient,
    private readonly client: PublicClient,
    private readonly receiptTimeoutMs: number,
  ) {}

  async transferFrom(asset: `0x${string}`, from: `0x${string}`, to: `0x${string}`, amount: bigint): Promise<TransferOutcome> {
    let txHash: Hex;
    try {
      txHash = await this.exclusive(() => this.submit(asset, from, to, amount));
    } catch (err) {
      return { ok: false, txHash: null, error: describe(err) };
    }
    try {
      const receipt = await this.client.waitForTransactionReceipt({ hash: txHash, timeout: this.receiptTimeoutMs });
      if (receipt.status !== 'success') return { ok: false, txHash, error: 'transferFrom reverted on chain' };
      return { ok: true, txHash };
    } catch (err) {
      return { ok: false, txHash, error: `no receipt for ${txHash}: ${describe(err)}` };
    }
  }

  private async submit(asset: `0x${string}`, from: `0x${string}`, to: `0x${string}`, amount: bigint): Promise<Hex> {
    try {
      return await this.submitOnce(asset, from, to, amount);
    } catch (err) {
      // Another sender used this key (a second facilitator process, a manual tx): the cached
      // nonce is stale. Nothing was broadcast, so one retry with a fresh nonce is safe.
      if (!isNonceError(err)) throw err;
      this.nextNonce = undefined;
      return this.submitOnce(asset, from, to, amount);
    }
  }

  private async submitOnce(asset: `0x${string}`, from: `0x${string}`, to: `0x${string}`, amount: bigint): Promise<Hex> {
    const account = this.wallet.account;
    const nonce = this.nextNonce ?? (await this.client.getTransactionCount({ address: account.address, blockTag: 'pending' }));
    try {
      const hash = await this.wallet.writeContract({
        address: asset,
        abi: erc20TransferFrom,
        functionName: 'transferFrom',
        args: [from, to, amount],
        nonce,
      });
      this.nextNonce = nonce + 1;
      return hash;
    } catch (err) {
      // A revert found while estimating gas never reached the mempool: the nonce is still free.
      // Anything else (transport error, nonce clash) may have: re-read it next time.
      this.nextNonce = isEstimationRevert(err) ? nonce : undefined;
      throw err;
    }
  }

  /** Runs `task` after every previously queued task has finished (success or failure). */
  private exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.tail.then(task);
    this.tail = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }
}

function isEstimationRevert(err: unknown): boolean {
  return err instanceof BaseError && err.walk((e) => e instanceof ContractFunctionRevertedError) !== null;
}

function isNonceError(err: unknown): boolean {
  return err instanceof BaseError && err.walk((e) => e instanceof NonceTooLowError) !== null;
}

function describe(err: unknown): string {
  if (err instanceof BaseError) return err.shortMessage;
  return err instanceof Error ? err.message : String(err);
}
