import { describe, expect, it } from 'vitest';
import { sessionsPage } from '../../lib/sessions/queries';
import { freshDb, sessionRecord } from '../support/db';

describe('sessionsPage (the popup first page)', () => {
  it('returns the newest live and ended sessions with exact counts, treating past-expiry active ones as ended', async () => {
    const db = freshDb();
    const now = Date.now();
    const nowS = Math.floor(now / 1000);
    const rows = [
      ...Array.from({ length: 30 }, (_, i) => sessionRecord({ id: `live-${i}`, createdAt: 1000 + i })),
      ...Array.from({ length: 5 }, (_, i) => sessionRecord({ id: `pending-${i}`, status: 'pending', createdAt: 2000 + i })),
      ...Array.from({ length: 12 }, (_, i) => sessionRecord({ id: `done-${i}`, status: i % 2 ? 'exhausted' : 'revoked', createdAt: 500 + i })),
      sessionRecord({ id: 'stale-active', status: 'active', expiresAt: nowS - 10, createdAt: 3000 }),
    ];
    await db.sessions.bulkAdd(rows);
    const page = await sessionsPage(db, now, 10, 4);
    expect(page.liveCount).toBe(35);
    expect(page.endedCount).toBe(13);
    expect(page.live.map((s) => s.id)).toEqual(['pending-4', 'pending-3', 'pending-2', 'pending-1', 'pending-0', 'live-29', 'live-28', 'live-27', 'live-26', 'live-25']);
    expect(page.ended.map((s) => s.id)).toEqual(['stale-active', 'done-11', 'done-10', 'done-9']);
    expect((await sessionsPage(db, now, 10, 0)).ended).toEqual([]);
  });
});
