import type { TokenDomain } from '../../chains/evm/typed-data';
import type { UptoPayload } from './permit';

/**
 * What an `upto` grant holds: the signed permit payload, sent byte-identical on every call (a bearer
 * credential worth the whole cap: never page-visible, never sent anywhere but the session's own
 * API origins and payTo), the server's session id derived from it (what a paid success names), and
 * the token domain that was checked on chain before the permit was signed.
 */
export interface UptoGrant {
  payload: UptoPayload;
  sessionId: string;
  domain: TokenDomain;
}

const HEX = /^0x[0-9a-fA-F]+$/;

/** Read a stored grant defensively: anything malformed pays nothing. */
export function readUptoGrant(grant: Readonly<Record<string, unknown>>): UptoGrant | null {
  const p = grant.payload as Partial<UptoPayload> | undefined;
  const a = p?.authorization as Partial<UptoPayload['authorization']> | undefined;
  const d = grant.domain as Partial<TokenDomain> | undefined;
  if (!p || !a || typeof p.signature !== 'string' || !HEX.test(p.signature)) return null;
  if (![a.from, a.to, a.value, a.validBefore, a.nonce].every((v) => typeof v === 'string' && v.length > 0)) return null;
  if (typeof grant.sessionId !== 'string' || !d || typeof d.name !== 'string' || typeof d.version !== 'string') return null;
  return {
    payload: { authorization: { from: a.from!, to: a.to!, value: a.value!, validBefore: a.validBefore!, nonce: a.nonce! }, signature: p.signature },
    sessionId: grant.sessionId,
    domain: { name: d.name, version: d.version },
  };
}
