import { RpcCode, WalletError } from '../errors';
import type { WalletReason } from '../messaging/reasons';

/**
 * A scheme's own refusal (its typed error, with a stable reason) as the WalletError the page hears:
 * the scheme's table names the public reason (`invalid_schema` when it names none) and the message
 * says which scheme refused; a WalletError passes as it is; anything else is an internal error.
 */
export function refusalError<R extends string>(
  e: unknown,
  scheme: string,
  Refused: abstract new (...args: never[]) => Error & { readonly reason: R },
  reasons: Partial<Record<R, WalletReason>>,
): WalletError {
  if (e instanceof WalletError) return e;
  if (e instanceof Refused) return new WalletError(RpcCode.Unsupported, reasons[e.reason] ?? 'invalid_schema', `${scheme}: ${e.message}.`);
  return new WalletError(RpcCode.Internal, 'internal_error', `The ${scheme} payment could not be prepared.`);
}
