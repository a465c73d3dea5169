import type { FacilitatorStanding } from '../facilitator/known';
import type { ExpiryOnChain, TokenView } from '../schemes/types';
import type { RenewEvery } from '../sessions/period';
import type { PublicSessionView } from '../sessions/types';

/**
 * Everything the approval window shows, shared by the background (which builds it) and the window
 * (which renders it). The person may lower `cap` and `expiresIn`, nothing else.
 */
export interface ApprovalPrompt {
  id: string;
  origin: string;
  source: 'dapp' | '402';
  network: string;
  networkLabel: string;
  /** The x402 scheme the session pays with, and what the person's signature allows under it. */
  scheme: string;
  /** How the window names it, and why it was chosen among what the API offered. */
  schemeLabel?: string;
  schemeSummary: string;
  schemeWhy?: string;
  /** What the wallet is asked: one `approve` transaction, one permit signature (no gas), or a signature per paid call. */
  ask?: 'approve' | 'permit' | 'per-call';
  asset: string;
  token: TokenView;
  recipient: string;
  /** The API origins the session will pay, and only those. */
  apiOrigins: string[];
  spender: string;
  facilitatorUrl: string;
  facilitatorHost: string;
  /** Whether the wallet knows this facilitator (by name), it is the person's own machine, or neither. */
  facilitatorStanding: FacilitatorStanding;
  /** Proposed cap and expiry, base units / seconds: the maximum the person can approve. */
  cap: string;
  expiresIn: number;
  /**
   * For families whose approvals expire by chain height: the height now and its pace, so the
   * window can show which ledger (block) the chosen expiry maps to. Absent elsewhere.
   */
  expiryOnChain?: ExpiryOnChain;
  perCallMax: string | null;
  /** The least cap the API accepts (base units), when it says: the window refuses to go below it. */
  minCap?: string;
  /** Price per call from the 402 that triggered this, base units. */
  price?: string;
  resource?: { url: string; description?: string; serviceName?: string; iconUrl?: string };
  existing: PublicSessionView[];
  /**
   * Open sessions (any site) that draw on the same allowance: the approve must cover what they still
   * need as well as the new cap, and the window says so.
   */
  sharedAllowance: { origin: string; remaining: string }[];
  /** Budgets (issue 15): the renewals the person may choose (each shorter than the expiry asked). */
  renew?: RenewEvery[];
}

export interface ApprovalDecision {
  cap: string;
  expiresIn: number;
  /** Base units; null = none (only when the site set none); absent = as proposed. */
  perCallMax?: string | null;
  /** Budgets (issue 15): renew each day, week or month; `cap` is then the per-period cap. */
  renew?: RenewEvery;
}

export type ApprovalStep = 'waiting' | 'wallet' | 'registering' | 'done' | 'failed';

export interface ApprovalState {
  prompt: ApprovalPrompt;
  step: ApprovalStep;
  message?: string;
  tabId: number;
  /** Several wallets in the page answered: the person picks the one to sign with (names as the wallets give them). */
  wallets?: string[];
}
