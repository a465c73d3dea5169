import Dexie, { type DexieOptions, type EntityTable } from 'dexie';
import type { PaymentRecord, SessionRecord, WalletEvent } from './types';

export const DB_NAME = 'x402-session-wallet';

/**
 * The background's store. Every schema change is a new `version(n)` below the previous ones (never
 * edit a shipped version) with a migration test in tests/sessions/db.test.ts.
 */
export class WalletDb extends Dexie {
  sessions!: EntityTable<SessionRecord, 'id'>;
  payments!: EntityTable<PaymentRecord, 'id'>;
  events!: EntityTable<WalletEvent, 'id'>;

  constructor(name = DB_NAME, options?: DexieOptions) {
    // Commits complete before we answer (a worker or browser crash loses nothing); 'relaxed' only
    // skips the disk flush per commit, which cost ~5 ms on every payment. Against an OS crash the
    // facilitator stays the truth: reconciliation realigns spent from GET /sessions/:id.
    super(name, { chromeTransactionDurability: 'relaxed', ...options });
    this.version(1).stores({
      sessions: 'id, origin, status, [origin+status], expiresAt, createdAt',
      payments: 'id, sessionId, origin, status, createdAt, [sessionId+status], [status+createdAt]',
    });
    // v2: payments carry the page's attempt id (a retried `pay` reuses its reservation), and an
    // `events` log records every payment the wallet declined or a server refused, with the reason.
    this.version(2).stores({
      payments: 'id, sessionId, origin, status, createdAt, [sessionId+status], [status+createdAt], [origin+attemptId]',
      events: '++id, at, origin, [origin+at]',
    });
    // v3: the popup reads one page of sessions per status, newest first, without loading them all.
    this.version(3).stores({
      sessions: 'id, origin, status, [origin+status], expiresAt, createdAt, [status+createdAt]',
    });
    // v4: schemes are plug-ins. A session's scheme-private part moves into `grant`: for `session`,
    // the facilitator's bearer id (was `secretId`) and a pending registration (was `registration`).
    this.version(4)
      .stores({})
      .upgrade((tx) =>
        tx
          .table('sessions')
          .toCollection()
          .modify((row: Record<string, unknown>) => {
            if (row.grant !== undefined) return;
            const grant: Record<string, unknown> = { sessionId: typeof row.secretId === 'string' ? row.secretId : '' };
            if (row.registration !== undefined) grant.registration = row.registration;
            row.grant = grant;
            delete row.secretId;
            delete row.registration;
          }),
      );
  }
}
