import type { ChainNetworks, NetworkInfo } from '../types';

/** Solana networks: CAIP-2 genesis-hash ids and the facilitators' `solana:devnet` style aliases. */
export const SOLANA_MAINNET = 'solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp';
export const SOLANA_DEVNET = 'solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1';

const ALIASES: Readonly<Record<string, string>> = Object.freeze(
  Object.assign(Object.create(null) as Record<string, string>, {
    'solana:devnet': SOLANA_DEVNET,
    'solana-devnet': SOLANA_DEVNET,
    'solana:mainnet': SOLANA_MAINNET,
    solana: SOLANA_MAINNET,
  }),
);
const CAIP = /^solana:[1-9A-HJ-NP-Za-km-z]{32}$/;

function match(name: string): NetworkInfo | null {
  const lower = name.toLowerCase();
  if (Object.prototype.hasOwnProperty.call(ALIASES, lower)) return { id: ALIASES[lower]!, family: 'solana' };
  return CAIP.test(name) ? { id: name, family: 'solana' } : null;
}

export const solanaNetworks: ChainNetworks = {
  family: 'solana',
  match,
  labels: { [SOLANA_MAINNET]: 'Solana', [SOLANA_DEVNET]: 'Solana Devnet' },
  defaultRpc: {},
  knownTokens: {},
  // Keys are case-sensitive: compared exactly.
  addressKey: (address) => address,
  signersKey: 'solana:*',
  defaultAsset: {},
};
