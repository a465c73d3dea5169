/**
 * The devnet's USDC-like token on the Solana runtime: a 6-decimal SPL mint and funded
 * associated token accounts, created by real transactions (System createAccount, InitializeMint2,
 * CreateIdempotent, MintToChecked) so the state is what SPL Token itself wrote.
 */
import { Keypair, SystemProgram, Transaction, type PublicKey, type TransactionInstruction } from '@solana/web3.js';
import {
  createAssociatedTokenAccountIdempotentInstruction,
  createInitializeMint2Instruction,
  createMintToCheckedInstruction,
  getAssociatedTokenAddressSync,
  MINT_SIZE,
  TOKEN_PROGRAM_ID,
} from '@solana/spl-token';
import { labelTokenError } from './errors';
import type { SolanaRuntime } from './runtime';

export const DEVNET_USDC_DECIMALS = 6;

/** Signs and lands a transaction in-process; throws with the program error on failure. */
export function landTransaction(runtime: SolanaRuntime, feePayer: Keypair, instructions: TransactionInstruction[], signers: Keypair[] = []): string {
  const tx = new Transaction({ feePayer: feePayer.publicKey, ...runtime.latestBlockhash() }).add(...instructions);
  tx.sign(feePayer, ...signers);
  const result = runtime.execute(tx.serialize());
  if (result.err !== null) throw new Error(`setup transaction failed: ${labelTokenError(result.err)}\n${result.logs.join('\n')}`);
  return result.signature;
}

export interface DevnetMint {
  mint: PublicKey;
  decimals: number;
}

/** A mint whose address is derived from a seed, so it is the same every run. */
export function createDevnetMint(runtime: SolanaRuntime, authority: Keypair, mintKey: Keypair, decimals = DEVNET_USDC_DECIMALS): DevnetMint {
  const lamports = Number(runtime.minimumBalanceForRentExemption(MINT_SIZE));
  landTransaction(
    runtime,
    authority,
    [
      SystemProgram.createAccount({ fromPubkey: authority.publicKey, newAccountPubkey: mintKey.publicKey, lamports, space: MINT_SIZE, programId: TOKEN_PROGRAM_ID }),
      createInitializeMint2Instruction(mintKey.publicKey, decimals, authority.publicKey, null),
    ],
    [mintKey],
  );
  return { mint: mintKey.publicKey, decimals };
}

/** Creates `owner`'s ATA (paid by the authority) and mints `amount` base units into it. */
export function fundTokenAccount(runtime: SolanaRuntime, authority: Keypair, mint: DevnetMint, owner: PublicKey, amount: bigint): PublicKey {
  const ata = getAssociatedTokenAddressSync(mint.mint, owner, true);
  const instructions: TransactionInstruction[] = [createAssociatedTokenAccountIdempotentInstruction(authority.publicKey, ata, owner, mint.mint)];
  if (amount > 0n) instructions.push(createMintToCheckedInstruction(mint.mint, ata, authority.publicKey, amount, mint.decimals));
  landTransaction(runtime, authority, instructions);
  return ata;
}
