import { describe, expect, it } from 'vitest';
import { Ledger, type PaymentTerms } from '../../lib/sessions/ledger';
import { newPeriod } from '../../lib/sessions/period';
import { toPublicView } from '../../lib/sessions/types';
import { freshDb, sessionRecord } from '../support/db';
import { ASSET, PAY_TO } from '../support/x402';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 5, 1, 9, 0);
const terms = (amount: bigint): PaymentTerms => ({ scheme: 'session', network: 'eip155:31337', asset: ASSET, payTo: PAY_TO, amount });
const req = (amount = 10_000n) => ({ origin: 'http://dapp.test', terms: terms(amount), url: 'http://api.test/x', method: 'GET' });

/** A ledger whose clock the test moves (as the background's is moved in the browser tests). */
function setup(periodCap = 30_000n, totalPeriods = 7) {
  const db = freshDb(`rec-${Math.random()}`);
  let now = T0;
  const clock = { set: (t: number) => (now = t) };
  const ledger = () => new Ledger(db, () => now);
  const s = sessionRecord({ cap: String(periodCap * BigInt(totalPeriods)), period: newPeriod('day', periodCap, T0), createdAt: T0, expiresAt: Math.floor((T0 + totalPeriods * DAY) / 1000) });
  return { db, clock, ledger, s };
}

async function payAll(ledger: Ledger, n: number) {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = await ledger.reserve(req());
    if (r.ok) await ledger.commit(r.payment.id);
    out.push(r.ok ? 'paid' : r.reason);
  }
  return out;
}

describe('Ledger: a budget that renews each day', () => {
  it("holds to the period's cap and renews exactly once when the clock crosses the boundary", async () => {
    const { db, clock, ledger, s } = setup();
    await db.sessions.add(s);
    expect(await payAll(ledger(), 4)).toEqual(['paid', 'paid', 'paid', 'period_cap_exceeded']);
    clock.set(T0 + DAY - 1);
    expect(await payAll(ledger(), 1)).toEqual(['period_cap_exceeded']);
    clock.set(T0 + DAY + 1);
    expect(await payAll(ledger(), 4)).toEqual(['paid', 'paid', 'paid', 'period_cap_exceeded']);
    const after = (await db.sessions.get(s.id))!;
    expect(after).toMatchObject({ spent: '60000', status: 'active', period: { index: 1, start: T0 + DAY, spent: '30000', reserved: '0' } });
    const payments = await db.payments.orderBy('createdAt').toArray();
    expect(payments.map((p) => p.periodIndex)).toEqual([0, 0, 0, 1, 1, 1]);
    expect(toPublicView(after).period).toMatchObject({ every: 'day', index: 1, spent: '30000', remaining: '0', renewsAt: Math.floor((T0 + 2 * DAY) / 1000) });
  });

  it('a worker restart (a new Ledger) with the clock set back neither renews again nor undoes the renewal', async () => {
    const { db, clock, ledger, s } = setup();
    await db.sessions.add(s);
    await payAll(ledger(), 3);
    clock.set(T0 + DAY + 10);
    expect(await payAll(ledger(), 3)).toEqual(['paid', 'paid', 'paid']);
    // The restart drops the test offset: the wall clock is back before the boundary.
    clock.set(T0 + 60_000);
    expect(await payAll(ledger(), 1)).toEqual(['period_cap_exceeded']);
    expect((await db.sessions.get(s.id))!.period).toMatchObject({ index: 1, spent: '30000', seenAt: T0 + DAY + 10 });
    // Forward again, but still inside period 1: nothing renews.
    clock.set(T0 + 2 * DAY - 1);
    expect(await payAll(ledger(), 1)).toEqual(['period_cap_exceeded']);
    clock.set(T0 + 2 * DAY);
    expect(await payAll(ledger(), 1)).toEqual(['paid']);
    expect((await db.sessions.get(s.id))!.period).toMatchObject({ index: 2, spent: '10000' });
  });

  it('a reservation made before the boundary and settled after it counts in its own period, not the new one', async () => {
    const { db, clock, ledger, s } = setup();
    await db.sessions.add(s);
    const l = ledger();
    await payAll(l, 2);
    const inFlight = await l.reserve(req());
    if (!inFlight.ok) throw new Error('expected a reservation');
    clock.set(T0 + DAY + 5);
    expect(await payAll(l, 3)).toEqual(['paid', 'paid', 'paid']);
    await l.commit(inFlight.payment.id);
    const after = (await db.sessions.get(s.id))!;
    expect(after).toMatchObject({ spent: '60000', reserved: '0', period: { index: 1, spent: '30000', reserved: '0' } });
  });

  it('rollPeriods (the alarm) renews idle sessions once and leaves others alone; the total cap still ends the session', async () => {
    const { db, clock, ledger, s } = setup(30_000n, 2);
    await db.sessions.add(s);
    await payAll(ledger(), 3);
    expect(await ledger().rollPeriods()).toEqual([]);
    clock.set(T0 + DAY);
    const renewed = await ledger().rollPeriods();
    expect(renewed.map((x) => x.period?.index)).toEqual([1]);
    expect(await ledger().rollPeriods()).toEqual([]);
    expect(await payAll(ledger(), 4)).toEqual(['paid', 'paid', 'paid', 'cap_exceeded']);
    expect((await db.sessions.get(s.id))!.status).toBe('exhausted');
  });

  it('reconciling stale reservations moves them into their period, and spending the facilitator saw elsewhere counts against the period', async () => {
    const { db, ledger, s } = setup();
    await db.sessions.add(s);
    const l = ledger();
    const r = await l.reserve(req());
    if (!r.ok) throw new Error('expected a reservation');
    // The facilitator settled it and 5000 more (the id used elsewhere).
    await l.reconcile(s.id, { spent: 15_000n }, T0 + 1);
    expect((await db.sessions.get(s.id))!).toMatchObject({ spent: '15000', reserved: '0', period: { spent: '15000', reserved: '0' } });
  });
});

describe('Ledger: alerts and top-ups', () => {
  it('markAlerted gives each key once, however many race', async () => {
    const db = freshDb();
    const ledger = new Ledger(db);
    const s = sessionRecord();
    await db.sessions.add(s);
    const results = await Promise.all(Array.from({ length: 10 }, () => ledger.markAlerted(s.id, ['cap_80@c1000000'])));
    expect(results.filter((r) => r!.added.length === 1)).toHaveLength(1);
    expect((await db.sessions.get(s.id))!.alerted).toEqual(['cap_80@c1000000']);
  });

  it('topUp raises the cap and revives a used-up session, keeps its history, and is a no-op on stale figures', async () => {
    const db = freshDb();
    const ledger = new Ledger(db);
    const s = sessionRecord({ cap: '30000', spent: '30000', status: 'exhausted' });
    await db.sessions.add(s);
    expect(await ledger.topUp(s.id, { cap: '1', expiresAt: s.expiresAt }, { cap: 50_000n, expiresAt: s.expiresAt })).toBeNull();
    const up = await ledger.topUp(s.id, { cap: s.cap, expiresAt: s.expiresAt }, { cap: 50_000n, expiresAt: s.expiresAt + 3600 }, '0xabc');
    expect(up).toMatchObject({ cap: '50000', expiresAt: s.expiresAt + 3600, status: 'active', statusReason: 'topped_up', topUps: [{ from: { cap: '30000' }, to: { cap: '50000' }, approvalTx: '0xabc' }] });
    expect(toPublicView(up!)).toMatchObject({ topUps: 1, remaining: '20000' });
    // Never lowers.
    expect(await ledger.topUp(s.id, { cap: '50000', expiresAt: s.expiresAt + 3600 }, { cap: 40_000n, expiresAt: s.expiresAt + 3600 })).toBeNull();
  });
});
