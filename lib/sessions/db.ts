import Dexie, { type DexieOptions, type EntityTable } from 'dexie';
import type { PaymentRecord, SessionRecord } from './types';

export const DB_NAME = 'x402-session-wallet';

/**
 * The background's store. Every schema change is a new `version(n)` below the previous ones (never
 * edit a shipped version) with a migration test in tests/sessions/db.test.ts.
 */
export class WalletDb extends Dexie {
  sessions!: EntityTable<SessionRecord, 'id'>;
  payments!: EntityTable<PaymentRecord, 'id'>;

  constructor(name = DB_NAME, options?: DexieOptions) {
    super(name, options);
    this.version(1).stores({
      sessions: 'id, origin, status, [origin+status], expiresAt, createdAt',
      payments: 'id, sessionId, origin, status, createdAt, [sessionId+status], [status+createdAt]',
    });
  }
}
