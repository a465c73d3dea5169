/**
 * daydreams `upto` on EVM (x402-protocol.md §6.5): one ERC-2612 `Permit` for a cap, signed
 * once, sent unchanged with every paid call until the cap or the deadline runs out; the
 * resource server tallies calls and settles them in batches (`permit`, then `transferFrom`).
 *
 * This module builds the permit's typed data from an `accepts[]` entry (untrusted 402 data),
 * the owner, the spender (the facilitator's signer from its `/supported`) and the token's
 * `nonces(owner)`, and assembles the payload `{ authorization: { from, to, value, validBefore,
 * nonce }, signature }`. It also re-exports the other `upto` helpers: which `upto` an entry is
 * (flavor.ts), the session id (session-id.ts) and the limit signals (limit-signal.ts).
 *
 * What the permit does not protect (the wallet must): it names no recipient, so whoever holds
 * the payload can have the facilitator pay anyone up to the cap; the allowance outlives the
 * deadline (`cap − settled` stays approved after close until `approve(spender, 0)`); a second
 * permit to the same spender replaces the allowance. Key a permit per (origin, payTo, spender,
 * asset, network), keep caps small, and offer the revoke after close.
 */
import { encodeFunctionData, getAddress, isAddress, isHex, parseAbi, type Hex } from 'viem';
import { parseAtomicAmount } from '../../x402/amount';
import { caip2ChainId } from '../../chains/evm/chain-id';
import { PERMIT_TYPES } from '../../chains/evm/typed-data';
import { UptoRefusedError } from './errors';
import { uptoFlavor } from './flavor';

export { uptoFlavor, type UptoFlavor } from './flavor';
export { uptoSessionId } from './session-id';
export { parseUptoLimitSignal, type UptoLimitAction, type UptoLimitError, type UptoLimitSignal } from './limit-signal';
export { UptoRefusedError, type UptoRefusalReason } from './errors';


/** The token calls around a permit: read the nonce to sign, read what is left, revoke it. */
export const ERC2612_ABI = parseAbi([
  'function nonces(address owner) view returns (uint256)',
  'function allowance(address owner, address spender) view returns (uint256)',
  'function approve(address spender, uint256 value) returns (bool)',
]);

/** Wire form: integers as decimal strings, addresses checksummed. `to` is the spender, `value` the cap, `validBefore` the deadline. */
export interface UptoAuthorization {
  from: `0x${string}`;
  to: `0x${string}`;
  value: string;
  validBefore: string;
  nonce: string;
}

export interface UptoPayload {
  authorization: UptoAuthorization;
  signature: `0x${string}`;
}

export interface PermitTypedData {
  domain: { name: string; version: string; chainId: number; verifyingContract: `0x${string}` };
  types: typeof PERMIT_TYPES;
  primaryType: 'Permit';
  message: { owner: `0x${string}`; spender: `0x${string}`; value: bigint; nonce: bigint; deadline: bigint };
}

/** What a daydreams `upto` entry asks for, checked. */
export interface DaydreamsUptoTerms {
  network: string;
  chainId: number;
  asset: `0x${string}`;
  payTo: `0x${string}`;
  /** Price of one call. */
  price: bigint;
  /** The least cap its facilitator accepts: `extra.maxAmountRequired ?? extra.maxAmount ?? amount`. */
  requiredCap: bigint;
  maxTimeoutSeconds: number;
  name: string;
  version: string;
}

export interface UptoPermitRequest {
  /** The chosen `accepts[]` entry as parsed from the 402, never rebuilt. */
  accepted: unknown;
  owner: string;
  /** The facilitator signer (uptoSpenderFromSupported). */
  spender: string;
  /** The token's `nonces(owner)` right now. */
  nonce: bigint;
  /** Unix seconds. */
  now: number;
  /** The cap the person chose; default `requiredCap`. Must be ≥ requiredCap and ≥ one call. */
  cap?: bigint;
  /** Longest permit the wallet grants: deadline = now + min(maxTimeoutSeconds, this). Default 3600. */
  maxValiditySeconds?: number;
}

export interface UptoPermitPlan {
  terms: DaydreamsUptoTerms;
  cap: bigint;
  deadline: bigint;
  authorization: UptoAuthorization;
  typedData: PermitTypedData;
}

/** The facilitator refuses a permit with `deadline < now + 6`. */
export const PERMIT_DEADLINE_MARGIN_SECONDS = 6;
const DEFAULT_MAX_VALIDITY_SECONDS = 3600;
const MAX_DOMAIN_FIELD = 256;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function address(value: unknown, reason: 'invalid_asset' | 'invalid_pay_to' | 'invalid_owner' | 'no_spender', what: string): `0x${string}` {
  if (typeof value !== 'string' || !isAddress(value, { strict: false })) throw new UptoRefusedError(reason, `${what} is not an EVM address`);
  return getAddress(value);
}

function domainField(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_DOMAIN_FIELD ? value : undefined;
}

/** Reads and checks a daydreams `upto` entry. Throws UptoRefusedError (`coinbase_upto` for the other `upto`). */
export function daydreamsUptoTerms(accepted: unknown): DaydreamsUptoTerms {
  const flavor = uptoFlavor(accepted);
  if (flavor === null || !isRecord(accepted)) throw new UptoRefusedError('not_upto_scheme', 'this payment option is not the upto scheme');
  if (flavor === 'coinbase') {
    throw new UptoRefusedError('coinbase_upto', 'this is Coinbase upto (a Permit2 signature per request), not the reusable-permit upto');
  }
  const network = accepted.network;
  const chainId = caip2ChainId(network);
  if (typeof network !== 'string' || chainId === undefined) throw new UptoRefusedError('unsupported_network', `network ${JSON.stringify(network)} is not eip155:<chain id>`);
  const extra = isRecord(accepted.extra) ? accepted.extra : {};
  const name = domainField(extra.name);
  const version = domainField(extra.version);
  if (name === undefined || version === undefined) {
    throw new UptoRefusedError('missing_eip712_domain', 'the server did not say which token permit domain to use (extra.name / extra.version)');
  }
  const price = parseAtomicAmount(accepted.amount);
  if (price === null || price === 0n) throw new UptoRefusedError('invalid_amount', 'the price of a call is not a positive integer in base units');
  const rawCap = extra.maxAmountRequired ?? extra.maxAmount;
  const requiredCap = rawCap === undefined ? price : parseAtomicAmount(rawCap);
  if (requiredCap === null) throw new UptoRefusedError('invalid_cap', 'extra.maxAmountRequired is not an integer in base units');
  const timeout = accepted.maxTimeoutSeconds;
  if (typeof timeout !== 'number' || !Number.isSafeInteger(timeout) || timeout <= 0) {
    throw new UptoRefusedError('invalid_timeout', 'maxTimeoutSeconds must be a positive whole number of seconds');
  }
  return {
    network,
    chainId,
    asset: address(accepted.asset, 'invalid_asset', 'the asset'),
    payTo: address(accepted.payTo, 'invalid_pay_to', 'the recipient (payTo)'),
    price,
    requiredCap,
    maxTimeoutSeconds: timeout,
    name,
    version,
  };
}

/**
 * The spender to name in the permit: the facilitator's signer from its `GET /supported`,
 * `signers[network] ?? signers["eip155:*"]`, first entry (what daydreams' client does).
 * `supported` is the parsed JSON (untrusted).
 */
export function uptoSpenderFromSupported(supported: unknown, network: string): `0x${string}` {
  const signers = isRecord(supported) && isRecord(supported.signers) ? supported.signers : {};
  const list = Object.prototype.hasOwnProperty.call(signers, network) ? signers[network] : signers['eip155:*'];
  const first: unknown = Array.isArray(list) ? list[0] : undefined;
  return address(first, 'no_spender', `the facilitator signer for ${network}`);
}

/** Builds the permit to sign for a daydreams `upto` entry. Throws UptoRefusedError. */
export function buildUptoPermit(req: UptoPermitRequest): UptoPermitPlan {
  const terms = daydreamsUptoTerms(req.accepted);
  const owner = address(req.owner, 'invalid_owner', 'the owner (payer)');
  const spender = address(req.spender, 'no_spender', 'the spender');
  if (!Number.isSafeInteger(req.now) || req.now <= 0) throw new RangeError('now must be unix seconds');
  if (typeof req.nonce !== 'bigint' || req.nonce < 0n) throw new UptoRefusedError('invalid_nonce', 'the permit nonce must be the token nonces(owner) value');
  const cap = req.cap ?? terms.requiredCap;
  if (cap < terms.price) throw new UptoRefusedError('cap_too_low', 'the cap does not cover even one call');
  if (cap < terms.requiredCap) throw new UptoRefusedError('cap_below_required_max', 'the cap is below what this server requires (extra.maxAmountRequired)');
  const validity = Math.min(terms.maxTimeoutSeconds, req.maxValiditySeconds ?? DEFAULT_MAX_VALIDITY_SECONDS);
  const deadline = BigInt(req.now + validity);
  if (deadline < BigInt(req.now + PERMIT_DEADLINE_MARGIN_SECONDS)) throw new UptoRefusedError('permit_expired', 'the permit would expire before a facilitator accepts it');

  const authorization: UptoAuthorization = { from: owner, to: spender, value: cap.toString(), validBefore: deadline.toString(), nonce: req.nonce.toString() };
  const typedData: PermitTypedData = {
    domain: { name: terms.name, version: terms.version, chainId: terms.chainId, verifyingContract: terms.asset },
    types: PERMIT_TYPES,
    primaryType: 'Permit',
    message: { owner, spender, value: cap, nonce: req.nonce, deadline },
  };
  return { terms, cap, deadline, authorization, typedData };
}

/** The `payload` to send (byte-identical on every call of the session) once the permit is signed. */
export function uptoPayload(plan: UptoPermitPlan, signature: string): UptoPayload {
  if (!isHex(signature, { strict: true }) || signature.length < 132 || signature.length % 2 !== 0) {
    throw new UptoRefusedError('invalid_signature', 'the signature is not a hex signature of at least 65 bytes');
  }
  return { authorization: { ...plan.authorization }, signature };
}

/** Calldata of `approve(spender, 0)` on the token: revokes what a permit left after close. */
export function revokeAllowanceData(spender: string): Hex {
  return encodeFunctionData({ abi: ERC2612_ABI, functionName: 'approve', args: [address(spender, 'no_spender', 'the spender'), 0n] });
}

/**
 * The key to store and reuse a signed permit under. Not daydreams' key (network:asset:owner:spender,
 * which hands one permit to every site on that facilitator): the origin the person approved and
 * the recipient are part of it, so a permit is only ever sent back where it was agreed.
 */
export function uptoPermitKey(k: { origin: string; payTo: string; spender: string; asset: string; network: string; owner: string }): string {
  return [k.origin, k.network, k.asset.toLowerCase(), k.payTo.toLowerCase(), k.spender.toLowerCase(), k.owner.toLowerCase()].join('|');
}
