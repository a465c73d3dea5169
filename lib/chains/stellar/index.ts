/**
 * The background-safe half of the Stellar chain folder: the `ChainAdapter` (addresses, token
 * reads, the approve request and its on-chain check) and the pure modules it is made of. The
 * wallet signer (./wallet) is deliberately not re-exported: it pulls in stellar-sdk and
 * freighter-api, which belong in the lazily injected signer chunk only (a test bundles this file
 * and fails if any @stellar package gets in; so does scripts/check-build.mjs for background.js).
 */
import type { ChainAdapter } from '../types';
import { I128_MAX } from './amount';
import { sacApproveRequest } from './approve';
import { stellarNetworks } from './network';
import { SorobanReader } from './reader';
import { isStellarAddress, isStellarContractId, stellarAddressProblem } from './strkey';
import { verifySacApprove } from './verify';

export * from './amount';
export * from './approve';
export * from './expiry';
export * from './network';
export * from './networks';
export * from './reader';
export * from './strkey';
export * from './verify';
export { decodeLedgerEntryData, decodeScVal, decodeTransactionEnvelope, encodeLedgerKey, encodeScVal, XdrError } from './xdr';
export type { DecodedTransaction, Durability, LedgerEntryData, LedgerKey, ScAddress, ScMapEntry, ScVal, TrustLineAsset } from './xdr';

/** Stellar: Stellar Asset Contracts (SEP-41), one `approve(from, spender, amount, expiration_ledger)` signed in Freighter. */
export const stellarChain: ChainAdapter = {
  ...stellarNetworks,
  // G… accounts and C… contracts (a token is always a C… SAC; a recipient may be either); muxed
  // M… and anything else refused, and addressProblem says why.
  isAddress: (value, role) => (role === 'token' ? isStellarContractId(value) : isStellarAddress(value)),
  addressProblem: (value, role) => stellarAddressProblem(value, role === 'token' ? 'contract' : undefined)?.message ?? null,
  maxAmount: I128_MAX,
  async readToken(rpcUrl, asset) {
    const token = await new SorobanReader({ rpcUrl }).readToken(asset);
    return { symbol: token.symbol, decimals: token.decimals, name: token.name };
  },
  async readAllowance(rpcUrl, asset, owner, spender) {
    return (await new SorobanReader({ rpcUrl }).readAllowance(asset, owner, spender)).amount;
  },
  readBalance: (rpcUrl, asset, owner) => new SorobanReader({ rpcUrl }).readBalance(asset, owner),
  approveRequest: (input) => sacApproveRequest(input),
  verifyWallet: verifySacApprove,
  signer: { file: '/signer-stellar.js', entry: 'stellar' },
};
