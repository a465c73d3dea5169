import Dexie, { type DexieOptions, type EntityTable } from 'dexie';
import type { SiteRule } from './sites';
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
  sites!: EntityTable<SiteRule, 'origin'>;

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
    // Sessions also learn which API origins they may pay: those they already paid, else the site's own.
    this.version(4)
      .stores({})
      .upgrade(async (tx) => {
        const paidOrigins = new Map<string, Set<string>>();
        await tx.table('payments').each((p: { sessionId: string; url: string; status: string }) => {
          if (p.status !== 'settled') return;
          let origin: string;
          try {
            origin = new URL(p.url).origin;
          } catch {
            return;
          }
          const set = paidOrigins.get(p.sessionId) ?? new Set<string>();
          set.add(origin);
          paidOrigins.set(p.sessionId, set);
        });
        await tx
          .table('sessions')
          .toCollection()
          .modify((row: Record<string, unknown>) => {
            if (row.grant === undefined) {
              const grant: Record<string, unknown> = { sessionId: typeof row.secretId === 'string' ? row.secretId : '' };
              if (row.registration !== undefined) grant.registration = row.registration;
              row.grant = grant;
              delete row.secretId;
              delete row.registration;
            }
            if (!Array.isArray(row.apiOrigins)) row.apiOrigins = [...(paidOrigins.get(row.id as string) ?? [row.origin as string])];
          });
      });
    // v5 (budgets): the payments view reads one page at a time, newest first, for every site, one
    // site or one session, and optionally one status, each through its own index (a store of 100,000
    // payments is never loaded); `sites` holds what the person decided per site (never ask, always
    // ask, a per-call ceiling). New fields (recurring periods, top-ups, alerts) are optional: no upgrade.
    this.version(5).stores({
      payments: 'id, sessionId, origin, status, createdAt, [sessionId+status], [status+createdAt], [origin+attemptId], [origin+createdAt], [origin+status+createdAt], [sessionId+createdAt]',
      sites: 'origin',
    });
  }
}
