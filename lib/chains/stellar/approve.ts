import type { ApproveInput, WalletRequest } from '../types';
import { I128_MAX } from './amount';
import { STELLAR_NETWORKS, stellarNetwork } from './networks';
import { decodeStellarAddress } from './strkey';

/**
 * What the Stellar signer chunk executes: one SAC `approve(from, spender, amount, expiration_ledger)`
 * with the person's account as source (docs/protocol.md §5.2). Built in the background, where the
 * expiration ledger was computed from the chain; the chunk adds only the person's account.
 */
export interface StellarApproveRequest extends WalletRequest {
  kind: 'sac-approve';
  /** Canonical id (`stellar:testnet`, `stellar:pubnet`, `stellar:local`). */
  network: string;
  /** What the signature commits to: the wallet must be on this network. */
  networkPassphrase: string;
  /** The SAC id (C…). */
  asset: string;
  /** The facilitator (G…). */
  spender: string;
  /** Base units, e.g. "10000000" = 1.00 of a 7-decimal token. */
  amount: string;
  /** The last ledger the allowance can be spent in (set when the caller read the chain for it). */
  expirationLedger?: number;
  /**
   * Without an expiration ledger (an allowance changed from the popup, long after opening): the
   * chunk uses its RPC's latest ledger + ceil(seconds / 5), and the on-chain check bounds it by
   * the ledger the approve landed in.
   */
  expiresInSeconds?: number;
  /** The Soroban RPC the tab signer adds from the settings (person's own first). */
  rpcUrl?: string;
}

export class StellarRequestError extends Error {
  override readonly name = 'StellarRequestError';
}

/**
 * The request for an `ApproveInput`. Stellar approvals expire on chain: the session rules read the
 * latest ledger and give `expiresAtHeight` (the expiration ledger); a caller that has no ledger
 * gives only `expiresAt`, and the chunk turns the seconds left into ledgers at signing time.
 */
export function sacApproveRequest(input: ApproveInput, nowSeconds = Math.floor(Date.now() / 1000)): StellarApproveRequest {
  const network = stellarNetwork(input.network.id);
  if (!network) throw new StellarRequestError(`not a Stellar network: ${input.network.id}`);
  decodeStellarAddress(input.asset, 'contract');
  decodeStellarAddress(input.spender, 'account');
  if (input.amount < 0n || input.amount > I128_MAX) throw new StellarRequestError(`approve amount ${input.amount} is outside 0…i128 max`);
  const ledger = input.expiresAtHeight;
  if (ledger !== undefined && (!Number.isSafeInteger(ledger) || ledger <= 0 || ledger > 0xffff_ffff)) throw new StellarRequestError('the expiration ledger must be a u32');
  const base = { kind: 'sac-approve' as const, network: network.id, networkPassphrase: STELLAR_NETWORKS[network.id].passphrase, asset: input.asset, spender: input.spender, amount: input.amount.toString() };
  // At least one ledger: an approve of 0 (a revoke) may name any ledger, and a lapsed session's
  // re-approve is refused by the SAC itself if it would expire before it lands.
  return ledger !== undefined ? { ...base, expirationLedger: ledger } : { ...base, expiresInSeconds: Math.max(1, Math.floor(input.expiresAt - nowSeconds)) };
}
