import type { Worker } from '@playwright/test';

/**
 * Read the extension's own IndexedDB from inside its service worker (raw IndexedDB: the test
 * looks at what is stored, not at what the code thinks it stored).
 */
export interface StoreSnapshot {
  sessions: Record<string, any>[];
  payments: Record<string, any>[];
  events: Record<string, any>[];
}

export async function readStore(sw: Worker): Promise<StoreSnapshot> {
  return sw.evaluate(
    () =>
      new Promise<StoreSnapshot>((resolve, reject) => {
        const open = indexedDB.open('x402-session-wallet');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          const names = ['sessions', 'payments', 'events'].filter((n) => db.objectStoreNames.contains(n));
          const tx = db.transaction(names, 'readonly');
          const out: Record<string, unknown[]> = { sessions: [], payments: [], events: [] };
          for (const n of names) {
            const r = tx.objectStore(n).getAll();
            r.onsuccess = () => (out[n] = r.result);
          }
          tx.oncomplete = () => {
            db.close();
            resolve(out as unknown as StoreSnapshot);
          };
          tx.onerror = () => reject(tx.error);
        };
      }),
  );
}

/** Change the person's settings as the options page would. */
export async function setSettings(sw: Worker, patch: Record<string, unknown>): Promise<void> {
  await sw.evaluate(async (p) => {
    const chrome = (globalThis as any).chrome;
    const current = (await chrome.storage.local.get('settings')).settings ?? {};
    await chrome.storage.local.set({ settings: { ...current, ...p } });
  }, patch);
}
