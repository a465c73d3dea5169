/**
 * The Stellar session scheme's verify rules as one pure function, shared by /verify and /settle
 * (settle re-verifies, then the store re-checks expiry and cap inside the debit transaction).
 * Reason strings are the wire contract (x402-protocol.md §5.4). Stellar addresses compare exactly.
 */
import { sameStellarNetwork } from '../../lib/chains/stellar/networks';
import type { PaymentBody } from '../facilitator/schemas';
import type { StellarSessionRecord } from './store';

export type StellarInvalidReason =
  | 'scheme_mismatch'
  | 'network_mismatch'
  | 'missing_session_id'
  | 'session_not_found'
  | 'asset_mismatch'
  | 'recipient_mismatch'
  | 'spender_mismatch'
  | 'session_network_mismatch'
  | 'session_expired'
  | 'invalid_amount'
  | 'per_call_limit_exceeded'
  | 'cap_exceeded';

export interface StellarCheckContext {
  /** The network this facilitator serves, e.g. `stellar:testnet`. */
  network: string;
  spender: string;
  perCallMax: bigint;
  latestLedger: number;
  findSession(id: string): StellarSessionRecord | undefined;
}

export type StellarCheckResult =
  | { ok: true; session: StellarSessionRecord; amount: bigint; payTo: string }
  | { ok: false; reason: StellarInvalidReason; message: string; payer?: string };

const I128_DIGITS = /^[0-9]{1,39}$/;

export function stellarPaymentVersion(body: PaymentBody): 1 | 2 {
  return (body.paymentPayload.x402Version ?? body.x402Version) === 1 ? 1 : 2;
}

export function checkStellarPayment(body: PaymentBody, ctx: StellarCheckContext): StellarCheckResult {
  const version = stellarPaymentVersion(body);
  const req = body.paymentRequirements;
  const pp = body.paymentPayload;
  const fail = (reason: StellarInvalidReason, message: string, payer?: string): StellarCheckResult => ({ ok: false, reason, message, payer });

  const payloadScheme = version === 1 ? pp.scheme : pp.accepted?.scheme;
  if (req.scheme !== 'session' || (payloadScheme !== undefined && payloadScheme !== 'session')) {
    return fail('scheme_mismatch', `this facilitator settles scheme "session", got "${payloadScheme ?? req.scheme}"`);
  }
  const payloadNetwork = version === 1 ? pp.network : pp.accepted?.network;
  if (!sameStellarNetwork(req.network, ctx.network) || (payloadNetwork !== undefined && !sameStellarNetwork(payloadNetwork, req.network))) {
    return fail('network_mismatch', `this facilitator serves ${ctx.network}, got ${payloadNetwork ?? req.network}`);
  }
  const sessionId = pp.payload?.sessionId;
  if (typeof sessionId !== 'string' || sessionId.length === 0 || sessionId.length > 200) {
    return fail('missing_session_id', 'paymentPayload.payload.sessionId is missing');
  }
  const session = ctx.findSession(sessionId);
  if (!session) return fail('session_not_found', 'no session with this id');
  const payer = session.user;
  if (req.asset !== session.asset) return fail('asset_mismatch', `the session is for asset ${session.asset}, the payment asks for ${req.asset}`, payer);
  if (req.payTo !== session.recipient) return fail('recipient_mismatch', `the session pays only ${session.recipient}, the payment asks for ${req.payTo}`, payer);
  if (session.spender !== ctx.spender) return fail('spender_mismatch', `the session approved spender ${session.spender}, this facilitator is ${ctx.spender}`, payer);
  if (!sameStellarNetwork(session.network, req.network)) return fail('session_network_mismatch', `the session is on ${session.network}, the payment is on ${req.network}`, payer);
  if (ctx.latestLedger >= session.expirationLedger) {
    return fail('session_expired', `the session ended with ledger ${session.expirationLedger} (latest ledger ${ctx.latestLedger})`, payer);
  }
  const rawAmount = version === 1 ? req.maxAmountRequired : req.amount;
  if (rawAmount === undefined || !I128_DIGITS.test(rawAmount) || BigInt(rawAmount) === 0n) {
    return fail('invalid_amount', `amount must be a positive base-unit integer string, got ${JSON.stringify(rawAmount)}`, payer);
  }
  const amount = BigInt(rawAmount);
  if (amount > ctx.perCallMax) return fail('per_call_limit_exceeded', `amount ${amount} is above the per-call limit ${ctx.perCallMax}`, payer);
  if (session.spent + amount > session.cap) {
    return fail('cap_exceeded', `amount ${amount} exceeds the remaining ${session.cap - session.spent} of the session cap ${session.cap}`, payer);
  }
  return { ok: true, session, amount, payTo: session.recipient };
}
