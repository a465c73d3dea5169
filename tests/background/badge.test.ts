import { describe, expect, it } from 'vitest';
import { badgeFor, compact } from '../../lib/background/badge';
import { sessionRecord } from '../support/db';

describe('the toolbar badge', () => {
  it('fits the remaining budget of the tab origin into the badge', () => {
    expect(compact(0.9)).toBe('0.9');
    expect(compact(12.5)).toBe('12');
    expect(compact(1234)).toBe('1.2k');
    const now = Date.now();
    const s = sessionRecord({ cap: '1000000', spent: '100000' });
    expect(badgeFor([s], now).text).toBe('0.9');
    expect(badgeFor([{ ...s, status: 'revoked' }], now).text).toBe('');
    expect(badgeFor([{ ...s, expiresAt: Math.floor(now / 1000) - 1 }], now).text).toBe('');
  });
});
