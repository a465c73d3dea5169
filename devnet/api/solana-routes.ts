/**
 * The paid API's Solana routes, mounted on the same Express app as the EVM ones (its CORS and
 * JSON body parsing apply), each behind `@x402/express` with the Solana `session` plugin:
 *
 *   POST /api/solana/chat   0.10  `{ message }` → canned reply naming the payment number
 *   GET  /api/solana/slot   0.01  one slot-machine pull
 *
 * Payment: PAYMENT-SIGNATURE = base64 `{ x402Version: 2, accepted, payload: { sessionId, amount },
 * resource: { url } }` (Inco's client shape).
 */
import { HTTPFacilitatorClient, x402HTTPResourceServer, x402ResourceServer } from '@x402/core/server';
import type { RoutesConfig } from '@x402/core/server';
import type { Network } from '@x402/core/types';
import { paymentMiddlewareFromHTTPServer } from '@x402/express';
import type { Express, RequestHandler } from 'express';
import { HttpError, isPlainObject } from '../http';
import { sessionIdOf } from './codec';
import { CallCounter, chatReply, pullSlot } from './content';
import { SessionSchemeServer } from './session-scheme';

export const SOLANA_API_PATHS = { chat: '/api/solana/chat', cheap: '/api/solana/slot' } as const;
export type SolanaApiPrices = { chat: bigint; cheap: bigint };
export const DEFAULT_SOLANA_PRICES: SolanaApiPrices = { chat: 100_000n, cheap: 10_000n };

export interface SolanaRoutesOptions {
  facilitatorUrl: string;
  /** As the facilitator advertises it (`solana:devnet`). */
  network: string;
  mint: string;
  decimals?: number;
  /** Recipient wallet (base58); the facilitator pays into its associated token account. */
  payTo: string;
  prices?: Partial<SolanaApiPrices>;
  log?: (line: string) => void;
}

export interface SolanaPaidRoutes {
  paths: typeof SOLANA_API_PATHS;
  prices: SolanaApiPrices;
  payTo: string;
  network: string;
  mint: string;
  /** Adds the payment middleware and the handlers to `app` (before its 404 handler). */
  mount(app: Express): void;
}

function money(p: bigint, decimals: number): string {
  const s = p.toString().padStart(decimals + 1, '0');
  return `$${s.slice(0, -decimals)}.${s.slice(-decimals)}`;
}

export function solanaPaidRoutes(opts: SolanaRoutesOptions): SolanaPaidRoutes {
  const decimals = opts.decimals ?? 6;
  const prices: SolanaApiPrices = { ...DEFAULT_SOLANA_PRICES, ...opts.prices };
  const facilitatorUrl = opts.facilitatorUrl.replace(/\/+$/, '');
  const network = opts.network as Network;
  const log = opts.log ?? (() => {});

  const facilitator = new HTTPFacilitatorClient({ url: facilitatorUrl, timeoutMs: 30_000 });
  const resourceServer = new x402ResourceServer(facilitator).register(
    network,
    new SessionSchemeServer({ asset: opts.mint, decimals, facilitatorUrl }),
  );
  const option = (price: bigint) => ({ scheme: 'session', price: money(price, decimals), network, payTo: opts.payTo });
  const routes: RoutesConfig = {
    [`POST ${SOLANA_API_PATHS.chat}`]: { accepts: option(prices.chat), description: 'Chat on Solana: one message', mimeType: 'application/json' },
    [`GET ${SOLANA_API_PATHS.cheap}`]: { accepts: option(prices.cheap), description: 'Slot machine on Solana: one pull', mimeType: 'application/json' },
  };
  const httpServer = new x402HTTPResourceServer(resourceServer, routes);
  // Initialised lazily and retried, like the EVM routes: a facilitator down at start only fails paid requests.
  let init: Promise<void> | null = null;
  const ensureInitialized = (): Promise<void> =>
    (init ??= httpServer.initialize().catch((err: unknown) => {
      init = null;
      throw err;
    }));
  const paidPaths = new Set<string>(Object.values(SOLANA_API_PATHS));
  const initGate: RequestHandler = (req, res, next) => {
    if (!paidPaths.has(req.path) || req.method === 'OPTIONS') return next();
    ensureInitialized().then(
      () => next(),
      (err: unknown) => {
        log(`solana facilitator ${facilitatorUrl} unavailable: ${(err as Error).message}`);
        res.status(502).json({ error: `facilitator unavailable: ${(err as Error).message}` });
      },
    );
  };

  const counter = new CallCounter();
  return {
    paths: SOLANA_API_PATHS,
    prices,
    payTo: opts.payTo,
    network: opts.network,
    mint: opts.mint,
    mount(app) {
      app.use(initGate);
      app.use(paymentMiddlewareFromHTTPServer(httpServer, undefined, undefined, false));
      app.post(SOLANA_API_PATHS.chat, (req, res) => {
        const message = isPlainObject(req.body) ? req.body.message : undefined;
        if (typeof message !== 'string' || message.trim().length === 0 || message.length > 2000) {
          throw new HttpError(400, 'body must be JSON { "message": "<1..2000 characters>" }');
        }
        const n = counter.next(sessionIdOf(req.header('payment-signature')));
        res.json({ reply: chatReply(message, n), paymentNumber: n, chain: 'solana' });
      });
      app.get(SOLANA_API_PATHS.cheap, (req, res) => {
        const n = counter.next(sessionIdOf(req.header('payment-signature')));
        res.json({ ...pullSlot(), pull: n, chain: 'solana' });
      });
    },
  };
}
