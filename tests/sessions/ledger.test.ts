import { describe, expect, it } from 'vitest';
import { Ledger, type PaymentTerms } from '../../lib/sessions/ledger';
import { toPublicView } from '../../lib/sessions/types';
import { freshDb, secretOf, sessionRecord } from '../support/db';
import { ASSET, PAY_TO } from '../support/x402';

const terms = (amount: bigint, over: Partial<PaymentTerms> = {}): PaymentTerms => ({
  scheme: 'session',
  network: 'eip155:31337',
  asset: ASSET,
  payTo: PAY_TO,
  amount,
  ...over,
});
const req = (amount: bigint, over: Partial<PaymentTerms> = {}, origin = 'http://dapp.test') => ({
  origin,
  terms: terms(amount, over),
  url: 'http://api.test/x',
  method: 'GET',
});

describe('Ledger', () => {
  it('reserves, commits and releases, keeping spent + reserved ≤ cap', async () => {
    const db = freshDb();
    const ledger = new Ledger(db);
    const s = sessionRecord();
    await db.sessions.add(s);
    const r1 = await ledger.reserve(req(400_000n));
    const r2 = await ledger.reserve(req(400_000n));
    const r3 = await ledger.reserve(req(400_000n));
    expect(r1.ok && r2.ok).toBe(true);
    expect(r3).toMatchObject({ ok: false, reason: 'cap_exceeded' });
    if (!r1.ok || !r2.ok) return;
    await ledger.commit(r1.payment.id, { txHash: '0x1' });
    await ledger.release(r2.payment.id, 'server_refused');
    const after = (await db.sessions.get(s.id))!;
    expect(after).toMatchObject({ spent: '400000', reserved: '0', status: 'active' });
    expect((await db.payments.get(r1.payment.id))!).toMatchObject({ status: 'settled', txHash: '0x1' });
    expect((await db.payments.get(r2.payment.id))!).toMatchObject({ status: 'released', reason: 'server_refused' });
    // commit and release are idempotent
    expect(await ledger.commit(r1.payment.id)).toBeNull();
    expect(await ledger.release(r2.payment.id, 'again')).toBeNull();
    expect((await db.sessions.get(s.id))!.spent).toBe('400000');
  });

  it('100 concurrent reserves never exceed the cap', async () => {
    const db = freshDb();
    const ledger = new Ledger(db);
    await db.sessions.add(sessionRecord({ cap: '1000000' }));
    const results = await Promise.all(Array.from({ length: 100 }, () => ledger.reserve(req(30_000n))));
    const ok = results.filter((r) => r.ok);
    expect(ok).toHaveLength(33); // floor(1_000_000 / 30_000)
    expect(results.filter((r) => !r.ok).every((r) => !r.ok && r.reason === 'cap_exceeded')).toBe(true);
    const s = (await db.sessions.toArray())[0]!;
    expect(BigInt(s.spent) + BigInt(s.reserved)).toBeLessThanOrEqual(BigInt(s.cap));
    expect(s.reserved).toBe('990000');
    // and concurrent commits of all of them land exactly
    await Promise.all(ok.map((r) => r.ok && ledger.commit(r.payment.id)));
    expect((await db.sessions.toArray())[0]).toMatchObject({ spent: '990000', reserved: '0' });
  });

  it('marks the session exhausted when spent reaches the cap', async () => {
    const db = freshDb();
    const ledger = new Ledger(db);
    const s = sessionRecord({ cap: '200000' });
    await db.sessions.add(s);
    for (let i = 0; i < 2; i++) {
      const r = await ledger.reserve(req(100_000n));
      if (!r.ok) throw new Error(r.reason);
      await ledger.commit(r.payment.id);
    }
    expect((await db.sessions.get(s.id))!.status).toBe('exhausted');
    expect(await ledger.reserve(req(1n))).toMatchObject({ ok: false, reason: 'cap_exceeded' });
    await ledger.setStatus(s.id, 'revoked');
    expect(await ledger.reserve(req(1n))).toMatchObject({ ok: false, reason: 'session_inactive' });
  });

  it('never pays another origin, recipient, asset, network or scheme, and says which', async () => {
    const db = freshDb();
    const ledger = new Ledger(db);
    await db.sessions.add(sessionRecord());
    expect(await ledger.reserve(req(1n, {}, 'http://evil.test'))).toMatchObject({ ok: false, reason: 'no_session' });
    expect(await ledger.reserve(req(1n, { payTo: '0x' + '11'.repeat(20) }))).toMatchObject({ ok: false, reason: 'recipient_mismatch' });
    expect(await ledger.reserve(req(1n, { asset: '0x' + '22'.repeat(20) }))).toMatchObject({ ok: false, reason: 'asset_mismatch' });
    expect(await ledger.reserve(req(1n, { network: 'eip155:8453' }))).toMatchObject({ ok: false, reason: 'network_mismatch' });
    expect(await ledger.reserve(req(1n, { scheme: 'exact' }))).toMatchObject({ ok: false, reason: 'scheme_mismatch' });
    expect(await ledger.reserve(req(0n))).toMatchObject({ ok: false, reason: 'invalid_amount' });
    // EVM addresses match case-insensitively
    expect((await ledger.reserve(req(1n, { payTo: PAY_TO.toLowerCase(), asset: ASSET.toUpperCase().replace('0X', '0x') }))).ok).toBe(true);
    expect(await db.payments.where('status').equals('reserved').count()).toBe(1);
  });

  it('enforces the per-call ceiling and expiry', async () => {
    const db = freshDb();
    let now = Date.now();
    const ledger = new Ledger(db, () => now);
    const s = sessionRecord({ perCallMax: '50000', expiresAt: Math.floor(now / 1000) + 10 });
    await db.sessions.add(s);
    expect(await ledger.reserve(req(50_001n))).toMatchObject({ ok: false, reason: 'per_call_limit_exceeded' });
    expect((await ledger.reserve(req(50_000n))).ok).toBe(true);
    now += 11_000;
    expect(await ledger.reserve(req(1n))).toMatchObject({ ok: false, reason: 'session_expired' });
    expect((await db.sessions.get(s.id))!.status).toBe('expired');
  });

  it('spends the oldest usable session first and falls through to the next when one is full', async () => {
    const db = freshDb();
    const ledger = new Ledger(db);
    const older = sessionRecord({ cap: '100000', createdAt: 1 });
    const newer = sessionRecord({ cap: '100000', createdAt: 2 });
    await db.sessions.bulkAdd([newer, older]);
    const a = await ledger.reserve(req(100_000n));
    const b = await ledger.reserve(req(100_000n));
    expect(a.ok && a.session.id).toBe(older.id);
    expect(b.ok && b.session.id).toBe(newer.id);
  });

  it('reconciles stale reservations against the facilitator and skips while fresh ones are in flight', async () => {
    const db = freshDb();
    let now = 1_000_000;
    const ledger = new Ledger(db, () => now);
    const s = sessionRecord({ cap: '1000000', createdAt: 0, expiresAt: 10_000_000 });
    await db.sessions.add(s);
    const a = await ledger.reserve(req(100_000n));
    const b = await ledger.reserve(req(200_000n));
    if (!a.ok || !b.ok) throw new Error('reserve');
    // A fresh reservation blocks reconciliation.
    expect(await ledger.reconcile(s.id, { spent: 100_000n }, now - 60_000)).toMatchObject({ changed: false });
    now += 120_000;
    // The facilitator settled only the first (100000); the second never reached it.
    const r = await ledger.reconcile(s.id, { spent: 100_000n }, now - 60_000);
    expect(r).toMatchObject({ changed: true, session: { spent: '100000', reserved: '0' } });
    expect((await db.payments.get(a.payment.id))!).toMatchObject({ status: 'settled', reason: 'reconciled' });
    expect((await db.payments.get(b.payment.id))!).toMatchObject({ status: 'released', reason: 'reconciled_unsettled' });
    // A late success report for the released one still counts the money that moved.
    await ledger.commit(b.payment.id, { txHash: '0xlate' });
    expect((await db.sessions.get(s.id))!).toMatchObject({ spent: '300000', reserved: '0' });
    expect((await db.payments.get(b.payment.id))!).toMatchObject({ status: 'settled', reason: 'late_settlement' });
  });

  it('expires due sessions and never revives a revoked one', async () => {
    const db = freshDb();
    const ledger = new Ledger(db);
    const due = sessionRecord({ expiresAt: Math.floor(Date.now() / 1000) - 1 });
    const live = sessionRecord();
    await db.sessions.bulkAdd([due, live]);
    expect((await ledger.expireDue()).map((s) => s.id)).toEqual([due.id]);
    await ledger.setStatus(live.id, 'revoked', 'ended_by_user');
    expect(await ledger.setStatus(live.id, 'active')).toBeNull();
    expect((await db.sessions.get(live.id))!.status).toBe('revoked');
  });

  it('the public view never carries the bearer session id', () => {
    const s = sessionRecord();
    const view = toPublicView(s);
    expect(JSON.stringify(view)).not.toContain(secretOf(s));
    expect(Object.keys(view)).not.toContain('secretId');
  });
});
