import { evmNetworks } from './evm/network';
import { solanaNetworks } from './solana/network';
import { stellarNetworks } from './stellar/network';
import type { ChainNetworks, NetworkInfo, TokenInfo } from './types';

/**
 * Every family's network table, without any chain SDK, so the codec, the popup and the options page
 * can name networks without pulling adapters in. A family listed here but without an adapter in
 * `registry.ts` is recognised and labelled, and not yet payable.
 */
const TABLES: readonly ChainNetworks[] = [evmNetworks, stellarNetworks, solanaNetworks];

/** Canonical network for any spelling any family knows, or null. */
export function resolveNetwork(name: unknown): NetworkInfo | null {
  if (typeof name !== 'string' || name.length === 0 || name.length > 64) return null;
  for (const t of TABLES) {
    const info = t.match(name);
    if (info) return info;
  }
  return null;
}

export function sameNetwork(a: unknown, b: unknown): boolean {
  const na = resolveNetwork(a);
  const nb = resolveNetwork(b);
  return na !== null && nb !== null && na.id === nb.id;
}

function tableOfFamily(family: string): ChainNetworks | undefined {
  return TABLES.find((t) => t.family === family);
}

/**
 * Addresses of a family compared its way (EVM case-insensitive, Stellar and Solana exactly). The
 * only place the core compares addresses.
 */
export function sameAddress(family: string, a: string, b: string): boolean {
  const t = tableOfFamily(family);
  return t !== undefined && t.addressKey(a) === t.addressKey(b);
}

export function addressKey(family: string, address: string): string {
  return tableOfFamily(family)?.addressKey(address) ?? address;
}

function tableOf(network: string): ChainNetworks | undefined {
  const info = resolveNetwork(network);
  return info ? tableOfFamily(info.family) : undefined;
}

export function networkLabel(id: string): string {
  const labels = tableOf(id)?.labels;
  return labels && Object.prototype.hasOwnProperty.call(labels, id) ? labels[id]! : id;
}

/** Every network some family ships a default RPC for (the options page lists them). */
export function networksWithDefaultRpc(): string[] {
  return TABLES.flatMap((t) => Object.keys(t.defaultRpc));
}

export function defaultRpcs(network: string): readonly string[] {
  const rpc = tableOf(network)?.defaultRpc;
  return rpc && Object.prototype.hasOwnProperty.call(rpc, network) ? rpc[network]! : [];
}

export function explorerTx(network: string, hash: string): string | null {
  return tableOf(network)?.explorerTx?.(network, hash) ?? null;
}

/** Why the extension cannot change an allowance on this network by itself, or null when it can. */
export function allowanceLocked(network: string): string | null {
  return tableOf(network)?.allowanceLocked ?? null;
}

/** Known token metadata, looked up with an already-normalised address key. */
export function knownTokenByKey(network: string, key: string): (TokenInfo & { address: string }) | null {
  const tokens = tableOf(network)?.knownTokens[network];
  return tokens && Object.prototype.hasOwnProperty.call(tokens, key) ? tokens[key]! : null;
}

export function defaultAsset(network: string): string | undefined {
  const d = tableOf(network)?.defaultAsset;
  return d && Object.prototype.hasOwnProperty.call(d, network) ? d[network] : undefined;
}
