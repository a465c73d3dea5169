/**
 * `window.x402session` — the API the x402 Session Wallet extension injects into every page.
 *
 * Usage in a dapp (TypeScript):
 *   import type {} from 'x402-session-wallet/types/x402session';   // or copy this file
 *   const x = window.x402session ?? await waitForX402Session();
 *   const s = await x.requestSession({ network: 'eip155:84532', cap: '1.00', expiresIn: 3600,
 *     recipient: '0x…', facilitatorUrl: 'https://…' });
 *   const res = await fetch('https://api.example/paid');   // paid silently from the session
 *
 * Amounts in the *results* are base-unit decimal strings (e.g. "100000" = 0.10 USDC with 6
 * decimals); amounts you *pass* (`cap`, `perCallMax`) are decimal strings in token units
 * ("1.00"), like the session SDKs. Errors are `X402SessionError`s with EIP-1193 codes.
 */

/**
 * `pending`: approved on chain, waiting for the facilitator to register it. `paused`: a payment
 * failed on chain (allowance or balance no longer covers it); nothing is paid until the cause is
 * fixed (the wallet re-checks, or the person re-approves) or the session is ended.
 */
/** The x402 schemes the wallet pays. */
export type X402Scheme = 'session' | 'upto' | 'exact';

export type X402SessionStatus = 'pending' | 'active' | 'paused' | 'exhausted' | 'expired' | 'revoked' | 'failed';

export interface RequestSessionParams {
  /** CAIP-2 (`eip155:84532`) or a facilitator alias (`base:sepolia`). */
  network: string;
  /** Token contract / asset id. Defaults to USDC on Base and Base Sepolia. */
  asset?: string;
  /** Spending cap in token units, e.g. "1.00". The person may lower it. */
  cap: string;
  /** Seconds until the session ends (60 … 30 days). The person may shorten it. */
  expiresIn: number;
  /** Who gets paid (the API's `payTo`). */
  recipient: string;
  /** The session facilitator (https, or http on localhost). */
  facilitatorUrl: string;
  /**
   * Only `session` opens from here. `upto` and `exact` open from the API's own 402 (the wallet asks
   * when a plain `fetch` meets it): only the 402 carries their token domain and price.
   */
  scheme?: 'session';
  /** Refuse any single call above this, in token units. */
  perCallMax?: string;
}

/** What a page may see of a session. Never contains the facilitator's bearer session id, nor an `upto` permit. */
export interface X402SessionView {
  /** Public handle for `endSession`; not a payment credential. */
  id: string;
  origin: string;
  network: string;
  /**
   * `session`: one on-chain approve, a bearer session id per call. `upto` (daydreams): one ERC-2612
   * permit for the cap, reused until the cap or its short deadline (`expiresAt`). `exact`: a budget
   * set once; each call asks the wallet for one EIP-3009 signature of exactly its price.
   */
  scheme: X402Scheme;
  asset: string;
  symbol: string;
  decimals: number;
  recipient: string;
  cap: string;
  spent: string;
  remaining: string;
  perCallMax: string | null;
  /** Unix seconds. */
  expiresAt: number;
  status: X402SessionStatus;
  /**
   * Why the status is what it is, when the wallet knows (e.g. `session_not_found`,
   * `onchain_transfer_failed`; for `upto`, the server's `cap_exhausted` / `session_closed` / `invalid_payload`).
   */
  statusReason?: string;
  /** What the facilitator itself counts as spent, and when the wallet last asked (ms). */
  facilitatorSpent?: string;
  checkedAt?: number;
  /** What the chain said last: the spender's allowance and the payer's balance (base units), and when (ms). */
  onChain?: { allowance: string; balance?: string; at: number };
  /**
   * A budget that renews (the person chose it in the approval window): `cap` is then the total over
   * every period, and this is the current period's budget. Times in unix seconds.
   */
  period?: { every: 'day' | 'week' | 'month'; cap: string; spent: string; remaining: string; index: number; startsAt: number; renewsAt: number };
  /** How many times the person raised the cap or extended the expiry (same session, history kept). */
  topUps?: number;
  /** The transaction that lowered the on-chain allowance this session no longer needed, when the person did. */
  revokeTx?: string;
  createdAt: number;
}

/**
 * A budget alert, the same the person gets as a browser notification: `cap_80` / `cap_100` at 80%
 * and 100% of the cap (of the current period's, for a renewing budget), `expiry_day` /
 * `expiry_hour` a day and an hour before the session ends.
 */
export interface X402BudgetAlertEvent {
  kind: 'cap_80' | 'cap_100' | 'expiry_day' | 'expiry_hour';
  session: X402SessionView;
}

export interface X402PaymentEvent {
  url: string;
  method: string;
  amount: string;
  /** Settlement transaction, when the server reported one. */
  transaction?: string;
  session: X402SessionView;
}

/**
 * Every reason the wallet itself gives, for a payment it did not make or a request it refused
 * (the extension's lib/messaging/reasons.ts; a test keeps the two lists equal), plus `http_<status>`
 * for a paid retry the server refused without saying why.
 */
export type X402Reason =
  | 'no_x402_data'
  | 'header_too_large'
  | 'body_too_large'
  | 'invalid_base64'
  | 'invalid_json'
  | 'forbidden_key'
  | 'too_deep'
  | 'unsupported_version'
  | 'invalid_schema'
  | 'no_valid_accepts'
  | 'conflicting_requirements'
  | 'cors_blocked'
  | 'unsupported_scheme'
  | 'unsupported_network'
  | 'no_session'
  | 'no_facilitator'
  | 'scheme_mismatch'
  | 'network_mismatch'
  | 'asset_mismatch'
  | 'recipient_mismatch'
  | 'api_origin_mismatch'
  | 'facilitator_mismatch'
  | 'session_inactive'
  | 'session_paused'
  | 'session_expired'
  | 'invalid_amount'
  | 'per_call_limit_exceeded'
  | 'cap_exceeded'
  | 'period_cap_exceeded'
  | 'already_paid'
  | 'no_route'
  | 'rate_limited'
  | 'storage_error'
  | 'internal_error'
  | 'not_sent'
  | 'redirect_refused'
  | 'unconfirmed'
  | 'network_error'
  | 'payment_refused'
  | 'settlement_failed'
  | 'approval_pending'
  | 'approval_cooldown'
  | 'confirm_pending'
  | 'confirm_cooldown'
  | 'site_blocked'
  | 'approval_window_failed'
  | 'user_rejected'
  | 'invalid_decision'
  | 'invalid_facilitator_url'
  | 'facilitator_unavailable'
  | 'facilitator_unreachable'
  | 'facilitator_rejected'
  | 'facilitator_bad_response'
  | 'spender_mismatch'
  | 'token_unreadable'
  | 'no_wallet'
  | 'wallet_locked'
  | 'wrong_network'
  | 'wallet_timeout'
  | 'wallet_error'
  | 'approve_reverted'
  | 'approve_failed'
  | 'approval_not_verified'
  | 'document_gone'
  | 'unsupported_request'
  | 'choose_wallet'
  | 'rpc_unreachable'
  | 'permit2_unsupported'
  | 'coinbase_upto'
  | 'missing_eip712_domain'
  | 'domain_mismatch'
  | 'authorization_expired'
  | 'spender_busy'
  | 'per_call_off'
  | 'cap_exhausted'
  | 'session_closed'
  | 'settling_in_progress'
  | 'invalid_payload'
  | 'invalid_request'
  | 'invalid_params'
  | 'unsupported_method'
  | 'unknown_session'
  | 'unknown_attempt'
  | 'unknown_approval'
  | 'topup_unavailable'
  | 'extension_unavailable'
  | 'extension_timeout'
  | 'extension_error'
  | `http_${number}`;

export interface X402PaymentFailedEvent {
  url: string;
  method: string;
  /**
   * Stable reason: one of the wallet's own, or a server's or facilitator's code passed through as
   * received (`PAYMENT-REQUIRED.error`, `PAYMENT-RESPONSE.errorReason`), e.g. `invalid_exact_evm_nonce_already_used`.
   */
  reason: X402Reason | (string & {});
  message: string;
  session?: X402SessionView;
}

export interface X402SessionEventMap {
  payment: X402PaymentEvent;
  paymentFailed: X402PaymentFailedEvent;
  sessionChanged: X402SessionView;
  budgetAlert: X402BudgetAlertEvent;
}

export interface X402SessionError extends Error {
  /** 4001 rejected by the person, 4100 unauthorized, 4200 unsupported, 4900 the extension or the
   *  wallet is not connected, -32602 invalid params, -32002 a request is already pending,
   *  -32005 rate limited, -32603 internal. */
  code: number;
  /** Stable machine-readable reason, e.g. `user_rejected`, `approval_pending`. */
  reason: X402Reason;
}

export interface X402Session {
  readonly version: string;
  requestSession(params: RequestSessionParams): Promise<X402SessionView>;
  /** This origin's sessions only. */
  getSessions(): Promise<X402SessionView[]>;
  endSession(id: string): Promise<void>;
  /** Same as the page's `fetch`, paying x402 402s from this origin's sessions. */
  fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response>;
  on<K extends keyof X402SessionEventMap>(event: K, handler: (data: X402SessionEventMap[K]) => void): void;
  off<K extends keyof X402SessionEventMap>(event: K, handler: (data: X402SessionEventMap[K]) => void): void;
}

declare global {
  interface Window {
    x402session?: X402Session;
  }
  interface WindowEventMap {
    /** Fired on `window` once `window.x402session` exists (for dapps whose scripts ran first). */
    'x402session#initialized': Event;
  }
}
