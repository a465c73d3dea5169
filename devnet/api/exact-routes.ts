/**
 * The paid API's `exact` routes, on the `exact` facilitator (devnet/exact/server.ts):
 *
 *   GET /api/exact/slot           x402 v2, reference code: `@x402/express` with `@x402/evm`'s
 *                                 server `exact` scheme; PAYMENT-SIGNATURE, PAYMENT-RESPONSE
 *   GET /api/exact/permit2/slot   the same, `extra.assetTransferMethod: "permit2"` (§6.3); there is
 *                                 no Permit2 contract on the local chain: a wallet should refuse it
 *   GET /api/exact/v1/fortune     x402 v1, hand-written (api/exact-v1.ts); X-PAYMENT, X-PAYMENT-RESPONSE
 *
 * One EIP-3009 signature per call: the facilitator sends `transferWithAuthorization` for each.
 */
import { HTTPFacilitatorClient, x402HTTPResourceServer, x402ResourceServer } from '@x402/core/server';
import type { RoutesConfig } from '@x402/core/server';
import type { Network } from '@x402/core/types';
import { ExactEvmScheme } from '@x402/evm/exact/server';
import { paymentMiddlewareFromHTTPServer } from '@x402/express';
import { Router, type RequestHandler } from 'express';
import { fortune, pullSlot } from './content';
import { exactV1Route } from './exact-v1';

export const EXACT_PATHS = { exact: '/api/exact/slot', exactPermit2: '/api/exact/permit2/slot', exactV1: '/api/exact/v1/fortune' } as const;

export interface ExactPrices {
  exact: bigint;
  exactV1: bigint;
}

export const DEFAULT_EXACT_PRICES: ExactPrices = { exact: 10_000n, exactV1: 50_000n };

export interface ExactRoutesOptions {
  facilitatorUrl: string;
  /** v2 network (CAIP-2). */
  network: string;
  /** v1 network name the facilitator serves. */
  v1Network: string;
  asset: `0x${string}`;
  payTo: `0x${string}`;
  token: { name: string; version: string };
  prices?: Partial<ExactPrices>;
  log: (line: string) => void;
}

export interface ExactRoutes {
  router: Router;
  prices: ExactPrices;
}

export async function exactRoutes(opts: ExactRoutesOptions): Promise<ExactRoutes> {
  const prices: ExactPrices = { ...DEFAULT_EXACT_PRICES, ...opts.prices };
  const facilitatorUrl = opts.facilitatorUrl.replace(/\/+$/, '');
  const network = opts.network as Network;
  const domain = { name: opts.token.name, version: opts.token.version };
  // A price given as an AssetAmount: the local chain has no default USDC in @x402/evm's tables.
  const price = (amount: bigint, extra: Record<string, unknown> = {}) => ({ amount: amount.toString(), asset: opts.asset, extra: { ...domain, ...extra } });
  const routes: RoutesConfig = {
    [`GET ${EXACT_PATHS.exact}`]: {
      accepts: { scheme: 'exact', network, payTo: opts.payTo, price: price(prices.exact) },
      description: 'Slot machine, exact: one pull, one signature',
      mimeType: 'application/json',
    },
    [`GET ${EXACT_PATHS.exactPermit2}`]: {
      accepts: { scheme: 'exact', network, payTo: opts.payTo, price: price(prices.exact, { assetTransferMethod: 'permit2' }) },
      description: 'Slot machine, exact via Permit2 (not payable on the devnet)',
      mimeType: 'application/json',
    },
  };
  const facilitator = new HTTPFacilitatorClient({ url: facilitatorUrl, timeoutMs: 30_000 });
  const httpServer = new x402HTTPResourceServer(new x402ResourceServer(facilitator).register(network, new ExactEvmScheme()), routes);

  // Initialised here, not by @x402/express (which exits the process on a configuration error);
  // a facilitator down at start fails only the paid requests, which retry the initialisation.
  let init: Promise<void> | null = null;
  const ensureInitialized = (): Promise<void> =>
    (init ??= httpServer.initialize().catch((err: unknown) => {
      init = null;
      throw err;
    }));
  await ensureInitialized().catch((err: unknown) => opts.log(`exact facilitator ${facilitatorUrl} not reachable yet (${(err as Error).message})`));
  const v2Paths = new Set<string>([EXACT_PATHS.exact, EXACT_PATHS.exactPermit2]);
  const initGate: RequestHandler = (req, res, next) => {
    if (!v2Paths.has(req.path) || req.method === 'OPTIONS') return next();
    ensureInitialized().then(
      () => next(),
      (err: unknown) => res.status(502).json({ error: `exact facilitator unavailable: ${(err as Error).message}` }),
    );
  };

  const router = Router();
  router.use(initGate);
  router.use(paymentMiddlewareFromHTTPServer(httpServer, undefined, undefined, false));
  const slot: RequestHandler = (_req, res) => {
    res.json(pullSlot());
  };
  router.get(EXACT_PATHS.exact, slot);
  router.get(EXACT_PATHS.exactPermit2, slot);
  router.get(
    EXACT_PATHS.exactV1,
    exactV1Route({
      facilitatorUrl,
      network: opts.v1Network,
      asset: opts.asset,
      payTo: opts.payTo,
      price: prices.exactV1,
      token: opts.token,
      description: 'Fortune cookie, exact (legacy x402 v1)',
      produce: () => ({ fortune: fortune() }),
    }),
  );
  return { router, prices };
}
