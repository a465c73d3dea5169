/**
 * The daydreams `upto` session id (x402-protocol.md §6.5):
 * sha256_hex(JSON.stringify({ network, asset, owner, spender, cap, nonce, deadline, signature }))
 * in that key order, `network` / `asset` from `accepted`, the rest the payload's own strings
 * (`from`, `to`, `value`, `nonce`, `validBefore`, `signature`). The server returns it in
 * `x-upto-session-id`; a wallet can compute it before the first call to recognise its session.
 */
import { sha256, stringToBytes } from 'viem';
import type { UptoPayload } from './permit';

export function uptoSessionId(accepted: { network: string; asset: string }, payload: UptoPayload): string {
  const a = payload.authorization;
  const key = {
    network: accepted.network,
    asset: accepted.asset,
    owner: a.from,
    spender: a.to,
    cap: a.value,
    nonce: a.nonce,
    deadline: a.validBefore,
    signature: payload.signature,
  };
  return sha256(stringToBytes(JSON.stringify(key))).slice(2);
}
