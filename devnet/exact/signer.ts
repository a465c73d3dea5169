/**
 * The signer `@x402/evm`'s facilitator schemes take (`FacilitatorEvmSigner`): reads, EIP-712
 * verification, contract writes, receipts and `getCode`, for one or more sending addresses.
 * The package's README builds it from a viem wallet client extended with public actions; we pass
 * its `toFacilitatorEvmSigner` our own public and wallet clients instead, so that every write goes
 * through one queue (concurrent settles from one key must not race for a nonce).
 */
import { toFacilitatorEvmSigner, type FacilitatorEvmSigner } from '@x402/evm';
import type { Hex } from 'viem';
import { publicClientFor, walletClientFor } from '../evm';
import { SerialQueue } from '../tx-queue';

export interface DevFacilitatorSignerOptions {
  rpcUrl: string;
  chainId: number;
  privateKey: Hex;
  pollingIntervalMs?: number;
  /** How long a settle waits for its receipt. Default 60 s. */
  confirmationTimeoutMs?: number;
}

export function devFacilitatorSigner(opts: DevFacilitatorSignerOptions): FacilitatorEvmSigner {
  const client = publicClientFor(opts.rpcUrl, opts.chainId, opts.pollingIntervalMs);
  const wallet = walletClientFor(opts.rpcUrl, opts.chainId, opts.privateKey, opts.pollingIntervalMs);
  const sends = new SerialQueue();
  // The signer type is deliberately loose (`abi: readonly unknown[]`); viem's generics are strict.
  // The casts only bridge the two; every value is passed through unchanged.
  type ReadArgs = Parameters<typeof client.readContract>[0];
  type VerifyArgs = Parameters<typeof client.verifyTypedData>[0];
  type WriteArgs = Parameters<typeof wallet.writeContract>[0];
  return toFacilitatorEvmSigner(
    {
      address: wallet.account.address,
      readContract: (args) => client.readContract(args as ReadArgs),
      verifyTypedData: (args) => client.verifyTypedData(args as VerifyArgs),
      writeContract: (args) => sends.run(() => wallet.writeContract(args as WriteArgs)),
      sendTransaction: (args) => sends.run(() => wallet.sendTransaction(args)),
      waitForTransactionReceipt: (args) => client.waitForTransactionReceipt(args),
      getCode: (args) => client.getCode(args),
    },
    { confirmationTimeoutMs: opts.confirmationTimeoutMs ?? 60_000 },
  );
}
