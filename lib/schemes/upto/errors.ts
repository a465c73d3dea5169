/**
 * Why the wallet will not build a daydreams `upto` permit. `reason` is stable (branch on it);
 * the message says what is wrong in words a person can act on.
 */
export type UptoRefusalReason =
  | 'not_upto_scheme'
  /** A Coinbase `upto` entry (Permit2 + witness, one signature per request): a different scheme. */
  | 'coinbase_upto'
  | 'missing_eip712_domain'
  | 'unsupported_network'
  | 'invalid_asset'
  | 'invalid_pay_to'
  | 'invalid_owner'
  | 'invalid_amount'
  | 'invalid_cap'
  | 'invalid_timeout'
  | 'invalid_nonce'
  | 'invalid_signature'
  /** `/supported` names no EVM signer for this network. */
  | 'no_spender'
  /** The chosen cap is below the server's `maxAmountRequired` (its facilitator would refuse it). */
  | 'cap_below_required_max'
  /** The cap does not cover even one call. */
  | 'cap_too_low'
  /** The deadline is in the past or too close for the facilitator (< now + 6 s). */
  | 'permit_expired';

export class UptoRefusedError extends Error {
  override readonly name = 'UptoRefusedError';
  constructor(
    readonly reason: UptoRefusalReason,
    message: string,
  ) {
    super(message);
  }
}
