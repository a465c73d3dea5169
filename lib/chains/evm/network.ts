import type { ChainNetworks, NetworkInfo } from '../types';

/**
 * EVM networks: CAIP-2 `eip155:<chainId>`, the session facilitators' `base:sepolia`, v1's
 * `base-sepolia`. Normalised for matching only; the server's own spelling is what goes back in
 * `accepted`.
 */
const ALIASES: Readonly<Record<string, number>> = Object.freeze(
  Object.assign(Object.create(null) as Record<string, number>, {
    'base:sepolia': 84532,
    'base-sepolia': 84532,
    'base:mainnet': 8453,
    base: 8453,
    ethereum: 1,
    'ethereum:mainnet': 1,
  }),
);
const EIP155 = /^eip155:([1-9][0-9]{0,15})$/;

function match(name: string): NetworkInfo | null {
  const lower = name.toLowerCase();
  const aliased = Object.prototype.hasOwnProperty.call(ALIASES, lower) ? ALIASES[lower]! : null;
  const chainId = aliased ?? (EIP155.exec(name) ? Number(EIP155.exec(name)![1]) : null);
  if (chainId === null || !Number.isSafeInteger(chainId)) return null;
  return { id: `eip155:${chainId}`, family: 'evm', chainId };
}

const USDC = (address: string) => ({ address, symbol: 'USDC', decimals: 6, name: 'USD Coin' });
const BASE_USDC = '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913';
const BASE_SEPOLIA_USDC = '0x036CbD53842c5426634e7929541eC2318f3dCF7e';
const EXPLORERS: Readonly<Record<string, string>> = {
  'eip155:8453': 'https://basescan.org/tx/',
  'eip155:84532': 'https://sepolia.basescan.org/tx/',
  'eip155:1': 'https://etherscan.io/tx/',
};

export const evmNetworks: ChainNetworks = {
  family: 'evm',
  match,
  labels: {
    'eip155:8453': 'Base',
    'eip155:84532': 'Base Sepolia',
    'eip155:1': 'Ethereum',
    'eip155:31337': 'Local devnet',
  },
  defaultRpc: {
    'eip155:8453': ['https://mainnet.base.org'],
    'eip155:84532': ['https://sepolia.base.org'],
    'eip155:31337': ['http://127.0.0.1:8545'],
  },
  knownTokens: {
    'eip155:8453': { [BASE_USDC.toLowerCase()]: USDC(BASE_USDC) },
    'eip155:84532': { [BASE_SEPOLIA_USDC.toLowerCase()]: USDC(BASE_SEPOLIA_USDC) },
  },
  signersKey: 'eip155:*',
  defaultAsset: { 'eip155:8453': BASE_USDC, 'eip155:84532': BASE_SEPOLIA_USDC },
  // Hex addresses are case-insensitive (EIP-55 case is only a checksum).
  addressKey: (address) => address.toLowerCase(),
  explorerTx: (network, hash) => (Object.prototype.hasOwnProperty.call(EXPLORERS, network) && /^0x[0-9a-fA-F]{64}$/.test(hash) ? `${EXPLORERS[network]}${hash}` : null),
};
