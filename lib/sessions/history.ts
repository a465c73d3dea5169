import { explorerTx } from '../chains/networks';
import type { WalletDb } from './db';
import type { PaymentRecord, PaymentStatus, SessionRecord } from './types';

/** Which payments the payments view shows: every site or one, any status or one (issue 15). */
export interface PaymentFilter {
  origin?: string;
  status?: PaymentStatus;
  sessionId?: string;
}

/**
 * Where the next page starts: before `before` (ms), or at it, skipping the ids already shown
 * there. Keyset, not an offset: page 2,000 costs what page 1 costs.
 */
export interface PaymentCursor {
  before: number;
  skip: string[];
}

/** One row as shown: the payment, and what its session says about the token and network. */
export interface PaymentRow {
  payment: PaymentRecord;
  session: Pick<SessionRecord, 'id' | 'origin' | 'network' | 'symbol' | 'decimals'> | null;
  /** A link to the settlement on the network's explorer, when the network has one. */
  explorer: string | null;
}

export interface PaymentsPage {
  rows: PaymentRow[];
  next: PaymentCursor | null;
}

/**
 * The index each filter reads (db.ts v5): always one whose last part is `createdAt`, so a page is
 * one bounded range read, newest first, whatever the store's size.
 */
function range(db: WalletDb, f: PaymentFilter, before: number) {
  const p = db.payments;
  if (f.sessionId) return p.where('[sessionId+createdAt]').between([f.sessionId, -Infinity], [f.sessionId, before], true, true);
  if (f.origin && f.status) return p.where('[origin+status+createdAt]').between([f.origin, f.status, -Infinity], [f.origin, f.status, before], true, true);
  if (f.origin) return p.where('[origin+createdAt]').between([f.origin, -Infinity], [f.origin, before], true, true);
  if (f.status) return p.where('[status+createdAt]').between([f.status, -Infinity], [f.status, before], true, true);
  return p.where('createdAt').belowOrEqual(before);
}

/**
 * One page of payments, newest first. Reads `limit` rows (plus the ones a tie at the cursor makes
 * it skip, plus one to know whether there is more) through an index, and the few sessions they
 * belong to: never the table.
 */
export async function paymentsPage(db: WalletDb, filter: PaymentFilter, cursor: PaymentCursor | null, limit: number): Promise<PaymentsPage> {
  const before = cursor?.before ?? Infinity;
  const skip = new Set(cursor?.skip ?? []);
  return db.transaction('r', db.payments, db.sessions, async () => {
    const newest = range(db, filter, before).reverse();
    // A session with an outcome reads the session's own index and checks the outcome as it goes (a
    // session has few rows; every other filter has an index of its own).
    const status = filter.status;
    const read = filter.sessionId && status ? newest.filter((p) => p.status === status) : newest;
    const payments = (await read.limit(limit + skip.size + 1).toArray()).filter((p) => !(p.createdAt === before && skip.has(p.id)));
    const more = payments.length > limit;
    const shown = payments.slice(0, limit);
    const ids = [...new Set(shown.map((p) => p.sessionId))];
    const sessions = new Map((await db.sessions.bulkGet(ids)).filter((s): s is SessionRecord => !!s).map((s) => [s.id, s]));
    const rows = shown.map((payment): PaymentRow => {
      const s = sessions.get(payment.sessionId);
      return {
        payment,
        session: s ? { id: s.id, origin: s.origin, network: s.network, symbol: s.symbol, decimals: s.decimals } : null,
        explorer: s && payment.txHash ? explorerTx(s.network, payment.txHash) : null,
      };
    });
    const last = shown[shown.length - 1];
    const next = more && last ? { before: last.createdAt, skip: [...shown.filter((p) => p.createdAt === last.createdAt).map((p) => p.id), ...(last.createdAt === before ? [...skip] : [])] } : null;
    return { rows, next };
  });
}

/** Every site that has a session, for the view's site filter (reads the sessions' origin index only). */
export async function siteOrigins(db: WalletDb): Promise<string[]> {
  return (await db.sessions.orderBy('origin').uniqueKeys()).map(String);
}

/** How many payments match (an index count, no rows read). */
export async function paymentsCount(db: WalletDb, filter: PaymentFilter): Promise<number> {
  if (filter.sessionId && filter.status) return db.payments.where('[sessionId+status]').equals([filter.sessionId, filter.status]).count();
  return range(db, filter, Infinity).count();
}

/** Every payment the filter matches, page by page (for the CSV export of what the view shows). */
export async function allPayments(db: WalletDb, filter: PaymentFilter, onPage?: (done: number) => void, pageSize = 500): Promise<PaymentRow[]> {
  const out: PaymentRow[] = [];
  let cursor: PaymentCursor | null = null;
  do {
    const page: PaymentsPage = await paymentsPage(db, filter, cursor, pageSize);
    out.push(...page.rows);
    onPage?.(out.length);
    cursor = page.next;
  } while (cursor);
  return out;
}
