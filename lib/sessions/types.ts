import type { X402SessionStatus, X402SessionView } from '../../types/x402session';
import type { ChainFamily } from '../x402/networks';

/** `pending`: approved on chain, not yet registered with the facilitator (it was unreachable). */
export type SessionStatus = X402SessionStatus;
export type PaymentStatus = 'reserved' | 'settled' | 'released';

/**
 * A session as the background stores it. Amounts are base-unit decimal strings (IndexedDB has no
 * portable bigint); `secretId` is the facilitator's bearer session id and never leaves the
 * background except inside a payment header bound for this session's payee.
 */
export interface SessionRecord {
  /** Public handle: random, safe to show to the page and the popup. */
  id: string;
  /** The facilitator's session id: a bearer credential. */
  secretId: string;
  /** Full origin (scheme, host, port) of the site the person approved. */
  origin: string;
  family: ChainFamily;
  /** Canonical CAIP-2 network. */
  network: string;
  scheme: 'session';
  asset: string;
  symbol: string;
  decimals: number;
  recipient: string;
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
  /** Last time `spent` was aligned with the facilitator's `GET /sessions/:id`. */
  reconciledAt?: number;
  /** While `pending`: the `POST /sessions` to retry, so an approval already on chain is not lost. */
  registration?: { endpoint: string; body: Record<string, unknown>; attempts: number; lastError: string };
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

export function remainingOf(s: Pick<SessionRecord, 'cap' | 'spent' | 'reserved'>): bigint {
  const r = BigInt(s.cap) - BigInt(s.spent) - BigInt(s.reserved);
  return r > 0n ? r : 0n;
}

export function toPublicView(s: SessionRecord): PublicSessionView {
  return {
    id: s.id,
    origin: s.origin,
    network: s.network,
    scheme: s.scheme,
    asset: s.asset,
    symbol: s.symbol,
    decimals: s.decimals,
    recipient: s.recipient,
    cap: s.cap,
    spent: s.spent,
    remaining: (BigInt(s.cap) - BigInt(s.spent) > 0n ? BigInt(s.cap) - BigInt(s.spent) : 0n).toString(),
    perCallMax: s.perCallMax,
    expiresAt: s.expiresAt,
    status: s.status,
    createdAt: s.createdAt,
  };
}
