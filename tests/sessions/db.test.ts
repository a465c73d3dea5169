import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import Dexie from 'dexie';
import { describe, expect, it } from 'vitest';
import { WalletDb } from '../../lib/sessions/db';
import { sessionRecord } from '../support/db';

/**
 * Migration harness: build the database exactly as schema v1 shipped, fill it, then open it with the
 * current WalletDb and check nothing was lost. Each later version adds a case here.
 */
describe('WalletDb migrations', () => {
  it('opens a v1 database written by v1 and keeps its sessions and payments', async () => {
    const indexedDB = new IDBFactory();
    const v1 = new Dexie('wallet', { indexedDB, IDBKeyRange });
    v1.version(1).stores({
      sessions: 'id, origin, status, [origin+status], expiresAt, createdAt',
      payments: 'id, sessionId, origin, status, createdAt, [sessionId+status], [status+createdAt]',
    });
    const s = sessionRecord({ spent: '300000' });
    await v1.table('sessions').add(s);
    await v1.table('payments').add({ id: 'p1', sessionId: s.id, origin: s.origin, url: 'u', method: 'GET', amount: '300000', status: 'settled', createdAt: 1, updatedAt: 1 });
    v1.close();

    const current = new WalletDb('wallet', { indexedDB, IDBKeyRange });
    expect(current.verno).toBe(3);
    expect(await current.sessions.get(s.id)).toEqual(s);
    expect(await current.payments.where('[sessionId+status]').equals([s.id, 'settled']).count()).toBe(1);
    // v2 additions work on the migrated database.
    await current.payments.add({ id: 'p2', sessionId: s.id, origin: s.origin, url: 'u', method: 'GET', amount: '1', status: 'reserved', attemptId: 'a'.repeat(16), createdAt: 2, updatedAt: 2 });
    expect((await current.payments.where('[origin+attemptId]').equals([s.origin, 'a'.repeat(16)]).first())?.id).toBe('p2');
    // v3: the popup's per-status index covers the rows written by v1.
    expect((await current.sessions.where('[status+createdAt]').between(['active', -Infinity], ['active', Infinity]).toArray()).map((x) => x.id)).toEqual([s.id]);
    await current.events.add({ at: 1, origin: s.origin, kind: 'payment_declined', reason: 'cap_exceeded' });
    expect(await current.events.where('[origin+at]').between([s.origin, 0], [s.origin, 10]).count()).toBe(1);
    current.close();
  });
});
