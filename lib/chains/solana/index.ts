/**
 * The Solana chain adapter (`solanaChain`, at the end) and the pure modules it is made of, for the
 * background bundle: no Solana SDK, no DOM. The page-side signer (`./wallet`) is deliberately not
 * re-exported here: it talks to the page's Wallet Standard wallets.
 */
export * from './address';
export * from './approve';
export * from './auth';
export * from './base58';
export * from './errors';
export * from './instructions';
export * from './layouts';
export * from './message';
export * from './network';
export * from './networks';
export * from './pda';
export * from './programs';
export * from './rpc';
export * from './u64';
export * from './session-request';
export * from './token';
export * from './verify';

import type { ChainAdapter } from '../types';
import { isSolanaAddress } from './address';
import { solanaNetworks } from './network';
import { readDelegatedAllowance, readTokenBalance } from './rpc';
import { isSolanaRecipient, solanaSessionRequest } from './session-request';
import { readSolanaToken } from './token';
import { U64_MAX } from './u64';
import { verifySolanaSession } from './verify';

/**
 * Solana: SPL (and Token-2022) mints, one `ApproveChecked` to the facilitator signed partially in a
 * Wallet Standard wallet together with the session's auth message; the facilitator submits it.
 */
export const solanaChain: ChainAdapter = {
  ...solanaNetworks,
  isAddress: isSolanaAddress,
  isRecipient: isSolanaRecipient,
  maxAmount: U64_MAX,
  readToken: (rpcUrl, asset) => readSolanaToken(rpcUrl, asset),
  readAllowance: (rpcUrl, asset, owner, spender) => readDelegatedAllowance(rpcUrl, asset, owner, spender),
  readBalance: (rpcUrl, asset, owner) => readTokenBalance(rpcUrl, asset, owner),
  approveRequest: solanaSessionRequest,
  verifyWallet: verifySolanaSession,
  signer: { file: '/signer-solana.js', entry: 'solana' },
};
