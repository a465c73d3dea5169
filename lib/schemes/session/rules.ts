import type { ChainAdapter, NetworkInfo, WalletRequest, WalletResult } from '../../chains/types';
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
  /** Seconds the person approved. */
  expiresIn: number;
}

/**
 * What differs per chain family in the `session` scheme (docs/protocol.md §5.1–5.3): the wallet
 * step, the registration body, and the payment payload.
 */
export interface SessionChainRules {
  walletRequest(chain: ChainAdapter, terms: SessionTerms, nowSeconds: number): WalletRequest;
  /** `POST /sessions` body once the wallet step landed; `openedAt` is unix seconds. */
  registrationBody(terms: SessionTerms, wallet: WalletResult, openedAt: number): Record<string, unknown>;
  /** The session's end as unix seconds, from what was registered. */
  expiresAt(body: Record<string, unknown>, terms: SessionTerms, openedAt: number): number;
  payload(grant: SessionGrant, option: PaymentOption): Record<string, unknown>;
}
