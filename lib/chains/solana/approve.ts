/**
 * The one transaction a person signs to open a Solana session (the SPL stand-in for Inco's
 * `create_idempotent` + `approve_checked`, x402-protocol.md §5.3 / local-chains.md §1.4), and the
 * revoke that ends the delegation. Built unsigned: the wallet adds the owner's signature, the
 * facilitator (fee payer) adds its own and submits, so the person may hold 0 SOL.
 *
 * `parseApproveTransaction` is the inverse, strict: exactly [optional CreateIdempotent of the
 * owner's ATA, ApproveChecked], nothing else — what a wallet or a facilitator may co-sign.
 */
import { addressToBytes } from './address';
import { bytesToBase64 } from '../../x402/base64';
import { SolanaError } from './errors';
import {
  ATA_CREATE_IDEMPOTENT,
  approveCheckedInstruction,
  createAssociatedTokenAccountIdempotentInstruction,
  revokeInstruction,
  TokenInstruction,
} from './instructions';
import { compileLegacyMessage, decodeTransaction, isSignerIndex, isWritableIndex, serializeMessage, serializeTransaction, type Instruction } from './message';
import { associatedTokenAddress } from './pda';
import { ASSOCIATED_TOKEN_PROGRAM, isTokenProgram, SYSTEM_PROGRAM, TOKEN_PROGRAM } from './programs';
import { isU64, readU64Le } from './u64';

export interface UnsignedTransaction {
  /** Wire bytes, every signature slot zeroed. */
  transaction: Uint8Array;
  /** base64 of `transaction` (what `approveTxBase64` carries once the owner signed). */
  base64: string;
  /** The bytes every signer signs. */
  message: Uint8Array;
  /** Required signers in slot order (slot 0 = fee payer). */
  signers: string[];
  /** The owner's token account the instructions act on. */
  sourceAta: string;
}

export interface ApproveTransactionParams {
  /** The token owner (the person's wallet). */
  user: string;
  mint: string;
  /** The facilitator: delegate of the allowance, and by default fee payer and ATA rent payer. */
  spender: string;
  /** Delegated amount in base units (the session cap). */
  amount: bigint;
  decimals: number;
  recentBlockhash: string;
  /** Default `spender`: the person needs no SOL. */
  feePayer?: string;
  tokenProgram?: string;
  /** Default true: create the owner's ATA first (a no-op if it exists), as Inco's client does. */
  createAta?: boolean;
}

function unsigned(feePayer: string, recentBlockhash: string, instructions: Instruction[], sourceAta: string): UnsignedTransaction {
  const compiled = compileLegacyMessage({ feePayer, recentBlockhash, instructions });
  const message = serializeMessage(compiled);
  const signers = compiled.accountKeys.slice(0, compiled.header.numRequiredSignatures);
  const transaction = serializeTransaction(message, signers.map(() => null));
  return { transaction, base64: bytesToBase64(transaction), message, signers, sourceAta };
}

export function buildApproveTransaction(p: ApproveTransactionParams): UnsignedTransaction {
  for (const [name, value] of [['user', p.user], ['mint', p.mint], ['spender', p.spender]] as const) {
    try {
      addressToBytes(value);
    } catch {
      throw new SolanaError('INVALID_ADDRESS', `${name} is not a Solana address: ${String(value)}`);
    }
  }
  if (!isU64(p.amount) || p.amount === 0n) throw new SolanaError('INVALID_AMOUNT', `approve amount must be a positive u64, got ${String(p.amount)}`);
  const tokenProgram = p.tokenProgram ?? TOKEN_PROGRAM;
  if (!isTokenProgram(tokenProgram)) throw new SolanaError('INVALID_FIELD', `not a token program: ${tokenProgram}`);
  const feePayer = p.feePayer ?? p.spender;
  const source = associatedTokenAddress(p.user, p.mint, tokenProgram);
  const instructions: Instruction[] = [];
  if (p.createAta ?? true) {
    instructions.push(createAssociatedTokenAccountIdempotentInstruction({ payer: feePayer, ata: source, owner: p.user, mint: p.mint, tokenProgram }));
  }
  instructions.push(
    approveCheckedInstruction({ source, mint: p.mint, delegate: p.spender, owner: p.user, amount: p.amount, decimals: p.decimals, tokenProgram }),
  );
  return unsigned(feePayer, p.recentBlockhash, instructions, source);
}

export interface RevokeTransactionParams {
  user: string;
  mint: string;
  /** Who pays the fee: the person (holding SOL), or a service that co-signs. */
  feePayer: string;
  recentBlockhash: string;
  tokenProgram?: string;
}

export function buildRevokeTransaction(p: RevokeTransactionParams): UnsignedTransaction {
  const tokenProgram = p.tokenProgram ?? TOKEN_PROGRAM;
  if (!isTokenProgram(tokenProgram)) throw new SolanaError('INVALID_FIELD', `not a token program: ${tokenProgram}`);
  const source = associatedTokenAddress(p.user, p.mint, tokenProgram);
  return unsigned(p.feePayer, p.recentBlockhash, [revokeInstruction({ source, owner: p.user, tokenProgram })], source);
}

export interface ParsedApprove {
  feePayer: string;
  /** The token owner who must sign. */
  owner: string;
  mint: string;
  delegate: string;
  amount: bigint;
  decimals: number;
  sourceAta: string;
  tokenProgram: string;
  /** Whether a CreateIdempotent of the owner's ATA comes first, and who pays its rent. */
  createsAta: { payer: string } | null;
  recentBlockhash: string;
  /** Required signers, slot order. */
  signers: string[];
  signatures: Uint8Array[];
  messageBytes: Uint8Array;
}

function refuse(message: string): never {
  throw new SolanaError('NOT_AN_APPROVE', message);
}

/**
 * Reads an approve built by `buildApproveTransaction` (or an equivalent one from another client)
 * and refuses anything else: other programs, extra instructions, a source that is not the
 * owner's ATA, extra signers, or writable keys no instruction needs.
 */
export function parseApproveTransaction(bytes: Uint8Array): ParsedApprove {
  const { message, signatures, messageBytes } = decodeTransaction(bytes);
  const keys = message.accountKeys;
  const ixs = message.instructions;
  if (ixs.length < 1 || ixs.length > 2) refuse(`expected 1 or 2 instructions, got ${ixs.length}`);
  const approveIx = ixs[ixs.length - 1]!;
  const tokenProgram = keys[approveIx.programIdIndex]!;
  if (!isTokenProgram(tokenProgram)) refuse(`last instruction is not SPL Token (program ${tokenProgram})`);
  const data = approveIx.data;
  if (data.length !== 10 || data[0] !== TokenInstruction.ApproveChecked) refuse('last instruction is not ApproveChecked');
  if (approveIx.accountIndexes.length !== 4) refuse('ApproveChecked must name exactly source, mint, delegate, owner');
  const [sourceI, mintI, delegateI, ownerI] = approveIx.accountIndexes as [number, number, number, number];
  const source = keys[sourceI]!;
  const mint = keys[mintI]!;
  const delegate = keys[delegateI]!;
  const owner = keys[ownerI]!;
  if (!isSignerIndex(message, ownerI)) refuse('the owner does not sign the ApproveChecked');
  if (!isWritableIndex(message, sourceI)) refuse('the source account is not writable');
  const sourceAta = associatedTokenAddress(owner, mint, tokenProgram);
  if (source !== sourceAta) refuse(`source ${source} is not the owner's associated token account ${sourceAta}`);
  const amount = readU64Le(data, 1);
  const decimals = data[9]!;

  let createsAta: ParsedApprove['createsAta'] = null;
  if (ixs.length === 2) {
    const create = ixs[0]!;
    if (keys[create.programIdIndex] !== ASSOCIATED_TOKEN_PROGRAM) refuse('first instruction is not the Associated Token Account program');
    if (create.data.length !== 1 || create.data[0] !== ATA_CREATE_IDEMPOTENT) refuse('first instruction is not CreateIdempotent');
    if (create.accountIndexes.length !== 6) refuse('CreateIdempotent must name payer, ata, owner, mint, system, token program');
    const [payer, ata, walletOwner, ataMint, system, program] = create.accountIndexes.map((i) => keys[i]!) as [string, string, string, string, string, string];
    if (ata !== sourceAta || walletOwner !== owner || ataMint !== mint || system !== SYSTEM_PROGRAM || program !== tokenProgram) {
      refuse('CreateIdempotent does not create the owner’s token account for this mint');
    }
    if (!isSignerIndex(message, create.accountIndexes[0]!)) refuse('the ATA payer does not sign');
    createsAta = { payer };
  }

  const signers = keys.slice(0, message.header.numRequiredSignatures);
  const feePayer = signers[0]!;
  const allowedSigners = new Set([feePayer, owner, ...(createsAta ? [createsAta.payer] : [])]);
  for (const s of signers) if (!allowedSigners.has(s)) refuse(`unexpected signer ${s}`);
  const allowedWritable = new Set([feePayer, sourceAta, ...(createsAta ? [createsAta.payer] : [])]);
  keys.forEach((k, i) => {
    if (isWritableIndex(message, i) && !allowedWritable.has(k)) refuse(`unexpected writable account ${k}`);
  });
  return {
    feePayer,
    owner,
    mint,
    delegate,
    amount,
    decimals,
    sourceAta,
    tokenProgram,
    createsAta,
    recentBlockhash: message.recentBlockhash,
    signers,
    signatures,
    messageBytes,
  };
}
