/**
 * The one wallet request that opens a Solana session (docs/protocol.md §5.3): the signer chunk
 * builds the SPL approve from it for the connected account, has the wallet partially sign it and
 * sign the auth message, and hands both back unsent (the facilitator co-signs as fee payer and
 * submits). Built here, in the background, from chain reads the page cannot influence: the mint's
 * decimals and token program and a recent blockhash.
 */
import type { ApproveInput, WalletRequest } from '../types';
import { addressKind, isSolanaAddress } from './address';
import { SolanaError } from './errors';
import { SOLANA_CLUSTERS, solanaClusterOf, type SolanaWalletChain } from './networks';
import { isWellKnownProgram } from './programs';
import { getLatestBlockhash, readMint } from './rpc';
import { isU64 } from './u64';

export const SOLANA_SESSION_REQUEST = 'spl-approve-session';

export interface SolanaSessionRequest extends WalletRequest {
  kind: typeof SOLANA_SESSION_REQUEST;
  /** Canonical network id (CAIP-2 for devnet and mainnet). */
  network: string;
  /** The Wallet Standard chain the wallet signs for. */
  chain: SolanaWalletChain;
  /** Where the blockhash was read (the chunk reads nothing when it has one). */
  rpcUrl: string;
  /** The mint, its decimals and the token program that owns it (SPL Token or Token-2022). */
  asset: string;
  decimals: number;
  tokenProgram: string;
  /** The facilitator: delegate and fee payer. */
  spender: string;
  recipient: string;
  /** What the delegate may pull (ApproveChecked amount), base units: the cap plus what other open sessions on this allowance still need. */
  amount: string;
  /** The session's own cap, signed in the auth message. */
  cap: string;
  /** The facilitator's network string, signed in the auth message (`solana:devnet`). */
  sessionNetwork: string;
  expirationUnix: number;
  recentBlockhash: string;
  /** Exact Wallet Standard name to use, once the person picked one of several. */
  walletName?: string;
}

/** An RPC on this machine means a local validator, whatever the network is called (devnet/README.md). */
function isLoopback(rpcUrl: string): boolean {
  try {
    const host = new URL(rpcUrl).hostname;
    return host === 'localhost' || host === '[::1]' || /^127\./.test(host);
  } catch {
    return false;
  }
}

/** `solana:localnet` for a local RPC or an unknown cluster, else the cluster's own chain name. */
export function walletChainFor(network: string, rpcUrl: string): SolanaWalletChain {
  const cluster = solanaClusterOf(network);
  if (isLoopback(rpcUrl) || cluster === null) return SOLANA_CLUSTERS.localnet.walletChain;
  return SOLANA_CLUSTERS[cluster].walletChain;
}

/**
 * A session's recipient: a wallet key (on the curve), not a program-derived address (e.g. a token
 * account pasted where its owner belongs: the payments would go to a token account of a token
 * account) and not a program. Anything else cannot spend what it receives.
 */
export function isSolanaRecipient(value: string): boolean {
  return addressKind(value) === 'on-curve' && !isWellKnownProgram(value);
}

function invalid(message: string): never {
  throw new SolanaError('INVALID_FIELD', message);
}

export async function solanaSessionRequest(input: ApproveInput): Promise<SolanaSessionRequest> {
  const { session, rpcUrl } = input;
  // The facilitator co-signs and submits the approve at registration: there is no approve outside a session.
  if (!session) invalid('a Solana approve is made only while opening a session, which the facilitator submits');
  if (!rpcUrl) invalid('a Solana approve is built on a recent blockhash: an RPC is required');
  for (const [what, value] of [['asset', input.asset], ['spender', input.spender]] as const) {
    if (!isSolanaAddress(value)) invalid(`${what} is not a Solana address`);
  }
  if (!isSolanaRecipient(session.recipient)) invalid('the recipient is not a wallet address (off the curve, or a program)');
  if (!isU64(input.amount) || input.amount === 0n) throw new SolanaError('INVALID_AMOUNT', 'the approved amount must be a positive u64');
  if (session.cap <= 0n || session.cap > input.amount) throw new SolanaError('INVALID_AMOUNT', 'the session cap must be positive and within the approved amount');
  if (!Number.isSafeInteger(input.expiresAt) || input.expiresAt <= 0) invalid('expiresAt must be unix seconds');
  const [mint, { blockhash }] = await Promise.all([readMint(rpcUrl, input.asset), getLatestBlockhash(rpcUrl)]);
  return {
    kind: SOLANA_SESSION_REQUEST,
    network: input.network.id,
    chain: walletChainFor(input.network.id, rpcUrl),
    rpcUrl,
    asset: input.asset,
    decimals: mint.decimals,
    tokenProgram: mint.tokenProgram,
    spender: input.spender,
    recipient: session.recipient,
    amount: input.amount.toString(),
    cap: session.cap.toString(),
    sessionNetwork: session.network,
    expirationUnix: input.expiresAt,
    recentBlockhash: blockhash,
  };
}
