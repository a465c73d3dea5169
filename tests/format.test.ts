import { describe, expect, it } from 'vitest';
import { countdown, duration, localDateTime, spentRatio, tokenAmount } from '../lib/format';

describe('display helpers', () => {
  it('counts down and names durations', () => {
    expect(countdown(1000, 1000_000 - 3_541_000)).toBe('in 59m 1s');
    expect(countdown(100, 100_000)).toBe('expired');
    expect(countdown(100_000, 0)).toBe('in 1d 3h');
    expect(duration(3600)).toBe('1 hour');
    expect(duration(900)).toBe('15 minutes');
    expect(spentRatio('250000', '1000000')).toBe(0.25);
    expect(tokenAmount('1000000', 6, 'USDC')).toBe('1.00 USDC');
  });
});

describe('localDateTime', () => {
  it('formats local time with zero padding, matching the Date getters', () => {
    const d = new Date(2026, 0, 5, 7, 3, 59);
    expect(localDateTime(d.getTime())).toBe('2026-01-05 07:03');
    expect(localDateTime(new Date(2026, 10, 23, 23, 59).getTime())).toBe('2026-11-23 23:59');
  });
});
