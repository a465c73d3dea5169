/**
 * What the facilitator checks in a person's approve before co-signing it as fee payer. Decoded
 * with web3.js and spl-token's own instruction decoders — independently of the hand-rolled
 * builder in lib/chains/solana — so a client bug and a facilitator bug cannot cancel out.
 *
 * Accepted: a legacy transaction, fee payer = this facilitator, exactly
 * [CreateIdempotent(payer = facilitator, the user's ATA, user, mint)]? + ApproveChecked(source =
 * the user's ATA, mint, delegate = facilitator, owner = user, amount ≥ cap, decimals = the
 * mint's), signed by the user, the fee-payer slot still empty, no other signer. Anything else
 * could spend the facilitator's SOL or sign for things the session does not need.
 */
import { PublicKey, Transaction } from '@solana/web3.js';
import { ASSOCIATED_TOKEN_PROGRAM_ID, decodeApproveCheckedInstruction, getAssociatedTokenAddressSync, TOKEN_PROGRAM_ID } from '@solana/spl-token';
import { SystemProgram } from '@solana/web3.js';
import { ed25519 } from '@noble/curves/ed25519';

export type ApproveRejection =
  | 'undecodable'
  | 'fee_payer_mismatch'
  | 'unexpected_instruction'
  | 'not_approve_checked'
  | 'owner_mismatch'
  | 'mint_mismatch'
  | 'delegate_mismatch'
  | 'amount_below_cap'
  | 'decimals_mismatch'
  | 'source_not_user_ata'
  | 'unexpected_signer'
  | 'fee_payer_already_signed'
  | 'missing_user_signature'
  | 'invalid_user_signature';

export class ApproveRejectedError extends Error {
  override readonly name = 'ApproveRejectedError';
  constructor(
    readonly reason: ApproveRejection,
    message: string,
  ) {
    super(message);
  }
}

export interface ApproveExpectations {
  user: PublicKey;
  mint: PublicKey;
  decimals: number;
  facilitator: PublicKey;
  cap: bigint;
}

export interface CheckedApprove {
  tx: Transaction;
  amount: bigint;
  sourceAta: PublicKey;
}

function reject(reason: ApproveRejection, message: string): never {
  throw new ApproveRejectedError(reason, message);
}

export function checkApproveTransaction(bytes: Uint8Array, want: ApproveExpectations): CheckedApprove {
  let tx: Transaction;
  try {
    if (bytes.length > 0 && bytes[1 + 64 * (bytes[0] ?? 0)]! & 0x80) reject('undecodable', 'a versioned transaction; the approve must be legacy');
    tx = Transaction.from(bytes);
  } catch (err) {
    if (err instanceof ApproveRejectedError) throw err;
    reject('undecodable', `approveTxBase64 is not a Solana transaction: ${(err as Error).message}`);
  }
  if (!tx.feePayer?.equals(want.facilitator)) reject('fee_payer_mismatch', `fee payer is ${tx.feePayer?.toBase58()}, expected the facilitator ${want.facilitator.toBase58()}`);

  const sourceAta = getAssociatedTokenAddressSync(want.mint, want.user, true);
  const ixs = tx.instructions;
  if (ixs.length < 1 || ixs.length > 2) reject('unexpected_instruction', `expected CreateIdempotent? + ApproveChecked, got ${ixs.length} instructions`);
  if (ixs.length === 2) {
    const create = ixs[0]!;
    const keys = create.keys.map((k) => k.pubkey);
    const expected = [want.facilitator, sourceAta, want.user, want.mint, SystemProgram.programId, TOKEN_PROGRAM_ID];
    if (
      !create.programId.equals(ASSOCIATED_TOKEN_PROGRAM_ID) ||
      create.data.length !== 1 ||
      create.data[0] !== 1 ||
      keys.length !== expected.length ||
      !keys.every((k, i) => k.equals(expected[i]!))
    ) {
      reject('unexpected_instruction', 'the first instruction must be CreateIdempotent of the user’s token account, paid by the facilitator');
    }
  }

  const approveIx = ixs[ixs.length - 1]!;
  let decoded: ReturnType<typeof decodeApproveCheckedInstruction>;
  try {
    decoded = decodeApproveCheckedInstruction(approveIx, TOKEN_PROGRAM_ID);
  } catch (err) {
    reject('not_approve_checked', `the last instruction is not an SPL Token ApproveChecked (${(err as Error).name})`);
  }
  const { keys, data } = decoded;
  if (!keys.owner.pubkey.equals(want.user) || !keys.owner.isSigner) reject('owner_mismatch', `owner is ${keys.owner.pubkey.toBase58()}, expected the user ${want.user.toBase58()}`);
  if (!keys.mint.pubkey.equals(want.mint)) reject('mint_mismatch', `mint is ${keys.mint.pubkey.toBase58()}, expected ${want.mint.toBase58()}`);
  if (!keys.delegate.pubkey.equals(want.facilitator)) reject('delegate_mismatch', `delegate is ${keys.delegate.pubkey.toBase58()}, expected the facilitator`);
  if (!keys.account.pubkey.equals(sourceAta)) reject('source_not_user_ata', `source is ${keys.account.pubkey.toBase58()}, not the user's token account ${sourceAta.toBase58()}`);
  if (data.decimals !== want.decimals) reject('decimals_mismatch', `decimals ${data.decimals}, the mint has ${want.decimals}`);
  if (data.amount < want.cap) reject('amount_below_cap', `approves ${data.amount}, less than the cap ${want.cap}`);

  const signers = tx.signatures.map((s) => s.publicKey);
  if (signers.length !== 2 || !signers.some((k) => k.equals(want.user))) {
    reject('unexpected_signer', `signers are ${signers.map((k) => k.toBase58()).join(', ')}; expected the facilitator and the user`);
  }
  const message = tx.serializeMessage();
  for (const { publicKey, signature } of tx.signatures) {
    if (publicKey.equals(want.facilitator)) {
      if (signature && signature.some((b) => b !== 0)) reject('fee_payer_already_signed', 'the fee-payer slot is not empty');
    } else if (!signature || signature.every((b) => b === 0)) {
      reject('missing_user_signature', 'the user has not signed the approve');
    } else if (!ed25519.verify(signature, message, publicKey.toBytes())) {
      reject('invalid_user_signature', 'the user’s signature does not verify');
    }
  }
  return { tx, amount: data.amount, sourceAta };
}

export function publicKeyOrNull(value: string): PublicKey | null {
  try {
    return new PublicKey(value);
  } catch {
    return null;
  }
}
