import type { X402SessionStatus, X402SessionView } from '../../types/x402session';

/** `pending`: approved on chain, not yet registered with the facilitator (it was unreachable). */
export type SessionStatus = X402SessionStatus;
export type PaymentStatus = 'reserved' | 'settled' | 'released';

/**
 * A session as the background stores it, whatever its scheme. Amounts are base-unit decimal strings
 * (IndexedDB has no portable bigint). `grant` is the scheme's private part — for `session`, the
 * facilitator's bearer session id — and never leaves the background except inside a payment header
 * bound for this session's payee.
 */
export interface SessionRecord {
  /** Public handle: random, safe to show to the page and the popup. */
  id: string;
  /** Full origin (scheme, host, port) of the site the person approved. */
  origin: string;
  /** Chain family (a key of lib/chains/registry.ts). */
  family: string;
  /** Canonical CAIP-2 network. */
  network: string;
  /** x402 scheme id (a key of lib/schemes/registry.ts). */
  scheme: string;
  /** Scheme-private credential and state, read only by its scheme (JSON). A bearer secret. */
  grant: Readonly<Record<string, unknown>>;
  asset: string;
  symbol: string;
  decimals: number;
  recipient: string;
  /** Origins of the APIs this session may pay (the one whose 402 opened it, or those the dapp listed). */
  apiOrigins: string[];
  spender: string;
  /** The payer's address. */
  user: string;
  facilitatorUrl: string;
  cap: string;
  spent: string;
  reserved: string;
  /** Per-call ceiling the person accepted; null = only the facilitator's own limit. */
  perCallMax: string | null;
  /** Unix seconds. */
  expiresAt: number;
  status: SessionStatus;
  statusReason?: string;
  approvalTx: string;
  createdAt: number;
  updatedAt: number;
  /** Last time `spent` was aligned with the facilitator's view. */
  reconciledAt?: number;
  /** While `paused`: the amount of the payment that failed on chain (what the chain must cover again). */
  pausedFor?: string;
  /** The transaction that lowered the allowance when the session ended (offered, never silent). */
  revokeTx?: string;
  /** What the chain said last: the allowance the spender has and the payer's balance (base units), and when. */
  chainCheck?: { allowance: string; balance?: string; at: number };
  /** The facilitator's own figure for spent, and when it was read (kept even when not yet adopted). */
  remoteSpent?: string;
  remoteAt?: number;
}

export interface PaymentRecord {
  id: string;
  /** Public session handle. */
  sessionId: string;
  origin: string;
  url: string;
  method: string;
  amount: string;
  status: PaymentStatus;
  txHash?: string;
  /** Why it was released (or how it was settled, e.g. "reconciled"). */
  reason?: string;
  /** The page's id for this paid call: a `pay` retried after a worker restart reuses it. */
  attemptId?: string;
  createdAt: number;
  updatedAt: number;
}

/** An entry of the audit log: a payment declined or refused, and why. */
export interface WalletEvent {
  id?: number;
  at: number;
  origin: string;
  kind: 'payment_declined' | 'payment_refused' | 'session_failed';
  reason: string;
  url?: string;
  method?: string;
  detail?: string;
  sessionId?: string;
}

/**
 * What a page (or the popup) may see of a session: exactly the published dapp type, so the two
 * cannot drift. No bearer id, by construction.
 */
export type PublicSessionView = X402SessionView;

/**
 * What the session can still pay: the cap less what settled and what is reserved for calls in
 * flight. The one meaning of "remaining", for the page, the popup and the badge alike.
 */
export function remainingOf(s: Pick<SessionRecord, 'cap' | 'spent' | 'reserved'>): bigint {
  const r = BigInt(s.cap) - BigInt(s.spent) - BigInt(s.reserved);
  return r > 0n ? r : 0n;
}

export function toPublicView(s: SessionRecord): PublicSessionView {
  return {
    id: s.id,
    origin: s.origin,
    network: s.network,
    scheme: s.scheme as PublicSessionView['scheme'],
    asset: s.asset,
    symbol: s.symbol,
    decimals: s.decimals,
    recipient: s.recipient,
    cap: s.cap,
    spent: s.spent,
    remaining: remainingOf(s).toString(),
    perCallMax: s.perCallMax,
    expiresAt: s.expiresAt,
    status: s.status,
    ...(s.statusReason ? { statusReason: s.statusReason } : {}),
    ...(s.remoteSpent !== undefined && s.remoteAt !== undefined ? { facilitatorSpent: s.remoteSpent, checkedAt: s.remoteAt } : {}),
    ...(s.chainCheck ? { onChain: { ...s.chainCheck } } : {}),
    createdAt: s.createdAt,
  };
}
