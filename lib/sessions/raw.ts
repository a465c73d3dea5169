import { Dexie, RangeSet } from 'dexie';
import type { WalletDb } from './db';

/**
 * The money path's transactions (reserve, commit, release) run on the raw IndexedDB of the same
 * database: Dexie's transaction machinery cost ~4 ms per payment here, raw IndexedDB ~0.6 ms. They
 * stay single transactions over sessions+payments, so IndexedDB still serialises them.
 *
 * `body` issues requests in callbacks (no awaits: an IndexedDB transaction ends when a task has no
 * pending request) and calls `done` with its result; the promise settles when the transaction
 * commits, so a caller never acts on a write that did not land.
 */
export async function moneyTransaction<T>(db: WalletDb, body: (stores: { sessions: IDBObjectStore; payments: IDBObjectStore }, done: (value: T) => void) => void): Promise<T> {
  if (!db.isOpen()) await db.open();
  const idb = db.backendDB();
  return new Promise<T>((resolve, reject) => {
    let result: { value: T } | null = null;
    const tx = idb.transaction(['sessions', 'payments'], 'readwrite', { durability: 'relaxed' });
    tx.oncomplete = () => {
      if (!result) return reject(new Error('money transaction ended without a result'));
      announceChange();
      resolve(result.value);
    };
    tx.onerror = () => reject(tx.error ?? new Error('money transaction failed'));
    tx.onabort = () => reject(tx.error ?? new Error('money transaction aborted'));
    try {
      body({ sessions: tx.objectStore('sessions'), payments: tx.objectStore('payments') }, (value) => (result = { value }));
    } catch (e) {
      tx.abort();
      reject(e);
    }
  });
}

/** Read one request's result in a callback, failing the transaction on error. */
export function onResult<R>(req: IDBRequest<R>, next: (value: R) => void): void {
  req.onsuccess = () => next(req.result);
}

/**
 * Raw writes bypass Dexie's change tracking, so tell its live queries (the popup, in another
 * context, over Dexie's BroadcastChannel) to re-read. Coalesced: a burst of payments is one signal.
 */
let announceTimer: ReturnType<typeof setTimeout> | null = null;
function announceChange(): void {
  if (announceTimer) return;
  announceTimer = setTimeout(() => {
    announceTimer = null;
    Dexie.on.storagemutated.fire({ all: new RangeSet(-Infinity, [[]]) } as never);
  }, 50);
}
