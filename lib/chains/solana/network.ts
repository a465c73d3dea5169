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

export const solanaNetworks: ChainNetworks = {
  family: 'solana',
  match,
  labels: { [SOLANA_MAINNET]: 'Solana', [SOLANA_DEVNET]: 'Solana Devnet', 'solana:localnet': 'Solana (local)' },
  defaultRpc: {
    [SOLANA_MAINNET]: [SOLANA_CLUSTERS.mainnet.defaultRpcUrl],
    [SOLANA_DEVNET]: [SOLANA_CLUSTERS.devnet.defaultRpcUrl],
  },
  knownTokens: {},
  // Keys are case-sensitive: compared exactly.
  addressKey: (address) => address,
  signersKey: 'solana:*',
  defaultAsset: {},
  explorerTx(network, hash) {
    const cluster = solanaClusterOf(network);
    return cluster && cluster !== 'localnet' ? explorerTxUrl(cluster, hash) : null;
  },
};
