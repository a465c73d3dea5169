/**
 * The Solana facilitator's session ledger in SQLite (better-sqlite3; `:memory:` by default).
 *
 * better-sqlite3 is synchronous: a read-check-write inside one `db.transaction` cannot interleave
 * with another request of this process, so concurrent settles can never push `spent` past `cap`.
 * Amounts are u64 base units kept as decimal text and computed with BigInt.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

export interface SolanaSessionRecord {
  id: string;
  user: string;
  spender: string;
  asset: string;
  recipient: string;
  cap: bigint;
  spent: bigint;
  /** Unix seconds; usable while now < expirationUnix. */
  expirationUnix: number;
  /** As the client registered it (echoed back). */
  network: string;
  /** The landed approve (its first signature, the facilitator's as fee payer). */
  approveTxSignature: string;
  /** base64 as received, kept so the consent can be shown again. */
  authMessage: string;
  authSignature: string;
  nonce: string;
  /** The user's token account the delegation sits on. */
  sourceAta: string;
  createdAt: number;
}

export type SettlementStatus = 'pending' | 'settled' | 'refunded';

export type DebitResult =
  | { ok: true; settlementId: number; session: SolanaSessionRecord }
  | { ok: false; reason: 'session_not_found' | 'session_expired' | 'cap_exceeded'; session?: SolanaSessionRecord };

export class NonceReusedError extends Error {
  override readonly name = 'NonceReusedError';
}

interface SessionRow {
  id: string;
  user: string;
  spender: string;
  asset: string;
  recipient: string;
  cap: string;
  spent: string;
  expiration_unix: number;
  network: string;
  approve_tx_signature: string;
  auth_message: string;
  auth_signature: string;
  nonce: string;
  source_ata: string;
  created_at: number;
}

function fromRow(r: SessionRow): SolanaSessionRecord {
  return {
    id: r.id,
    user: r.user,
    spender: r.spender,
    asset: r.asset,
    recipient: r.recipient,
    cap: BigInt(r.cap),
    spent: BigInt(r.spent),
    expirationUnix: r.expiration_unix,
    network: r.network,
    approveTxSignature: r.approve_tx_signature,
    authMessage: r.auth_message,
    authSignature: r.auth_signature,
    nonce: r.nonce,
    sourceAta: r.source_ata,
    createdAt: r.created_at,
  };
}

export class SolanaSessionStore {
  private readonly db: Database.Database;

  constructor(path = ':memory:') {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS sessions (
        id TEXT PRIMARY KEY,
        user TEXT NOT NULL,
        spender TEXT NOT NULL,
        asset TEXT NOT NULL,
        recipient TEXT NOT NULL,
        cap TEXT NOT NULL,
        spent TEXT NOT NULL,
        expiration_unix INTEGER NOT NULL,
        network TEXT NOT NULL,
        approve_tx_signature TEXT NOT NULL UNIQUE,
        auth_message TEXT NOT NULL,
        auth_signature TEXT NOT NULL,
        nonce TEXT NOT NULL,
        source_ata TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );
      -- A signed consent opens one session: the same (user, nonce) twice is a replay.
      CREATE UNIQUE INDEX IF NOT EXISTS sessions_user_nonce ON sessions (user, nonce);
      CREATE TABLE IF NOT EXISTS settlements (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        session_id TEXT NOT NULL REFERENCES sessions(id),
        amount TEXT NOT NULL,
        pay_to TEXT NOT NULL,
        status TEXT NOT NULL,
        signature TEXT,
        error TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );
    `);
  }

  close(): void {
    this.db.close();
  }

  nonceUsed(user: string, nonce: string): boolean {
    return this.db.prepare('SELECT 1 FROM sessions WHERE user = ? AND nonce = ?').get(user, nonce) !== undefined;
  }

  insert(s: SolanaSessionRecord): void {
    try {
      this.db
        .prepare(
          `INSERT INTO sessions (id, user, spender, asset, recipient, cap, spent, expiration_unix, network, approve_tx_signature,
             auth_message, auth_signature, nonce, source_ata, created_at)
           VALUES (@id, @user, @spender, @asset, @recipient, @cap, @spent, @expirationUnix, @network, @approveTxSignature,
             @authMessage, @authSignature, @nonce, @sourceAta, @createdAt)`,
        )
        .run({ ...s, cap: s.cap.toString(), spent: s.spent.toString() });
    } catch (err) {
      if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') throw new NonceReusedError('this signed consent already opened a session');
      throw err;
    }
  }

  get(id: string): SolanaSessionRecord | undefined {
    const row = this.db.prepare('SELECT * FROM sessions WHERE id = ?').get(id) as SessionRow | undefined;
    return row ? fromRow(row) : undefined;
  }

  /** Checks expiry and cap and records `amount` as spent, atomically, before any chain work. */
  debit(id: string, amount: bigint, payTo: string, nowSeconds: number): DebitResult {
    return this.db.transaction((): DebitResult => {
      const session = this.get(id);
      if (!session) return { ok: false, reason: 'session_not_found' };
      if (nowSeconds >= session.expirationUnix) return { ok: false, reason: 'session_expired', session };
      if (session.spent + amount > session.cap) return { ok: false, reason: 'cap_exceeded', session };
      const spent = session.spent + amount;
      this.db.prepare('UPDATE sessions SET spent = ? WHERE id = ?').run(spent.toString(), id);
      const info = this.db
        .prepare("INSERT INTO settlements (session_id, amount, pay_to, status, created_at, updated_at) VALUES (?, ?, ?, 'pending', ?, ?)")
        .run(id, amount.toString(), payTo, nowSeconds, nowSeconds);
      return { ok: true, settlementId: Number(info.lastInsertRowid), session: { ...session, spent } };
    })();
  }

  markSettled(settlementId: number, signature: string, nowSeconds: number): void {
    this.db.prepare("UPDATE settlements SET status = 'settled', signature = ?, updated_at = ? WHERE id = ?").run(signature, nowSeconds, settlementId);
  }

  /** Gives the debit back (the chain refused the transfer) and returns the session as it now is. */
  refund(settlementId: number, error: string, nowSeconds: number): SolanaSessionRecord | undefined {
    return this.db.transaction(() => {
      const row = this.db.prepare("SELECT session_id, amount, status FROM settlements WHERE id = ?").get(settlementId) as
        | { session_id: string; amount: string; status: SettlementStatus }
        | undefined;
      if (!row || row.status !== 'pending') return row ? this.get(row.session_id) : undefined;
      const session = this.get(row.session_id);
      if (!session) return undefined;
      const spent = session.spent - BigInt(row.amount);
      this.db.prepare('UPDATE sessions SET spent = ? WHERE id = ?').run(spent.toString(), session.id);
      this.db.prepare("UPDATE settlements SET status = 'refunded', error = ?, updated_at = ? WHERE id = ?").run(error, nowSeconds, settlementId);
      return { ...session, spent };
    })();
  }

  settlements(sessionId: string): { amount: bigint; payTo: string; status: SettlementStatus; signature: string | null; error: string | null }[] {
    const rows = this.db.prepare('SELECT amount, pay_to, status, signature, error FROM settlements WHERE session_id = ? ORDER BY id').all(sessionId) as {
      amount: string;
      pay_to: string;
      status: SettlementStatus;
      signature: string | null;
      error: string | null;
    }[];
    return rows.map((r) => ({ amount: BigInt(r.amount), payTo: r.pay_to, status: r.status, signature: r.signature, error: r.error }));
  }
}
