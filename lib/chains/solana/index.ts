/**
 * Pure Solana modules for the background bundle: no Solana SDK, no DOM. The page-side signer
 * (`./wallet`) is deliberately not re-exported here: it pulls web3.js and the wallet adapters.
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
