/**
 * Server-side `session` scheme plugin for `@x402/core`'s x402ResourceServer.
 *
 * It turns a price into base units of the session token and, per docs/protocol.md §5/§7, copies
 * the facilitator's `/supported` kind `extra` (spender, sessionsEndpoint, chainId, …) into every
 * `accepts[].extra` and adds `facilitatorUrl`, so a client can open a session knowing only the 402.
 */
import type { AssetAmount, Network, PaymentRequirements, Price, SchemeNetworkServer, SupportedKind } from '@x402/core/types';

export interface SessionSchemeConfig {
  /** ERC-20 used for sessions on this network. */
  asset: `0x${string}`;
  /** Default 6 (USDC). */
  decimals?: number;
  /** Absolute facilitator URL advertised to clients in `extra.facilitatorUrl`. */
  facilitatorUrl: string;
}

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
  /** The session scheme has a single way to move funds: facilitator `transferFrom`. */
  readonly defaultAssetTransferMethod = 'default';
  /** Verify before the handler, settle after it (the handler's result decides whether to charge). */
  readonly paymentFlows = { default: { supported: ['authorization'], default: 'authorization' } } as const;

  private readonly decimals: number;

  constructor(private readonly config: SessionSchemeConfig) {
    this.decimals = config.decimals ?? 6;
  }

  async parsePrice(price: Price, _network: Network): Promise<AssetAmount> {
    if (typeof price === 'object' && price !== null) {
      if (price.asset.toLowerCase() !== this.config.asset.toLowerCase()) {
        throw new Error(`session scheme prices must be in ${this.config.asset}, got ${price.asset}`);
      }
      return { amount: price.amount, asset: this.config.asset, extra: price.extra };
    }
    const amount = decimalToBaseUnits(price, this.decimals);
    if (amount <= 0n) throw new Error(`price must be positive, got ${JSON.stringify(price)}`);
    return { amount: amount.toString(), asset: this.config.asset };
  }

  getAssetDecimals(asset: string, _network: Network): number | undefined {
    return asset.toLowerCase() === this.config.asset.toLowerCase() ? this.decimals : undefined;
  }

  async enhancePaymentRequirements(
    requirements: PaymentRequirements,
    supportedKind: SupportedKind,
    _facilitatorExtensions: string[],
  ): Promise<PaymentRequirements> {
    return {
      ...requirements,
      // The facilitator's values win over route config: the spender must be the one that settles.
      extra: { ...requirements.extra, ...supportedKind.extra, facilitatorUrl: this.config.facilitatorUrl },
    };
  }
}
