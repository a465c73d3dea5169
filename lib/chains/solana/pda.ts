/**
 * Program-derived addresses: sha256(seeds ‖ bump ‖ programId ‖ "ProgramDerivedAddress"), taking
 * the first bump (255 down) whose hash is off the ed25519 curve. The associated token account
 * (ATA) of a wallet is the PDA of [owner, tokenProgram, mint] under the ATA program.
 */
import { sha256 } from '@noble/hashes/sha2';
import { addressToBytes, bytesToAddress, isOnCurve } from './address';
import { SolanaError } from './errors';
import { ASSOCIATED_TOKEN_PROGRAM, TOKEN_PROGRAM } from './programs';

const MAX_SEEDS = 16;
const MAX_SEED_BYTES = 32;
const PDA_MARKER = new TextEncoder().encode('ProgramDerivedAddress');

/** The address for exactly these seeds (bump included), or null when it falls on the curve. */
export function createProgramAddress(seeds: readonly Uint8Array[], programId: string): string | null {
  if (seeds.length > MAX_SEEDS) throw new SolanaError('INVALID_FIELD', `at most ${MAX_SEEDS} seeds, got ${seeds.length}`);
  for (const seed of seeds) {
    if (seed.length > MAX_SEED_BYTES) throw new SolanaError('INVALID_FIELD', `a seed is at most ${MAX_SEED_BYTES} bytes, got ${seed.length}`);
  }
  const hash = sha256.create();
  for (const seed of seeds) hash.update(seed);
  hash.update(addressToBytes(programId));
  hash.update(PDA_MARKER);
  const key = hash.digest();
  return isOnCurve(key) ? null : bytesToAddress(key);
}

export function findProgramAddress(seeds: readonly Uint8Array[], programId: string): { address: string; bump: number } {
  for (let bump = 255; bump >= 0; bump--) {
    const address = createProgramAddress([...seeds, Uint8Array.of(bump)], programId);
    if (address !== null) return { address, bump };
  }
  throw new SolanaError('PDA_NOT_FOUND', 'no bump gives an off-curve address for these seeds');
}

/** The owner's associated token account for `mint` (classic SPL Token unless told otherwise). */
export function associatedTokenAddress(owner: string, mint: string, tokenProgram: string = TOKEN_PROGRAM): string {
  return findProgramAddress([addressToBytes(owner), addressToBytes(tokenProgram), addressToBytes(mint)], ASSOCIATED_TOKEN_PROGRAM).address;
}
