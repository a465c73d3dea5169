import { describe, expect, it } from 'vitest';
import { Audit } from '../../lib/background/audit';
import { freshDb } from '../support/db';

describe('the audit log', () => {
  it('keeps the newest entries only', async () => {
    const db = freshDb();
    const audit = new Audit(db, Date.now);
    await db.events.bulkAdd(Array.from({ length: 30 }, (_, i) => ({ at: i, origin: 'http://dapp.test', kind: 'payment_declined' as const, reason: `r${i}` })));
    await audit.prune(10);
    const left = await db.events.orderBy('id').toArray();
    expect(left).toHaveLength(10);
    expect(left[0]!.reason).toBe('r20');
  });

  it('clips what it records, and a failed write never throws', async () => {
    const db = freshDb();
    const logged: string[] = [];
    const audit = new Audit(db, () => 7, (e) => logged.push(e));
    await audit.record({ origin: 'http://dapp.test', kind: 'payment_declined', reason: 'x'.repeat(200), url: 'http://a/' + 'y'.repeat(5000) });
    const [e] = await db.events.toArray();
    expect(e).toMatchObject({ at: 7 });
    expect(e!.reason).toHaveLength(64);
    expect(e!.url!.length).toBe(2048);
    db.close();
    await audit.record({ origin: 'http://dapp.test', kind: 'payment_declined', reason: 'after_close' });
    expect(logged).toEqual(['events.write_failed']);
  });
});
