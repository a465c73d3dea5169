import { allowanceLocked, networkLabel } from '../chains/networks';
import { chainFor } from '../chains/registry';
import { RpcCode, WalletError } from '../errors';
import { schemeOn } from '../schemes/registry';
import type { TopUpSupport } from '../messaging/budgets';
import type { WalletDb } from '../sessions/db';
import type { Ledger } from '../sessions/ledger';
import { recurringTotal } from '../sessions/period';
import type { SessionRecord } from '../sessions/types';
import type { SchemeContexts } from './context';
import type { PageCaller } from './sender';

/** The longest a session may run from now, as for a new one (`requestSession`'s `expiresIn`). */
const MAX_EXPIRY_S = 30 * 24 * 3600;


export type { TopUpSupport };

export interface TopUpRequest {
  /** New cap, base units: the total, or for a renewing budget the per-period cap. Absent: unchanged. */
  cap?: bigint;
  /** Seconds to add to the expiry. */
  extendBy?: number;
}

export interface TopUpResult {
  session: SessionRecord;
  /** The wallet's approval, and the allowance it set; absent for a local-only extension. */
  approvalTx?: string;
  allowance?: string;
}

export interface TopUpDeps {
  db: WalletDb;
  ledger: Ledger;
  now: () => number;
  contexts: SchemeContexts;
  walletTab(origin: string): Promise<PageCaller>;
  /** What the other open sessions on this session's allowance still need (Allowances.othersNeed). */
  othersNeed(s: SessionRecord): Promise<bigint>;
  /** The session changed (expiry alarm, chain check, pages, badge). */
  onChanged?(s: SessionRecord): void;
}

/**
 * Top-up (issue 15): the same session, a higher cap or a later expiry, its payments kept. One
 * wallet approval for what the session then needs plus what the other open sessions on that spender
 * still need (an approve replaces the allowance), and the facilitator is told with that approval
 * (`PATCH /sessions/:id`). Where the facilitator cannot be told, only the expiry may move, and only
 * within the facilitator's own.
 */
export class TopUps {
  constructor(private readonly deps: TopUpDeps) {}

  private async open(id: string): Promise<SessionRecord> {
    const s = await this.deps.db.sessions.get(id);
    if (!s) throw new WalletError(RpcCode.InvalidParams, 'unknown_session', 'No such session.');
    if ((s.status !== 'active' && s.status !== 'exhausted') || s.expiresAt * 1000 <= this.deps.now()) {
      throw new WalletError(RpcCode.InvalidParams, 'session_inactive', 'Only an open session (active, or used up and not expired) can be topped up; open a new one.');
    }
    return s;
  }

  async support(id: string): Promise<TopUpSupport> {
    const s = await this.open(id);
    const maxExpiresAt = Math.floor(this.deps.now() / 1000) + MAX_EXPIRY_S;
    const locked = allowanceLocked(s.network);
    const own = schemeOn(s.scheme, s.family);
    if (!own) return { cap: false, expiry: 'none', why: `${networkLabel(s.network)}: this session's scheme is not available.`, maxExpiresAt };
    const ctx = this.deps.contexts.background(own.chain, s.origin);
    const remote = locked || !own.impl.topUp ? { remote: false, why: locked ?? 'This scheme cannot change a session once it is open.' } : await own.impl.topUp.support(ctx, s);
    if (remote.remote) return { cap: true, expiry: 'facilitator', maxExpiresAt };
    // Without the facilitator, the expiry may still move up to the facilitator's own.
    let until: number | undefined;
    try {
      const view = await own.impl.remote(ctx, s);
      if (view.found && view.expiresAt !== undefined && view.expiresAt > s.expiresAt) until = Math.min(view.expiresAt, maxExpiresAt);
    } catch {
      // Unreachable: nothing local either.
    }
    return { cap: false, expiry: until !== undefined ? 'local' : 'none', ...(until !== undefined ? { localUntil: until } : {}), why: remote.why ?? 'Top-up is not available for this session.', maxExpiresAt };
  }

  async apply(id: string, req: TopUpRequest): Promise<TopUpResult> {
    const s = await this.open(id);
    const support = await this.support(id);
    const expiresAt = s.expiresAt + Math.max(0, Math.floor(req.extendBy ?? 0));
    if (expiresAt > support.maxExpiresAt) throw new WalletError(RpcCode.InvalidParams, 'invalid_params', 'A session may run at most 30 days from now.');
    // The new total cap: as asked, or for a renewing budget what every remaining period needs at the new period cap.
    const periodCap = s.period ? (req.cap ?? BigInt(s.period.cap)) : undefined;
    if (periodCap !== undefined && periodCap < BigInt(s.period!.cap)) throw new WalletError(RpcCode.InvalidParams, 'invalid_params', 'A top-up never lowers the budget.');
    const wanted = s.period ? recurringTotal(s.period, periodCap!, BigInt(s.spent), BigInt(s.reserved), expiresAt * 1000) : (req.cap ?? BigInt(s.cap));
    const cap = wanted > BigInt(s.cap) ? wanted : BigInt(s.cap);
    if (req.cap !== undefined && !s.period && req.cap < BigInt(s.cap)) throw new WalletError(RpcCode.InvalidParams, 'invalid_params', 'A top-up never lowers the cap.');
    const chain = chainFor(s.family);
    if (!chain) throw new WalletError(RpcCode.Unsupported, 'unsupported_network', `${networkLabel(s.network)} is not supported.`);
    if (chain.maxAmount !== undefined && cap > chain.maxAmount) throw new WalletError(RpcCode.InvalidParams, 'invalid_params', 'The amount is larger than this token can hold.');
    const periodRaised = periodCap !== undefined && periodCap > BigInt(s.period!.cap);
    if (cap === BigInt(s.cap) && expiresAt === s.expiresAt && !periodRaised) throw new WalletError(RpcCode.InvalidParams, 'invalid_params', 'Nothing to change: raise the cap or extend the expiry.');
    const from = { cap: s.cap, expiresAt: s.expiresAt };
    const to = { cap, expiresAt, ...(periodCap !== undefined ? { periodCap } : {}) };

    // The facilitator must be told of a higher cap, and of an expiry past its own (known only when it cannot be told).
    const needsFacilitator = cap > BigInt(s.cap) || expiresAt > (support.localUntil ?? s.expiresAt);
    if (!needsFacilitator) {
      // Within what the facilitator already holds: nothing to sign.
      const updated = await this.deps.ledger.topUp(id, from, to);
      if (!updated) throw new WalletError(RpcCode.Internal, 'internal_error', 'The session changed meanwhile; try again.');
      this.deps.onChanged?.(updated);
      return { session: updated };
    }
    if (!support.cap) throw new WalletError(RpcCode.Unsupported, 'topup_unavailable', support.why ?? 'Top-up is not available for this session.');

    const own = schemeOn(s.scheme, s.family)!;
    // What this session can still pull (reservations in flight included) plus what the others need.
    const approveAmount = cap - BigInt(s.spent) + (await this.deps.othersNeed(s));
    const caller = await this.deps.walletTab(s.origin);
    const ctx = this.deps.contexts.opening(own.chain, caller, () => undefined);
    const held = await own.impl.topUp!.apply(ctx, s, { cap, expiresAt, approveAmount });
    const updated = await this.deps.ledger.topUp(id, from, { cap: held.cap, expiresAt: held.expiresAt, ...(periodCap !== undefined ? { periodCap } : {}) }, held.approvalTx);
    if (!updated) throw new WalletError(RpcCode.Internal, 'internal_error', `The session changed while your wallet approved (${held.approvalTx}); check it in the popup.`);
    const noted = (await this.deps.ledger.noteChain(id, { allowance: approveAmount })) ?? updated;
    this.deps.onChanged?.(noted);
    return { session: noted, approvalTx: held.approvalTx, allowance: approveAmount.toString() };
  }
}
