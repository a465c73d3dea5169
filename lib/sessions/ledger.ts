import { sameAddress } from '../chains/networks';
import type { WalletDb } from './db';
import { randomId } from './ids';
import type { PaymentRecord, SessionRecord, SessionStatus } from './types';

/** What a 402 asks to be paid, already validated and with the network in canonical form. */
export interface PaymentTerms {
  scheme: string;
  network: string;
  asset: string;
  payTo: string;
  amount: bigint;
}

/** Why the ledger would not reserve. Stable strings: recorded on payments and sent to pages. */
export type DeclineReason =
  | 'no_session'
  | 'scheme_mismatch'
  | 'network_mismatch'
  | 'asset_mismatch'
  | 'recipient_mismatch'
  | 'api_origin_mismatch'
  | 'facilitator_mismatch'
  | 'spender_mismatch'
  | 'session_inactive'
  | 'session_paused'
  | 'session_expired'
  | 'invalid_amount'
  | 'per_call_limit_exceeded'
  | 'cap_exceeded'
  | 'already_paid';

export interface ReserveRequest {
  origin: string;
  terms: PaymentTerms;
  url: string;
  method: string;
  /** The page's id for this call; the same attempt never holds two reservations. */
  attemptId?: string;
  /** What the session's scheme says of this 402 beyond its terms (its facilitator, its spender). */
  binds?: (session: SessionRecord) => DeclineReason | null;
}

export type ReserveOutcome =
  | { ok: true; session: SessionRecord; payment: PaymentRecord; reused?: boolean }
  | { ok: false; reason: DeclineReason; session?: SessionRecord };

export interface RemoteSessionState {
  spent: bigint;
}

const CHECK_ORDER: DeclineReason[] = [
  'scheme_mismatch',
  'network_mismatch',
  'asset_mismatch',
  'recipient_mismatch',
  'api_origin_mismatch',
  'facilitator_mismatch',
  'spender_mismatch',
  'session_inactive',
  'session_paused',
  'session_expired',
  'invalid_amount',
  'per_call_limit_exceeded',
  'cap_exceeded',
];

/** Does this session pay exactly these terms (scheme, network, asset, recipient)? */
export function termsMismatch(s: SessionRecord, terms: Omit<PaymentTerms, 'amount'>): DeclineReason | null {
  if (s.scheme !== terms.scheme) return 'scheme_mismatch';
  if (s.network !== terms.network) return 'network_mismatch';
  if (!sameAddress(s.family, s.asset, terms.asset)) return 'asset_mismatch';
  if (!sameAddress(s.family, s.recipient, terms.payTo)) return 'recipient_mismatch';
  return null;
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return 'null';
  }
}

/** First rule this session breaks for these terms, or null when it can pay them now. */
function checkSession(s: SessionRecord, req: ReserveRequest, nowMs: number): DeclineReason | null {
  const { terms } = req;
  const mismatch = termsMismatch(s, terms);
  if (mismatch) return mismatch;
  // The session pays only the API origins the person approved, through its own facilitator.
  if (!s.apiOrigins.includes(originOf(req.url))) return 'api_origin_mismatch';
  const unbound = req.binds?.(s) ?? null;
  if (unbound) return unbound;
  // Say why in the terms a dapp expects: a used-up session is a cap problem, not a mystery.
  if (s.status === 'exhausted') return 'cap_exceeded';
  if (s.status === 'expired') return 'session_expired';
  if (s.status === 'paused') return 'session_paused';
  if (s.status !== 'active') return 'session_inactive';
  if (nowMs >= s.expiresAt * 1000) return 'session_expired';
  if (terms.amount <= 0n) return 'invalid_amount';
  if (s.perCallMax !== null && terms.amount > BigInt(s.perCallMax)) return 'per_call_limit_exceeded';
  if (BigInt(s.spent) + BigInt(s.reserved) + terms.amount > BigInt(s.cap)) return 'cap_exceeded';
  return null;
}

/**
 * The spend ledger. Every money move is one Dexie read-write transaction over sessions+payments,
 * which IndexedDB serialises, so `spent + reserved ≤ cap` holds however many calls race.
 * Write errors are never swallowed: a failed reservation means we do not pay.
 */
export class Ledger {
  constructor(
    private readonly db: WalletDb,
    private readonly now: () => number = Date.now,
  ) {}

  /** Pick a session of this origin that can pay these terms and reserve the amount in it. */
  async reserve(req: ReserveRequest): Promise<ReserveOutcome> {
    return this.db.transaction('rw', this.db.sessions, this.db.payments, async () => {
      const now = this.now();
      if (req.attemptId) {
        // A `pay` re-sent after the worker died mid-reply: hand back the same reservation.
        const prior = await this.db.payments.where('[origin+attemptId]').equals([req.origin, req.attemptId]).first();
        if (prior) {
          const session = await this.db.sessions.get(prior.sessionId);
          if (prior.status === 'reserved' && session) return { ok: true, session, payment: prior, reused: true } as const;
          return { ok: false, reason: 'already_paid' } as const;
        }
      }
      const candidates = await this.db.sessions.where('origin').equals(req.origin).toArray();
      if (candidates.length === 0) return { ok: false, reason: 'no_session' } as const;
      let best: { reason: DeclineReason; session: SessionRecord } | null = null;
      // Oldest first: spend down earlier sessions before newer ones.
      candidates.sort((a, b) => a.createdAt - b.createdAt);
      for (const s of candidates) {
        const reason = checkSession(s, req, now);
        if (reason === null) {
          const payment: PaymentRecord = {
            id: randomId(),
            sessionId: s.id,
            origin: req.origin,
            url: req.url,
            method: req.method,
            amount: req.terms.amount.toString(),
            status: 'reserved',
            ...(req.attemptId ? { attemptId: req.attemptId } : {}),
            createdAt: now,
            updatedAt: now,
          };
          const updated: SessionRecord = {
            ...s,
            reserved: (BigInt(s.reserved) + req.terms.amount).toString(),
            updatedAt: now,
          };
          await this.db.sessions.put(updated);
          await this.db.payments.add(payment);
          return { ok: true, session: updated, payment } as const;
        }
        if (reason === 'session_expired' && s.status === 'active') {
          await this.db.sessions.update(s.id, { status: 'expired', updatedAt: now });
        }
        if (!best || CHECK_ORDER.indexOf(reason) > CHECK_ORDER.indexOf(best.reason)) best = { reason, session: s };
      }
      return { ok: false, reason: best!.reason, session: best!.session } as const;
    });
  }

  /** The paid retry succeeded: move the reservation into `spent`. Idempotent. */
  async commit(paymentId: string, info: { txHash?: string } = {}): Promise<{ session: SessionRecord; payment: PaymentRecord } | null> {
    return this.db.transaction('rw', this.db.sessions, this.db.payments, async () => {
      const payment = await this.db.payments.get(paymentId);
      if (!payment || payment.status === 'settled') return null;
      const session = await this.db.sessions.get(payment.sessionId);
      if (!session) return null;
      const now = this.now();
      const amount = BigInt(payment.amount);
      // A success reported after the reservation was released (worker restart, reconcile) is still
      // money that moved: count it, without touching `reserved` a second time.
      const wasReserved = payment.status === 'reserved';
      const spent = BigInt(session.spent) + amount;
      const reserved = wasReserved ? BigInt(session.reserved) - amount : BigInt(session.reserved);
      const updated: SessionRecord = {
        ...session,
        spent: spent.toString(),
        reserved: (reserved > 0n ? reserved : 0n).toString(),
        status: session.status === 'active' && spent >= BigInt(session.cap) ? 'exhausted' : session.status,
        updatedAt: now,
      };
      const settled: PaymentRecord = {
        ...payment,
        status: 'settled',
        ...(info.txHash ? { txHash: info.txHash } : {}),
        ...(wasReserved ? {} : { reason: 'late_settlement' }),
        updatedAt: now,
      };
      await this.db.sessions.put(updated);
      await this.db.payments.put(settled);
      return { session: updated, payment: settled };
    });
  }

  /** The paid retry failed or never happened: give the room back. Idempotent. */
  async release(paymentId: string, reason: string, sessionStatus?: SessionStatus): Promise<{ session: SessionRecord; payment: PaymentRecord } | null> {
    return this.db.transaction('rw', this.db.sessions, this.db.payments, async () => {
      const payment = await this.db.payments.get(paymentId);
      if (!payment || payment.status !== 'reserved') return null;
      const session = await this.db.sessions.get(payment.sessionId);
      if (!session) return null;
      const now = this.now();
      const reserved = BigInt(session.reserved) - BigInt(payment.amount);
      const updated: SessionRecord = {
        ...session,
        reserved: (reserved > 0n ? reserved : 0n).toString(),
        ...(sessionStatus && session.status === 'active' ? { status: sessionStatus, statusReason: reason, ...(sessionStatus === 'paused' ? { pausedFor: payment.amount } : {}) } : {}),
        updatedAt: now,
      };
      const released: PaymentRecord = { ...payment, status: 'released', reason, updatedAt: now };
      await this.db.sessions.put(updated);
      await this.db.payments.put(released);
      return { session: updated, payment: released };
    });
  }

  /**
   * Align a session with the facilitator (the truth) once its only reservations are stale (older
   * than `staleBefore`, e.g. their worker died mid-call). Stale reservations are attributed oldest
   * first to what the facilitator settled beyond our `spent`, the rest released. Skipped while any
   * fresh reservation is in flight, because its settlement may already be in the remote figure.
   */
  async reconcile(sessionId: string, remote: RemoteSessionState, staleBefore: number): Promise<{ session: SessionRecord; changed: boolean } | null> {
    return this.db.transaction('rw', this.db.sessions, this.db.payments, async () => {
      const session = await this.db.sessions.get(sessionId);
      if (!session) return null;
      const reservations = await this.db.payments.where('[sessionId+status]').equals([sessionId, 'reserved']).sortBy('createdAt');
      const now = this.now();
      if (reservations.some((p) => p.createdAt >= staleBefore)) {
        // Calls in flight: their settlement may already be in the remote figure, so it is not
        // adopted now, but it is kept and shown (the popup tells a drift apart from a call in flight).
        const noted: SessionRecord = { ...session, remoteSpent: remote.spent.toString(), remoteAt: now };
        await this.db.sessions.put(noted);
        return { session: noted, changed: false };
      }
      let unexplained = remote.spent - BigInt(session.spent);
      for (const p of reservations) {
        const amount = BigInt(p.amount);
        const settled = unexplained >= amount;
        if (settled) unexplained -= amount;
        await this.db.payments.put({
          ...p,
          status: settled ? 'settled' : 'released',
          reason: settled ? 'reconciled' : 'reconciled_unsettled',
          updatedAt: now,
        });
      }
      const changed = reservations.length > 0 || remote.spent.toString() !== session.spent;
      const updated: SessionRecord = {
        ...session,
        spent: remote.spent.toString(),
        reserved: '0',
        status: session.status === 'active' && remote.spent >= BigInt(session.cap) ? 'exhausted' : session.status,
        ...(session.status === 'active' && remote.spent >= BigInt(session.cap) ? { statusReason: 'spent_at_facilitator' } : {}),
        remoteSpent: remote.spent.toString(),
        remoteAt: now,
        reconciledAt: now,
        updatedAt: changed ? now : session.updatedAt,
      };
      await this.db.sessions.put(updated);
      return { session: updated, changed };
    });
  }

  /** Note why a reservation is still open (e.g. `unconfirmed`: served without a receipt). */
  async note(paymentId: string, reason: string): Promise<void> {
    await this.db.transaction('rw', this.db.payments, async () => {
      const p = await this.db.payments.get(paymentId);
      if (p?.status === 'reserved') await this.db.payments.put({ ...p, reason, updatedAt: this.now() });
    });
  }

  /** The payment of one page attempt (the id the page gave in `pay` / `prepay`), any status. */
  async attempt(origin: string, attemptId: string): Promise<PaymentRecord | undefined> {
    return this.db.payments.where('[origin+attemptId]').equals([origin, attemptId]).first();
  }

  /**
   * Live sessions that draw on one allowance: same network, token and spender (any site). An
   * approve to that spender replaces the allowance, so a new one must cover what these still need.
   */
  async onAllowance(family: string, network: string, asset: string, spender: string): Promise<SessionRecord[]> {
    const nowS = Math.floor(this.now() / 1000);
    const live = await this.db.sessions.where('status').anyOf('active', 'pending').toArray();
    return live.filter((s) => s.network === network && s.expiresAt > nowS && sameAddress(family, s.asset, asset) && sameAddress(family, s.spender, spender));
  }

  /** Keep what the chain said of a session's allowance and balance. */
  async noteChain(sessionId: string, reading: { allowance: bigint; balance?: bigint }): Promise<SessionRecord | null> {
    return this.db.transaction('rw', this.db.sessions, async () => {
      const s = await this.db.sessions.get(sessionId);
      if (!s) return null;
      const updated: SessionRecord = { ...s, chainCheck: { allowance: reading.allowance.toString(), ...(reading.balance !== undefined ? { balance: reading.balance.toString() } : {}), at: this.now() } };
      await this.db.sessions.put(updated);
      return updated;
    });
  }

  /** A paused session whose cause is fixed pays again. */
  async resume(sessionId: string, reason: string): Promise<SessionRecord | null> {
    return this.db.transaction('rw', this.db.sessions, async () => {
      const s = await this.db.sessions.get(sessionId);
      if (!s || s.status !== 'paused') return null;
      const { pausedFor: _fixed, ...rest } = s;
      const updated: SessionRecord = { ...rest, status: 'active', statusReason: reason, updatedAt: this.now() };
      await this.db.sessions.put(updated);
      return updated;
    });
  }

  /** The allowance this session no longer needs was lowered in the wallet. */
  async noteRevoke(sessionId: string, txHash: string): Promise<SessionRecord | null> {
    return this.db.transaction('rw', this.db.sessions, async () => {
      const s = await this.db.sessions.get(sessionId);
      if (!s) return null;
      const updated: SessionRecord = { ...s, revokeTx: txHash, updatedAt: this.now() };
      await this.db.sessions.put(updated);
      return updated;
    });
  }

  /** Store a session just opened (active, or pending its registration). */
  async addSession(session: SessionRecord): Promise<void> {
    await this.db.sessions.add(session);
  }

  /**
   * Finish a `pending` session: registered (active, with its grant and the facilitator's spent),
   * still waiting (its grant updated), or failed for good. Only a session still pending changes.
   */
  async resolvePending(
    sessionId: string,
    outcome: { status: 'active'; grant: Record<string, unknown>; spent: bigint } | { status: 'pending'; grant: Record<string, unknown> } | { status: 'failed'; reason: string },
  ): Promise<SessionRecord | null> {
    return this.db.transaction('rw', this.db.sessions, async () => {
      const s = await this.db.sessions.get(sessionId);
      if (!s || s.status !== 'pending') return null;
      const now = this.now();
      const updated: SessionRecord =
        outcome.status === 'active'
          ? { ...s, grant: outcome.grant, spent: outcome.spent.toString(), status: 'active', statusReason: 'registered_late', updatedAt: now }
          : outcome.status === 'pending'
            ? { ...s, grant: outcome.grant, updatedAt: now }
            : { ...s, grant: {}, status: 'failed', statusReason: outcome.reason, updatedAt: now };
      await this.db.sessions.put(updated);
      return updated;
    });
  }

  /** Reservations older than `before`, across all sessions (for reconciliation after a restart). */
  async staleReservations(before: number): Promise<PaymentRecord[]> {
    return this.db.payments.where('[status+createdAt]').between(['reserved', 0], ['reserved', before], true, false).toArray();
  }

  async setStatus(sessionId: string, status: SessionStatus, reason?: string): Promise<SessionRecord | null> {
    return this.db.transaction('rw', this.db.sessions, async () => {
      const s = await this.db.sessions.get(sessionId);
      if (!s || s.status === status) return null;
      // Terminal states stay terminal: an ended session is never revived by a late event.
      if (s.status === 'revoked' || s.status === 'failed') return null;
      const updated: SessionRecord = { ...s, status, ...(reason ? { statusReason: reason } : {}), updatedAt: this.now() };
      await this.db.sessions.put(updated);
      return updated;
    });
  }

  /** Mark every active session past its expiry as expired; returns the ones changed. */
  async expireDue(): Promise<SessionRecord[]> {
    return this.db.transaction('rw', this.db.sessions, async () => {
      const nowS = Math.floor(this.now() / 1000);
      const due = await this.db.sessions.where('expiresAt').belowOrEqual(nowS).filter((s) => s.status === 'active').toArray();
      const changed: SessionRecord[] = [];
      for (const s of due) {
        const updated: SessionRecord = { ...s, status: 'expired', updatedAt: this.now() };
        await this.db.sessions.put(updated);
        changed.push(updated);
      }
      return changed;
    });
  }
}
