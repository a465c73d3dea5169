/**
 * Token amounts on Soroban. SEP-41 / SAC amounts are `i128`; balances of classic accounts (G…)
 * live in trustlines, which are `int64`, so a SAC can approve more than a G… account can ever
 * hold or receive. We parse base-unit strings strictly: no sign, no exponent, no leading zeros
 * beyond "0" itself, no whitespace.
 */

export const I128_MAX = (1n << 127n) - 1n;
export const I128_MIN = -(1n << 127n);
/** Largest trustline balance (and what the SAC reports as the issuer's balance). */
export const I64_MAX = (1n << 63n) - 1n;

export type StellarAmountReason = 'not_a_string' | 'not_an_integer' | 'out_of_range';

export class StellarAmountError extends Error {
  override readonly name = 'StellarAmountError';
  constructor(
    readonly reason: StellarAmountReason,
    message: string,
  ) {
    super(message);
  }
}

export function isI128(value: bigint): boolean {
  return value >= I128_MIN && value <= I128_MAX;
}

/** 40 digits: the longest decimal i128 (2^127 - 1 has 39). Longer input is refused before BigInt. */
const BASE_UNITS = /^(0|[1-9][0-9]{0,39})$/;

export interface AmountBounds {
  /** Smallest value accepted; default 1 (an approve cap or a price must be positive). */
  min?: bigint;
  /** Largest value accepted; default I128_MAX. */
  max?: bigint;
}

/** A base-unit decimal string ("10000000" = 1.00 of a 7-decimal token) → bigint within bounds. */
export function parseBaseUnits(value: unknown, bounds: AmountBounds = {}): bigint {
  if (typeof value !== 'string') throw new StellarAmountError('not_a_string', `amount must be a base-unit string such as "10000000", got ${typeof value}`);
  if (!BASE_UNITS.test(value)) {
    throw new StellarAmountError('not_an_integer', `amount must be a non-negative integer in base units without sign, spaces or leading zeros, got ${JSON.stringify(value.slice(0, 48))}`);
  }
  const amount = BigInt(value);
  const min = bounds.min ?? 1n;
  const max = bounds.max ?? I128_MAX;
  if (amount < min || amount > max) {
    throw new StellarAmountError('out_of_range', `amount ${value} must be between ${min} and ${max}`);
  }
  return amount;
}
