/**
 * Does this Stellar transaction really back the session a client asks to open?
 *
 * The peer facilitator only checks that *some* transaction with this hash succeeded. We decode
 * its envelope and require exactly one InvokeHostFunction operation calling
 * `approve(from = user, spender = this facilitator, amount ≥ cap, expiration_ledger ≥ the
 * session's)` on the session's asset contract, then re-read the allowance (the person may have
 * revoked or replaced it since).
 */
import { Address, FeeBumpTransaction, scValToNative, TransactionBuilder, type xdr } from '@stellar/stellar-sdk';
import type { StellarChain } from './chain';

export class ApprovalRejectedError extends Error {
  override readonly name = 'ApprovalRejectedError';
}

export interface StellarApprovalClaim {
  hash: string;
  user: string;
  asset: string;
  spender: string;
  cap: bigint;
  expirationLedger: number;
}

export interface DecodedApprove {
  contract: string;
  from: string;
  spender: string;
  amount: bigint;
  expirationLedger: number;
  source: string;
}

/** The SAC approve inside an envelope, or an ApprovalRejectedError saying what it is instead. */
export function decodeApprove(envelopeXdr: string, passphrase: string): DecodedApprove {
  let parsed;
  try {
    parsed = TransactionBuilder.fromXDR(envelopeXdr, passphrase);
  } catch {
    throw new ApprovalRejectedError('approval transaction envelope cannot be decoded');
  }
  // A sponsor may have fee-bumped the person's transaction; what was approved is the inner one.
  const tx = parsed instanceof FeeBumpTransaction ? parsed.innerTransaction : parsed;
  if (tx.operations.length !== 1) throw new ApprovalRejectedError(`approval transaction has ${tx.operations.length} operations; expected one SAC approve`);
  const op = tx.operations[0]!;
  if (op.type !== 'invokeHostFunction') throw new ApprovalRejectedError(`approval transaction is a ${op.type} operation, not a contract call`);
  if (op.func.type !== 'hostFunctionTypeInvokeContract') throw new ApprovalRejectedError('approval transaction does not call a contract');
  const call = op.func.value as xdr.InvokeContractArgs;
  const fn = String(call.functionName);
  if (fn !== 'approve') throw new ApprovalRejectedError(`approval transaction calls ${fn}, not approve`);
  const args = call.args;
  const types = args.map((a) => a.type).join(',');
  if (types !== 'scvAddress,scvAddress,scvI128,scvU32') {
    throw new ApprovalRejectedError(`approval transaction is not approve(from: Address, spender: Address, amount: i128, expiration_ledger: u32) (${types})`);
  }
  return {
    contract: Address.fromScAddress(call.contractAddress).toString(),
    from: Address.fromScVal(args[0]!).toString(),
    spender: Address.fromScVal(args[1]!).toString(),
    amount: scValToNative(args[2]!) as bigint,
    expirationLedger: scValToNative(args[3]!) as number,
    source: op.source ?? tx.source,
  };
}

export async function checkStellarApproval(chain: StellarChain, claim: StellarApprovalClaim, waitMs: number): Promise<DecodedApprove> {
  // A client may register right after sending; give the network a moment to include it.
  const found = await chain.findTransaction(claim.hash, waitMs);
  if (found.status === 'NOT_FOUND') throw new ApprovalRejectedError(`approval transaction ${claim.hash} was not found on this network (yet); retry once it has landed`);
  if (found.status === 'FAILED') throw new ApprovalRejectedError(`approval transaction ${claim.hash} failed on chain`);

  const approve = decodeApprove(found.envelopeXdr, chain.passphrase);
  if (approve.contract !== claim.asset) throw new ApprovalRejectedError(`approval transaction calls contract ${approve.contract}, not the asset ${claim.asset}`);
  if (approve.from !== claim.user) throw new ApprovalRejectedError(`approval transaction approves from ${approve.from}, not from user ${claim.user}`);
  if (approve.spender !== claim.spender) throw new ApprovalRejectedError(`approval transaction approves ${approve.spender}, not this facilitator's spender ${claim.spender}`);
  if (approve.amount < claim.cap) throw new ApprovalRejectedError(`approved amount ${approve.amount} is smaller than the requested cap ${claim.cap}`);
  if (approve.expirationLedger < claim.expirationLedger) {
    throw new ApprovalRejectedError(`the allowance ends at ledger ${approve.expirationLedger}, before the requested expirationLedger ${claim.expirationLedger}`);
  }
  const allowance = await chain.allowance(claim.asset, claim.user, claim.spender);
  if (allowance < claim.cap) {
    throw new ApprovalRejectedError(`current allowance ${allowance} is smaller than the requested cap ${claim.cap} (approval revoked, replaced or expired?)`);
  }
  return approve;
}
