/**
 * Stellar networks the extension knows: their x402 (CAIP-2 style) ids, network passphrases
 * (which are what a signature commits to), default Soroban RPC endpoints for read-only calls, and
 * the explorer link for a transaction.
 *
 * `stellar:local` is this project's name for a standalone network (the devnet's Soroban-RPC
 * stand-in, or a `stellar/quickstart --local` node); the Stellar CLI calls that network "local".
 */

export type StellarNetworkId = 'stellar:pubnet' | 'stellar:testnet' | 'stellar:local';

export interface StellarNetwork {
  id: StellarNetworkId;
  label: string;
  passphrase: string;
  /** Soroban RPC used when the person configured none (the options page overrides it). */
  defaultRpcUrl?: string;
  /** What the Stellar wallet's `getNetworkDetails().network` says on this network (PUBLIC, TESTNET, STANDALONE). */
  walletNetworkName: string;
  /** `https://…/tx/<hash>`, or undefined when no public explorer indexes the network. */
  explorerTxBase?: string;
}

export const STELLAR_NETWORKS: Readonly<Record<StellarNetworkId, StellarNetwork>> = Object.freeze({
  'stellar:pubnet': {
    id: 'stellar:pubnet',
    label: 'Stellar',
    passphrase: 'Public Global Stellar Network ; September 2015',
    // SDF runs no public mainnet RPC (since August 2024); Gateway.fm's endpoint is free, needs no
    // key and is on the Stellar docs' provider list. People can set their own in the options.
    defaultRpcUrl: 'https://soroban-rpc.mainnet.stellar.gateway.fm',
    walletNetworkName: 'PUBLIC',
    explorerTxBase: 'https://stellar.expert/explorer/public/tx/',
  },
  'stellar:testnet': {
    id: 'stellar:testnet',
    label: 'Stellar Testnet',
    passphrase: 'Test SDF Network ; September 2015',
    defaultRpcUrl: 'https://soroban-testnet.stellar.org',
    walletNetworkName: 'TESTNET',
    explorerTxBase: 'https://stellar.expert/explorer/testnet/tx/',
  },
  'stellar:local': {
    id: 'stellar:local',
    label: 'Stellar (local)',
    passphrase: 'Standalone Network ; February 2017',
    // The devnet's Soroban-RPC stand-in on its default port (`npm run devnet`), as the EVM table
    // names the local hardhat node; another port is set in the options page.
    defaultRpcUrl: 'http://127.0.0.1:8000',
    walletNetworkName: 'STANDALONE',
  },
});

const ALIASES: Readonly<Record<string, StellarNetworkId>> = Object.freeze(
  Object.assign(Object.create(null) as Record<string, StellarNetworkId>, {
    'stellar:pubnet': 'stellar:pubnet',
    'stellar:mainnet': 'stellar:pubnet',
    'stellar:public': 'stellar:pubnet',
    // x402 v1 style names.
    stellar: 'stellar:pubnet',
    'stellar:testnet': 'stellar:testnet',
    'stellar-testnet': 'stellar:testnet',
    'stellar:local': 'stellar:local',
    'stellar:standalone': 'stellar:local',
  }),
);

/** The network for any spelling we know (case-insensitive), or null. */
export function stellarNetwork(name: unknown): StellarNetwork | null {
  if (typeof name !== 'string' || name.length > 64) return null;
  const lower = name.toLowerCase();
  return Object.prototype.hasOwnProperty.call(ALIASES, lower) ? STELLAR_NETWORKS[ALIASES[lower]!] : null;
}

export function sameStellarNetwork(a: unknown, b: unknown): boolean {
  const na = stellarNetwork(a);
  return na !== null && na === stellarNetwork(b);
}

/** The network a passphrase belongs to (what a wallet reports), or null for one we do not know. */
export function stellarNetworkForPassphrase(passphrase: unknown): StellarNetwork | null {
  return Object.values(STELLAR_NETWORKS).find((n) => n.passphrase === passphrase) ?? null;
}

const TX_HASH = /^[0-9a-f]{64}$/;

/** Explorer page of a transaction, or null (unknown network, local network, malformed hash). */
export function explorerTxUrl(network: unknown, txHash: string): string | null {
  const base = stellarNetwork(network)?.explorerTxBase;
  return base && TX_HASH.test(txHash) ? `${base}${txHash}` : null;
}
