/**
 * The background-safe half of the Stellar chain folder: addresses, amounts, expiry, network
 * facts and the SDK-free Soroban RPC reader. The wallet signer (./wallet) is deliberately not
 * re-exported: it pulls in stellar-sdk and freighter-api, which belong in the lazily injected
 * signer chunk only (a test bundles this file and fails if any @stellar package gets in).
 */
export * from './amount';
export * from './expiry';
export * from './networks';
export * from './reader';
export * from './strkey';
export { decodeLedgerEntryData, decodeScVal, encodeLedgerKey, encodeScVal, XdrError } from './xdr';
export type { Durability, LedgerEntryData, LedgerKey, ScAddress, ScMapEntry, ScVal, TrustLineAsset } from './xdr';
