import type { WalletReason } from './messaging/reasons';

/**
 * Errors a dapp (or a person) can meet. Each has a stable numeric `code` (EIP-1193 / EIP-1474 where
 * one fits) and a stable string `reason`, so callers branch on codes, never on message text.
 */
export const RpcCode = {
  /** The person rejected the request (EIP-1193). */
  UserRejected: 4001,
  /** The caller may not do this (EIP-1193): e.g. another origin's session, an opaque origin. */
  Unauthorized: 4100,
  /** Unknown or unsupported method / scheme / network (EIP-1193). */
  Unsupported: 4200,
  /** Parameters failed validation (JSON-RPC). */
  InvalidParams: -32602,
  /** Something broke on our side (JSON-RPC). */
  Internal: -32603,
  /** A request of this kind is already pending for this origin (EIP-1474). */
  ResourceUnavailable: -32002,
  /** Too many requests (EIP-1474). */
  LimitExceeded: -32005,
  /** The wallet (or the extension) is not connected / not there (EIP-1193 "Disconnected"). */
  Disconnected: 4900,
  /** The wallet is not on the session's network (EIP-1193 "Chain Disconnected"). */
  ChainDisconnected: 4901,
} as const;
export type RpcCode = (typeof RpcCode)[keyof typeof RpcCode];

export class WalletError extends Error {
  override readonly name = 'WalletError';
  constructor(
    readonly code: RpcCode,
    readonly reason: WalletReason,
    message: string,
    readonly data?: Record<string, unknown>,
  ) {
    super(message);
  }

  /** The plain shape sent across contexts; never contains secrets. */
  toJSON(): SerializedWalletError {
    return { code: this.code, reason: this.reason, message: this.message, ...(this.data ? { data: this.data } : {}) };
  }
}

export interface SerializedWalletError {
  code: number;
  reason: string;
  message: string;
  data?: Record<string, unknown>;
}

/** Turns anything thrown into a WalletError without leaking internals to a page. */
export function toWalletError(error: unknown): WalletError {
  if (error instanceof WalletError) return error;
  return new WalletError(RpcCode.Internal, 'internal_error', 'The wallet extension hit an internal error. Try again.');
}
