/**
 * The SPL Token account layouts (identical in Token-2022 for the base part; extensions follow).
 *
 * Mint (82 bytes): mintAuthority COption<Pubkey> (u32 tag + 32), supply u64, decimals u8,
 * isInitialized u8, freezeAuthority COption<Pubkey>.
 * Account (165 bytes): mint 32, owner 32, amount u64, delegate COption<Pubkey>, state u8,
 * isNative COption<u64> (u32 tag + 8), delegatedAmount u64, closeAuthority COption<Pubkey>.
 */
import { bytesToAddress } from './address';
import { SolanaError } from './errors';
import { readU64Le } from './u64';

export const MINT_SIZE = 82;
export const TOKEN_ACCOUNT_SIZE = 165;

export interface MintInfo {
  mintAuthority: string | null;
  supply: bigint;
  decimals: number;
  isInitialized: boolean;
  freezeAuthority: string | null;
}

export type TokenAccountState = 'uninitialized' | 'initialized' | 'frozen';

export interface TokenAccountInfo {
  mint: string;
  owner: string;
  amount: bigint;
  delegate: string | null;
  state: TokenAccountState;
  /** Rent-exempt reserve of a wrapped-SOL account; null for every other token. */
  isNative: bigint | null;
  /** What the delegate may still move; 0 (and no delegate) once used up or revoked. */
  delegatedAmount: bigint;
  closeAuthority: string | null;
}

function u32Le(data: Uint8Array, offset: number): number {
  return (data[offset]! | (data[offset + 1]! << 8) | (data[offset + 2]! << 16) | (data[offset + 3]! << 24)) >>> 0;
}

function optionKey(data: Uint8Array, offset: number, what: string): string | null {
  const tag = u32Le(data, offset);
  if (tag === 0) return null;
  if (tag !== 1) throw new SolanaError('INVALID_FIELD', `${what}: bad option tag ${tag}`);
  return bytesToAddress(data.subarray(offset + 4, offset + 36));
}

/** Token-2022 accounts carry extensions after the base layout; only the base is read here. */
export function decodeMint(data: Uint8Array): MintInfo {
  if (data.length < MINT_SIZE) throw new SolanaError('NOT_A_MINT', `mint data is ${data.length} bytes, expected at least ${MINT_SIZE}`);
  const isInitialized = data[45] === 1;
  if (data[45]! > 1) throw new SolanaError('NOT_A_MINT', `mint isInitialized byte is ${data[45]}`);
  return {
    mintAuthority: optionKey(data, 0, 'mintAuthority'),
    supply: readU64Le(data, 36),
    decimals: data[44]!,
    isInitialized,
    freezeAuthority: optionKey(data, 46, 'freezeAuthority'),
  };
}

export function decodeTokenAccount(data: Uint8Array): TokenAccountInfo {
  if (data.length < TOKEN_ACCOUNT_SIZE) {
    throw new SolanaError('NOT_A_TOKEN_ACCOUNT', `token account data is ${data.length} bytes, expected at least ${TOKEN_ACCOUNT_SIZE}`);
  }
  const stateByte = data[108]!;
  const state: TokenAccountState | undefined = (['uninitialized', 'initialized', 'frozen'] as const)[stateByte];
  if (!state) throw new SolanaError('NOT_A_TOKEN_ACCOUNT', `token account state byte is ${stateByte}`);
  const nativeTag = u32Le(data, 109);
  if (nativeTag > 1) throw new SolanaError('NOT_A_TOKEN_ACCOUNT', `isNative: bad option tag ${nativeTag}`);
  return {
    mint: bytesToAddress(data.subarray(0, 32)),
    owner: bytesToAddress(data.subarray(32, 64)),
    amount: readU64Le(data, 64),
    delegate: optionKey(data, 72, 'delegate'),
    state,
    isNative: nativeTag === 1 ? readU64Le(data, 113) : null,
    delegatedAmount: readU64Le(data, 121),
    closeAuthority: optionKey(data, 129, 'closeAuthority'),
  };
}
