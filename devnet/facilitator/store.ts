/**
 * Durable session ledger in SQLite (better-sqlite3).
 *
 * better-sqlite3 is synchronous, so a read-check-write inside one `db.transaction` cannot
 * interleave with another request in this process: that is what serialises debits and makes
 * "never spent > cap" hold under any number of concurrent settles. Amounts are stored as
 * decimal strings (base units can exceed 2^63) and computed with BigInt.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

export interface SessionRecord {
  id: string;
  user: `0x${string}`;
  spender: `0x${string}`;
  asset: `0x${string}`;
  recipient: `0x${string}`;
  cap: bigint;
  spent: bigint;
  /** Unix seconds; the session is usable while now < expiresAt. */
  expiresAt: number;
  /** The network string the client registered with (echoed back as given). */
  network: string;
  approvalTxHash: `0x${string}`;
  /** Unix seconds. */
  createdAt: number;
}

export type SettlementStatus = 'pending' | 'settled' | 'failed';

export interface SettlementRecord {
  id: number;
  sessionId: string;
  amount: bigint;
  payTo: `0x${string}`;
  status: SettlementStatus;
  txHash: `0x${string}` | null;
  error: string | null;
  createdAt: number;
  updatedAt: number;
}

export type ReserveResult =
  | { ok: true; settlementId: number; session: SessionRecord }
  | { ok: false; reason: 'session_not_found' | 'session_expired' | 'cap_exceeded'; session?: SessionRecord };

/** The approval tx already backs another session: reusing it would double the spendable cap. */
export class ApprovalAlreadyUsedError extends Error {
  override readonly name = 'ApprovalAlreadyUsedError';
  constructor(readonly approvalTxHash: string) {
    super(`approval transaction ${approvalTxHash} already backs another session`);
  }
}

interface SessionRow {
  id: string;
  user: string;
  spender: string;
  asset: string;
  recipient: string;
  cap: string;
  spent: string;
  expires_at: number;
  network: string;
  approval_tx_hash: string;
  created_at: number;
}

interface SettlementRow {
  id: number;
  session_id: string;
  amount: string;
  pay_to: string;
  status: SettlementStatus;
  tx_hash: string | null;
  error: string | null;
  created_at: number;
  updated_at: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS sessions (
  id               TEXT PRIMARY KEY,
  user             TEXT NOT NULL,
  spender          TEXT NOT NULL,
  asset            TEXT NOT NULL,
  recipient        TEXT NOT NULL,
  cap              TEXT NOT NULL,
  spent            TEXT NOT NULL,
  expires_at       INTEGER NOT NULL,
  network          TEXT NOT NULL,
  approval_tx_hash TEXT NOT NULL UNIQUE,
  created_at       INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS settlements (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  session_id  TEXT NOT NULL REFERENCES sessions(id),
  amount      TEXT NOT NULL,
  pay_to      TEXT NOT NULL,
  status      TEXT NOT NULL CHECK (status IN ('pending', 'settled', 'failed')),
  tx_hash     TEXT,
  error       TEXT,
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS settlements_by_session ON settlements(session_id);
-- Top-ups (PATCH /sessions/:id, ours): each approval backs one change, and never also a session.
CREATE TABLE IF NOT EXISTS session_topups (
  id               INTEGER PRIMARY KEY AUTOINCREMENT,
  session_id       TEXT NOT NULL REFERENCES sessions(id),
  approval_tx_hash TEXT NOT NULL UNIQUE,
  old_cap          TEXT NOT NULL,
  new_cap          TEXT NOT NULL,
  old_expires_at   INTEGER NOT NULL,
  new_expires_at   INTEGER NOT NULL,
  created_at       INTEGER NOT NULL
);
`;

export interface TopUpRecord {
  sessionId: string;
  approvalTxHash: `0x${string}`;
  oldCap: bigint;
  newCap: bigint;
  oldExpiresAt: number;
  newExpiresAt: number;
  createdAt: number;
}

export type TopUpResult =
  | { ok: true; session: SessionRecord }
  | { ok: false; reason: 'session_not_found' | 'session_expired' | 'lowered' | 'changed' };

function toSession(row: SessionRow): SessionRecord {
  return {
    id: row.id,
    user: row.user as `0x${string}`,
    spender: row.spender as `0x${string}`,
    asset: row.asset as `0x${string}`,
    recipient: row.recipient as `0x${string}`,
    cap: BigInt(row.cap),
    spent: BigInt(row.spent),
    expiresAt: row.expires_at,
    network: row.network,
    approvalTxHash: row.approval_tx_hash as `0x${string}`,
    createdAt: row.created_at,
  };
}

function toSettlement(row: SettlementRow): SettlementRecord {
  return {
    id: row.id,
    sessionId: row.session_id,
    amount: BigInt(row.amount),
    payTo: row.pay_to as `0x${string}`,
    status: row.status,
    txHash: row.tx_hash as `0x${string}` | null,
    error: row.error,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export class SessionStore {
  private readonly db: Database.Database;

  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    // FULL: a debit acknowledged to a resource server must survive a crash.
    this.db.pragma('synchronous = FULL');
    this.db.pragma('foreign_keys = ON');
    this.db.exec(SCHEMA);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  insertSession(s: SessionRecord): void {
    // An approval a top-up already used cannot open a session as well (the UNIQUE index below
    // covers sessions among themselves).
    if (this.topUpByApprovalTx(s.approvalTxHash)) throw new ApprovalAlreadyUsedError(s.approvalTxHash);
    try {
      this.db
        .prepare(
          `INSERT INTO sessions (id, user, spender, asset, recipient, cap, spent, expires_at, network, approval_tx_hash, created_at)
           VALUES (@id, @user, @spender, @asset, @recipient, @cap, @spent, @expiresAt, @network, @approvalTxHash, @createdAt)`,
        )
        .run({ ...s, cap: s.cap.toString(), spent: s.spent.toString(), approvalTxHash: s.approvalTxHash.toLowerCase() });
    } catch (err) {
      // The UNIQUE index is the real replay guard: two concurrent POST /sessions with one tx
      // both pass the early lookup, only one insert wins.
      if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE' && String(err).includes('approval_tx_hash')) {
        throw new ApprovalAlreadyUsedError(s.approvalTxHash);
      }
      throw err;
    }
  }

  getSession(id: string): SessionRecord | undefined {
    const row = this.db.prepare('SELECT * FROM sessions WHERE id = ?').get(id) as SessionRow | undefined;
    return row ? toSession(row) : undefined;
  }

  findByApprovalTx(hash: string): SessionRecord | undefined {
    const row = this.db.prepare('SELECT * FROM sessions WHERE approval_tx_hash = ?').get(hash.toLowerCase()) as SessionRow | undefined;
    return row ? toSession(row) : undefined;
  }

  topUpByApprovalTx(hash: string): TopUpRecord | undefined {
    const row = this.db.prepare('SELECT * FROM session_topups WHERE approval_tx_hash = ?').get(hash.toLowerCase()) as Record<string, string | number> | undefined;
    return row
      ? { sessionId: String(row.session_id), approvalTxHash: row.approval_tx_hash as `0x${string}`, oldCap: BigInt(row.old_cap!), newCap: BigInt(row.new_cap!), oldExpiresAt: Number(row.old_expires_at), newExpiresAt: Number(row.new_expires_at), createdAt: Number(row.created_at) }
      : undefined;
  }

  /** Has this approval transaction backed a session or a top-up already? */
  approvalUsed(hash: string): boolean {
    return this.findByApprovalTx(hash) !== undefined || this.topUpByApprovalTx(hash) !== undefined;
  }

  topUps(sessionId: string): TopUpRecord[] {
    const rows = this.db.prepare('SELECT approval_tx_hash FROM session_topups WHERE session_id = ? ORDER BY id').all(sessionId) as { approval_tx_hash: string }[];
    return rows.map((r) => this.topUpByApprovalTx(r.approval_tx_hash)!);
  }

  /**
   * A top-up, atomically: the session still has the cap and expiry the request was checked against
   * (`expected`), is unexpired, the change raises rather than lowers, and the approval was never used.
   */
  topUp(sessionId: string, expected: { cap: bigint; expiresAt: number }, change: { approvalTxHash: `0x${string}`; cap: bigint; expiresAt: number }, nowSeconds: number): TopUpResult {
    return this.db.transaction((): TopUpResult => {
      const session = this.getSession(sessionId);
      if (!session) return { ok: false, reason: 'session_not_found' };
      if (nowSeconds >= session.expiresAt) return { ok: false, reason: 'session_expired' };
      if (session.cap !== expected.cap || session.expiresAt !== expected.expiresAt) return { ok: false, reason: 'changed' };
      if (change.cap < session.cap || change.expiresAt < session.expiresAt) return { ok: false, reason: 'lowered' };
      if (this.approvalUsed(change.approvalTxHash)) throw new ApprovalAlreadyUsedError(change.approvalTxHash);
      this.db
        .prepare(
          `INSERT INTO session_topups (session_id, approval_tx_hash, old_cap, new_cap, old_expires_at, new_expires_at, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(sessionId, change.approvalTxHash.toLowerCase(), session.cap.toString(), change.cap.toString(), session.expiresAt, change.expiresAt, nowSeconds);
      this.db.prepare('UPDATE sessions SET cap = ?, expires_at = ? WHERE id = ?').run(change.cap.toString(), change.expiresAt, sessionId);
      return { ok: true, session: { ...session, cap: change.cap, expiresAt: change.expiresAt } };
    })();
  }

  /** Atomically checks expiry and cap, debits `amount`, and opens a pending settlement. */
  reserve(sessionId: string, amount: bigint, payTo: `0x${string}`, nowSeconds: number): ReserveResult {
    return this.db.transaction((): ReserveResult => {
      const session = this.getSession(sessionId);
      if (!session) return { ok: false, reason: 'session_not_found' };
      if (nowSeconds >= session.expiresAt) return { ok: false, reason: 'session_expired', session };
      const spent = session.spent + amount;
      if (spent > session.cap) return { ok: false, reason: 'cap_exceeded', session };
      this.db.prepare('UPDATE sessions SET spent = ? WHERE id = ?').run(spent.toString(), sessionId);
      const info = this.db
        .prepare(
          `INSERT INTO settlements (session_id, amount, pay_to, status, created_at, updated_at)
           VALUES (?, ?, ?, 'pending', ?, ?)`,
        )
        .run(sessionId, amount.toString(), payTo, nowSeconds, nowSeconds);
      return { ok: true, settlementId: Number(info.lastInsertRowid), session: { ...session, spent } };
    })();
  }

  markSettled(settlementId: number, txHash: `0x${string}`, nowSeconds: number): void {
    this.db
      .prepare(`UPDATE settlements SET status = 'settled', tx_hash = ?, updated_at = ? WHERE id = ? AND status = 'pending'`)
      .run(txHash, nowSeconds, settlementId);
  }

  /** Marks a pending settlement failed and gives its amount back to the session, atomically. */
  refund(settlementId: number, txHash: `0x${string}` | null, error: string, nowSeconds: number): SessionRecord | undefined {
    return this.db.transaction((): SessionRecord | undefined => {
      const row = this.db.prepare(`SELECT * FROM settlements WHERE id = ?`).get(settlementId) as SettlementRow | undefined;
      if (!row || row.status !== 'pending') return undefined;
      const session = this.getSession(row.session_id);
      if (!session) return undefined;
      const spent = session.spent - BigInt(row.amount);
      this.db.prepare('UPDATE sessions SET spent = ? WHERE id = ?').run(spent.toString(), session.id);
      this.db
        .prepare(`UPDATE settlements SET status = 'failed', tx_hash = ?, error = ?, updated_at = ? WHERE id = ?`)
        .run(txHash, error, nowSeconds, settlementId);
      return { ...session, spent };
    })();
  }

  settlements(sessionId: string): SettlementRecord[] {
    const rows = this.db.prepare('SELECT * FROM settlements WHERE session_id = ? ORDER BY id').all(sessionId) as SettlementRow[];
    return rows.map(toSettlement);
  }

  /** Settlements left pending by a crash between debit and receipt (kept debited: see README). */
  pendingSettlements(): SettlementRecord[] {
    const rows = this.db.prepare(`SELECT * FROM settlements WHERE status = 'pending' ORDER BY id`).all() as SettlementRow[];
    return rows.map(toSettlement);
  }
}
