/**
 * Two different schemes are both called `upto` (x402-protocol.md §6.6):
 * - Coinbase `upto`: Permit2 + witness, one signature per request, `amount` = the most this one
 *   request may cost; `extra.facilitatorAddress` (required) and `extra.assetTransferMethod: "permit2"`.
 * - daydreams `upto`: one ERC-2612 permit for a cap, reused across calls, `amount` = this call's
 *   price; `extra.maxAmountRequired` / `extra.maxAmount` (the cap, optional), none of the above.
 * Rule: `facilitatorAddress` present ⇒ Coinbase; else daydreams. A `permit2` transfer method
 * without it is a broken Coinbase entry (its own client throws), never daydreams.
 */
export type UptoFlavor = 'coinbase' | 'daydreams';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Which `upto` an `accepts[]` entry is, or null when it is not `scheme: "upto"`. */
export function uptoFlavor(accepted: unknown): UptoFlavor | null {
  if (!isRecord(accepted) || accepted.scheme !== 'upto') return null;
  const extra = isRecord(accepted.extra) ? accepted.extra : {};
  if (extra.facilitatorAddress !== undefined || extra.assetTransferMethod === 'permit2') return 'coinbase';
  return 'daydreams';
}
