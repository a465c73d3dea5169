/**
 * Settling a daydreams `upto` batch (x402-protocol.md §6.5): `permit(owner, spender, cap,
 * deadline, v, r, s)`, then `transferFrom(owner, payTo, amount)`. A later batch finds the permit
 * already used (its nonce is spent) and spends the allowance it left.
 *
 * Deliberately faithful to what the wallet must defend against: `payTo` and `amount` are taken
 * from the caller's requirements, not from the permit (which names no recipient), so whoever
 * holds the payload can have this facilitator pay anyone up to the standing allowance.
 */
import { getAddress, parseAbi, parseSignature, type Hex } from 'viem';
import type { PublicClient, WalletClient } from '../evm';
import type { SerialQueue } from '../tx-queue';
import type { VerifiedPermit } from './verify';

export interface SettleResponse {
  success: boolean;
  errorReason?: string;
  payer?: string;
  transaction: string;
  network: string;
}

export const PERMIT_TOKEN_ABI = parseAbi([
  'function permit(address owner, address spender, uint256 value, uint256 deadline, uint8 v, bytes32 r, bytes32 s)',
  'function transferFrom(address from, address to, uint256 value) returns (bool)',
  'function allowance(address owner, address spender) view returns (uint256)',
]);

export interface SettleContext {
  client: PublicClient;
  wallet: WalletClient;
  /** One submission at a time from the facilitator key. */
  sends: SerialQueue;
  permit: VerifiedPermit;
  asset: `0x${string}`;
  payTo: string;
  amount: bigint;
  /** Echoed in the answer (`accepted.network`). */
  network: string;
  receiptTimeoutMs: number;
}

export async function settleUptoBatch(ctx: SettleContext): Promise<SettleResponse> {
  const { permit, network } = ctx;
  const fail = (errorReason: string, transaction = ''): SettleResponse => ({ success: false, errorReason, transaction, network, payer: permit.owner });
  let payTo: `0x${string}`;
  try {
    payTo = getAddress(ctx.payTo);
  } catch {
    return fail('invalid_upto_evm_payload');
  }

  let sig: ReturnType<typeof parseSignature>;
  try {
    sig = parseSignature(permit.signature);
  } catch {
    return fail('unsupported_signature_type');
  }
  const v = Number(sig.v ?? BigInt(sig.yParity + 27));

  // Step 1: the permit. It fails once used (nonce spent) or past its deadline; then whatever
  // allowance is standing decides.
  let permitApplied = false;
  try {
    const hash = await ctx.sends.run(() =>
      ctx.wallet.writeContract({
        address: ctx.asset,
        abi: PERMIT_TOKEN_ABI,
        functionName: 'permit',
        args: [permit.owner, permit.spender, permit.cap, permit.deadline, v, sig.r, sig.s],
      }),
    );
    const receipt = await ctx.client.waitForTransactionReceipt({ hash, timeout: ctx.receiptTimeoutMs });
    permitApplied = receipt.status === 'success';
  } catch {
    permitApplied = false;
  }
  if (!permitApplied) {
    let allowance: bigint;
    try {
      allowance = await ctx.client.readContract({ address: ctx.asset, abi: PERMIT_TOKEN_ABI, functionName: 'allowance', args: [permit.owner, permit.spender] });
    } catch {
      return fail('permit_failed');
    }
    if (allowance < ctx.amount) return fail('insufficient_allowance');
  }

  // Step 2: the transfer of this batch.
  let hash: Hex;
  try {
    hash = await ctx.sends.run(() =>
      ctx.wallet.writeContract({ address: ctx.asset, abi: PERMIT_TOKEN_ABI, functionName: 'transferFrom', args: [permit.owner, payTo, ctx.amount] }),
    );
  } catch {
    return fail('transaction_failed');
  }
  try {
    const receipt = await ctx.client.waitForTransactionReceipt({ hash, timeout: ctx.receiptTimeoutMs });
    if (receipt.status !== 'success') return fail('invalid_transaction_state', hash);
  } catch {
    return fail('transaction_failed', hash);
  }
  return { success: true, transaction: hash, network, payer: permit.owner };
}
