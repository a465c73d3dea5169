/**
 * Why the wallet will not build or sign an `exact` payment. `reason` is stable (branch on it);
 * the message says what is wrong in words a person can act on.
 */
export type ExactRefusalReason =
  | 'not_exact_scheme'
  /** `extra.assetTransferMethod: "permit2"`: needs a Permit2 approval and signature; not supported yet. */
  | 'permit2_unsupported'
  /** Any other transfer method we do not know. */
  | 'unsupported_transfer_method'
  | 'missing_eip712_domain'
  | 'unsupported_network'
  | 'invalid_asset'
  | 'invalid_pay_to'
  | 'invalid_payer'
  | 'invalid_amount'
  | 'invalid_timeout'
  | 'invalid_nonce'
  | 'invalid_signature'
  /** `validBefore` is in the past, or too close for a facilitator to accept (< now + 6 s). */
  | 'authorization_expired'
  | 'authorization_not_yet_valid'
  | 'value_mismatch'
  | 'recipient_mismatch'
  | 'domain_mismatch'
  | 'payer_mismatch';

export class ExactRefusedError extends Error {
  override readonly name = 'ExactRefusedError';
  constructor(
    readonly reason: ExactRefusalReason,
    message: string,
  ) {
    super(message);
  }
}
