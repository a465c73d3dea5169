import { schemeOn } from '../schemes/registry';
import type { Ledger } from '../sessions/ledger';
import type { WalletDb } from '../sessions/db';
import type { SessionRecord } from '../sessions/types';
import type { SchemeContexts } from './context';

export interface UpkeepDeps {
  db: WalletDb;
  ledger: Ledger;
  now: () => number;
  contexts: SchemeContexts;
  notify?: (session: SessionRecord) => void;
  /** A session ended: forget what pre-pays it. */
  onEnded?: (sessionId: string) => void;
  log?: (event: string, data: Record<string, unknown>) => void;
}

/** Reservations older than this with no report are presumed orphaned and reconciled. */
export const RESERVATION_TTL_MS = 2 * 60_000;
/** How long a payment served without a receipt waits for the facilitator's figure. */
const UNCONFIRMED_WAIT_MS = 5_000;
/** How often an active session's figure is checked with its facilitator. */
const ACTIVE_CHECK_MS = 5 * 60_000;

/**
 * Keeping sessions true over time: expiry, pending registrations, reconciliation with the
 * facilitator (the truth about what was spent), ending.
 */
export class Upkeep {
  constructor(private readonly deps: UpkeepDeps) {}

  private schemeOf(s: SessionRecord) {
    const p = schemeOn(s.scheme, s.family);
    return p ? { impl: p.impl, ctx: this.deps.contexts.background(p.chain, s.origin) } : null;
  }

  /** Finish a `pending` session (approved on chain, facilitator was down) now. */
  async retryRegistration(id: string): Promise<SessionRecord | null> {
    const s = await this.deps.db.sessions.get(id);
    if (!s || s.status !== 'pending') return null;
    if (this.deps.now() >= s.expiresAt * 1000) {
      const expired = await this.deps.ledger.setStatus(id, 'expired', 'expired_before_registration');
      if (expired) this.deps.notify?.(expired);
      return expired;
    }
    const scheme = this.schemeOf(s);
    if (!scheme?.impl.resume) return null;
    const outcome = await scheme.impl.resume(scheme.ctx, s);
    const updated = await this.deps.ledger.resolvePending(id, outcome);
    if (updated && outcome.status !== 'pending') this.deps.notify?.(updated);
    return updated;
  }

  async retryPendingRegistrations(): Promise<void> {
    const pending = await this.deps.db.sessions.where('status').equals('pending').toArray();
    for (const s of pending) await this.retryRegistration(s.id).catch(() => undefined);
  }

  async end(id: string, reason: 'ended_by_site' | 'ended_by_user'): Promise<SessionRecord | null> {
    this.deps.onEnded?.(id);
    const updated = await this.deps.ledger.setStatus(id, 'revoked', reason);
    if (updated) this.deps.notify?.(updated);
    return updated;
  }

  /**
   * Align one session with its facilitator's view. Reservations younger than `staleAfterMs` may
   * still be settling, so their session waits; a shorter wait is safe for a call whose outcome only
   * the facilitator knows, because an amount is never counted twice (a late commit of a payment the
   * reconciliation already settled is a no-op) and the total is the facilitator's.
   */
  async reconcileSession(id: string, staleAfterMs = RESERVATION_TTL_MS): Promise<SessionRecord | null> {
    const s = await this.deps.db.sessions.get(id);
    if (!s) return null;
    const scheme = this.schemeOf(s);
    if (!scheme) return null;
    const remote = await scheme.impl.remote(scheme.ctx, s);
    if (!remote.found) {
      const failed = await this.deps.ledger.setStatus(id, 'failed', 'session_not_found');
      if (failed) this.deps.notify?.(failed);
      return failed;
    }
    const r = await this.deps.ledger.reconcile(id, { spent: remote.spent }, this.deps.now() - staleAfterMs);
    if (r?.changed) this.deps.notify?.(r.session);
    return r?.session ?? null;
  }

  /**
   * While a session is active, the facilitator's figure is asked for now and then (a leaked id spent
   * elsewhere shows up here, not only when a call fails).
   */
  async reconcileActive(everyMs = ACTIVE_CHECK_MS): Promise<number> {
    const cutoff = this.deps.now() - everyMs;
    const due = await this.deps.db.sessions.where('status').equals('active').filter((s) => (s.remoteAt ?? s.createdAt) <= cutoff).toArray();
    let done = 0;
    for (const s of due) {
      try {
        if (await this.reconcileSession(s.id)) done++;
      } catch (e) {
        this.deps.log?.('reconcile.failed', { session: s.id, error: e instanceof Error ? e.message : String(e) });
      }
    }
    return done;
  }

  /** Reconcile in a few seconds (a payment served without a receipt); the stale sweep catches it if the worker stops first. */
  reconcileSoon(id: string, delayMs = UNCONFIRMED_WAIT_MS): void {
    setTimeout(() => void this.reconcileSession(id, delayMs).catch((e) => this.deps.log?.('reconcile.failed', { session: id, error: e instanceof Error ? e.message : String(e) })), delayMs + 50);
  }

  /** Reconcile every session holding reservations older than the TTL (after a worker restart, by alarm). */
  async reconcileStale(): Promise<number> {
    const stale = await this.deps.ledger.staleReservations(this.deps.now() - RESERVATION_TTL_MS);
    let done = 0;
    for (const id of new Set(stale.map((p) => p.sessionId))) {
      try {
        if (await this.reconcileSession(id)) done++;
      } catch (e) {
        // Facilitator down: keep the reservations (conservative) and try at the next alarm.
        this.deps.log?.('reconcile.failed', { session: id, error: e instanceof Error ? e.message : String(e) });
      }
    }
    return done;
  }

  async expireDue(): Promise<SessionRecord[]> {
    const changed = await this.deps.ledger.expireDue();
    for (const s of changed) this.deps.notify?.(s);
    return changed;
  }
}
