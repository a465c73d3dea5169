/**
 * Session expiry on Stellar is a ledger number, not a time: the SAC allowance written by
 * `approve(from, spender, amount, expiration_ledger)` can be spent in every ledger up to and
 * including `expiration_ledger`, and reads 0 after it. Ledgers close about every 5 seconds, so a
 * wanted lifetime in seconds becomes `latest + ceil(seconds / 5)`.
 */

export const SECONDS_PER_LEDGER = 5;

export class StellarExpiryError extends Error {
  override readonly name = 'StellarExpiryError';
  constructor(message: string) {
    super(message);
  }
}

const U32_MAX = 0xffff_ffff;

function checkLedger(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0 || value > U32_MAX) throw new StellarExpiryError(`${name} must be a ledger number (u32), got ${value}`);
}

/** Ledgers needed to cover `seconds` (rounded up: a session never ends early). */
export function ledgersFor(seconds: number): number {
  if (!Number.isSafeInteger(seconds) || seconds <= 0) throw new StellarExpiryError(`expiry must be a positive whole number of seconds, got ${seconds}`);
  return Math.ceil(seconds / SECONDS_PER_LEDGER);
}

/** `expiration_ledger` for an approve that should last `seconds` from `latestLedger`. */
export function expirationLedgerFor(latestLedger: number, seconds: number): number {
  checkLedger('latestLedger', latestLedger);
  const expiration = latestLedger + ledgersFor(seconds);
  if (expiration > U32_MAX) throw new StellarExpiryError(`expiration ledger ${expiration} does not fit in a u32`);
  return expiration;
}

/**
 * Whether an allowance that lives until `expirationLedger` can still be spent by a transaction
 * submitted now: that transaction lands in `latestLedger + 1` at the earliest.
 */
export function isSpendableAt(expirationLedger: number, latestLedger: number): boolean {
  checkLedger('expirationLedger', expirationLedger);
  checkLedger('latestLedger', latestLedger);
  return expirationLedger > latestLedger;
}

/** Rough seconds until `expirationLedger` closes (for display only; ledgers are not a clock). */
export function estimatedSecondsLeft(expirationLedger: number, latestLedger: number): number {
  return Math.max(0, (expirationLedger - latestLedger) * SECONDS_PER_LEDGER);
}
