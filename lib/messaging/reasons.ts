/**
 * Every reason the wallet itself can give for not paying, for a failed call or for a refused
 * request, with its message. Keys are stable codes: they are recorded, shown in the popup and sent
 * to pages (`types/x402session.d.ts` lists exactly these; a test keeps the two equal). A server's or
 * facilitator's own code (e.g. `cap_exceeded` in `PAYMENT-REQUIRED.error`) is passed through as
 * received, when it is a well-formed code.
 */
export const REASONS = {
  // The 402 itself (lib/x402/codec.ts).
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
  /** Recorded by the background (webRequest), never sent to the page: that would reveal what CORS hides. */
  cors_blocked: 'The API does not allow this site to read it (no CORS headers for this site), so its 402 could not be paid.',
  // What the wallet can pay.
  unsupported_scheme: 'No offered payment scheme is one this wallet pays.',
  unsupported_network: 'No offered network is supported.',
  no_session: 'This site has no session that can pay this request.',
  no_facilitator: 'The 402 names no facilitator the wallet can open a session with.',
  scheme_mismatch: 'The request asks for a different payment scheme than the session.',
  network_mismatch: 'The request asks for payment on a different network than the session.',
  asset_mismatch: 'The request asks for a different token than the session.',
  recipient_mismatch: 'The request pays a different recipient than the session was approved for.',
  api_origin_mismatch: 'The request goes to an API the session was not approved for.',
  facilitator_mismatch: "The 402 names a different facilitator than the session's own.",
  session_inactive: 'The session is no longer active.',
  session_paused: 'The session is paused: its last payment failed on chain (allowance or balance). Re-approve it in the toolbar popup, or end it.',
  session_expired: 'The session has expired.',
  invalid_amount: 'The requested amount is not a positive integer.',
  per_call_limit_exceeded: 'The price is above the per-call limit approved for this session.',
  cap_exceeded: 'The session does not have enough left for this call.',
  period_cap_exceeded: "This period's budget is used up; it renews at the start of the next period.",
  already_paid: 'The request already carried a payment; it is never paid twice.',
  no_route: 'No pre-emptive payment for this route.',
  rate_limited: 'Too many requests from this site; slow down.',
  storage_error: 'The wallet could not record the payment, so it did not pay.',
  internal_error: 'The wallet hit an internal error and did not pay.',
  // What happened to a paid call.
  not_sent: 'The request was aborted before the payment was sent.',
  redirect_refused: 'The paid request was redirected somewhere the payment may not go; it was not sent on, and the wallet checks with the facilitator.',
  unconfirmed: 'The server answered without a settlement receipt; the wallet checks with the facilitator before counting it.',
  network_error: 'The paid retry got no answer; the wallet will check with the facilitator.',
  payment_refused: 'The server refused the payment.',
  settlement_failed: 'The server could not settle the payment.',
  // Opening a session.
  approval_pending: 'A session approval is already open for this site.',
  approval_cooldown: 'The person just declined a session for this site; not asking again yet.',
  confirm_pending: 'This site is set to "always ask" and a payment confirmation is already open for it.',
  confirm_cooldown: 'The person just declined a payment from this site; not asking again yet.',
  site_blocked: 'The person set this site to "never ask": the wallet opens no approval window for it.',
  approval_window_failed: 'The approval window could not be opened.',
  user_rejected: 'The person declined.',
  invalid_decision: 'The approved terms are out of range.',
  invalid_facilitator_url: 'The facilitator URL is not one the wallet will talk to.',
  facilitator_unavailable: "The facilitator this site named could not be used; the wallet's popup lists why.",
  facilitator_unreachable: 'The facilitator could not be reached.',
  facilitator_rejected: 'The facilitator refused the session.',
  facilitator_bad_response: 'The facilitator answered something the wallet cannot use.',
  spender_mismatch: 'The 402 names a different spender than the one approved.',
  token_unreadable: 'The token could not be read from the chain.',
  no_wallet: 'No browser wallet was found on this page.',
  wallet_locked: 'The wallet is locked or did not share an account with this page.',
  wrong_network: 'The wallet is on another network than the session.',
  wallet_timeout: 'The wallet did not answer in time.',
  wallet_error: 'The wallet could not complete the request.',
  approve_reverted: 'The approval transaction reverted.',
  approve_failed: 'The approval transaction could not be prepared, sent or confirmed.',
  approval_not_verified: 'The chain does not show the approval that was asked for; nothing was stored.',
  document_gone: 'The page that asked is gone (it navigated or closed); nothing was signed.',
  unsupported_request: 'The wallet signer does not know this request.',
  choose_wallet: 'Several wallets are installed on this page; the person has to choose one.',
  rpc_unreachable: "The chain's RPC could not be read; check the RPC setting for this network.",
  // Schemes that sign: exact (a signature per call) and upto (one permit).
  permit2_unsupported: 'This API asks for an exact payment through Permit2 (a token approval to the Permit2 contract, then a signature per call); the wallet does not pay that yet.',
  coinbase_upto: "This API asks for Coinbase's upto (a Permit2 signature per request); the wallet pays only the upto that reuses one permit.",
  missing_eip712_domain: 'The 402 does not say which token signature domain to use (extra.name / extra.version).',
  domain_mismatch: "The 402 names a token signature domain (name, version) that is not the token's own; nothing was signed.",
  authorization_expired: 'The signature would expire before the server could use it; nothing was paid.',
  spender_busy: "Another open session draws on this facilitator's allowance, and a new permit would replace it; end that session first.",
  per_call_off: "Paying APIs that need a wallet signature per call (exact) is turned off in the wallet's options.",
  cap_exhausted: "The server says the permit's cap is used up; a new one needs your approval.",
  session_closed: "The server closed the permit's session (spent, or near its deadline); a new one needs your approval.",
  settling_in_progress: 'The server is settling a batch of calls; the wallet retried, and it was still busy.',
  invalid_payload: 'The server refused the permit as malformed; the session is ended.',
  // Requests from pages and extension pages.
  invalid_request: 'Malformed request.',
  invalid_params: 'Invalid parameters.',
  unsupported_method: 'Unsupported method.',
  unknown_session: 'This site has no session with that id.',
  unknown_attempt: 'No such payment attempt for this site.',
  unknown_approval: 'This approval is no longer pending.',
  topup_unavailable: "This session's facilitator or chain cannot raise its cap or extend its expiry; open a new session instead.",
  // The page script's own (lib/inpage).
  extension_unavailable: 'The wallet extension is not connected to this page; reload the page.',
  extension_timeout: 'The wallet extension did not answer.',
  extension_error: 'The wallet extension failed.',
} as const satisfies Record<string, string>;

export type WalletReason = keyof typeof REASONS;

/**
 * The EIP-1193 code a page gets for a signer chunk's reason. The chunk runs in the page's world, so
 * the background derives the code from the (checked) reason rather than taking the chunk's number.
 */
const SIGNER_REASON_CODES: Partial<Record<WalletReason, number>> = {
  user_rejected: 4001,
  // Declined access and a locked wallet look the same from a page: the person did not grant it.
  wallet_locked: 4001,
  no_wallet: 4900,
  document_gone: 4900,
  wrong_network: 4901,
  unsupported_request: 4200,
  invalid_request: -32602,
};

export function signerReasonCode(reason: WalletReason): number | undefined {
  return Object.prototype.hasOwnProperty.call(SIGNER_REASON_CODES, reason) ? SIGNER_REASON_CODES[reason] : undefined;
}

export function isWalletReason(value: unknown): value is WalletReason {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(REASONS, value);
}

/** A server's code, passed through only when it looks like one (so no free text reaches the page). */
export const SERVER_REASON = /^[A-Za-z0-9_.-]{1,64}$/;

export function reasonMessage(reason: string): string {
  return isWalletReason(reason) ? REASONS[reason] : `Payment failed: ${reason.slice(0, 200)}`;
}
