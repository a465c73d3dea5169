/**
 * Stateless verification of a daydreams `upto` permit (x402-protocol.md §6.5), in daydreams'
 * order and with its reasons. No on-chain read: the permit may already be used, the allowance
 * may be gone, the balance may be short; only settlement finds out.
 */
import { getAddress, isAddress } from 'viem';
import { isPlainObject } from '../http';
import { PERMIT_TYPES } from './wire';

export interface VerifyResponse {
  isValid: boolean;
  invalidReason?: string;
  payer?: string;
}

export interface PermitTypedData {
  domain: { name: string; version: string; chainId: number; verifyingContract: `0x${string}` };
  types: typeof PERMIT_TYPES;
  primaryType: 'Permit';
  message: { owner: `0x${string}`; spender: `0x${string}`; value: bigint; nonce: bigint; deadline: bigint };
}

export interface VerifiedPermit {
  owner: `0x${string}`;
  spender: `0x${string}`;
  cap: bigint;
  deadline: bigint;
  signature: `0x${string}`;
  typedData: PermitTypedData;
}

export interface UptoVerifyContext {
  paymentPayload: unknown;
  paymentRequirements: unknown;
  /** The network this facilitator serves. */
  network: string;
  /** Its signer addresses (`/supported` signers); the permit's spender must be one of them. */
  signers: readonly `0x${string}`[];
  /** Unix seconds. */
  now: number;
  /** Checks an EIP-712 signature by `address` (EOA or ERC-1271/6492 via the chain). */
  verifySignature(args: PermitTypedData & { address: `0x${string}`; signature: `0x${string}` }): Promise<boolean>;
}

const INTEGER = /^(0|[1-9][0-9]{0,77})$/;

/** A decimal string, or a JSON number that is a safe integer (daydreams' BigInt() takes both). */
function toBigIntOrUndefined(value: unknown): bigint | undefined {
  if (typeof value === 'string' && INTEGER.test(value)) return BigInt(value);
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return BigInt(value);
  return undefined;
}

function present(value: unknown): boolean {
  return value !== undefined && value !== null && value !== '' && value !== 0;
}

export type UptoVerifyResult = { response: VerifyResponse; permit?: VerifiedPermit };

export async function verifyUptoPermit(ctx: UptoVerifyContext): Promise<UptoVerifyResult> {
  const payload = isPlainObject(ctx.paymentPayload) ? ctx.paymentPayload : {};
  const requirements = isPlainObject(ctx.paymentRequirements) ? ctx.paymentRequirements : {};
  const accepted = isPlainObject(payload.accepted) ? payload.accepted : {};
  const inner = isPlainObject(payload.payload) ? payload.payload : {};
  const authorization = isPlainObject(inner.authorization) ? inner.authorization : undefined;
  const payer = typeof authorization?.from === 'string' ? authorization.from : undefined;
  const refuse = (invalidReason: string): UptoVerifyResult => ({ response: { isValid: false, invalidReason, ...(payer ? { payer } : {}) } });

  if (accepted.scheme !== 'upto' || requirements.scheme !== 'upto') return refuse('unsupported_scheme');
  if (!authorization || !present(inner.signature)) return refuse('invalid_upto_evm_payload');

  // As in daydreams, a missing `to` falls back to the requirements' payTo as the spender.
  const spenderRaw = authorization.to ?? requirements.payTo;
  const { from, nonce, validBefore, value } = authorization;
  if (![from, spenderRaw, nonce, validBefore, value].every(present)) return refuse('invalid_upto_evm_payload');
  const cap = toBigIntOrUndefined(value);
  const permitNonce = toBigIntOrUndefined(nonce);
  const deadline = toBigIntOrUndefined(validBefore);
  const signature = inner.signature;
  if (
    typeof from !== 'string' || !isAddress(from, { strict: false }) ||
    typeof spenderRaw !== 'string' || !isAddress(spenderRaw, { strict: false }) ||
    cap === undefined || permitNonce === undefined || deadline === undefined ||
    typeof signature !== 'string' || !/^0x[0-9a-fA-F]+$/.test(signature)
  ) {
    return refuse('invalid_upto_evm_payload');
  }
  const owner = getAddress(from);
  const spender = getAddress(spenderRaw);

  if (typeof accepted.network !== 'string' || accepted.network !== requirements.network || requirements.network !== ctx.network) {
    return refuse('network_mismatch');
  }

  const extra = isPlainObject(requirements.extra) ? requirements.extra : {};
  const { name, version } = extra;
  if (typeof name !== 'string' || name === '' || typeof version !== 'string' || version === '') return refuse('missing_eip712_domain');

  if (!ctx.signers.some((s) => getAddress(s) === spender)) return refuse('spender_not_facilitator');

  const amount = toBigIntOrUndefined(requirements.amount) ?? 0n;
  if (cap < amount) return refuse('cap_too_low');

  const requiredMax = toBigIntOrUndefined(extra.maxAmountRequired ?? extra.maxAmount) ?? 0n;
  if (requiredMax > 0n && cap < requiredMax) return refuse('cap_below_required_max');

  if (deadline < BigInt(ctx.now + 6)) return refuse('authorization_expired');

  const chainId = Number(requirements.network.split(':')[1]);
  if (!Number.isSafeInteger(chainId) || chainId <= 0) return refuse('invalid_chain_id');
  if (typeof requirements.asset !== 'string' || !isAddress(requirements.asset, { strict: false })) return refuse('invalid_upto_evm_payload');

  const typedData: PermitTypedData = {
    domain: { name, version, chainId, verifyingContract: getAddress(requirements.asset) },
    types: PERMIT_TYPES,
    primaryType: 'Permit',
    message: { owner, spender, value: cap, nonce: permitNonce, deadline },
  };
  let ok = false;
  try {
    ok = await ctx.verifySignature({ ...typedData, address: owner, signature: signature as `0x${string}` });
  } catch {
    ok = false;
  }
  if (!ok) return refuse('invalid_permit_signature');

  return {
    response: { isValid: true, payer: owner },
    permit: { owner, spender, cap, deadline, signature: signature as `0x${string}`, typedData },
  };
}
