import type { WalletDb } from './db';
import type { PaymentRecord, SessionRecord, WalletEvent } from './types';
import type { Settings } from '../settings';

/**
 * Shown in place of a session's scheme-private grant (for `session`, the facilitator's bearer
 * session id): an export is a file people share, and with the grant anyone could spend the rest.
 */
export const REDACTED_GRANT = Object.freeze({ notExported: 'scheme-private grant: holds bearer secrets' });

export interface PersonalDataExport {
  format: 'x402-session-wallet-export';
  formatVersion: 1;
  exportedAt: string;
  /** The store's schema version (Dexie `verno`). */
  schemaVersion: number;
  note: string;
  settings: Settings;
  sessions: Array<Omit<SessionRecord, 'grant'> & { grant: typeof REDACTED_GRANT }>;
  payments: PaymentRecord[];
  events: WalletEvent[];
}

/**
 * Everything the extension keeps about the person, as one JSON-able object. Grants (bearer
 * secrets) are replaced whole, whatever the scheme keeps in them, never included.
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
    note: 'Amounts are base units of each token (see decimals). Each session\'s grant (the facilitator\'s session id and other bearer secrets) is not exported.',
    settings,
    sessions: sessions.map(({ grant: _secret, ...s }) => ({ ...s, grant: REDACTED_GRANT })),
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
