/** Human text for every reason a payment can be declined or fail; keys are stable codes. */
const MESSAGES: Record<string, string> = {
  no_x402_data: 'The 402 carried no x402 payment requirements.',
  header_too_large: 'The PAYMENT-REQUIRED header is too large to be trusted.',
  body_too_large: 'The 402 body is too large to be trusted.',
  invalid_base64: 'The PAYMENT-REQUIRED header is not valid base64.',
  invalid_json: 'The payment requirements are not valid JSON.',
  forbidden_key: 'The payment requirements contain forbidden keys.',
  too_deep: 'The payment requirements are nested too deeply.',
  unsupported_version: 'This x402 version is not supported.',
  invalid_schema: 'The payment requirements are malformed.',
  no_valid_accepts: 'None of the offered payment options is well formed.',
  conflicting_requirements: 'The 402 body and header disagree about what to pay.',
  unsupported_scheme: 'No offered payment scheme is supported (only "session" today).',
  unsupported_network: 'No offered network is supported.',
  no_session: 'This site has no session that can pay this request.',
  scheme_mismatch: 'The request asks for a different payment scheme than the session.',
  network_mismatch: 'The request asks for payment on a different network than the session.',
  asset_mismatch: 'The request asks for a different token than the session.',
  recipient_mismatch: 'The request pays a different recipient than the session was approved for.',
  session_inactive: 'The session is no longer active.',
  session_expired: 'The session has expired.',
  invalid_amount: 'The requested amount is not a positive integer.',
  per_call_limit_exceeded: 'The price is above the per-call limit approved for this session.',
  cap_exceeded: 'The session does not have enough left for this call.',
  already_paid: 'The request already carried a payment; it is never paid twice.',
  rate_limited: 'Too many payment requests from this site; slow down.',
  approval_pending: 'A session approval is already open for this site.',
  approval_cooldown: 'The person just declined a session for this site; not asking again yet.',
  user_rejected: 'The person declined the session.',
  storage_error: 'The wallet could not record the payment, so it did not pay.',
  internal_error: 'The wallet hit an internal error and did not pay.',
};

export function reasonMessage(reason: string): string {
  return Object.prototype.hasOwnProperty.call(MESSAGES, reason) ? MESSAGES[reason]! : `Payment failed: ${reason.slice(0, 200)}`;
}
