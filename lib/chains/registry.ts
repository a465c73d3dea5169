import type { ChainFamily } from '../x402/networks';
import { evmAdapter } from './evm';
import type { ChainAdapter, TokenInfo } from './types';

const ADAPTERS: Partial<Record<ChainFamily, ChainAdapter>> = { evm: evmAdapter };

/** The adapter for a family, or null while that family is not implemented yet. */
export function adapterFor(family: ChainFamily): ChainAdapter | null {
  return ADAPTERS[family] ?? null;
}

/**
 * Tokens we know without asking a chain. Shown as verified in the approval window; anything else
 * is read from the chain and labelled as unverified.
 */
const KNOWN_TOKENS: Record<string, TokenInfo> = {
  'eip155:8453/0x833589fcd6edb6e08f4c7c32d4f71b54bda02913': { symbol: 'USDC', decimals: 6, name: 'USD Coin' },
  'eip155:84532/0x036cbd53842c5426634e7929541ec2318f3dcf7e': { symbol: 'USDC', decimals: 6, name: 'USD Coin' },
  'stellar:testnet/CBIELTK6YBZJU5UP2WWQEUCYKLPU6AUNZ2BQ4WWFEIE3USCIHMXQDAMA': { symbol: 'USDC', decimals: 7, name: 'USD Coin' },
};

export function knownToken(network: string, asset: string): TokenInfo | null {
  const key = network.startsWith('eip155:') ? `${network}/${asset.toLowerCase()}` : `${network}/${asset}`;
  return Object.prototype.hasOwnProperty.call(KNOWN_TOKENS, key) ? KNOWN_TOKENS[key]! : null;
}

/** Public RPC endpoints used for read-only calls when the person has not configured their own. */
export const DEFAULT_RPC: Record<string, string> = {
  'eip155:8453': 'https://mainnet.base.org',
  'eip155:84532': 'https://sepolia.base.org',
  'eip155:31337': 'http://127.0.0.1:8545',
};
