import { describe, expect, it } from 'vitest';
import { formatAmount, parseDecimalAmount } from '../../lib/x402/amount';

describe('amounts', () => {
  it('parses and formats token units exactly', () => {
    expect(parseDecimalAmount('1.00', 6)).toBe(1_000_000n);
    expect(parseDecimalAmount('0.1', 6)).toBe(100_000n);
    expect(parseDecimalAmount('1.0000001', 6)).toBeNull();
    expect(parseDecimalAmount('-1', 6)).toBeNull();
    expect(parseDecimalAmount('1e3', 6)).toBeNull();
    expect(formatAmount(100_000n, 6)).toBe('0.10');
    expect(formatAmount('1234567', 6)).toBe('1.234567');
  });
});
