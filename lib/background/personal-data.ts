import type { WalletDb } from '../sessions/db';
import type { PaymentRecord, SessionRecord, WalletEvent } from '../sessions/types';
import type { Settings } from '../settings';

/** Shown in place of the facilitator's bearer session id: an export is a file people share. */
export const REDACTED_SECRET = '[not exported: bearer secret]';

export interface PersonalDataExport {
  format: 'x402-session-wallet-export';
  formatVersion: 1;
  exportedAt: string;
  /** The store's schema version (Dexie `verno`). */
  schemaVersion: number;
  note: string;
  settings: Settings;
  sessions: Array<Omit<SessionRecord, 'secretId'> & { secretId: typeof REDACTED_SECRET }>;
  payments: PaymentRecord[];
  events: WalletEvent[];
}

/**
 * Everything the extension keeps about the person, as one JSON-able object. The bearer session ids
 * are replaced, never included: with one, anyone could spend the rest of that session.
 */
export async function exportPersonalData(db: WalletDb, settings: Settings, now = Date.now()): Promise<PersonalDataExport> {
  const [sessions, payments, events] = await db.transaction('r', db.sessions, db.payments, db.events, () =>
    Promise.all([db.sessions.orderBy('createdAt').toArray(), db.payments.orderBy('createdAt').toArray(), db.events.orderBy('at').toArray()]),
  );
  return {
    format: 'x402-session-wallet-export',
    formatVersion: 1,
    exportedAt: new Date(now).toISOString(),
    schemaVersion: db.verno,
    note: 'Amounts are base units of each token (see decimals). Session ids the facilitator issued (bearer secrets) are not exported.',
    settings,
    sessions: sessions.map((s) => ({ ...s, secretId: REDACTED_SECRET })),
    payments,
    events,
  };
}

export interface ClearDeps {
  db: WalletDb;
  /** Ends a session the way the person ending it in the popup does (stops paying, tells its pages). */
  endSession(id: string): Promise<unknown>;
  /** Puts the settings back to their defaults. */
  resetSettings(): Promise<unknown>;
}

export interface ClearResult {
  sessions: number;
  payments: number;
  events: number;
}

/**
 * Deletes every session, payment, event and setting. Live sessions are ended first, so the
 * background stops paying from them and their pages hear `sessionChanged` before the rows go.
 * On-chain allowances stay: the person revokes those in their wallet (the options page says so).
 */
export async function clearPersonalData(deps: ClearDeps): Promise<ClearResult> {
  const { db } = deps;
  const live = await db.sessions.where('status').anyOf('active', 'pending').primaryKeys();
  for (const id of live) await deps.endSession(id);
  const counts = await db.transaction('rw', db.sessions, db.payments, db.events, async () => {
    const c = { sessions: await db.sessions.count(), payments: await db.payments.count(), events: await db.events.count() };
    await Promise.all([db.sessions.clear(), db.payments.clear(), db.events.clear()]);
    return c;
  });
  await deps.resetSettings();
  return counts;
}
