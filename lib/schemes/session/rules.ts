import type { NetworkInfo, WalletRequest, WalletResult } from '../../chains/types';
import type { ExpiryOnChain, SchemeContext } from '../types';
import type { PaymentOption } from '../../x402/codec';
import type { SessionGrant } from './grant';

/** The approved terms of a session about to be opened. */
export interface SessionTerms {
  network: NetworkInfo;
  /** The facilitator's own spelling of the network, sent back in `POST /sessions`. */
  facilitatorNetwork: string;
  asset: string;
  recipient: string;
  spender: string;
  cap: bigint;
  /** What the wallet approves: the cap plus what other open sessions on this spender still need. */
  approveAmount: bigint;
  /** Unix seconds: the latest end of those other sessions, for approvals that expire on chain. */
  approveUntil?: number;
  /** Seconds the person approved. */
  expiresIn: number;
}

/**
 * What differs per chain family in the `session` scheme (docs/protocol.md §5.1–5.3): the wallet
 * step, the registration body, and the payment payload.
 */
export interface SessionChainRules {
  /**
   * Where the approval's end sits on chain, for families whose approvals expire by height (read
   * before the person decides, so the window can say which ledger an expiry maps to).
   */
  expiryOnChain?(ctx: SchemeContext, network: NetworkInfo): Promise<ExpiryOnChain>;
  /** The wallet step; it may read the chain first (e.g. Stellar's latest ledger for the expiry). */
  walletRequest(ctx: SchemeContext, terms: SessionTerms): Promise<WalletRequest>;
  /**
   * `POST /sessions` body once the wallet step landed; `openedAt` is unix seconds; `request` is what
   * `walletRequest` built (the flow always hands it back; Stellar's ledgers are in it).
   */
  registrationBody(terms: SessionTerms, wallet: WalletResult, openedAt: number, request?: WalletRequest): Record<string, unknown>;
  /** The session's end as unix seconds, from what was registered. */
  expiresAt(body: Record<string, unknown>, terms: SessionTerms, openedAt: number, request?: WalletRequest): number;
  payload(grant: SessionGrant, option: PaymentOption): Record<string, unknown>;
  /**
   * Set when the facilitator itself submits the approve at registration (Solana: the wallet only
   * signs it partially; the facilitator co-signs as fee payer): the field of its `POST /sessions`
   * answer that names the transaction. A registration that never got a verdict is then not kept for
   * a later retry: the signed approve names a blockhash that soon expires, and nothing of it may be
   * on chain.
   */
  approvalTxField?: string;
  /**
   * Budgets (issue 15): the `PATCH /sessions/:id` body of a top-up once the wallet approved the new
   * amount. Absent: this family cannot top up (Solana: the approve exists only inside opening).
   */
  topUpBody?(wallet: WalletResult, change: { cap: bigint; expiresAt: number }): Record<string, unknown>;
}

