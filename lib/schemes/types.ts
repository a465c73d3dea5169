import type { ChainAdapter, NetworkInfo, TokenInfo, WalletRequest, WalletResult } from '../chains/types';
import type { WalletReason } from '../messaging/reasons';
import type { FacilitatorClient } from '../facilitator/client';
import type { SessionRecord, SessionStatus } from '../sessions/types';
import type { PaymentOption } from '../x402/codec';
import type { ResourceInfo } from '../x402/schema';

/**
 * The scheme plug-in surface. One folder per x402 scheme (`lib/schemes/<id>/`) implements it, with
 * one implementation per chain family it supports; the registry picks by (scheme id, family). The
 * core never compares a scheme id: it asks the registry, and treats a session row's `grant` as
 * opaque.
 */

/** A chain-height clock for the window: `current` now, about `secondsPerUnit` seconds per `unit` ("ledger"). */
export interface ExpiryOnChain {
  unit: string;
  current: number;
  secondsPerUnit: number;
}

/** A token as the approval window shows it. */
export interface TokenView extends TokenInfo {
  /** From the wallet's built-in list (true) or read from the chain (false). */
  verified: boolean;
}

/** What the core hands a scheme so it can talk to the world: no browser APIs, all injected. */
export interface SchemeContext {
  chain: ChainAdapter;
  now(): number;
  /** The read RPCs of a network, in the order to try them (the person's own first). */
  rpcs(network: string): Promise<string[]>;
  /** A facilitator client for a URL already shown to be well formed (throws FacilitatorError otherwise). */
  facilitator(url: string): FacilitatorClient;
  /** Run a request in the person's wallet, in the tab that asked (rejects with a WalletError). */
  wallet(request: WalletRequest): Promise<WalletResult>;
  /** Progress for the approval window. */
  progress(step: 'wallet' | 'registering'): void;
  /** Append to the audit log. */
  audit(event: { kind: 'session_failed'; reason: string; detail?: string; sessionId?: string }): Promise<void>;
  /** Waits between registration attempts after a wallet step landed (tests shorten them). */
  retryDelaysMs?: number[];
  log?(event: string, data: Record<string, unknown>): void;
}

/** A session to open, validated by the core, from a dapp's request or a bare 402. */
export interface OpenInput {
  source: 'dapp' | '402';
  origin: string;
  network: NetworkInfo;
  asset: string;
  token: TokenView;
  recipient: string;
  facilitatorUrl: string;
  /** Origins of the APIs the session may pay. */
  apiOrigins: string[];
  /** The most the person may approve, base units; and the longest, seconds. */
  cap: bigint;
  expiresIn: number;
  perCallMax: bigint | null;
  /** Price per call of the 402 that asked, base units. */
  price?: bigint;
  /** The 402 entry it came from (its `extra` may name a spender, a sessions endpoint, …). */
  option?: PaymentOption;
  resource?: ResourceInfo;
}

/** What the scheme learnt before the person decides: shown in the window, then used to open. */
export interface Proposal {
  /** The address the approval lets pull funds. */
  spender: string;
  /** The facilitator's normalised base URL. */
  facilitatorUrl: string;
  /** One sentence for the window: what the person's signature allows. */
  summary: string;
  /** Where the approval's end sits on chain, for families whose approvals expire by height (Stellar ledgers). */
  expiryOnChain?: ExpiryOnChain;
  /** Scheme-private state carried from proposal to opening (never shown, never stored). */
  state: Readonly<Record<string, unknown>>;
  /**
   * What the wallet will be asked, so the window says it in words: one on-chain `approve` (the
   * default), one permit signature (no gas), or one signature per paid call (nothing at opening).
   */
  ask?: WalletAsk;
  /** The least cap the server accepts (daydreams `upto`: `extra.maxAmountRequired`); the window proposes at least this. */
  minCap?: bigint;
  /** The longest the scheme lets the grant live (a short permit deadline): the window offers no longer. */
  maxExpiresIn?: number;
}

export type WalletAsk = 'approve' | 'permit' | 'per-call';

/** A paid call's answer, as the page reported it (all of it untrusted). */
export interface PaidAnswer {
  status: number;
  paymentResponse: string | null;
  paymentRequired: string | null;
  /** The JSON body of a refusal that carried no PAYMENT-REQUIRED (clipped), else null. */
  body: string | null;
  /** The `x-upto-session-id` response header (daydreams `upto`'s only receipt), else null. */
  uptoSessionId: string | null;
}

/** What a scheme makes of a paid call's answer when the standard rule (2xx + PAYMENT-RESPONSE) does not fit it. */
export type PaidVerdict =
  | { outcome: 'settled' }
  | { outcome: 'refused'; reason: string }
  /** Nothing was counted; the reservation stands and the same payment goes again after `afterMs` (daydreams `settling_in_progress`). */
  | { outcome: 'retry'; reason: string; afterMs: number };

export interface Decision {
  cap: bigint;
  expiresIn: number;
  /**
   * What the wallet approves on chain: the cap plus what other open sessions still need from the
   * same spender and token (an approve replaces the allowance, it does not add to it).
   */
  approveAmount: bigint;
  /**
   * Unix seconds: the latest end among those other sessions. Where an approve also sets when the
   * allowance expires (Stellar), it must last that long too.
   */
  approveUntil?: number;
}

/** A grant the facilitator accepted, or one approved on chain whose registration must wait. */
export type Opened =
  | { status: 'active'; grant: Record<string, unknown>; user: string; approvalTx: string; expiresAt: number; spent: bigint }
  | { status: 'pending'; grant: Record<string, unknown>; user: string; approvalTx: string; expiresAt: number; why: string };

/** The outcome of finishing a pending grant (e.g. registering with a facilitator that was down). */
export type Resumed =
  | { status: 'active'; grant: Record<string, unknown>; spent: bigint }
  | { status: 'pending'; grant: Record<string, unknown> }
  | { status: 'failed'; reason: string };

/**
 * The facilitator's view of a session (the truth for reconciliation), or that it forgot it.
 * `expiresAt` (unix s): its own end of the session, when it says (a local-only extension of the
 * expiry stays within it, issue 15).
 */
export type RemoteView = { found: true; spent: bigint; expiresAt?: number } | { found: false };

/**
 * Budgets (issue 15): raising a stored session's cap or extending its expiry, the same session,
 * without a new one. Optional: a scheme (or a facilitator) without it cannot top up.
 */
export interface SchemeTopUp {
  /** Can this session's facilitator take a top-up (`remote`), and if not, why. */
  support(ctx: SchemeContext, session: SessionRecord): Promise<{ remote: boolean; why?: string }>;
  /**
   * The wallet step (an approve of `approveAmount`: the session's new need plus what others on the
   * same allowance need) and the facilitator's update; answers what the facilitator now holds.
   * Throws WalletError.
   */
  apply(ctx: SchemeContext, session: SessionRecord, change: { cap: bigint; expiresAt: number; approveAmount: bigint }): Promise<{ cap: bigint; expiresAt: number; approvalTx: string }>;
}

/** One scheme on one chain family. */
export interface SchemeOnChain {
  /** Does this 402 entry carry what this scheme needs here? (Terms are the core's business.) */
  accepts(option: PaymentOption): boolean;
  /**
   * The facilitator a bare 402 names, to open a session from it; null when it names none usable;
   * '' when the scheme needs none of its own (`exact`: the resource server settles through its own).
   */
  facilitatorOf(option: PaymentOption): string | null;
  /**
   * May this stored session pay this 402 entry, beyond its terms? A grant goes only to its own
   * facilitator and spender: a 402 that copies the terms but names another is refused.
   */
  binds(session: SessionRecord, option: PaymentOption): 'facilitator_mismatch' | 'spender_mismatch' | null;
  propose(ctx: SchemeContext, input: OpenInput): Promise<Proposal>;
  /** The wallet step and whatever registration the scheme needs. Throws WalletError. */
  open(ctx: SchemeContext, input: OpenInput, proposal: Proposal, decision: Decision): Promise<Opened>;
  /**
   * `payload` of the payment header for a stored session, once its amount is reserved. A scheme that
   * signs per call asks the wallet here (`ctx.wallet`, in the paying frame); a throw releases the
   * reservation and the page gets its 402 with the reason.
   */
  payload(ctx: SchemeContext, session: SessionRecord, option: PaymentOption): Promise<Record<string, unknown>>;
  /** Strings of the grant that must never be page-visible (the page redacts them from responses). */
  secrets(grant: Readonly<Record<string, unknown>>): string[];
  remote(ctx: SchemeContext, session: SessionRecord): Promise<RemoteView>;
  /** Finish a `pending` grant. */
  resume?(ctx: SchemeContext, session: SessionRecord): Promise<Resumed>;
  /** A server's refusal reason that ends or changes the session. */
  statusFor(reason: string): SessionStatus | undefined;
  /**
   * A 402 entry of this scheme that `accepts` refuses for a reason worth telling the page (e.g.
   * `exact` through Permit2, Coinbase's `upto`): that reason, else null.
   */
  refusal?(option: PaymentOption): WalletReason | null;
  /** Whether a dapp's `requestSession` can open it (false: only a 402 carries the terms it needs). Default true. */
  opensFromDapp?: boolean;
  /** Read a paid call's answer; undefined: the standard rule decides. */
  classify?(session: SessionRecord, answer: PaidAnswer): PaidVerdict | undefined;
  /** Budgets (issue 15): top-up of a stored session, where the scheme and its facilitator can. */
  topUp?: SchemeTopUp;
}

export interface SchemePlugin {
  readonly id: string;
  /** What the window calls it, and why the wallet prefers it: lower asks the person less often. */
  readonly label: string;
  readonly preference: number;
  /** Asks the person's wallet for a signature on every paid call: the options page can turn such schemes off. */
  readonly signsPerCall?: boolean;
  /** Implementations by chain family. */
  readonly chains: Readonly<Record<string, SchemeOnChain>>;
}
