/**
 * Server-side `session` scheme plugin for Stellar networks (`@x402/core` x402ResourceServer).
 *
 * Prices become base units of the session SAC (7 decimals for a Stellar Asset Contract), and the
 * facilitator's `/supported` kind `extra` (spender, facilitatorAddress, sessionsEndpoint,
 * areFeesSponsored) is copied into every `accepts[].extra` with `facilitatorUrl`, as the EVM
 * plugin does, so a client can open a session knowing only the 402. Contract ids compare exactly.
 */
import type { AssetAmount, Network, PaymentRequirements, Price, SchemeNetworkServer, SupportedKind } from '@x402/core/types';
import { decimalToBaseUnits } from './session-scheme';

export interface StellarSessionSchemeConfig {
  /** The SAC id (C…) sessions are paid in. */
  asset: string;
  /** Default 7 (every Stellar Asset Contract). */
  decimals?: number;
  /** Absolute facilitator URL advertised to clients in `extra.facilitatorUrl`. */
  facilitatorUrl: string;
}

export class StellarSessionSchemeServer implements SchemeNetworkServer {
  readonly scheme = 'session';
  /** One way to move funds: the facilitator's SAC `transfer_from`. */
  readonly defaultAssetTransferMethod = 'default';
  /** Verify before the handler, settle after it (a failed handler is not charged). */
  readonly paymentFlows = { default: { supported: ['authorization'], default: 'authorization' } } as const;

  private readonly decimals: number;

  constructor(private readonly config: StellarSessionSchemeConfig) {
    this.decimals = config.decimals ?? 7;
  }

  async parsePrice(price: Price, _network: Network): Promise<AssetAmount> {
    if (typeof price === 'object' && price !== null) {
      if (price.asset !== this.config.asset) throw new Error(`Stellar session prices must be in ${this.config.asset}, got ${price.asset}`);
      return { amount: price.amount, asset: this.config.asset, extra: price.extra };
    }
    const amount = decimalToBaseUnits(price, this.decimals);
    if (amount <= 0n) throw new Error(`price must be positive, got ${JSON.stringify(price)}`);
    return { amount: amount.toString(), asset: this.config.asset };
  }

  getAssetDecimals(asset: string, _network: Network): number | undefined {
    return asset === this.config.asset ? this.decimals : undefined;
  }

  async enhancePaymentRequirements(requirements: PaymentRequirements, supportedKind: SupportedKind, _facilitatorExtensions: string[]): Promise<PaymentRequirements> {
    return {
      ...requirements,
      // The facilitator's values win over route config: the spender must be the one that settles.
      extra: { ...requirements.extra, ...supportedKind.extra, facilitatorUrl: this.config.facilitatorUrl },
    };
  }
}
