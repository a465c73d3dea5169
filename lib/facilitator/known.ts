/**
 * Public facilitators the wallet knows by name (those of the session SDKs it interoperates with).
 * Known is not trusted: any facilitator can pull up to the cap it is approved for. The window says
 * so for every facilitator and warns in words for one it does not know.
 */
export interface KnownFacilitator {
  base: string;
  name: string;
}

const KNOWN: readonly KnownFacilitator[] = [
  { base: 'https://elsax402-facilitator-production.up.railway.app', name: 'elsa-x402-sessions (Base)' },
  { base: 'https://courteous-emotion-production.up.railway.app', name: 'x402-sessions (Stellar)' },
  { base: 'https://inco-facilitator-production.up.railway.app', name: 'Inco x402 sessions (Solana)' },
];

export type FacilitatorStanding = { kind: 'known'; name: string } | { kind: 'local' } | { kind: 'unknown' };

/** What the wallet can say about a facilitator's normalised base URL. */
export function facilitatorStanding(base: string): FacilitatorStanding {
  const known = KNOWN.find((k) => k.base === base);
  if (known) return { kind: 'known', name: known.name };
  try {
    const host = new URL(base).hostname;
    if (host === 'localhost' || host === '[::1]' || /^127\./.test(host)) return { kind: 'local' };
  } catch {
    // not a URL: unknown
  }
  return { kind: 'unknown' };
}
