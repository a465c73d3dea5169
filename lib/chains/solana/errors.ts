/**
 * Errors of the pure Solana modules. Each carries a stable `code` so the background and the
 * signer chunk branch on codes, never on message text; messages say what was wrong.
 */
export type SolanaErrorCode =
  | 'INVALID_BASE58'
  | 'INVALID_ADDRESS'
  | 'INVALID_AMOUNT'
  | 'INVALID_FIELD'
  | 'INVALID_TRANSACTION'
  | 'NOT_AN_APPROVE'
  | 'PDA_NOT_FOUND'
  | 'ACCOUNT_NOT_FOUND'
  | 'NOT_A_TOKEN_ACCOUNT'
  | 'NOT_A_MINT'
  | 'RPC_ERROR'
  | 'RPC_UNREACHABLE';

export class SolanaError extends Error {
  override readonly name = 'SolanaError';
  constructor(
    readonly code: SolanaErrorCode,
    message: string,
    readonly data?: Record<string, unknown>,
  ) {
    super(message);
  }
}
