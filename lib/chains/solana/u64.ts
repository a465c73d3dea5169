/** SPL amounts are u64: bounds, strict decimal parsing, little-endian bytes. */
import { SolanaError } from './errors';

export const U64_MAX = (1n << 64n) - 1n;

export function isU64(value: unknown): value is bigint {
  return typeof value === 'bigint' && value >= 0n && value <= U64_MAX;
}

/**
 * A base-unit amount as the wire carries it: decimal digits only, no sign, no leading zeros,
 * no exponent, at most u64. Throws `INVALID_AMOUNT` otherwise.
 */
export function parseU64(text: unknown): bigint {
  if (typeof text !== 'string' || !/^(0|[1-9][0-9]{0,19})$/.test(text)) {
    throw new SolanaError('INVALID_AMOUNT', `not a base-unit amount: ${JSON.stringify(String(text).slice(0, 40))}`);
  }
  const value = BigInt(text);
  if (value > U64_MAX) throw new SolanaError('INVALID_AMOUNT', `amount ${text} does not fit in a u64`);
  return value;
}

export function u64ToLeBytes(value: bigint): Uint8Array {
  if (!isU64(value)) throw new SolanaError('INVALID_AMOUNT', `amount ${String(value)} is not a u64`);
  const out = new Uint8Array(8);
  let v = value;
  for (let i = 0; i < 8; i++) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

export function readU64Le(bytes: Uint8Array, offset: number): bigint {
  if (offset < 0 || offset + 8 > bytes.length) throw new SolanaError('INVALID_AMOUNT', `u64 at ${offset} is out of bounds (${bytes.length} bytes)`);
  let v = 0n;
  for (let i = 7; i >= 0; i--) v = (v << 8n) | BigInt(bytes[offset + i]!);
  return v;
}
