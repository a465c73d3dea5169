/**
 * Network spellings. v2 uses CAIP-2 (`eip155:84532`), session facilitators also say `base:sepolia`,
 * v1 says `base-sepolia`. We normalise for *matching* only; the server's own string is always what
 * goes back in `accepted`.
 */
export type ChainFamily = 'evm' | 'stellar' | 'solana';

export const SOLANA_MAINNET = 'solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp';
export const SOLANA_DEVNET = 'solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1';

const ALIASES: Readonly<Record<string, string>> = Object.freeze(
  Object.assign(Object.create(null) as Record<string, string>, {
    'base:sepolia': 'eip155:84532',
    'base-sepolia': 'eip155:84532',
    'base:mainnet': 'eip155:8453',
    base: 'eip155:8453',
    ethereum: 'eip155:1',
    'ethereum:mainnet': 'eip155:1',
    'solana:devnet': SOLANA_DEVNET,
    'solana-devnet': SOLANA_DEVNET,
    'solana:mainnet': SOLANA_MAINNET,
    solana: SOLANA_MAINNET,
    'stellar:testnet': 'stellar:testnet',
    'stellar-testnet': 'stellar:testnet',
    'stellar:pubnet': 'stellar:pubnet',
    'stellar:mainnet': 'stellar:pubnet',
    stellar: 'stellar:pubnet',
  }),
);

const EIP155 = /^eip155:([1-9][0-9]{0,15})$/;
const SOLANA_CAIP = /^solana:[1-9A-HJ-NP-Za-km-z]{32}$/;

export interface NetworkInfo {
  /** Canonical CAIP-2 id used for matching and storage. */
  id: string;
  family: ChainFamily;
  /** EVM chain id; undefined for other families. */
  chainId?: number;
}

/** Canonical network for any spelling we know, or null for anything else. */
export function normalizeNetwork(name: unknown): NetworkInfo | null {
  if (typeof name !== 'string' || name.length === 0 || name.length > 64) return null;
  const lower = name.toLowerCase();
  const aliased = Object.prototype.hasOwnProperty.call(ALIASES, lower) ? ALIASES[lower]! : name;
  const evm = EIP155.exec(aliased);
  if (evm) {
    const chainId = Number(evm[1]);
    if (!Number.isSafeInteger(chainId)) return null;
    return { id: `eip155:${chainId}`, family: 'evm', chainId };
  }
  if (aliased === 'stellar:testnet' || aliased === 'stellar:pubnet') return { id: aliased, family: 'stellar' };
  if (SOLANA_CAIP.test(aliased)) return { id: aliased, family: 'solana' };
  return null;
}

export function sameNetwork(a: unknown, b: unknown): boolean {
  const na = normalizeNetwork(a);
  const nb = normalizeNetwork(b);
  return na !== null && nb !== null && na.id === nb.id;
}

const LABELS: Readonly<Record<string, string>> = {
  'eip155:8453': 'Base',
  'eip155:84532': 'Base Sepolia',
  'eip155:1': 'Ethereum',
  'eip155:31337': 'Local devnet',
  'stellar:pubnet': 'Stellar',
  'stellar:testnet': 'Stellar Testnet',
  [SOLANA_MAINNET]: 'Solana',
  [SOLANA_DEVNET]: 'Solana Devnet',
};

export function networkLabel(id: string): string {
  return Object.prototype.hasOwnProperty.call(LABELS, id) ? LABELS[id]! : id;
}
