/**
 * Solana addresses: 32-byte keys in base58. A wallet key is a point on the ed25519 curve; a
 * program-derived address (PDA) is deliberately off it, so nobody holds its private key. Telling
 * the two apart lets a caller check that a recipient is a wallet (whose token account we derive)
 * and not, say, a token account pasted where an owner was expected.
 */
import { ed25519 } from '@noble/curves/ed25519';
import { decodeBase58, encodeBase58 } from './base58';
import { SolanaError } from './errors';

export const ADDRESS_BYTES = 32;

/** The 32 key bytes of a base58 address; throws `INVALID_ADDRESS` for anything else. */
export function addressToBytes(address: string): Uint8Array {
  // 32 bytes are 32..44 base58 characters; checking first keeps hostile input cheap.
  if (typeof address !== 'string' || address.length < 32 || address.length > 44) {
    throw new SolanaError('INVALID_ADDRESS', `not a Solana address: ${JSON.stringify(String(address).slice(0, 60))}`);
  }
  let bytes: Uint8Array;
  try {
    bytes = decodeBase58(address);
  } catch {
    throw new SolanaError('INVALID_ADDRESS', `not a Solana address (bad base58): ${address}`);
  }
  if (bytes.length !== ADDRESS_BYTES) throw new SolanaError('INVALID_ADDRESS', `not a Solana address (${bytes.length} bytes, expected 32): ${address}`);
  return bytes;
}

export function bytesToAddress(bytes: Uint8Array): string {
  if (bytes.length !== ADDRESS_BYTES) throw new SolanaError('INVALID_ADDRESS', `an address is 32 bytes, got ${bytes.length}`);
  return encodeBase58(bytes);
}

export function isSolanaAddress(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  try {
    addressToBytes(value);
    return true;
  } catch {
    return false;
  }
}

/** Whether 32 bytes decode to an ed25519 point (the same test web3.js `PublicKey.isOnCurve` makes). */
export function isOnCurve(key: Uint8Array): boolean {
  try {
    ed25519.ExtendedPoint.fromHex(key);
    return true;
  } catch {
    return false;
  }
}

export type AddressKind = 'on-curve' | 'off-curve';

/** `on-curve`: could be a wallet key. `off-curve`: a PDA (or a program-owned account); null: not an address. */
export function addressKind(value: unknown): AddressKind | null {
  if (!isSolanaAddress(value)) return null;
  return isOnCurve(addressToBytes(value)) ? 'on-curve' : 'off-curve';
}

/**
 * Exact comparison. Base58 is case-sensitive and has one spelling per key, so unlike EVM hex
 * there is nothing to normalise: `a` and `A` are different keys. Invalid input is never equal.
 */
export function sameAddress(a: unknown, b: unknown): boolean {
  return isSolanaAddress(a) && isSolanaAddress(b) && a === b;
}
