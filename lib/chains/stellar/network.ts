import type { ChainNetworks, NetworkInfo } from '../types';
import { explorerTxUrl, STELLAR_NETWORKS, stellarNetwork, type StellarNetworkId } from './networks';

/**
 * The Stellar network table the core reads (labels, default Soroban RPCs, known tokens), built
 * from `STELLAR_NETWORKS` (./networks), the one source of the ids, aliases, passphrases and RPCs.
 */
function match(name: string): NetworkInfo | null {
  const network = stellarNetwork(name);
  return network ? { id: network.id, family: 'stellar' } : null;
}

export const STELLAR_TESTNET_USDC = 'CBIELTK6YBZJU5UP2WWQEUCYKLPU6AUNZ2BQ4WWFEIE3USCIHMXQDAMA';
export const STELLAR_PUBNET_USDC = 'CCW67TSZV3SSS2HXMBQ5JFGCKJNXKZM7UQUWUZPUTHXSTZLEO7SJMI75';

const ids = Object.keys(STELLAR_NETWORKS) as StellarNetworkId[];
const usdc = (address: string) => ({ [address]: { address, symbol: 'USDC', decimals: 7, name: 'USD Coin' } });

export const stellarNetworks: ChainNetworks = {
  family: 'stellar',
  match,
  labels: Object.fromEntries(ids.map((id) => [id, STELLAR_NETWORKS[id].label])),
  defaultRpc: Object.fromEntries(ids.flatMap((id) => (STELLAR_NETWORKS[id].defaultRpcUrl ? [[id, [STELLAR_NETWORKS[id].defaultRpcUrl!]]] : []))),
  knownTokens: { 'stellar:testnet': usdc(STELLAR_TESTNET_USDC), 'stellar:pubnet': usdc(STELLAR_PUBNET_USDC) },
  // Strkeys are case-sensitive base32 with a checksum: compared exactly, never case-folded.
  addressKey: (address) => address,
  signersKey: 'stellar:*',
  defaultAsset: { 'stellar:testnet': STELLAR_TESTNET_USDC, 'stellar:pubnet': STELLAR_PUBNET_USDC },
  explorerTx: (network, hash) => explorerTxUrl(network, hash),
};
