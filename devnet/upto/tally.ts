/**
 * The resource server's side of daydreams `upto` (x402-protocol.md §6.5): one session per
 * permit (its id derived from the permit), states `open | settling | closed`, and the rule
 * `pending += amount` only if `settled + pending + amount ≤ cap`. In memory, like daydreams'
 * default store. No I/O here; devnet/upto/batcher.ts moves the money.
 */
import { permitFieldsOf, uptoSessionId } from './wire';

export type UptoSessionStatus = 'open' | 'settling' | 'closed';

/** The limit signals a paid call can get instead of the resource (JSON body, no PAYMENT-REQUIRED). */
export type UptoLimitError = 'invalid_payload' | 'settling_in_progress' | 'session_closed' | 'cap_exhausted';

export const UPTO_LIMIT_SIGNALS: Readonly<Record<UptoLimitError, { status: number; message: string }>> = {
  invalid_payload: { status: 400, message: 'Invalid upto payment payload' },
  settling_in_progress: { status: 409, message: 'Session is settling a batch, retry shortly' },
  session_closed: { status: 402, message: 'Session closed. Reauthorize a new upto cap' },
  cap_exhausted: { status: 402, message: 'Upto cap exhausted, reauthorize with higher max' },
};

export interface UptoSettlementRecord {
  reason: string;
  amount: bigint;
  success: boolean;
  transaction: string;
  errorReason?: string;
  atMs: number;
}

export interface UptoSession {
  id: string;
  status: UptoSessionStatus;
  owner: string;
  spender: string;
  cap: bigint;
  /** Permit deadline, unix seconds. */
  deadline: bigint;
  pending: bigint;
  settled: bigint;
  /** Paid calls since the last settlement attempt (drives "settle every N calls"). */
  callsSinceSettle: number;
  calls: number;
  lastActivityMs: number;
  /** The last payload and requirements seen: what a settlement sends to the facilitator. */
  paymentPayload: Record<string, unknown>;
  paymentRequirements: Record<string, unknown> & { amount: string };
  settlements: UptoSettlementRecord[];
}

export type TrackResult =
  | { ok: true; session: UptoSession }
  | { ok: false; error: UptoLimitError; sessionId: string; session?: UptoSession };

export class UptoTally {
  private readonly sessions = new Map<string, UptoSession>();

  get(id: string): UptoSession | undefined {
    return this.sessions.get(id);
  }

  all(): UptoSession[] {
    return [...this.sessions.values()];
  }

  /** Counts one verified call of `requirements.amount` against the payload's session. */
  track(
    paymentPayload: Record<string, unknown> & { accepted: { network: string; asset: string } },
    paymentRequirements: Record<string, unknown> & { amount: string },
    nowMs: number,
  ): TrackResult {
    const sessionId = uptoSessionId(paymentPayload.accepted, paymentPayload.payload);
    const permit = permitFieldsOf(paymentPayload.payload);
    if (!permit || !/^\d+$/.test(permit.cap) || !/^\d+$/.test(permit.deadline)) return { ok: false, error: 'invalid_payload', sessionId };
    const price = BigInt(paymentRequirements.amount);

    let session = this.sessions.get(sessionId);
    if (!session) {
      session = {
        id: sessionId,
        status: 'open',
        owner: permit.owner,
        spender: permit.spender,
        cap: BigInt(permit.cap),
        deadline: BigInt(permit.deadline),
        pending: 0n,
        settled: 0n,
        callsSinceSettle: 0,
        calls: 0,
        lastActivityMs: nowMs,
        paymentPayload,
        paymentRequirements,
        settlements: [],
      };
    }
    if (session.status === 'settling') return { ok: false, error: 'settling_in_progress', sessionId, session };
    if (session.status === 'closed') return { ok: false, error: 'session_closed', sessionId, session };
    if (session.settled + session.pending + price > session.cap) return { ok: false, error: 'cap_exhausted', sessionId, session };

    session.pending += price;
    session.calls += 1;
    session.callsSinceSettle += 1;
    session.lastActivityMs = nowMs;
    session.paymentPayload = paymentPayload;
    session.paymentRequirements = paymentRequirements;
    this.sessions.set(sessionId, session);
    return { ok: true, session };
  }

  /**
   * Moves an open session with something pending to `settling` and returns what to settle;
   * undefined when there is nothing to do. A close with nothing pending just closes.
   */
  beginSettle(id: string, closeAfter: boolean): { amount: bigint; paymentPayload: Record<string, unknown>; paymentRequirements: Record<string, unknown> } | undefined {
    const session = this.sessions.get(id);
    if (!session || session.status === 'settling') return undefined;
    if (session.pending <= 0n) {
      if (closeAfter) session.status = 'closed';
      return undefined;
    }
    if (session.status === 'closed' && !closeAfter) return undefined;
    session.status = 'settling';
    return {
      amount: session.pending,
      paymentPayload: session.paymentPayload,
      paymentRequirements: { ...session.paymentRequirements, amount: session.pending.toString() },
    };
  }

  /**
   * Records a settlement's outcome. Success moves `pending` into `settled`; the session closes
   * when asked to, when the cap is used up, or when the permit deadline is within
   * `deadlineBufferSec`. A failed settlement keeps the pending amount and the session retryable
   * (a failed close still closes: no more accrual).
   */
  finishSettle(
    id: string,
    outcome: { amount: bigint; reason: string; success: boolean; transaction: string; errorReason?: string },
    opts: { closeAfter: boolean; nowMs: number; deadlineBufferSec: number },
  ): void {
    const session = this.sessions.get(id);
    if (!session) return;
    session.settlements.push({
      reason: outcome.reason,
      amount: outcome.amount,
      success: outcome.success,
      transaction: outcome.transaction,
      ...(outcome.errorReason ? { errorReason: outcome.errorReason } : {}),
      atMs: opts.nowMs,
    });
    session.callsSinceSettle = 0;
    if (outcome.success) {
      session.settled += outcome.amount;
      session.pending -= outcome.amount;
      const nowSec = BigInt(Math.floor(opts.nowMs / 1000));
      const closes = opts.closeAfter || session.settled >= session.cap || session.deadline <= nowSec + BigInt(opts.deadlineBufferSec);
      session.status = closes ? 'closed' : 'open';
    } else {
      session.status = opts.closeAfter ? 'closed' : 'open';
    }
  }
}

/** JSON view of a session (bigints as decimal strings) for the status route. */
export function sessionView(session: UptoSession) {
  return {
    sessionId: session.id,
    status: session.status,
    network: (session.paymentPayload.accepted as { network?: unknown } | undefined)?.network,
    asset: (session.paymentPayload.accepted as { asset?: unknown } | undefined)?.asset,
    owner: session.owner,
    spender: session.spender,
    payTo: session.paymentRequirements.payTo,
    cap: session.cap.toString(),
    pendingSpent: session.pending.toString(),
    settledTotal: session.settled.toString(),
    remaining: (session.cap - session.pending - session.settled).toString(),
    deadline: session.deadline.toString(),
    calls: session.calls,
    settlements: session.settlements.map((s) => ({ ...s, amount: s.amount.toString() })),
  };
}
