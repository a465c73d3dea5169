import { evmChain } from './evm';
import { solanaChain } from './solana';
import { stellarChain } from './stellar';
import type { ChainAdapter } from './types';

/**
 * The chain families the wallet can pay on. Adding one is a folder under lib/chains/ and one line
 * here (plus its network table in networks.ts).
 */
const CHAINS: readonly ChainAdapter[] = [evmChain, stellarChain, solanaChain];

/** The adapter for a family, or null while that family cannot be paid on yet. */
export function chainFor(family: string): ChainAdapter | null {
  return CHAINS.find((c) => c.family === family) ?? null;
}
