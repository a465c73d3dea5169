import type { WalletDb } from './db';
import { toPublicView, type PublicSessionView, type SessionStatus } from './types';

/** What the popup shows first: one page of live sessions, one of ended ones, and the counts. */
export interface SessionsPage {
  live: PublicSessionView[];
  ended: PublicSessionView[];
  liveCount: number;
  endedCount: number;
}

const LIVE: SessionStatus[] = ['active', 'paused', 'pending'];

/**
 * Reads only what it shows (newest first), through the [status+createdAt] index, so the popup
 * opens as fast with a thousand sessions as with ten. A session whose expiry passed but whose
 * status the expiry alarm has not flipped yet is counted as ended.
 */
export async function sessionsPage(db: WalletDb, nowMs: number, live: number, ended: number): Promise<SessionsPage> {
  return db.transaction('r', db.sessions, async () => {
    const byStatus = (status: SessionStatus) => db.sessions.where('[status+createdAt]').between([status, -Infinity], [status, Infinity]);
    // All reads are issued at once: each is an IndexedDB round trip, and the popup waits for this.
    const [liveLists, liveCounts, total, endedRows] = await Promise.all([
      Promise.all(LIVE.map((st) => byStatus(st).reverse().limit(live + 1).toArray())),
      Promise.all(LIVE.map((st) => byStatus(st).count())),
      db.sessions.count(),
      ended === 0 ? Promise.resolve([]) : db.sessions
        .orderBy('createdAt')
        .reverse()
        .filter((s) => !LIVE.includes(s.status) || s.expiresAt * 1000 <= nowMs)
        .limit(ended)
        .toArray(),
    ]);
    const liveRows = liveLists.flat();
    const stillLive = liveRows.filter((s) => s.expiresAt * 1000 > nowMs).sort((a, b) => b.createdAt - a.createdAt);
    const liveCount = liveCounts.reduce((a, b) => a + b, 0) - (liveRows.length - stillLive.length);
    return {
      live: stillLive.slice(0, live).map(toPublicView),
      ended: endedRows.map(toPublicView),
      liveCount,
      endedCount: total - liveCount,
    };
  });
}
