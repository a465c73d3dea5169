/**
 * Solana networks. x402 v2 names a cluster by CAIP-2, `solana:<first 32 base58 chars of the
 * genesis hash>`; the Inco session facilitator says `solana:devnet` / `solana:mainnet` (its
 * README also `solana:pubnet`); Wallet Standard wallets name clusters `solana:mainnet`,
 * `solana:devnet`, `solana:localnet`; x402 v1 says `solana-devnet` / `solana`.
 * We resolve every spelling to a cluster for *matching* only; the server's own string is what
 * goes back on the wire. The CAIP-2 reference is base58, so it is compared case-sensitively.
 */

export type SolanaCluster = 'mainnet' | 'devnet' | 'localnet';
/** The chain ids Wallet Standard wallets list in `wallet.chains`. */
export type SolanaWalletChain = 'solana:mainnet' | 'solana:devnet' | 'solana:localnet';

export const SOLANA_MAINNET_CAIP2 = 'solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp';
export const SOLANA_DEVNET_CAIP2 = 'solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1';

export interface SolanaClusterInfo {
  cluster: SolanaCluster;
  /** Fixed CAIP-2 id; none for a local validator, whose genesis is new every run. */
  caip2: string | null;
  walletChain: SolanaWalletChain;
  /** The Inco-style spelling (`solana:devnet`). */
  alias: `solana:${SolanaCluster}`;
  defaultRpcUrl: string;
}

export const SOLANA_CLUSTERS: Readonly<Record<SolanaCluster, SolanaClusterInfo>> = Object.freeze({
  mainnet: {
    cluster: 'mainnet',
    caip2: SOLANA_MAINNET_CAIP2,
    walletChain: 'solana:mainnet',
    alias: 'solana:mainnet',
    defaultRpcUrl: 'https://api.mainnet-beta.solana.com',
  },
  devnet: {
    cluster: 'devnet',
    caip2: SOLANA_DEVNET_CAIP2,
    walletChain: 'solana:devnet',
    alias: 'solana:devnet',
    defaultRpcUrl: 'https://api.devnet.solana.com',
  },
  localnet: {
    cluster: 'localnet',
    caip2: null,
    walletChain: 'solana:localnet',
    alias: 'solana:localnet',
    defaultRpcUrl: 'http://127.0.0.1:8899',
  },
});

/** Lower-cased spellings → cluster. The CAIP-2 ids are matched exactly, below, not here. */
const ALIASES: Readonly<Record<string, SolanaCluster>> = Object.freeze(
  Object.assign(Object.create(null) as Record<string, SolanaCluster>, {
    'solana:mainnet': 'mainnet',
    'solana:mainnet-beta': 'mainnet',
    'solana:pubnet': 'mainnet',
    solana: 'mainnet',
    'solana-mainnet': 'mainnet',
    'solana:devnet': 'devnet',
    'solana-devnet': 'devnet',
    'solana:localnet': 'localnet',
    'solana-localnet': 'localnet',
  }),
);

const CAIP2 = /^solana:([1-9A-HJ-NP-Za-km-z]{32})$/;

/** The cluster a network string means, or null. An unknown `solana:<genesis>` id is null too. */
export function solanaClusterOf(network: unknown): SolanaCluster | null {
  if (typeof network !== 'string' || network.length > 64) return null;
  if (network === SOLANA_MAINNET_CAIP2) return 'mainnet';
  if (network === SOLANA_DEVNET_CAIP2) return 'devnet';
  const lower = network.toLowerCase();
  return Object.prototype.hasOwnProperty.call(ALIASES, lower) ? ALIASES[lower]! : null;
}

/** `solana:<ref>` for a genesis hash (base58), the CAIP-2 id of any cluster, local ones included. */
export function caip2FromGenesisHash(genesisHash: string): string {
  const ref = genesisHash.slice(0, 32);
  if (!CAIP2.test(`solana:${ref}`)) throw new Error(`not a base58 genesis hash: ${genesisHash}`);
  return `solana:${ref}`;
}

export function isSolanaCaip2(network: unknown): network is string {
  return typeof network === 'string' && CAIP2.test(network);
}

/**
 * Same cluster? Known spellings match across forms (`solana:devnet` ⇔ the devnet CAIP-2 id);
 * an unknown CAIP-2 id (a local validator's) matches only itself, exactly.
 */
export function sameSolanaNetwork(a: unknown, b: unknown): boolean {
  const ca = solanaClusterOf(a);
  const cb = solanaClusterOf(b);
  if (ca !== null || cb !== null) return ca === cb;
  return isSolanaCaip2(a) && a === b;
}

/** The explorer link for a transaction signature; localnet needs the RPC URL it should query. */
export function explorerTxUrl(cluster: SolanaCluster, signature: string, rpcUrl?: string): string {
  return explorerUrl('tx', signature, cluster, rpcUrl);
}

export function explorerAddressUrl(cluster: SolanaCluster, address: string, rpcUrl?: string): string {
  return explorerUrl('address', address, cluster, rpcUrl);
}

function explorerUrl(kind: 'tx' | 'address', id: string, cluster: SolanaCluster, rpcUrl?: string): string {
  const base = `https://explorer.solana.com/${kind}/${encodeURIComponent(id)}`;
  if (cluster === 'mainnet') return base;
  if (cluster === 'devnet') return `${base}?cluster=devnet`;
  return `${base}?cluster=custom&customUrl=${encodeURIComponent(rpcUrl ?? SOLANA_CLUSTERS.localnet.defaultRpcUrl)}`;
}
