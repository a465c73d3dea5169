/**
 * The few SPL instructions a session needs, as data + account metas (layouts from the SPL Token
 * and Associated Token Account programs; same tags in Token-2022).
 */
import type { Instruction } from './message';
import { ASSOCIATED_TOKEN_PROGRAM, SYSTEM_PROGRAM, TOKEN_PROGRAM } from './programs';
import { u64ToLeBytes } from './u64';

/** SPL Token instruction tags. */
export const TokenInstruction = {
  Revoke: 5,
  TransferChecked: 12,
  ApproveChecked: 13,
} as const;

/** Associated Token Account program: 0 = Create, 1 = CreateIdempotent. */
export const ATA_CREATE_IDEMPOTENT = 1;

/** Creates `owner`'s ATA for `mint` unless it exists; `payer` funds the rent. */
export function createAssociatedTokenAccountIdempotentInstruction(p: {
  payer: string;
  ata: string;
  owner: string;
  mint: string;
  tokenProgram?: string;
}): Instruction {
  return {
    programId: ASSOCIATED_TOKEN_PROGRAM,
    accounts: [
      { address: p.payer, isSigner: true, isWritable: true },
      { address: p.ata, isSigner: false, isWritable: true },
      { address: p.owner, isSigner: false, isWritable: false },
      { address: p.mint, isSigner: false, isWritable: false },
      { address: SYSTEM_PROGRAM, isSigner: false, isWritable: false },
      { address: p.tokenProgram ?? TOKEN_PROGRAM, isSigner: false, isWritable: false },
    ],
    data: Uint8Array.of(ATA_CREATE_IDEMPOTENT),
  };
}

/** Lets `delegate` move up to `amount` out of `source`; replaces any earlier delegation. */
export function approveCheckedInstruction(p: {
  source: string;
  mint: string;
  delegate: string;
  owner: string;
  amount: bigint;
  decimals: number;
  tokenProgram?: string;
}): Instruction {
  if (!Number.isInteger(p.decimals) || p.decimals < 0 || p.decimals > 255) throw new RangeError(`decimals must be 0..255, got ${p.decimals}`);
  const data = new Uint8Array(10);
  data[0] = TokenInstruction.ApproveChecked;
  data.set(u64ToLeBytes(p.amount), 1);
  data[9] = p.decimals;
  return {
    programId: p.tokenProgram ?? TOKEN_PROGRAM,
    accounts: [
      { address: p.source, isSigner: false, isWritable: true },
      { address: p.mint, isSigner: false, isWritable: false },
      { address: p.delegate, isSigner: false, isWritable: false },
      { address: p.owner, isSigner: true, isWritable: false },
    ],
    data,
  };
}

/** Clears the delegate (and its delegated amount) of `source`. */
export function revokeInstruction(p: { source: string; owner: string; tokenProgram?: string }): Instruction {
  return {
    programId: p.tokenProgram ?? TOKEN_PROGRAM,
    accounts: [
      { address: p.source, isSigner: false, isWritable: true },
      { address: p.owner, isSigner: true, isWritable: false },
    ],
    data: Uint8Array.of(TokenInstruction.Revoke),
  };
}
