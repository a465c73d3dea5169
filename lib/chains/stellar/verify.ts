import type { WalletRequest, WalletResult } from '../types';
import type { StellarApproveRequest } from './approve';
import { ledgersFor } from './expiry';
import { SorobanReader } from './reader';
import { decodeTransactionEnvelope, fromBase64, OP_INVOKE_HOST_FUNCTION, XdrError, type ScVal } from './xdr';

const TX_HASH = /^[0-9a-f]{64}$/;

const isAddress = (v: ScVal | undefined, kind: 'account' | 'contract', id: string) => v?.type === 'address' && v.value.type === kind && v.value.id === id;

/**
 * Did exactly the approved SAC approve happen? The signer chunk ran in a page-controlled world, so
 * its report is checked on chain before anything is stored (docs/architecture.md §3):
 *   - the RPC serves the request's network (its passphrase), so "on chain" means that network;
 *   - `getTransaction(txHash)` is SUCCESS, and its envelope is one `InvokeHostFunction` sourced by
 *     the reported payer (no muxed id) calling `approve(from = payer, spender, amount,
 *     expiration_ledger)` on the asked asset with exactly the asked spender, amount and ledger (or,
 *     when the request left the ledger to the chunk, one no later than the seconds asked);
 *   - the allowance payer → spender now lives until that ledger and holds at most that amount
 *     (less only if a session sharing the spender was already paid from it); a revoke (0) reads 0.
 * Null when all hold; otherwise why not. Throws when the chain cannot be read or the transaction
 * is not visible yet, so the caller retries.
 */
export async function verifySacApprove(rpcUrl: string, request: WalletRequest, result: WalletResult): Promise<string | null> {
  if (request.kind !== 'sac-approve') return 'not a SAC approve request';
  const req = request as StellarApproveRequest;
  if (!TX_HASH.test(result.txHash)) return 'not a transaction hash';
  const reader = new SorobanReader({ rpcUrl });
  const passphrase = await reader.networkPassphrase();
  if (passphrase !== req.networkPassphrase) return `the RPC serves "${passphrase.slice(0, 60)}", not this session's network`;
  const tx = await reader.transaction(result.txHash);
  if (tx.status === 'NOT_FOUND') throw new Error(`transaction ${result.txHash} not found yet`);
  if (tx.status !== 'SUCCESS') return 'the transaction failed';

  let decoded;
  try {
    decoded = decodeTransactionEnvelope(fromBase64(tx.envelopeXdr));
  } catch (err) {
    if (err instanceof XdrError) return `the transaction envelope is not a Soroban call (${err.message})`;
    throw err;
  }
  if (decoded.source.muxed || decoded.source.accountId !== result.user) return 'the transaction was not sent by the reported payer';
  if (decoded.operationCount !== 1 || !decoded.operation) return `the transaction has ${decoded.operationCount} operations, not one approve`;
  const op = decoded.operation;
  if (op.source && (op.source.muxed || op.source.accountId !== result.user)) return 'the operation has another source account';
  if (op.type !== OP_INVOKE_HOST_FUNCTION || !op.invoke) return 'the transaction is not a contract call';
  const { contract, functionName, args } = op.invoke;
  if (contract.type !== 'contract' || contract.id !== req.asset) return 'the transaction calls another contract than the token';
  if (functionName !== 'approve') return `the transaction calls ${functionName.slice(0, 32)}, not approve`;
  if (args.length !== 4) return 'the approve does not have four arguments';
  const [from, spender, amount, expiration] = args;
  if (!isAddress(from, 'account', result.user)) return 'the approve is not from the reported payer';
  if (!isAddress(spender, 'account', req.spender)) return 'the approve names another spender';
  if (amount?.type !== 'i128' || amount.value !== BigInt(req.amount)) return `the approve is for ${amount?.type === 'i128' ? amount.value : '?'}, not ${req.amount}`;
  if (expiration?.type !== 'u32') return 'the approve has no expiration ledger';
  if (req.expirationLedger !== undefined) {
    if (expiration.value !== req.expirationLedger) return `the approve expires at ledger ${expiration.value}, not ${req.expirationLedger}`;
  } else {
    // The chunk chose the ledger from its RPC's latest (before the approve landed): never later
    // than the seconds asked from the ledger the approve landed in.
    const latestAllowed = tx.ledger + ledgersFor(Math.max(1, req.expiresInSeconds ?? 1));
    if (expiration.value > latestAllowed) return `the approve expires at ledger ${expiration.value}, later than the ${req.expiresInSeconds ?? 0} s asked`;
  }

  const allowance = await reader.readAllowance(req.asset, result.user, req.spender);
  const approved = BigInt(req.amount);
  if (approved === 0n) return allowance.amount === 0n ? null : `the allowance still reads ${allowance.amount}: another approve replaced the revoke`;
  if (allowance.liveUntilLedger !== expiration.value || allowance.storedAmount > approved || allowance.amount === 0n) {
    return `the allowance now reads ${allowance.storedAmount} until ledger ${allowance.liveUntilLedger ?? 'none'}: another approve replaced it, or it has expired`;
  }
  return null;
}
