/**
 * What the approval window shows of an SPL mint that is not in the known-token table: its decimals
 * and token program from the mint account, and a symbol if the mint has Metaplex metadata. SPL mints
 * carry no symbol themselves; the metadata account is written by whoever controls the mint, so the
 * symbol is self-declared (the window marks it unverified, as it does an ERC-20's `symbol()`).
 */
import { addressToBytes } from './address';
import { SolanaError } from './errors';
import { findProgramAddress } from './pda';
import { METADATA_PROGRAM } from './programs';
import { getAccountInfo, readMint, type RpcOptions } from './rpc';
import type { TokenInfo } from '../types';

/** A mint with no symbol anywhere is shown as this, beside its address and the "unverified" badge. */
export const UNVERIFIED_SYMBOL = 'unverified';

const METADATA_SEED = new TextEncoder().encode('metadata');
/** `Key::MetadataV1` of the Token Metadata program. */
const METADATA_V1 = 4;

/** The Metaplex metadata account of a mint: PDA ["metadata", program, mint]. */
export function metadataAddress(mint: string): string {
  return findProgramAddress([METADATA_SEED, addressToBytes(METADATA_PROGRAM), addressToBytes(mint)], METADATA_PROGRAM).address;
}

/**
 * `name` and `symbol` of a Metadata v1 account (key u8, update authority 32, mint 32, then Borsh
 * strings `name`, `symbol`, …, NUL-padded), or null when the bytes are not metadata of `mint`.
 */
export function decodeMetadata(data: Uint8Array, mint: string): { name: string; symbol: string } | null {
  if (data.length < 1 + 32 + 32 + 8 || data[0] !== METADATA_V1) return null;
  const mintBytes = addressToBytes(mint);
  for (let i = 0; i < 32; i++) if (data[33 + i] !== mintBytes[i]) return null;
  let offset = 65;
  const text = (max: number): string | null => {
    if (offset + 4 > data.length) return null;
    const len = (data[offset]! | (data[offset + 1]! << 8) | (data[offset + 2]! << 16) | (data[offset + 3]! << 24)) >>> 0;
    offset += 4;
    if (len > max || offset + len > data.length) return null;
    const bytes = data.subarray(offset, offset + len);
    offset += len;
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(bytes).replace(/\0+$/, '').trim();
    } catch {
      return null;
    }
  };
  // The program pads name to 32 bytes and symbol to 10; allow a little slack, no more.
  const name = text(64);
  const symbol = name === null ? null : text(32);
  return name === null || symbol === null ? null : { name, symbol };
}

/** Decimals from the mint; symbol (and name) from Metaplex metadata when there is any. */
export async function readSolanaToken(rpcUrl: string, mint: string, opts: RpcOptions = {}): Promise<TokenInfo> {
  const info = await readMint(rpcUrl, mint, opts);
  let meta: { name: string; symbol: string } | null = null;
  try {
    const account = await getAccountInfo(rpcUrl, metadataAddress(mint), opts);
    if (account && account.owner === METADATA_PROGRAM) meta = decodeMetadata(account.data, mint);
  } catch (err) {
    // Metadata is a nicety: an RPC that fails it but read the mint still gives the decimals.
    if (!(err instanceof SolanaError)) throw err;
  }
  const symbol = meta?.symbol ? meta.symbol.slice(0, 16) : UNVERIFIED_SYMBOL;
  return { symbol, decimals: info.decimals, ...(meta?.name ? { name: meta.name.slice(0, 64) } : {}) };
}
