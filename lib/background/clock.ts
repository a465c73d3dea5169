/**
 * The background's clock: the wall clock, plus an offset that only browser tests set (through the
 * worker's own global scope, which no page can reach) to cross a renewal boundary or an expiry
 * alert without waiting a day. The offset lives in memory: a worker restart drops it, which is
 * exactly a wall clock set back — the ledger must then neither renew again nor undo a renewal
 * (lib/sessions/period.ts keeps its own high-water mark per session).
 */
export interface AdjustableClock {
  now(): number;
  /** Move this worker's time by `ms` from the wall clock (tests). */
  setOffset(ms: number): void;
  readonly offset: number;
}

export function createClock(wall: () => number = Date.now): AdjustableClock {
  let offset = 0;
  return {
    now: () => wall() + offset,
    setOffset(ms) {
      if (!Number.isFinite(ms)) throw new RangeError('offset must be a finite number of milliseconds');
      offset = ms;
    },
    get offset() {
      return offset;
    },
  };
}
