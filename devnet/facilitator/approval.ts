/**
 * Checks that an approve transaction really backs the session a client asks to open:
 * it exists and succeeded, it was sent by `user` to `asset`, its calldata is
 * `approve(spender, value)` for this facilitator with value ≥ cap, and the allowance is still
 * there now (the user may have revoked or re-approved since).
 */
import { decodeFunctionData, getAddress, parseAbi, type Hex } from 'viem';
import type { PublicClient } from '../evm';

const erc20Approve = parseAbi(['function approve(address spender, uint256 value) returns (bool)']);
const erc20Allowance = parseAbi(['function allowance(address owner, address spender) view returns (uint256)']);

/** Why an approval cannot open a session; the message goes to the client as `{ error }`. */
export class ApprovalRejectedError extends Error {
  override readonly name = 'ApprovalRejectedError';
  constructor(message: string) {
    super(message);
  }
}

export interface ApprovalClaim {
  hash: Hex;
  user: `0x${string}`;
  asset: `0x${string}`;
  spender: `0x${string}`;
  cap: bigint;
}

const same = (a: string | null | undefined, b: string): boolean => !!a && a.toLowerCase() === b.toLowerCase();

export async function checkApproval(client: PublicClient, claim: ApprovalClaim, receiptTimeoutMs: number): Promise<void> {
  const tx = await client.getTransaction({ hash: claim.hash }).catch(() => undefined);
  if (!tx) throw new ApprovalRejectedError(`approval transaction ${claim.hash} was not found on this chain`);

  // A client may post right after broadcasting; give the chain a moment to include it.
  const receipt = await client.waitForTransactionReceipt({ hash: claim.hash, timeout: receiptTimeoutMs }).catch(() => undefined);
  if (!receipt) throw new ApprovalRejectedError(`approval transaction ${claim.hash} has no receipt yet; retry once it is mined`);
  if (receipt.status !== 'success') throw new ApprovalRejectedError(`approval transaction ${claim.hash} reverted`);

  if (!same(tx.to, claim.asset)) {
    throw new ApprovalRejectedError(`approval transaction was sent to ${tx.to ? getAddress(tx.to) : 'no contract'}, not to the asset ${claim.asset}`);
  }
  let spender: `0x${string}`;
  let value: bigint;
  try {
    const call = decodeFunctionData({ abi: erc20Approve, data: tx.input });
    [spender, value] = call.args;
  } catch {
    throw new ApprovalRejectedError('approval transaction is not an ERC-20 approve(spender, value) call');
  }
  if (!same(spender, claim.spender)) {
    throw new ApprovalRejectedError(`approval transaction approves ${getAddress(spender)}, not this facilitator's spender ${claim.spender}`);
  }
  if (!same(tx.from, claim.user)) {
    throw new ApprovalRejectedError(`approval transaction was signed by ${getAddress(tx.from)}, not by user ${claim.user}`);
  }
  if (value < claim.cap) {
    throw new ApprovalRejectedError(`approval value ${value} is smaller than the requested cap ${claim.cap}`);
  }
  const allowance = await client.readContract({
    address: claim.asset,
    abi: erc20Allowance,
    functionName: 'allowance',
    args: [claim.user, claim.spender],
  });
  if (allowance < claim.cap) {
    throw new ApprovalRejectedError(`current allowance ${allowance} is smaller than the requested cap ${claim.cap} (approval revoked or replaced?)`);
  }
}
