import type { PaymentOption } from '../x402/codec';
import type { ChainFamily, NetworkInfo } from '../x402/networks';

/** Everything needed to open a session on one chain, after the person approved the terms. */
export interface SessionTerms {
  network: NetworkInfo;
  /** The facilitator's own spelling of the network, sent back in `POST /sessions`. */
  facilitatorNetwork: string;
  asset: string;
  recipient: string;
  spender: string;
  cap: bigint;
  /** Seconds from now until the session ends. */
  expiresIn: number;
}

/** The one transaction the person's wallet signs. Serialisable: it crosses into the signer chunk. */
export type ApproveRequest =
  | { family: 'evm'; chainId: number; token: `0x${string}`; spender: `0x${string}`; amount: string; data: `0x${string}` }
  | { family: 'stellar'; network: string; asset: string; spender: string; amount: string; expirationLedger: number }
  | { family: 'solana'; network: string; asset: string; spender: string; amount: string; expirationUnix: number };

/** What the signer chunk hands back once the approve is on chain. */
export interface ApprovalResult {
  /** The payer (wallet account) that signed. */
  user: string;
  txHash: string;
  /** Chain-specific extras (Solana: approveTxBase64, authMessage, authSignature). */
  extra?: Record<string, string>;
}

export interface TokenInfo {
  symbol: string;
  decimals: number;
  name?: string;
}

/**
 * One chain family. EVM is implemented now; Stellar (SAC approve + transfer_from, expiry in
 * ledgers) and Solana (Inco approve_checked + auth message) implement the same surface.
 */
export interface ChainAdapter {
  readonly family: ChainFamily;
  isAddress(value: string): boolean;
  sameAddress(a: string, b: string): boolean;
  /** Session expiry as unix seconds, and the field the facilitator expects for it. */
  expiry(expiresIn: number, nowSeconds: number, latestLedger?: number): { expiresAt: number; wire: Record<string, number> };
  approveRequest(terms: SessionTerms, nowSeconds: number): ApproveRequest;
  /** Body of `POST /sessions` once the approve landed. */
  sessionBody(terms: SessionTerms, approval: ApprovalResult, nowSeconds: number): Record<string, unknown>;
  /** `payload` inside PAYMENT-SIGNATURE / X-PAYMENT for a session payment. */
  paymentPayload(sessionId: string, option: PaymentOption): Record<string, unknown>;
  readToken(rpcUrl: string, asset: string): Promise<TokenInfo>;
  readAllowance(rpcUrl: string, asset: string, owner: string, spender: string): Promise<bigint>;
}
