/**
 * The daydreams `upto` wire format (x402-protocol.md §6.5), written from the format: the
 * payload a client retries with, and the session id both sides derive from it.
 *
 *   payload = { authorization: { from, to, value, validBefore, nonce }, signature }
 *
 * `from` = permit owner (payer), `to` = spender (the facilitator signer), `value` = cap,
 * `validBefore` = permit deadline, `nonce` = the token's `nonces(owner)`; integers as decimal
 * strings. The signature is an ERC-2612 `Permit` over (owner, spender, value, nonce, deadline).
 */
import { createHash } from 'node:crypto';
import { isPlainObject } from '../http';

export const PERMIT_TYPES = {
  Permit: [
    { name: 'owner', type: 'address' },
    { name: 'spender', type: 'address' },
    { name: 'value', type: 'uint256' },
    { name: 'nonce', type: 'uint256' },
    { name: 'deadline', type: 'uint256' },
  ],
} as const;

/** The permit fields a session is keyed on, as the payload spells them. */
export interface PermitFields {
  owner: string;
  spender: string;
  cap: string;
  nonce: string;
  deadline: string;
  signature: string;
}

function nonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

/**
 * The permit fields of a payload, or undefined when any is missing. Like daydreams' tracker this
 * checks presence only (the facilitator's /verify checked the values); unlike it, a field must be
 * a string, which the format says they are.
 */
export function permitFieldsOf(payload: unknown): PermitFields | undefined {
  if (!isPlainObject(payload) || !isPlainObject(payload.authorization)) return undefined;
  const { from, to, value, validBefore, nonce } = payload.authorization;
  const { signature } = payload;
  if (![from, to, value, validBefore, nonce, signature].every(nonEmptyString)) return undefined;
  return {
    owner: from as string,
    spender: to as string,
    cap: value as string,
    nonce: nonce as string,
    deadline: validBefore as string,
    signature: signature as string,
  };
}

/**
 * sha256_hex(JSON.stringify({ network, asset, owner, spender, cap, nonce, deadline, signature })),
 * that key order, the payload's own strings. When the permit fields cannot be read they are
 * left out of the JSON (daydreams hashes `undefined`s, which JSON.stringify drops), so even an
 * invalid payload gets the id daydreams would give it.
 */
export function uptoSessionId(accepted: { network: string; asset: string }, payload: unknown): string {
  const permit = permitFieldsOf(payload);
  const key = {
    network: accepted.network,
    asset: accepted.asset,
    owner: permit?.owner,
    spender: permit?.spender,
    cap: permit?.cap,
    nonce: permit?.nonce,
    deadline: permit?.deadline,
    signature: permit?.signature,
  };
  return createHash('sha256').update(JSON.stringify(key)).digest('hex');
}
