/**
 * Network names. v2 speaks CAIP-2 (`eip155:<chainId>`); the session facilitators of the seeds
 * also say `base:sepolia` / `base:mainnet`, and x402 v1 says `base-sepolia` / `base`. We normalise
 * only to *match*; every response echoes the caller's or the server's own string.
 */
const ALIASES: Record<string, string> = {
  'base:sepolia': 'eip155:84532',
  'base-sepolia': 'eip155:84532',
  'base:mainnet': 'eip155:8453',
  base: 'eip155:8453',
};

const V1_NAMES: Record<string, string> = {
  'eip155:84532': 'base-sepolia',
  'eip155:8453': 'base',
};

export function caip2(chainId: number): `eip155:${number}` {
  return `eip155:${chainId}`;
}

/** Canonical CAIP-2 form of a network string, or the input unchanged if it is not an alias. */
export function normalizeNetwork(network: string): string {
  const lower = network.trim().toLowerCase();
  return ALIASES[lower] ?? lower;
}

export function sameNetwork(a: string, b: string): boolean {
  return normalizeNetwork(a) === normalizeNetwork(b);
}

/** Chain id of an `eip155:<id>` network (aliases accepted), or undefined. */
export function evmChainId(network: string): number | undefined {
  const m = /^eip155:(\d+)$/.exec(normalizeNetwork(network));
  return m?.[1] ? Number(m[1]) : undefined;
}

/** The name an x402 v1 server would use; chains v1 never named keep their CAIP-2 string. */
export function v1NetworkName(network: string): string {
  const canonical = normalizeNetwork(network);
  return V1_NAMES[canonical] ?? canonical;
}

/** Every spelling that means `network`, canonical first. */
export function networkSpellings(network: string): string[] {
  const canonical = normalizeNetwork(network);
  const aliases = Object.entries(ALIASES)
    .filter(([, target]) => target === canonical)
    .map(([alias]) => alias);
  return [canonical, ...aliases];
}
