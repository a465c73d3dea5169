/**
 * Server-side `session` scheme plugin for Solana (`@x402/core` x402ResourceServer), the
 * counterpart of `session-scheme.ts` for the Inco-format facilitator in devnet/solana.
 *
 * Differences from the EVM plugin: the asset is a base58 mint, compared exactly (base58 is
 * case-sensitive, so no lower-casing); the facilitator's `/supported` kind `extra
 * { facilitatorAddress, spender, sessionsEndpoint, decimals }` is copied into every
 * `accepts[].extra` together with `facilitatorUrl`, so a client can open a session from the 402.
 */
import type { AssetAmount, Network, PaymentRequirements, Price, SchemeNetworkServer, SupportedKind } from '@x402/core/types';
import { decimalToBaseUnits } from './session-scheme';

export interface SolanaSessionSchemeConfig {
  /** The SPL mint (base58) sessions are paid in. */
  mint: string;
  /** Default 6 (USDC). */
  decimals?: number;
  /** Absolute facilitator URL advertised in `extra.facilitatorUrl`. */
  facilitatorUrl: string;
}

export class SolanaSessionSchemeServer implements SchemeNetworkServer {
  readonly scheme = 'session';
  /** One way to move funds: the facilitator's delegated TransferChecked. */
  readonly defaultAssetTransferMethod = 'default';
  /** Verify before the handler, settle after it. */
  readonly paymentFlows = { default: { supported: ['authorization'], default: 'authorization' } } as const;

  private readonly decimals: number;

  constructor(private readonly config: SolanaSessionSchemeConfig) {
    this.decimals = config.decimals ?? 6;
  }

  async parsePrice(price: Price, _network: Network): Promise<AssetAmount> {
    if (typeof price === 'object' && price !== null) {
      if (price.asset !== this.config.mint) throw new Error(`Solana session prices must be in ${this.config.mint}, got ${price.asset}`);
      return { amount: price.amount, asset: this.config.mint, extra: price.extra };
    }
    const amount = decimalToBaseUnits(price, this.decimals);
    if (amount <= 0n) throw new Error(`price must be positive, got ${JSON.stringify(price)}`);
    return { amount: amount.toString(), asset: this.config.mint };
  }

  getAssetDecimals(asset: string, _network: Network): number | undefined {
    return asset === this.config.mint ? this.decimals : undefined;
  }

  async enhancePaymentRequirements(
    requirements: PaymentRequirements,
    supportedKind: SupportedKind,
    _facilitatorExtensions: string[],
  ): Promise<PaymentRequirements> {
    // Inco's kinds also carry `asset`, but @x402/core 2.27 parses `/supported` with a zod object
    // schema, which strips unknown keys: a plugin never sees it. The mint is this plugin's config.
    return {
      ...requirements,
      // The facilitator's values win: the delegate must be the key that settles.
      extra: { ...requirements.extra, ...supportedKind.extra, facilitatorUrl: this.config.facilitatorUrl },
    };
  }
}
