import type { ChainNetworks, NetworkInfo } from '../types';

/** Stellar networks by their x402 names. Payment on Stellar lands with the Stellar adapter. */
const ALIASES: Readonly<Record<string, string>> = Object.freeze(
  Object.assign(Object.create(null) as Record<string, string>, {
    'stellar:testnet': 'stellar:testnet',
    'stellar-testnet': 'stellar:testnet',
    'stellar:pubnet': 'stellar:pubnet',
    'stellar:mainnet': 'stellar:pubnet',
    stellar: 'stellar:pubnet',
  }),
);

function match(name: string): NetworkInfo | null {
  const lower = name.toLowerCase();
  return Object.prototype.hasOwnProperty.call(ALIASES, lower) ? { id: ALIASES[lower]!, family: 'stellar' } : null;
}

const TESTNET_USDC = 'CBIELTK6YBZJU5UP2WWQEUCYKLPU6AUNZ2BQ4WWFEIE3USCIHMXQDAMA';
const PUBNET_USDC = 'CCW67TSZV3SSS2HXMBQ5JFGCKJNXKZM7UQUWUZPUTHXSTZLEO7SJMI75';

export const stellarNetworks: ChainNetworks = {
  family: 'stellar',
  match,
  labels: { 'stellar:pubnet': 'Stellar', 'stellar:testnet': 'Stellar Testnet' },
  defaultRpc: {},
  knownTokens: {
    'stellar:testnet': { [TESTNET_USDC]: { address: TESTNET_USDC, symbol: 'USDC', decimals: 7, name: 'USD Coin' } },
    'stellar:pubnet': { [PUBNET_USDC]: { address: PUBNET_USDC, symbol: 'USDC', decimals: 7, name: 'USD Coin' } },
  },
  // Keys are case-sensitive: compared exactly.
  addressKey: (address) => address,
  signersKey: 'stellar:*',
  defaultAsset: { 'stellar:testnet': TESTNET_USDC, 'stellar:pubnet': PUBNET_USDC },
};
