/**
 * The devnet's Solana keys, derived from fixed seeds so every run prints the same addresses.
 * PUBLIC test keys: anyone can recompute them. Never send real funds to them.
 */
import { createHash } from 'node:crypto';
import { Keypair } from '@solana/web3.js';

export function devKeypair(role: string, index = 0): Keypair {
  const seed = createHash('sha256').update(`x402 devnet solana ${role} ${index}`).digest();
  return Keypair.fromSeed(seed);
}

export interface SolanaDevKeys {
  /** Mint authority of the devnet USDC. */
  mintAuthority: Keypair;
  /** Fee payer and delegate of every session (the spender). */
  facilitator: Keypair;
  /** payTo of the Solana paid routes. */
  recipient: Keypair;
  payers: Keypair[];
}

export function solanaDevKeys(payerCount: number): SolanaDevKeys {
  return {
    mintAuthority: devKeypair('mint-authority'),
    facilitator: devKeypair('facilitator'),
    recipient: devKeypair('recipient'),
    payers: Array.from({ length: payerCount }, (_, i) => devKeypair('payer', i)),
  };
}
