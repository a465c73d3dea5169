/**
 * Server-side `session` scheme plugin for `@x402/core`'s x402ResourceServer, on every chain the
 * devnet runs (EVM, Solana, Stellar).
 *
 * It turns a price into base units of the session token and, per docs/protocol.md §5/§7, copies
 * the facilitator's `/supported` kind `extra` (spender, sessionsEndpoint, chainId or
 * facilitatorAddress, …) into every `accepts[].extra` and adds `facilitatorUrl`, so a client can
 * open a session knowing only the 402. What differs per chain is how asset ids compare: EVM hex
 * addresses ignore case, Solana's base58 mints and Stellar's C… contract ids do not.
 */
import type { AssetAmount, Network, PaymentRequirements, Price, SchemeNetworkServer, SupportedKind } from '@x402/core/types';

export interface SessionSchemeConfig {
  /** The token sessions are paid in: an ERC-20 address, an SPL mint or a SAC id. */
  asset: string;
  /** Base-unit decimals of that token. */
  decimals: number;
  /** Absolute facilitator URL advertised to clients in `extra.facilitatorUrl`. */
  facilitatorUrl: string;
  /** Whether an asset id names `asset`; exact unless the chain's ids ignore case. */
  sameAsset?: (a: string, b: string) => boolean;
}

/** EVM addresses are hex: one address, any case. */
export const sameHexAddress = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** "0.10", "$0.10", 0.1 → base units. Refuses negatives, exponents and excess precision. */
export function decimalToBaseUnits(value: string | number, decimals: number): bigint {
  const text = (typeof value === 'number' ? String(value) : value).trim().replace(/^\$/, '');
  const m = /^(\d+)(?:\.(\d*))?$/.exec(text);
  if (!m) throw new Error(`invalid price ${JSON.stringify(value)}: use a decimal such as "0.10"`);
  const whole = m[1] ?? '0';
  const fraction = m[2] ?? '';
  if (fraction.length > decimals) throw new Error(`price ${JSON.stringify(value)} has more than ${decimals} decimals`);
  return BigInt(whole + fraction.padEnd(decimals, '0'));
}

export class SessionSchemeServer implements SchemeNetworkServer {
  readonly scheme = 'session';
  /** The session scheme has a single way to move funds: the facilitator's pull from the allowance. */
  readonly defaultAssetTransferMethod = 'default';
  /** Verify before the handler, settle after it (the handler's result decides whether to charge). */
  readonly paymentFlows = { default: { supported: ['authorization'], default: 'authorization' } } as const;

  private readonly same: (a: string, b: string) => boolean;

  constructor(private readonly config: SessionSchemeConfig) {
    this.same = config.sameAsset ?? ((a, b) => a === b);
  }

  async parsePrice(price: Price, _network: Network): Promise<AssetAmount> {
    if (typeof price === 'object' && price !== null) {
      if (!this.same(price.asset, this.config.asset)) throw new Error(`session scheme prices must be in ${this.config.asset}, got ${price.asset}`);
      return { amount: price.amount, asset: this.config.asset, extra: price.extra };
    }
    const amount = decimalToBaseUnits(price, this.config.decimals);
    if (amount <= 0n) throw new Error(`price must be positive, got ${JSON.stringify(price)}`);
    return { amount: amount.toString(), asset: this.config.asset };
  }

  getAssetDecimals(asset: string, _network: Network): number | undefined {
    return this.same(asset, this.config.asset) ? this.config.decimals : undefined;
  }

  async enhancePaymentRequirements(requirements: PaymentRequirements, supportedKind: SupportedKind, _facilitatorExtensions: string[]): Promise<PaymentRequirements> {
    // Inco's Solana kinds also carry `asset`, but @x402/core parses `/supported` with a zod object
    // schema that strips unknown keys: a plugin never sees it, so the asset is this plugin's config.
    return {
      ...requirements,
      // The facilitator's values win over route config: the spender must be the one that settles.
      extra: { ...requirements.extra, ...supportedKind.extra, facilitatorUrl: this.config.facilitatorUrl },
    };
  }
}
