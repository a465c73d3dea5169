/**
 * Read-only Solana JSON-RPC over `fetch` (no SDK): the reads the background needs to show and
 * check a session — a mint's decimals, a token account's owner / delegate / amounts — and the
 * recent blockhash an approve is built on. Answers are untrusted input: shapes are checked.
 */
import { base64ToBytes } from '../../x402/base64';
import { addressToBytes } from './address';
import { SolanaError } from './errors';
import { decodeMint, decodeTokenAccount, type MintInfo, type TokenAccountInfo } from './layouts';
import { associatedTokenAddress } from './pda';
import { isTokenProgram } from './programs';

export interface RpcOptions {
  /** Default: the global fetch. */
  fetch?: typeof fetch;
  /** Default 10 s. */
  timeoutMs?: number;
  /** Default `confirmed`. */
  commitment?: 'processed' | 'confirmed' | 'finalized';
}

let nextId = 1;

export async function solanaRpc<T>(rpcUrl: string, method: string, params: unknown[], opts: RpcOptions = {}): Promise<T> {
  const doFetch = opts.fetch ?? fetch;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), opts.timeoutMs ?? 10_000);
  let response: Response;
  try {
    response = await doFetch(rpcUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: nextId++, method, params }),
      signal: controller.signal,
    });
  } catch (err) {
    throw new SolanaError('RPC_UNREACHABLE', `Solana RPC ${rpcUrl} unreachable (${method}): ${(err as Error).message}`);
  } finally {
    clearTimeout(timer);
  }
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    throw new SolanaError('RPC_ERROR', `Solana RPC ${method}: HTTP ${response.status}, not JSON`);
  }
  if (typeof body !== 'object' || body === null) throw new SolanaError('RPC_ERROR', `Solana RPC ${method}: answer is not an object`);
  const { error, result } = body as { error?: { code?: unknown; message?: unknown; data?: unknown }; result?: unknown };
  if (error) {
    throw new SolanaError('RPC_ERROR', `Solana RPC ${method}: ${String(error.message ?? 'error')}`, { rpcCode: error.code, rpcData: error.data });
  }
  if (!response.ok) throw new SolanaError('RPC_ERROR', `Solana RPC ${method}: HTTP ${response.status}`);
  return result as T;
}

export interface AccountInfo {
  owner: string;
  lamports: number;
  executable: boolean;
  data: Uint8Array;
}

export async function getAccountInfo(rpcUrl: string, address: string, opts: RpcOptions = {}): Promise<AccountInfo | null> {
  addressToBytes(address);
  const result = await solanaRpc<{ value?: unknown }>(rpcUrl, 'getAccountInfo', [address, { encoding: 'base64', commitment: opts.commitment ?? 'confirmed' }], opts);
  const value = result?.value as { owner?: unknown; lamports?: unknown; executable?: unknown; data?: unknown } | null | undefined;
  if (value === null || value === undefined) return null;
  const data = Array.isArray(value.data) && value.data[1] === 'base64' && typeof value.data[0] === 'string' ? base64ToBytes(value.data[0]) : null;
  if (!data || typeof value.owner !== 'string' || typeof value.lamports !== 'number') {
    throw new SolanaError('RPC_ERROR', `getAccountInfo ${address}: unexpected answer shape`);
  }
  return { owner: value.owner, lamports: value.lamports, executable: value.executable === true, data };
}

export async function getLatestBlockhash(rpcUrl: string, opts: RpcOptions = {}): Promise<{ blockhash: string; lastValidBlockHeight: number }> {
  const result = await solanaRpc<{ value?: { blockhash?: unknown; lastValidBlockHeight?: unknown } }>(
    rpcUrl,
    'getLatestBlockhash',
    [{ commitment: opts.commitment ?? 'confirmed' }],
    opts,
  );
  const { blockhash, lastValidBlockHeight } = result?.value ?? {};
  if (typeof blockhash !== 'string' || typeof lastValidBlockHeight !== 'number') throw new SolanaError('RPC_ERROR', 'getLatestBlockhash: unexpected answer shape');
  return { blockhash, lastValidBlockHeight };
}

/** A mint's base fields plus the token program that owns it (SPL Token or Token-2022). */
export async function readMint(rpcUrl: string, mint: string, opts: RpcOptions = {}): Promise<MintInfo & { tokenProgram: string }> {
  const account = await getAccountInfo(rpcUrl, mint, opts);
  if (!account) throw new SolanaError('ACCOUNT_NOT_FOUND', `mint ${mint} does not exist on this cluster`);
  if (!isTokenProgram(account.owner)) throw new SolanaError('NOT_A_MINT', `${mint} is owned by ${account.owner}, not a token program`);
  const info = decodeMint(account.data);
  if (!info.isInitialized) throw new SolanaError('NOT_A_MINT', `mint ${mint} is not initialised`);
  return { ...info, tokenProgram: account.owner };
}

/** A token account, or null if it does not exist (an ATA nobody created yet). */
export async function readTokenAccount(rpcUrl: string, address: string, opts: RpcOptions = {}): Promise<(TokenAccountInfo & { tokenProgram: string }) | null> {
  const account = await getAccountInfo(rpcUrl, address, opts);
  if (!account) return null;
  if (!isTokenProgram(account.owner)) throw new SolanaError('NOT_A_TOKEN_ACCOUNT', `${address} is owned by ${account.owner}, not a token program`);
  return { ...decodeTokenAccount(account.data), tokenProgram: account.owner };
}

/**
 * What `spender` may still pull from `owner`'s token account of `mint`: the delegated amount when
 * `spender` is the delegate, else 0 (SPL has one delegate per token account: a newer approve to
 * anyone replaces it). Capped by the balance, since a delegate cannot move more than there is.
 */
export async function readDelegatedAllowance(rpcUrl: string, mint: string, owner: string, spender: string, opts: RpcOptions = {}): Promise<bigint> {
  const { tokenProgram } = await readMint(rpcUrl, mint, opts);
  const account = await readTokenAccount(rpcUrl, associatedTokenAddress(owner, mint, tokenProgram), opts);
  if (!account || account.delegate !== spender || account.state !== 'initialized') return 0n;
  return account.delegatedAmount < account.amount ? account.delegatedAmount : account.amount;
}

/** What `owner` holds of `mint` in its associated token account (0 when it has none yet). */
export async function readTokenBalance(rpcUrl: string, mint: string, owner: string, opts: RpcOptions = {}): Promise<bigint> {
  const { tokenProgram } = await readMint(rpcUrl, mint, opts);
  const account = await readTokenAccount(rpcUrl, associatedTokenAddress(owner, mint, tokenProgram), opts);
  return account && account.mint === mint && account.owner === owner ? account.amount : 0n;
}
