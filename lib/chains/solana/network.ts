import type { ChainNetworks, NetworkInfo } from '../types';
import { explorerTxUrl, SOLANA_CLUSTERS, SOLANA_DEVNET_CAIP2, SOLANA_MAINNET_CAIP2, solanaClusterOf } from './networks';

/** Solana networks: CAIP-2 genesis-hash ids and the facilitators' `solana:devnet` style aliases. */
export const SOLANA_MAINNET = SOLANA_MAINNET_CAIP2;
export const SOLANA_DEVNET = SOLANA_DEVNET_CAIP2;

const CAIP = /^solana:[1-9A-HJ-NP-Za-km-z]{32}$/;

/**
 * Aliases resolve to their cluster's CAIP-2 id. `solana:localnet` has none (a local validator's
 * genesis is new every run), so it stays as spelled: it names "whatever RPC you were given".
 */
function match(name: string): NetworkInfo | null {
  const cluster = solanaClusterOf(name);
  if (cluster) return { id: SOLANA_CLUSTERS[cluster].caip2 ?? SOLANA_CLUSTERS[cluster].alias, family: 'solana' };
  return CAIP.test(name) ? { id: name, family: 'solana' } : null;
}

/** Circle's USDC mints (SPL Token, 6 decimals): shown as verified without a chain read. */
const MAINNET_USDC = 'EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v';
const DEVNET_USDC = '4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU';
const USDC = (address: string) => ({ address, symbol: 'USDC', decimals: 6, name: 'USD Coin' });

export const solanaNetworks: ChainNetworks = {
  family: 'solana',
  match,
  labels: { [SOLANA_MAINNET]: 'Solana', [SOLANA_DEVNET]: 'Solana Devnet', 'solana:localnet': 'Solana (local)' },
  defaultRpc: {
    [SOLANA_MAINNET]: [SOLANA_CLUSTERS.mainnet.defaultRpcUrl],
    [SOLANA_DEVNET]: [SOLANA_CLUSTERS.devnet.defaultRpcUrl],
  },
  // Keyed by the address itself: base58 is compared exactly (addressKey is the identity).
  knownTokens: { [SOLANA_MAINNET]: { [MAINNET_USDC]: USDC(MAINNET_USDC) }, [SOLANA_DEVNET]: { [DEVNET_USDC]: USDC(DEVNET_USDC) } },
  // Keys are case-sensitive: compared exactly.
  addressKey: (address) => address,
  signersKey: 'solana:*',
  defaultAsset: { [SOLANA_MAINNET]: MAINNET_USDC, [SOLANA_DEVNET]: DEVNET_USDC },
  explorerTx(network, hash) {
    const cluster = solanaClusterOf(network);
    return cluster && cluster !== 'localnet' ? explorerTxUrl(cluster, hash) : null;
  },
};
