/**
 * `exact` on EVM with EIP-3009 (x402-protocol.md §6.1, §6.2): one `TransferWithAuthorization`
 * signature per paid call, which the facilitator submits as `transferWithAuthorization`.
 *
 * From an `accepts[]` entry (untrusted 402 data), the payer and the time, this builds the
 * EIP-712 typed data to sign, checks it against the entry, and assembles the scheme payload
 * `{ authorization, signature }` that goes into the v2 `PAYMENT-SIGNATURE` / v1 `X-PAYMENT`
 * envelope. Pure: no network, no browser API besides `crypto.getRandomValues` for the nonce.
 *
 * Client rules of the reference client (2.27): `to` = `payTo`, `value` = the amount (v2
 * `amount`, v1 `maxAmountRequired`), `validAfter` = "0" (v1: now − 600), `validBefore` = now +
 * `maxTimeoutSeconds`, `nonce` = 32 random bytes; domain `{ name: extra.name, version:
 * extra.version, chainId, verifyingContract: asset }`. The Permit2 variant
 * (`extra.assetTransferMethod: "permit2"`, §6.3) is refused for now.
 */
import { bytesToHex, getAddress, isAddress, isHex } from 'viem';
import { parseAtomicAmount } from '../../x402/amount';
import { evmChainIdOf } from '../../chains/evm/chain-id';
import { TRANSFER_WITH_AUTHORIZATION_TYPES } from '../../chains/evm/typed-data';
import { ExactRefusedError } from './errors';


/** Integers as decimal strings, addresses checksummed, nonce 0x + 64 hex: the wire form. */
export interface TransferAuthorization {
  from: `0x${string}`;
  to: `0x${string}`;
  value: string;
  validAfter: string;
  validBefore: string;
  nonce: `0x${string}`;
}

export interface TransferWithAuthorizationTypedData {
  domain: { name: string; version: string; chainId: number; verifyingContract: `0x${string}` };
  types: typeof TRANSFER_WITH_AUTHORIZATION_TYPES;
  primaryType: 'TransferWithAuthorization';
  message: { from: `0x${string}`; to: `0x${string}`; value: bigint; validAfter: bigint; validBefore: bigint; nonce: `0x${string}` };
}

/** The scheme payload: `payload` of the PaymentPayload. */
export interface ExactPayload {
  authorization: TransferAuthorization;
  signature: `0x${string}`;
}

/** What an `accepts[]` entry asks for, checked. */
export interface ExactTerms {
  x402Version: 1 | 2;
  network: string;
  chainId: number;
  asset: `0x${string}`;
  payTo: `0x${string}`;
  amount: bigint;
  /** As sent (v1 default 60 when absent, `x402-express` 1.x's default). */
  maxTimeoutSeconds: number;
  name: string;
  version: string;
}

export interface ExactAuthorizationRequest {
  x402Version: 1 | 2;
  /** The chosen `accepts[]` entry as parsed from the 402, never rebuilt. */
  accepted: unknown;
  payer: string;
  /** Unix seconds. */
  now: number;
  /** 0x + 64 hex. Default: 32 bytes from `crypto.getRandomValues` (tests inject one). */
  nonce?: `0x${string}`;
  /**
   * The longest validity the wallet grants: `validBefore = now + min(maxTimeoutSeconds, this)`.
   * A facilitator only needs `validBefore ≥ now + 6`, so shortening is always accepted. Default 3600.
   */
  maxValiditySeconds?: number;
}

export interface ExactAuthorizationPlan {
  terms: ExactTerms;
  authorization: TransferAuthorization;
  typedData: TransferWithAuthorizationTypedData;
}

/** A facilitator refuses `validBefore < now + 6` (x402-protocol.md §6.1). */
export const VALID_BEFORE_MARGIN_SECONDS = 6;
const V1_VALID_AFTER_BACKDATE_SECONDS = 600;
const V1_DEFAULT_TIMEOUT_SECONDS = 60;
const DEFAULT_MAX_VALIDITY_SECONDS = 3600;
const MAX_DOMAIN_FIELD = 256;

export type ExactTransferMethod = 'eip3009' | 'permit2' | 'other';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** How an `exact` entry moves the funds: EIP-3009 (the default, key omitted), Permit2, or something else. */
export function exactTransferMethod(accepted: unknown): ExactTransferMethod {
  const extra = isRecord(accepted) && isRecord(accepted.extra) ? accepted.extra : {};
  const method = extra.assetTransferMethod;
  if (method === undefined || method === 'eip3009') return 'eip3009';
  return method === 'permit2' ? 'permit2' : 'other';
}

function address(value: unknown, reason: 'invalid_asset' | 'invalid_pay_to' | 'invalid_payer', what: string): `0x${string}` {
  if (typeof value !== 'string' || !isAddress(value, { strict: false })) throw new ExactRefusedError(reason, `${what} is not an EVM address`);
  return getAddress(value);
}

function domainField(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_DOMAIN_FIELD ? value : undefined;
}

/** Reads and checks an `accepts[]` entry for `exact` on EVM with EIP-3009. Throws ExactRefusedError. */
export function exactTermsOf(accepted: unknown, x402Version: 1 | 2): ExactTerms {
  if (!isRecord(accepted) || accepted.scheme !== 'exact') throw new ExactRefusedError('not_exact_scheme', 'this payment option is not the exact scheme');
  const method = exactTransferMethod(accepted);
  if (method === 'permit2') {
    throw new ExactRefusedError(
      'permit2_unsupported',
      'this server asks for an exact payment through Permit2 (a one-time token approval to the Permit2 contract plus a Permit2 signature); the wallet does not support Permit2 yet',
    );
  }
  if (method === 'other') throw new ExactRefusedError('unsupported_transfer_method', 'this exact payment uses a transfer method the wallet does not know');

  const network = accepted.network;
  const chainId = evmChainIdOf(network, x402Version);
  if (typeof network !== 'string' || chainId === undefined) {
    throw new ExactRefusedError('unsupported_network', `network ${JSON.stringify(network)} is not an EVM network the wallet can sign for`);
  }
  const extra = isRecord(accepted.extra) ? accepted.extra : {};
  const name = domainField(extra.name);
  const version = domainField(extra.version);
  if (name === undefined || version === undefined) {
    throw new ExactRefusedError('missing_eip712_domain', 'the server did not say which token signature domain to use (extra.name / extra.version)');
  }
  const amount = parseAtomicAmount(x402Version === 2 ? accepted.amount : accepted.maxAmountRequired);
  if (amount === null || amount === 0n) throw new ExactRefusedError('invalid_amount', 'the amount is not a positive integer in base units');

  const rawTimeout = accepted.maxTimeoutSeconds ?? (x402Version === 1 ? V1_DEFAULT_TIMEOUT_SECONDS : undefined);
  if (typeof rawTimeout !== 'number' || !Number.isSafeInteger(rawTimeout) || rawTimeout <= 0) {
    throw new ExactRefusedError('invalid_timeout', 'maxTimeoutSeconds must be a positive whole number of seconds');
  }
  return {
    x402Version,
    network,
    chainId,
    asset: address(accepted.asset, 'invalid_asset', 'the asset'),
    payTo: address(accepted.payTo, 'invalid_pay_to', 'the recipient (payTo)'),
    amount,
    maxTimeoutSeconds: rawTimeout,
    name,
    version,
  };
}

function randomNonce(): `0x${string}` {
  const bytes = new Uint8Array(32);
  crypto.getRandomValues(bytes);
  return bytesToHex(bytes);
}

function isNonce(value: unknown): value is `0x${string}` {
  return typeof value === 'string' && /^0x[0-9a-fA-F]{64}$/.test(value);
}

/** Builds the authorization and its typed data, then checks them (see validateExactAuthorization). */
export function buildExactAuthorization(req: ExactAuthorizationRequest): ExactAuthorizationPlan {
  const terms = exactTermsOf(req.accepted, req.x402Version);
  const payer = address(req.payer, 'invalid_payer', 'the payer');
  if (!Number.isSafeInteger(req.now) || req.now <= 0) throw new RangeError('now must be unix seconds');
  const maxValidity = req.maxValiditySeconds ?? DEFAULT_MAX_VALIDITY_SECONDS;
  const nonce = req.nonce ?? randomNonce();
  if (!isNonce(nonce)) throw new ExactRefusedError('invalid_nonce', 'the nonce must be 32 bytes of hex');

  const validAfter = req.x402Version === 2 ? 0 : Math.max(0, req.now - V1_VALID_AFTER_BACKDATE_SECONDS);
  const validBefore = req.now + Math.min(terms.maxTimeoutSeconds, maxValidity);
  const authorization: TransferAuthorization = {
    from: payer,
    to: terms.payTo,
    value: terms.amount.toString(),
    validAfter: validAfter.toString(),
    validBefore: validBefore.toString(),
    nonce,
  };
  const plan: ExactAuthorizationPlan = { terms, authorization, typedData: typedDataOf(terms, authorization) };
  validateExactAuthorization(plan, req.accepted, req.x402Version, req.now);
  return plan;
}

function typedDataOf(terms: ExactTerms, a: TransferAuthorization): TransferWithAuthorizationTypedData {
  return {
    domain: { name: terms.name, version: terms.version, chainId: terms.chainId, verifyingContract: terms.asset },
    types: TRANSFER_WITH_AUTHORIZATION_TYPES,
    primaryType: 'TransferWithAuthorization',
    message: {
      from: a.from,
      to: a.to,
      value: BigInt(a.value),
      validAfter: BigInt(a.validAfter),
      validBefore: BigInt(a.validBefore),
      nonce: a.nonce,
    },
  };
}

function sameAddress(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/**
 * Re-checks a plan against the entry it answers and the time: call it again right before
 * signing (the person may have taken a while) and after a plan crossed a context boundary.
 * Throws ExactRefusedError: `authorization_expired` once `validBefore < now + 6`,
 * `value_mismatch` if the value is not exactly the amount, `recipient_mismatch`, `domain_mismatch`,
 * `payer_mismatch`, `authorization_not_yet_valid`, or any refusal of exactTermsOf.
 */
export function validateExactAuthorization(plan: ExactAuthorizationPlan, accepted: unknown, x402Version: 1 | 2, now: number): void {
  const terms = exactTermsOf(accepted, x402Version);
  const { authorization: a, typedData: t } = plan;
  const { domain, message: m } = t;
  if (domain.name !== terms.name || domain.version !== terms.version || domain.chainId !== terms.chainId || !sameAddress(domain.verifyingContract, terms.asset)) {
    throw new ExactRefusedError('domain_mismatch', 'the signature domain does not match the token and network of this payment');
  }
  if (t.primaryType !== 'TransferWithAuthorization' || JSON.stringify(t.types) !== JSON.stringify(TRANSFER_WITH_AUTHORIZATION_TYPES)) {
    throw new ExactRefusedError('domain_mismatch', 'not a TransferWithAuthorization');
  }
  if (!sameAddress(a.to, terms.payTo) || !sameAddress(m.to, terms.payTo)) throw new ExactRefusedError('recipient_mismatch', 'the authorization does not pay the recipient of this payment');
  if (!sameAddress(a.from, m.from) || !isAddress(a.from, { strict: false })) throw new ExactRefusedError('payer_mismatch', 'the authorization and the typed data name different payers');
  let value: bigint;
  let validAfter: bigint;
  let validBefore: bigint;
  try {
    value = BigInt(a.value);
    validAfter = BigInt(a.validAfter);
    validBefore = BigInt(a.validBefore);
  } catch {
    throw new ExactRefusedError('invalid_amount', 'the authorization fields must be integers');
  }
  if (value !== terms.amount || m.value !== value) throw new ExactRefusedError('value_mismatch', 'the authorization value is not exactly the amount asked');
  if (m.validAfter !== validAfter || m.validBefore !== validBefore || m.nonce !== a.nonce || !isNonce(a.nonce)) {
    throw new ExactRefusedError('invalid_nonce', 'the typed data and the authorization disagree');
  }
  if (validAfter > BigInt(now)) throw new ExactRefusedError('authorization_not_yet_valid', 'the authorization is not valid yet');
  if (validBefore < BigInt(now + VALID_BEFORE_MARGIN_SECONDS)) {
    throw new ExactRefusedError('authorization_expired', 'the authorization has expired (or expires in seconds); ask the page to retry');
  }
}

/** The `payload` to send once the typed data is signed. */
export function exactPayload(plan: ExactAuthorizationPlan, signature: string): ExactPayload {
  // 65 bytes for an EOA; longer for ERC-1271 / ERC-6492 smart-wallet signatures.
  if (!isHex(signature, { strict: true }) || signature.length < 132 || signature.length % 2 !== 0) {
    throw new ExactRefusedError('invalid_signature', 'the signature is not a hex signature of at least 65 bytes');
  }
  return { authorization: { ...plan.authorization }, signature };
}
