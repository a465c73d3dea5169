import { describe, expect, it } from 'vitest';
import { alertText, dueAlerts } from '../../lib/background/alerts';
import { newPeriod } from '../../lib/sessions/period';
import { sessionRecord } from '../support/db';

const NOW = Date.UTC(2026, 5, 1, 12);
const HOUR = 3_600_000;
const s = (over: Parameters<typeof sessionRecord>[0] = {}) => sessionRecord({ cap: '1000000', createdAt: NOW - 2 * 86_400_000, expiresAt: Math.floor(NOW / 1000) + 3 * 86_400, ...over });
const kinds = (x: ReturnType<typeof dueAlerts>) => x.map((a) => a.kind);

describe('dueAlerts (issue 15)', () => {
  it('80% and 100% of the cap, on settled money, keyed by the cap (a top-up re-arms them)', () => {
    expect(kinds(dueAlerts(s({ spent: '799999', reserved: '200000' }), NOW))).toEqual([]);
    expect(dueAlerts(s({ spent: '800000' }), NOW)).toEqual([{ kind: 'cap_80', key: 'cap_80@c1000000' }]);
    expect(kinds(dueAlerts(s({ spent: '1000000', status: 'exhausted' }), NOW))).toEqual(['cap_80', 'cap_100']);
    // What is left is below the price of a call: that is 100% for the person.
    expect(kinds(dueAlerts(s({ spent: '990000' }), NOW, true))).toEqual(['cap_80', 'cap_100']);
    expect(dueAlerts(s({ cap: '2000000', spent: '1600000' }), NOW)[0]!.key).toBe('cap_80@c2000000');
  });

  it("a renewing budget alerts on its period's cap, once per period", () => {
    const period = { ...newPeriod('day', 100_000n, NOW - HOUR), index: 4, spent: '80000' };
    expect(dueAlerts(s({ period, spent: '480000' }), NOW)).toEqual([{ kind: 'cap_80', key: 'cap_80@p4' }]);
    expect(alertText(s({ period: { ...period, spent: '100000' } }), 'cap_100', NOW).title).toBe("This day's budget is used up on dapp.test");
  });

  it('a day and an hour before the end, only for sessions that lasted longer than that; never for ended ones', () => {
    const endsIn = (ms: number, over = {}) => s({ expiresAt: Math.floor((NOW + ms) / 1000), ...over });
    expect(kinds(dueAlerts(endsIn(25 * HOUR), NOW))).toEqual([]);
    expect(kinds(dueAlerts(endsIn(23 * HOUR), NOW))).toEqual(['expiry_day']);
    expect(kinds(dueAlerts(endsIn(HOUR - 1000), NOW))).toEqual(['expiry_day', 'expiry_hour']);
    // A two-hour session gets the hour alert, not the day one; a 50-minute one neither.
    expect(kinds(dueAlerts(endsIn(HOUR - 1000, { createdAt: NOW - HOUR }), NOW))).toEqual(['expiry_hour']);
    expect(kinds(dueAlerts(endsIn(50 * 60_000, { createdAt: NOW - 60_000 }), NOW))).toEqual([]);
    expect(kinds(dueAlerts(endsIn(HOUR - 1000, { status: 'revoked' }), NOW))).toEqual([]);
    expect(kinds(dueAlerts(endsIn(-1000), NOW))).toEqual([]);
    expect(alertText(endsIn(50 * 60_000), 'expiry_hour', NOW).title).toBe('Session on dapp.test ends in 50 minutes');
  });
});
