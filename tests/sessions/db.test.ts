import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import Dexie from 'dexie';
import { describe, expect, it } from 'vitest';
import { WalletService } from '../../lib/background/service';
import { WalletDb } from '../../lib/sessions/db';
import { sessionRecord } from '../support/db';
import { header, paymentRequiredObject } from '../support/x402';

/** A session row as schemas v1–v3 wrote it: the bearer id in `secretId`, a pending registration beside it. */
function legacyRow(over: Record<string, unknown> = {}): Record<string, unknown> {
  const { grant, ...rest } = sessionRecord();
  return { ...rest, secretId: grant.sessionId, ...over };
}

/**
 * Migration harness: build the database exactly as an older schema shipped it, fill it, then open
 * it with the current WalletDb and check nothing was lost. Each later version adds a case here.
 */
describe('WalletDb migrations', () => {
  it('opens a v1 database written by v1 and keeps its sessions and payments', async () => {
    const indexedDB = new IDBFactory();
    const v1 = new Dexie('wallet', { indexedDB, IDBKeyRange });
    v1.version(1).stores({
      sessions: 'id, origin, status, [origin+status], expiresAt, createdAt',
      payments: 'id, sessionId, origin, status, createdAt, [sessionId+status], [status+createdAt]',
    });
    const s = legacyRow({ spent: '300000' });
    await v1.table('sessions').add(s);
    await v1.table('payments').add({ id: 'p1', sessionId: s.id, origin: s.origin, url: 'u', method: 'GET', amount: '300000', status: 'settled', createdAt: 1, updatedAt: 1 });
    v1.close();

    const current = new WalletDb('wallet', { indexedDB, IDBKeyRange });
    expect(current.verno).toBe(5);
    const { secretId, ...rest } = s;
    expect(await current.sessions.get(s.id as string)).toEqual({ ...rest, grant: { sessionId: secretId } });
    expect(await current.payments.where('[sessionId+status]').equals([s.id as string, 'settled']).count()).toBe(1);
    // v2 additions work on the migrated database.
    await current.payments.add({ id: 'p2', sessionId: s.id as string, origin: s.origin as string, url: 'u', method: 'GET', amount: '1', status: 'reserved', attemptId: 'a'.repeat(16), createdAt: 2, updatedAt: 2 });
    expect((await current.payments.where('[origin+attemptId]').equals([s.origin as string, 'a'.repeat(16)]).first())?.id).toBe('p2');
    // v3: the popup's per-status index covers the rows written by v1.
    expect((await current.sessions.where('[status+createdAt]').between(['active', -Infinity], ['active', Infinity]).toArray()).map((x) => x.id)).toEqual([s.id]);
    await current.events.add({ at: 1, origin: s.origin as string, kind: 'payment_declined', reason: 'cap_exceeded' });
    expect(await current.events.where('[origin+at]').between([s.origin as string, 0], [s.origin as string, 10]).count()).toBe(1);
    current.close();
  });

  it('v3 → v4: every session, payment and event intact, grants hold the bearer ids, and the sessions still pay', async () => {
    const indexedDB = new IDBFactory();
    const v3 = new Dexie('wallet', { indexedDB, IDBKeyRange });
    v3.version(1).stores({ sessions: 'id, origin, status, [origin+status], expiresAt, createdAt', payments: 'id, sessionId, origin, status, createdAt, [sessionId+status], [status+createdAt]' });
    v3.version(2).stores({ payments: 'id, sessionId, origin, status, createdAt, [sessionId+status], [status+createdAt], [origin+attemptId]', events: '++id, at, origin, [origin+at]' });
    v3.version(3).stores({ sessions: 'id, origin, status, [origin+status], expiresAt, createdAt, [status+createdAt]' });
    const active = legacyRow({ spent: '200000', reserved: '0' });
    const registration = { endpoint: 'http://127.0.0.1:4020/sessions', body: { approvalTxHash: '0x' + '12'.repeat(32), cap: '1000000' }, attempts: 2, lastError: 'down' };
    const pending = legacyRow({ status: 'pending', secretId: '', registration });
    const payments = [
      { id: 'p1', sessionId: active.id, origin: active.origin, url: 'http://api.test/x', method: 'GET', amount: '100000', status: 'settled', txHash: '0xfeed', attemptId: '1'.repeat(16), createdAt: 1, updatedAt: 1 },
      { id: 'p2', sessionId: active.id, origin: active.origin, url: 'http://api.test/x', method: 'GET', amount: '100000', status: 'settled', attemptId: '2'.repeat(16), createdAt: 2, updatedAt: 2 },
    ];
    await v3.table('sessions').bulkAdd([active, pending]);
    await v3.table('payments').bulkAdd(payments);
    await v3.table('events').add({ at: 5, origin: active.origin, kind: 'payment_declined', reason: 'cap_exceeded' });
    v3.close();

    const db = new WalletDb('wallet', { indexedDB, IDBKeyRange });
    const rows = await db.sessions.orderBy('createdAt').toArray();
    expect(rows).toHaveLength(2);
    const { secretId: activeSecret, ...activeRest } = active;
    expect(await db.sessions.get(active.id as string)).toEqual({ ...activeRest, grant: { sessionId: activeSecret } });
    const { secretId: _none, registration: _r, ...pendingRest } = pending;
    expect(await db.sessions.get(pending.id as string)).toEqual({ ...pendingRest, grant: { sessionId: '', registration } });
    for (const row of rows) expect(Object.keys(row)).not.toContain('secretId');
    expect(await db.payments.toArray()).toEqual(payments);
    expect(await db.events.count()).toBe(1);

    // Still payable: the migrated grant's bearer id is what the payment header carries.
    const service = new WalletService({ db, tokenInfo: async () => ({ symbol: 'USDC', decimals: 6, verified: false }), approvals: { request: async () => Promise.reject(new Error('no')) }, signer: { sign: async () => Promise.reject(new Error('no')) } });
    const paid = await service.paying.pay({ kind: 'page', origin: active.origin as string, tabId: 1, frameId: 0 }, { url: 'http://api.test/x', method: 'GET', paymentRequired: header(paymentRequiredObject()), body: null, hadPayment: false, attemptId: '3'.repeat(16) });
    if (!paid.pay) throw new Error(`expected to pay, got ${paid.reason}`);
    expect(JSON.parse(Buffer.from(paid.header.value, 'base64').toString()).payload).toEqual({ sessionId: activeSecret });
    expect(await db.sessions.get(active.id as string)).toMatchObject({ spent: '200000', reserved: '100000' });
    db.close();
  });

  it('v4 → v5: sessions, payments and events intact; the payments view\'s new indexes cover the old rows; sites start empty', async () => {
    const indexedDB = new IDBFactory();
    const v4 = new Dexie('wallet', { indexedDB, IDBKeyRange });
    v4.version(1).stores({ sessions: 'id, origin, status, [origin+status], expiresAt, createdAt', payments: 'id, sessionId, origin, status, createdAt, [sessionId+status], [status+createdAt]' });
    v4.version(2).stores({ payments: 'id, sessionId, origin, status, createdAt, [sessionId+status], [status+createdAt], [origin+attemptId]', events: '++id, at, origin, [origin+at]' });
    v4.version(3).stores({ sessions: 'id, origin, status, [origin+status], expiresAt, createdAt, [status+createdAt]' });
    v4.version(4).stores({});
    const a = sessionRecord({ origin: 'https://a.example', spent: '20000' });
    const b = sessionRecord({ origin: 'https://b.example', status: 'exhausted', spent: '1000000' });
    const payments = Array.from({ length: 12 }, (_, i) => ({
      id: `p${i}`,
      sessionId: i % 2 ? a.id : b.id,
      origin: i % 2 ? a.origin : b.origin,
      url: 'https://api.example/x',
      method: 'GET',
      amount: '10000',
      status: i % 3 ? 'settled' : 'released',
      ...(i % 3 ? { txHash: `0x${String(i).padStart(64, '0')}` } : { reason: 'cap_exceeded' }),
      attemptId: String(i).padStart(16, '0'),
      createdAt: 100 + i,
      updatedAt: 100 + i,
    }));
    await v4.table('sessions').bulkAdd([a, b]);
    await v4.table('payments').bulkAdd(payments);
    await v4.table('events').add({ at: 5, origin: a.origin, kind: 'payment_declined', reason: 'cap_exceeded' });
    expect(v4.verno).toBe(4);
    v4.close();

    const db = new WalletDb('wallet', { indexedDB, IDBKeyRange });
    expect(await db.sessions.get(a.id)).toEqual(a);
    expect(await db.sessions.get(b.id)).toEqual(b);
    expect(await db.payments.orderBy('createdAt').toArray()).toEqual(payments);
    expect(await db.events.count()).toBe(1);
    expect(db.verno).toBe(5);
    // The view's indexes (site; site + outcome; session) list exactly the old rows, newest first.
    const ids = (rows: { id: string }[]) => rows.map((r) => r.id);
    const want = (f: (p: (typeof payments)[number]) => boolean) => ids(payments.filter(f).reverse());
    expect(ids(await db.payments.where('[origin+createdAt]').between([a.origin, -Infinity], [a.origin, Infinity]).reverse().toArray())).toEqual(want((p) => p.origin === a.origin));
    expect(ids(await db.payments.where('[origin+status+createdAt]').between([b.origin, 'released', -Infinity], [b.origin, 'released', Infinity]).reverse().toArray())).toEqual(want((p) => p.origin === b.origin && p.status === 'released'));
    expect(ids(await db.payments.where('[sessionId+createdAt]').between([a.id, -Infinity], [a.id, Infinity]).reverse().toArray())).toEqual(want((p) => p.sessionId === a.id));
    // Older indexes still answer; the new `sites` table is empty and takes rules.
    expect(await db.payments.where('[origin+attemptId]').equals([a.origin, '1'.padStart(16, '0')]).count()).toBe(1);
    expect(await db.sites.count()).toBe(0);
    await db.sites.put({ origin: a.origin, mode: 'always', updatedAt: 1 });
    expect(await db.sites.get(a.origin)).toMatchObject({ mode: 'always' });
    db.close();
  });
});
