/**
 * The devnet's USDC-like token on the Solana runtime: a 6-decimal SPL mint and funded
 * associated token accounts, created by real transactions (System createAccount, InitializeMint2,
 * CreateIdempotent, MintToChecked) so the state is what SPL Token itself wrote.
 */
import { Keypair, PublicKey, SystemProgram, Transaction, type TransactionInstruction } from '@solana/web3.js';
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

/** Metaplex Token Metadata, the program wallets read a mint's name and symbol from. */
export const METADATA_PROGRAM_ID = 'metaqbxxUerdq28cj1RbAWkYQm3ybzjb6a8bt518x1s';
/** What the Token Metadata program allocates for a Metadata v1 account. */
const METADATA_V1_SIZE = 679;

/**
 * Gives the mint a name and symbol the way clusters do: a Metadata v1 account at its PDA
 * ["metadata", program, mint], owned by the Token Metadata program. litesvm does not bundle that
 * program, so the account is written directly (the one piece of state not made by a transaction);
 * its bytes follow the program's layout: key 4, update authority, mint, then Borsh strings
 * name (padded to 32), symbol (10) and uri (200), NUL-padded, the rest zero.
 */
export function writeTokenMetadata(runtime: SolanaRuntime, mint: PublicKey, updateAuthority: PublicKey, meta: { name: string; symbol: string }): PublicKey {
  const program = new PublicKey(METADATA_PROGRAM_ID);
  const [address] = PublicKey.findProgramAddressSync([Buffer.from('metadata'), program.toBuffer(), mint.toBuffer()], program);
  const data = Buffer.alloc(METADATA_V1_SIZE);
  let offset = 0;
  data[offset++] = 4;
  offset += updateAuthority.toBuffer().copy(data, offset);
  offset += mint.toBuffer().copy(data, offset);
  for (const [text, padded] of [[meta.name, 32], [meta.symbol, 10], ['', 200]] as const) {
    const bytes = Buffer.from(text, 'utf8');
    if (bytes.length > padded) throw new Error(`metadata field "${text}" is over ${padded} bytes`);
    data.writeUInt32LE(padded, offset);
    bytes.copy(data, offset + 4);
    offset += 4 + padded;
  }
  runtime.setAccount(address.toBase58(), { lamports: runtime.minimumBalanceForRentExemption(METADATA_V1_SIZE), data, owner: METADATA_PROGRAM_ID, executable: false });
  return address;
}
