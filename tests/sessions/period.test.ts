import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { boundary, newPeriod, periodIndexAt, periodsWithin, recurringTotal, renewsAt, rollPeriod } from '../../lib/sessions/period';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 31, 15, 30); // a 31st: month boundaries must clamp

describe('period boundaries', () => {
  it('days and weeks are fixed lengths from the anchor; months are calendar months, the day clamped', () => {
    expect(boundary('day', T0, 3)).toBe(T0 + 3 * DAY);
    expect(boundary('week', T0, 2)).toBe(T0 + 14 * DAY);
    expect(new Date(boundary('month', T0, 1)).toISOString()).toBe('2026-02-28T15:30:00.000Z');
    expect(new Date(boundary('month', T0, 2)).toISOString()).toBe('2026-03-31T15:30:00.000Z');
    // From the anchor, not from the previous boundary: no drift to the 28th.
    expect(new Date(boundary('month', T0, 13)).toISOString()).toBe('2027-02-28T15:30:00.000Z');
  });

  it('periodIndexAt is the last boundary at or before t, for any t (property)', () => {
    fc.assert(
      fc.property(fc.constantFrom('day', 'week', 'month') as fc.Arbitrary<'day' | 'week' | 'month'>, fc.integer({ min: 0, max: 800 * DAY }), (every, dt) => {
        const t = T0 + dt;
        const k = periodIndexAt(every, T0, t);
        expect(boundary(every, T0, k)).toBeLessThanOrEqual(t);
        expect(boundary(every, T0, k + 1)).toBeGreaterThan(t);
      }),
    );
    expect(periodIndexAt('day', T0, T0 - 5)).toBe(0);
  });

  it('periodsWithin counts the periods a session spans, the last one possibly cut short', () => {
    expect(periodsWithin('day', T0, T0 + 7 * DAY)).toBe(7);
    expect(periodsWithin('day', T0, T0 + 7 * DAY + 1)).toBe(8);
    expect(periodsWithin('week', T0, T0 + 30 * DAY)).toBe(5);
    expect(periodsWithin('month', T0, T0 + 30 * DAY)).toBe(2);
    expect(periodsWithin('day', T0, T0 + 3_600_000)).toBe(1);
  });
});

describe('rollPeriod', () => {
  const p = { ...newPeriod('day', 30_000n, T0), spent: '30000' };

  it('keeps the period until its boundary, then starts the next one at zero, exactly once', () => {
    expect(rollPeriod(p, T0 + DAY - 1)).toMatchObject({ rolled: false, period: { index: 0, spent: '30000' } });
    const r = rollPeriod(p, T0 + DAY);
    expect(r).toMatchObject({ rolled: true, period: { index: 1, start: T0 + DAY, spent: '0', reserved: '0' } });
    // The same instant again, or any later instant in the same period: no second reset.
    expect(rollPeriod({ ...r.period, spent: '10000' }, T0 + DAY).rolled).toBe(false);
    expect(rollPeriod({ ...r.period, spent: '10000' }, T0 + 2 * DAY - 1)).toMatchObject({ rolled: false, period: { spent: '10000' } });
    expect(renewsAt(r.period)).toBe(T0 + 2 * DAY);
  });

  it('a wall clock set back neither renews nor un-renews; the ledger time stays at its high-water mark', () => {
    const later = rollPeriod(p, T0 + DAY + 5_000).period;
    const back = rollPeriod({ ...later, spent: '20000' }, T0 + 10);
    expect(back).toMatchObject({ rolled: false, period: { index: 1, spent: '20000', seenAt: T0 + DAY + 5_000 } });
    // Forward again past the boundary it already crossed: still that period.
    expect(rollPeriod(back.period, T0 + DAY + 6_000)).toMatchObject({ rolled: false, period: { index: 1, spent: '20000' } });
  });

  it('after three idle days it renews once, into the current period (not three times, not zero)', () => {
    const r = rollPeriod(p, T0 + 3 * DAY + 42);
    expect(r).toMatchObject({ rolled: true, period: { index: 3, start: T0 + 3 * DAY, spent: '0' } });
    expect(rollPeriod(r.period, T0 + 3 * DAY + 43).rolled).toBe(false);
  });

  it('recurringTotal: what was spent, what this period may still pay, and the cap for each later period', () => {
    const now = { ...newPeriod('day', 30_000n, T0), spent: '10000' };
    // 7 days: this period (20000 left) + 6 later periods at 30000, after 10000 spent in all.
    expect(recurringTotal(now, 30_000n, 10_000n, 0n, T0 + 7 * DAY)).toBe(10_000n + 20_000n + 6n * 30_000n);
    // A higher period cap raises this period's room and every later one.
    expect(recurringTotal(now, 50_000n, 10_000n, 0n, T0 + 7 * DAY)).toBe(10_000n + 40_000n + 6n * 50_000n);
  });
});
