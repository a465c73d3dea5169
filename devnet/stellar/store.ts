/**
 * The Stellar session facilitator's ledger, in SQLite (better-sqlite3), like the EVM one.
 *
 * Why SQLite and not memory: `/settle` debits before it sends `transfer_from`, and that debit
 * must survive a crash or a restart of the facilitator, or a restarted process would let the
 * sessions spend again what was already paid out (only the on-chain allowance would stop it).
 * better-sqlite3 is synchronous, so each check-and-debit runs in one transaction that no other
 * request in this process can interleave with: `spent ≤ cap` holds under concurrent settles.
 *
 * Expiry is a ledger number: a session can be debited while the latest ledger is below its
 * `expirationLedger` (the transfer then lands in a ledger ≤ expirationLedger).
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

export interface StellarSessionRecord {
  id: string;
  user: string;
  spender: string;
  asset: string;
  recipient: string;
  cap: bigint;
  spent: bigint;
  /** Last ledger the session (and its allowance) may be spent in. */
  expirationLedger: number;
  /** The network string the client registered with, echoed back as given. */
  network: string;
  approvalTxHash: string;
  /** Unix seconds. */
  createdAt: number;
}

export type StellarSettlementStatus = 'pending' | 'settled' | 'failed';

export interface StellarSettlementRecord {
  id: number;
  sessionId: string;
  amount: bigint;
  payTo: string;
  status: StellarSettlementStatus;
  txHash: string | null;
  error: string | null;
  createdAt: number;
  updatedAt: number;
}

export type StellarReserveResult =
  | { ok: true; settlementId: number; session: StellarSessionRecord }
  | { ok: false; reason: 'session_not_found' | 'session_expired' | 'cap_exceeded'; session?: StellarSessionRecord };

export class ApprovalReusedError extends Error {
  override readonly name = 'ApprovalReusedError';
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
  expiration_ledger: number;
  network: string;
  approval_tx_hash: string;
  created_at: number;
}

interface SettlementRow {
  id: number;
  session_id: string;
  amount: string;
  pay_to: string;
  status: StellarSettlementStatus;
  tx_hash: string | null;
  error: string | null;
  created_at: number;
  updated_at: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS sessions (
  id                TEXT PRIMARY KEY,
  user              TEXT NOT NULL,
  spender           TEXT NOT NULL,
  asset             TEXT NOT NULL,
  recipient         TEXT NOT NULL,
  cap               TEXT NOT NULL,
  spent             TEXT NOT NULL,
  expiration_ledger INTEGER NOT NULL,
  network           TEXT NOT NULL,
  approval_tx_hash  TEXT NOT NULL UNIQUE,
  created_at        INTEGER NOT NULL
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
`;

function toSession(row: SessionRow): StellarSessionRecord {
  return {
    id: row.id,
    user: row.user,
    spender: row.spender,
    asset: row.asset,
    recipient: row.recipient,
    cap: BigInt(row.cap),
    spent: BigInt(row.spent),
    expirationLedger: row.expiration_ledger,
    network: row.network,
    approvalTxHash: row.approval_tx_hash,
    createdAt: row.created_at,
  };
}

function toSettlement(row: SettlementRow): StellarSettlementRecord {
  return {
    id: row.id,
    sessionId: row.session_id,
    amount: BigInt(row.amount),
    payTo: row.pay_to,
    status: row.status,
    txHash: row.tx_hash,
    error: row.error,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export class StellarSessionStore {
  private readonly db: Database.Database;

  /** `':memory:'` keeps the ledger in memory (unit tests). */
  constructor(readonly path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
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

  insertSession(s: StellarSessionRecord): void {
    try {
      this.db
        .prepare(
          `INSERT INTO sessions (id, user, spender, asset, recipient, cap, spent, expiration_ledger, network, approval_tx_hash, created_at)
           VALUES (@id, @user, @spender, @asset, @recipient, @cap, @spent, @expirationLedger, @network, @approvalTxHash, @createdAt)`,
        )
        .run({ ...s, cap: s.cap.toString(), spent: s.spent.toString(), approvalTxHash: s.approvalTxHash.toLowerCase() });
    } catch (err) {
      // The UNIQUE index is the real replay guard: two concurrent registrations of one approve
      // both pass the early lookup; only one insert wins.
      if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE' && String(err).includes('approval_tx_hash')) {
        throw new ApprovalReusedError(s.approvalTxHash);
      }
      throw err;
    }
  }

  getSession(id: string): StellarSessionRecord | undefined {
    const row = this.db.prepare('SELECT * FROM sessions WHERE id = ?').get(id) as SessionRow | undefined;
    return row ? toSession(row) : undefined;
  }

  findByApprovalTx(hash: string): StellarSessionRecord | undefined {
    const row = this.db.prepare('SELECT * FROM sessions WHERE approval_tx_hash = ?').get(hash.toLowerCase()) as SessionRow | undefined;
    return row ? toSession(row) : undefined;
  }

  /** Atomically checks expiry (by ledger) and cap, debits `amount`, and opens a pending settlement. */
  reserve(sessionId: string, amount: bigint, payTo: string, latestLedger: number, nowSeconds: number): StellarReserveResult {
    return this.db.transaction((): StellarReserveResult => {
      const session = this.getSession(sessionId);
      if (!session) return { ok: false, reason: 'session_not_found' };
      if (latestLedger >= session.expirationLedger) return { ok: false, reason: 'session_expired', session };
      const spent = session.spent + amount;
      if (spent > session.cap) return { ok: false, reason: 'cap_exceeded', session };
      this.db.prepare('UPDATE sessions SET spent = ? WHERE id = ?').run(spent.toString(), sessionId);
      const info = this.db
        .prepare(`INSERT INTO settlements (session_id, amount, pay_to, status, created_at, updated_at) VALUES (?, ?, ?, 'pending', ?, ?)`)
        .run(sessionId, amount.toString(), payTo, nowSeconds, nowSeconds);
      return { ok: true, settlementId: Number(info.lastInsertRowid), session: { ...session, spent } };
    })();
  }

  markSettled(settlementId: number, txHash: string, nowSeconds: number): void {
    this.db.prepare(`UPDATE settlements SET status = 'settled', tx_hash = ?, updated_at = ? WHERE id = ? AND status = 'pending'`).run(txHash, nowSeconds, settlementId);
  }

  /** Marks a pending settlement failed and gives its amount back to the session, atomically. */
  refund(settlementId: number, txHash: string | null, error: string, nowSeconds: number): StellarSessionRecord | undefined {
    return this.db.transaction((): StellarSessionRecord | undefined => {
      const row = this.db.prepare('SELECT * FROM settlements WHERE id = ?').get(settlementId) as SettlementRow | undefined;
      if (!row || row.status !== 'pending') return undefined;
      const session = this.getSession(row.session_id);
      if (!session) return undefined;
      const spent = session.spent - BigInt(row.amount);
      this.db.prepare('UPDATE sessions SET spent = ? WHERE id = ?').run(spent.toString(), session.id);
      this.db.prepare(`UPDATE settlements SET status = 'failed', tx_hash = ?, error = ?, updated_at = ? WHERE id = ?`).run(txHash, error, nowSeconds, settlementId);
      return { ...session, spent };
    })();
  }

  settlements(sessionId: string): StellarSettlementRecord[] {
    const rows = this.db.prepare('SELECT * FROM settlements WHERE session_id = ? ORDER BY id').all(sessionId) as SettlementRow[];
    return rows.map(toSettlement);
  }

  /** Settlements a crash left between debit and outcome (kept debited: the safe side). */
  pendingSettlements(): StellarSettlementRecord[] {
    const rows = this.db.prepare(`SELECT * FROM settlements WHERE status = 'pending' ORDER BY id`).all() as SettlementRow[];
    return rows.map(toSettlement);
  }
}
