/**
 * Recurring budgets: a session that renews its cap each day, week or month. Pure arithmetic on
 * stored data, so the ledger (which enforces it) and the windows (which show it) agree.
 *
 * Why it holds against clocks and restarts:
 * - every boundary is computed from the stored `anchor` (anchor + k periods), never from "the last
 *   reset" or from when a worker started, so a restart can neither reset early nor forget a reset;
 * - a roll jumps straight to the period that contains the time (a session idle for three days
 *   renews once, into the current day), so crossing a boundary resets exactly once;
 * - the ledger's time for a session never goes below `seenAt`, the latest time it used for it, so a
 *   wall clock set back can neither re-open a period already closed nor move a boundary.
 * A wall clock moved forward is indistinguishable from time passing (MV3 workers restart every few
 * minutes); the session's total cap, which is what the wallet approved on chain, bounds that case.
 */

export type RenewEvery = 'day' | 'week' | 'month';
export const RENEW_CHOICES: readonly RenewEvery[] = ['day', 'week', 'month'];

export interface BudgetPeriod {
  every: RenewEvery;
  /** What each period may spend, base units. */
  cap: string;
  /** Start of the first period (ms): boundary k is anchor + k periods. */
  anchor: number;
  /** The current period (0 = the first) and its start (ms). */
  index: number;
  start: number;
  /** Settled and reserved in the current period, base units. */
  spent: string;
  reserved: string;
  /** The latest time (ms) the ledger used for this session: its clock never goes back below it. */
  seenAt: number;
}

const DAY_MS = 86_400_000;
const FIXED: Readonly<Record<Exclude<RenewEvery, 'month'>, number>> = { day: DAY_MS, week: 7 * DAY_MS };

export function isRenewEvery(value: unknown): value is RenewEvery {
  return typeof value === 'string' && (RENEW_CHOICES as readonly string[]).includes(value);
}

/** The shortest a period of this kind can be (ms): a month is at least 28 days. */
export function minPeriodMs(every: RenewEvery): number {
  return every === 'month' ? 28 * DAY_MS : FIXED[every];
}

/** Calendar months in UTC, the day clamped to the month's length (Jan 31 + 1 month = Feb 28/29). */
function addMonthsUtc(anchor: number, k: number): number {
  const d = new Date(anchor);
  const monthIndex = d.getUTCMonth() + k;
  const year = d.getUTCFullYear() + Math.floor(monthIndex / 12);
  const month = ((monthIndex % 12) + 12) % 12;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  return Date.UTC(year, month, Math.min(d.getUTCDate(), lastDay), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCMilliseconds());
}

/** Start of period k (ms). */
export function boundary(every: RenewEvery, anchor: number, k: number): number {
  return every === 'month' ? addMonthsUtc(anchor, k) : anchor + k * FIXED[every];
}

/** The period that contains `t`: the largest k ≥ 0 whose start is ≤ t. */
export function periodIndexAt(every: RenewEvery, anchor: number, t: number): number {
  if (t <= anchor) return 0;
  if (every !== 'month') return Math.floor((t - anchor) / FIXED[every]);
  const a = new Date(anchor);
  const b = new Date(t);
  let k = (b.getUTCFullYear() - a.getUTCFullYear()) * 12 + (b.getUTCMonth() - a.getUTCMonth());
  while (k > 0 && boundary(every, anchor, k) > t) k--;
  while (boundary(every, anchor, k + 1) <= t) k++;
  return k;
}

/** How many periods a session from `startMs` to `endMs` spans (the last one may be cut short). */
export function periodsWithin(every: RenewEvery, startMs: number, endMs: number): number {
  if (endMs <= startMs) return 1;
  return periodIndexAt(every, startMs, endMs - 1) + 1;
}

export function newPeriod(every: RenewEvery, cap: bigint, nowMs: number): BudgetPeriod {
  return { every, cap: cap.toString(), anchor: nowMs, index: 0, start: nowMs, spent: '0', reserved: '0', seenAt: nowMs };
}

/** The ledger's time for this period: the wall clock, never below what it already used. */
export function periodClock(p: BudgetPeriod, nowMs: number): number {
  return Math.max(nowMs, p.seenAt);
}

/**
 * The period as of `nowMs`: the same one (with `seenAt` moved up), or the one that contains the
 * time, its spending back at zero. `rolled` says whether a boundary was crossed.
 */
export function rollPeriod(p: BudgetPeriod, nowMs: number): { period: BudgetPeriod; rolled: boolean } {
  const t = periodClock(p, nowMs);
  const k = periodIndexAt(p.every, p.anchor, t);
  if (k <= p.index) return { period: t === p.seenAt ? p : { ...p, seenAt: t }, rolled: false };
  return { period: { ...p, index: k, start: boundary(p.every, p.anchor, k), spent: '0', reserved: '0', seenAt: t }, rolled: true };
}

/** When the current period ends and the next begins (ms). */
export function renewsAt(p: BudgetPeriod): number {
  return boundary(p.every, p.anchor, p.index + 1);
}

/** What the current period can still pay, base units. */
export function periodLeft(p: BudgetPeriod): bigint {
  const left = BigInt(p.cap) - BigInt(p.spent) - BigInt(p.reserved);
  return left > 0n ? left : 0n;
}

/**
 * The total cap a recurring budget needs so each of its remaining periods can spend its cap: what
 * is spent so far, what the current period may still pay at `periodCap`, and `periodCap` for each
 * later period until `expiresAtMs`.
 */
export function recurringTotal(p: BudgetPeriod, periodCap: bigint, spent: bigint, reserved: bigint, expiresAtMs: number): bigint {
  const last = periodIndexAt(p.every, p.anchor, Math.max(p.start, expiresAtMs - 1));
  const later = BigInt(Math.max(0, last - p.index));
  const current = periodCap - BigInt(p.spent) - BigInt(p.reserved);
  return spent + reserved + (current > 0n ? current : 0n) + periodCap * later;
}
