import { chainFor } from '../chains/registry';
import type { ChainAdapter } from '../chains/types';
import type { WalletReason } from '../messaging/reasons';
import type { PaymentOption } from '../x402/codec';
import { exactScheme } from './exact';
import { sessionScheme } from './session';
import { uptoScheme } from './upto';
import type { SchemeOnChain, SchemePlugin } from './types';

/**
 * The x402 schemes the wallet can pay. Adding one is a folder under lib/schemes/ and one line here.
 * Order does not matter: `preference` ranks them (lower asks the person less).
 */
const SCHEMES: readonly SchemePlugin[] = [sessionScheme, uptoScheme, exactScheme];

export interface Payable {
  scheme: SchemePlugin;
  impl: SchemeOnChain;
  chain: ChainAdapter;
}

/** The implementation of scheme `id` on `family`, with its chain adapter; null when either is missing. */
export function schemeOn(id: string, family: string): Payable | null {
  const scheme = SCHEMES.find((s) => s.id === id);
  const impl = scheme && Object.prototype.hasOwnProperty.call(scheme.chains, family) ? scheme.chains[family] : undefined;
  const chain = chainFor(family);
  return scheme && impl && chain ? { scheme, impl, chain } : null;
}

/** Is the scheme id known at all (on any chain)? */
export function knownScheme(id: string): boolean {
  return SCHEMES.some((s) => s.id === id);
}

/** What pays this 402 entry, or null. */
export function payableOption(option: PaymentOption): Payable | null {
  if (!option.networkInfo) return null;
  const p = schemeOn(option.scheme, option.networkInfo.family);
  return p && p.impl.accepts(option) ? p : null;
}

/** Why a known scheme will not pay this entry, when it says (e.g. `exact` through Permit2); else null. */
export function refusalOf(option: PaymentOption): WalletReason | null {
  if (!option.networkInfo) return null;
  return schemeOn(option.scheme, option.networkInfo.family)?.impl.refusal?.(option) ?? null;
}

/** Rank payable entries: the scheme that asks the person least first (`preference`), then the server's order. */
export function byPreference<T extends { by: Payable; option: PaymentOption }>(entries: readonly T[]): T[] {
  return [...entries].sort((a, b) => a.by.scheme.preference - b.by.scheme.preference || a.option.index - b.option.index);
}

/** The scheme a dapp's `requestSession` opens when it names none: the one that asks least, on that chain. */
export function defaultSchemeFor(family: string): string | null {
  const ranked = [...SCHEMES].sort((a, b) => a.preference - b.preference);
  return ranked.find((s) => schemeOn(s.id, family) !== null)?.id ?? null;
}
