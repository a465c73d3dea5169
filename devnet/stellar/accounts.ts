/**
 * Deterministic Stellar dev keys for the devnet, like hardhat's mnemonic accounts: the same
 * addresses every run, so a person can paste them into Freighter once. They are derived from
 * public strings, so they are PUBLIC keys in all but name: never fund them on a real network.
 */
import { createHash } from 'node:crypto';
import { Keypair } from '@stellar/stellar-sdk';

export interface StellarDevAccount {
  publicKey: string;
  /** S… seed. Public knowledge (see above). */
  secret: string;
}

export type StellarDevRole = 'issuer' | 'facilitator' | 'recipient' | 'payer';

export function stellarDevAccount(role: StellarDevRole, index = 0): StellarDevAccount {
  const seed = createHash('sha256').update(`x402-session-wallet devnet stellar ${role} #${index}`).digest();
  const kp = Keypair.fromRawEd25519Seed(seed);
  return { publicKey: kp.publicKey(), secret: kp.secret() };
}

export function randomStellarAccount(): StellarDevAccount {
  const kp = Keypair.random();
  return { publicKey: kp.publicKey(), secret: kp.secret() };
}
