import { describe, expect, it } from 'vitest';
import { csvCell, paymentsCsv } from '../../lib/sessions/csv';
import { allPayments, paymentsCount, paymentsPage, siteOrigins, type PaymentFilter } from '../../lib/sessions/history';
import type { PaymentRecord } from '../../lib/sessions/types';
import { freshDb, sessionRecord } from '../support/db';

const HASH = `0x${'cd'.repeat(32)}`;

/** `n` payments over two sites and three statuses; several share a millisecond (the keyset must not lose or repeat them). */
async function seeded(n: number) {
  const db = freshDb(`hist-${Math.random()}`);
  const a = sessionRecord({ id: 'sa', origin: 'https://a.example', network: 'eip155:84532' });
  const b = sessionRecord({ id: 'sb', origin: 'https://b.example', network: 'eip155:31337' });
  await db.sessions.bulkAdd([a, b]);
  const statuses = ['settled', 'settled', 'released', 'reserved'] as const;
  const rows: PaymentRecord[] = Array.from({ length: n }, (_, i) => {
    const s = i % 3 === 0 ? b : a;
    return { id: `p${String(i).padStart(6, '0')}`, sessionId: s.id, origin: s.origin, url: `https://api.example/x/${i}`, method: 'GET', amount: '10000', status: statuses[i % 4]!, ...(i % 4 < 2 ? { txHash: HASH } : { reason: 'cap_exceeded' }), createdAt: 1_000_000 + Math.floor(i / 3), updatedAt: 0 };
  });
  await db.payments.bulkAdd(rows);
  // Count every payment row the store hands out: a page must read about a page.
  let read = 0;
  db.payments.hook('reading', (obj) => (read++, obj));
  return { db, rows, reads: () => read, resetReads: () => (read = 0) };
}

const newestFirst = (rows: PaymentRecord[]) => [...rows].sort((x, y) => y.createdAt - x.createdAt || (y.id < x.id ? -1 : 1));

describe('paymentsPage (the payments view, issue 15)', () => {
  it.each<[string, PaymentFilter]>([
    ['every payment', {}],
    ['one site', { origin: 'https://a.example' }],
    ['one outcome', { status: 'released' }],
    ['one site and one outcome', { origin: 'https://b.example', status: 'settled' }],
    ['one session', { sessionId: 'sa' }],
    ['one session and one outcome', { sessionId: 'sa', status: 'reserved' }],
  ])('pages through %s newest first, each row once, reading about a page per page', async (_name, filter) => {
    const { db, rows, reads, resetReads } = await seeded(3000);
    const want = newestFirst(rows.filter((p) => (!filter.origin || p.origin === filter.origin) && (!filter.status || p.status === filter.status) && (!filter.sessionId || p.sessionId === filter.sessionId)));
    const seen: string[] = [];
    let cursor = null;
    let pages = 0;
    do {
      resetReads();
      const page = await paymentsPage(db, filter, cursor, 40);
      // A session filter with an outcome checks the outcome in memory: at most its own rows.
      expect(reads()).toBeLessThanOrEqual(filter.sessionId && filter.status ? 200 : 40 + 3 + 1);
      seen.push(...page.rows.map((r) => r.payment.id));
      cursor = page.next;
      pages++;
    } while (cursor && pages < 200);
    if (!(filter.sessionId && filter.status)) expect(seen).toEqual(want.map((p) => p.id));
    else expect(new Set(seen)).toEqual(new Set(want.map((p) => p.id)));
    expect(await paymentsCount(db, filter)).toBe(want.length);
  });

  it('joins each row to its session for the token and links the transaction on networks with an explorer', async () => {
    const { db } = await seeded(8);
    const { rows } = await paymentsPage(db, { status: 'settled' }, null, 10);
    const onBaseSepolia = rows.find((r) => r.session?.network === 'eip155:84532')!;
    expect(onBaseSepolia).toMatchObject({ session: { symbol: 'USDC', decimals: 6 }, explorer: `https://sepolia.basescan.org/tx/${HASH}` });
    // The local devnet has no explorer: the hash is shown, unlinked.
    expect(rows.find((r) => r.session?.network === 'eip155:31337')!.explorer).toBeNull();
    expect(await siteOrigins(db)).toEqual(['https://a.example', 'https://b.example']);
  });

  it('the CSV has one line per payment the filter matches, every cell quoted, formulas defused', async () => {
    const { db } = await seeded(30);
    await db.payments.add({ id: 'evil', sessionId: 'sa', origin: 'https://a.example', url: '=HYPERLINK("http://x","y")', method: 'GET', amount: '1', status: 'released', reason: '+cmd|calc', createdAt: 2_000_000, updatedAt: 0 });
    const all = await allPayments(db, { origin: 'https://a.example' }, undefined, 7);
    expect(all).toHaveLength(21);
    const csv = paymentsCsv(all);
    const lines = csv.trimEnd().split('\r\n');
    expect(lines).toHaveLength(22);
    expect(lines[0]).toBe('"time_utc","site","method","url","amount","token","amount_base_units","network","outcome","reason","transaction","explorer","session"');
    expect(lines[1]).toContain(`"'=HYPERLINK(""http://x"",""y"")"`);
    expect(lines[1]).toContain(`"'+cmd|calc"`);
    expect(lines[1]).toContain('"0.000001","USDC","1","Base Sepolia (eip155:84532)","released"');
    expect(csvCell('-1')).toBe(`"'-1"`);
    expect(csvCell('plain "quoted"')).toBe('"plain ""quoted"""');
  });
});
