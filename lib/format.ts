import { formatAmount } from './x402/amount';

/** "0x3C44…93BC" */
export function shortAddress(address: string): string {
  return address.length > 14 ? `${address.slice(0, 6)}…${address.slice(-4)}` : address;
}

export function tokenAmount(units: string | bigint, decimals: number, symbol?: string): string {
  const s = formatAmount(units, decimals, 2);
  return symbol ? `${s} ${symbol}` : s;
}

/** "in 59m 12s", "in 2h 5m", "in 3d 4h", "expired" — for a live countdown. */
export function countdown(expiresAtSeconds: number, nowMs: number): string {
  const left = Math.floor(expiresAtSeconds - nowMs / 1000);
  if (left <= 0) return 'expired';
  const d = Math.floor(left / 86400);
  const h = Math.floor((left % 86400) / 3600);
  const m = Math.floor((left % 3600) / 60);
  const s = left % 60;
  if (d > 0) return `in ${d}d ${h}h`;
  if (h > 0) return `in ${h}h ${m}m`;
  if (m > 0) return `in ${m}m ${s}s`;
  return `in ${s}s`;
}

/** "1 hour", "30 minutes", "7 days" */
export function duration(seconds: number): string {
  const units: [number, string][] = [[86400, 'day'], [3600, 'hour'], [60, 'minute'], [1, 'second']];
  for (const [size, name] of units) {
    if (seconds >= size && seconds % size === 0) {
      const n = seconds / size;
      return `${n} ${name}${n === 1 ? '' : 's'}`;
    }
  }
  const [size, name] = seconds >= 3600 ? units[1]! : units[2]!;
  const n = Math.round((seconds / size) * 10) / 10;
  return `${n} ${name}s`;
}

/** Share of the cap spent, 0…1, for the spent/cap bar. */
export function spentRatio(spent: string, cap: string): number {
  const c = BigInt(cap);
  if (c === 0n) return 1;
  const r = Number((BigInt(spent) * 10_000n) / c) / 10_000;
  return Math.min(1, Math.max(0, r));
}

/**
 * "2026-11-23 14:05" in local time. Built from Date getters rather than toLocaleString: the first
 * Intl call in a page loads locale data, and this runs for every card of the popup's first render.
 */
export function localDateTime(ms: number): string {
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}`;
}

/**
 * Text a site supplied (a description, a service name, a token symbol), made safe to show: bidi
 * overrides and isolates, zero-width and control characters removed (they can make "Approved" or a
 * cap render as something else), whitespace collapsed, clamped to `max` characters.
 */
const UNSAFE_TEXT = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb]/g;
export function siteText(value: unknown, max = 200): string {
  if (typeof value !== 'string') return '';
  const clean = value.replace(UNSAFE_TEXT, '').replace(/\s+/g, ' ').trim();
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}
