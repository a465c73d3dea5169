/** Atomic-unit amounts are non-negative integers written in decimal, nothing else. */
const AMOUNT = /^(0|[1-9][0-9]{0,77})$/;
const MAX_UINT256 = (1n << 256n) - 1n;

export function parseAtomicAmount(value: unknown): bigint | null {
  if (typeof value !== 'string' || !AMOUNT.test(value)) return null;
  const n = BigInt(value);
  return n <= MAX_UINT256 ? n : null;
}

/** "1.5" with 6 decimals → 1500000n; null for anything that is not a plain non-negative decimal. */
export function parseDecimalAmount(value: string, decimals: number): bigint | null {
  const m = /^(0|[1-9][0-9]{0,40})(?:\.([0-9]+))?$/.exec(value.trim());
  if (!m) return null;
  const frac = m[2] ?? '';
  if (frac.length > decimals) return null;
  return BigInt(m[1]!) * 10n ** BigInt(decimals) + BigInt(frac.padEnd(decimals, '0') || '0');
}

/** 1500000n with 6 decimals → "1.5" (trailing zeros trimmed, at least `minFraction` digits). */
export function formatAmount(units: bigint | string, decimals: number, minFraction = 2): string {
  const n = typeof units === 'string' ? BigInt(units) : units;
  const negative = n < 0n;
  const abs = negative ? -n : n;
  const base = 10n ** BigInt(decimals);
  const whole = abs / base;
  let frac = decimals > 0 ? (abs % base).toString().padStart(decimals, '0') : '';
  frac = frac.replace(/0+$/, '');
  if (frac.length < minFraction) frac = frac.padEnd(Math.min(minFraction, decimals), '0');
  return `${negative ? '-' : ''}${whole}${frac ? `.${frac}` : ''}`;
}
