/**
 * The paid API's Stellar routes, priced in a Stellar Asset Contract and paid with the `session`
 * scheme through `@x402/express` and the Stellar scheme plugin:
 *   POST /api/stellar/chat   0.10  `{ message }` → canned reply naming the payment number
 *   GET  /api/stellar/slot   0.01  one slot-machine pull
 * They have their own resource server and facilitator client, so the EVM routes beside them
 * initialise, fail and recover independently of the Stellar facilitator.
 */
import { HTTPFacilitatorClient, RouteConfigurationError, x402HTTPResourceServer, x402ResourceServer } from '@x402/core/server';
import type { RoutesConfig } from '@x402/core/server';
import type { Network } from '@x402/core/types';
import { paymentMiddlewareFromHTTPServer } from '@x402/express';
import type { Express, RequestHandler } from 'express';
import { BadOptionError, DevnetError } from '../errors';
import { HttpError, isPlainObject } from '../http';
import { sessionIdOf } from './codec';
import { chatReply, pullSlot, type CallCounter } from './content';
import { SessionSchemeServer } from './session-scheme';

export interface StellarApiPrices {
  chat: bigint;
  cheap: bigint;
}
export type StellarApiPaths = { [K in keyof StellarApiPrices]: string };

export const STELLAR_API_PATHS: StellarApiPaths = { chat: '/api/stellar/chat', cheap: '/api/stellar/slot' };

/** Base units of a 7-decimal SAC: 0.10 and 0.01. */
export const STELLAR_DEFAULT_PRICES: StellarApiPrices = { chat: 1_000_000n, cheap: 100_000n };

export interface StellarPaidRoutesOptions {
  facilitatorUrl: string;
  /** As the Stellar facilitator advertises it, e.g. `stellar:local`. */
  network: string;
  /** SAC id (C…). */
  asset: string;
  /** Recipient (G…) of every Stellar payment. */
  payTo: string;
  /** Default 7. */
  decimals?: number;
  prices?: Partial<StellarApiPrices>;
}

export interface StellarPaidApiInfo {
  network: string;
  asset: string;
  recipient: string;
  facilitatorUrl: string;
  prices: StellarApiPrices;
  paths: StellarApiPaths;
}

export interface StellarPaidRoutes {
  info: StellarPaidApiInfo;
  /** Mount before the route handlers: the facilitator gate, then the x402 middleware. */
  middleware: RequestHandler[];
  /** Adds the route handlers. */
  mount(app: Express, counter: CallCounter): void;
  /** What GET / lists for these routes. */
  catalog(): Record<string, unknown>;
}

function money(units: bigint, decimals: number): string {
  const s = units.toString().padStart(decimals + 1, '0');
  return `$${s.slice(0, -decimals)}.${s.slice(-decimals)}`;
}

export async function createStellarPaidRoutes(opts: StellarPaidRoutesOptions, log: (line: string) => void): Promise<StellarPaidRoutes> {
  const decimals = opts.decimals ?? 7;
  const prices: StellarApiPrices = { ...STELLAR_DEFAULT_PRICES, ...opts.prices };
  for (const [name, price] of Object.entries(prices)) {
    if (price <= 0n) throw new BadOptionError(`Stellar price of ${name} must be positive`);
  }
  const facilitatorUrl = opts.facilitatorUrl.replace(/\/+$/, '');
  const network = opts.network as Network;
  const facilitator = new HTTPFacilitatorClient({ url: facilitatorUrl, timeoutMs: 30_000 });
  const resourceServer = new x402ResourceServer(facilitator).register(network, new SessionSchemeServer({ asset: opts.asset, decimals, facilitatorUrl }));
  const option = (price: bigint) => ({ scheme: 'session', price: money(price, decimals), network, payTo: opts.payTo });
  const routes: RoutesConfig = {
    [`POST ${STELLAR_API_PATHS.chat}`]: { accepts: option(prices.chat), description: 'Chat (Stellar): one message', mimeType: 'application/json' },
    [`GET ${STELLAR_API_PATHS.cheap}`]: { accepts: option(prices.cheap), description: 'Slot machine (Stellar): one pull', mimeType: 'application/json' },
  };
  const httpServer = new x402HTTPResourceServer(resourceServer, routes);

  // Initialised here rather than by @x402/express, whose background init exits the process on
  // a mismatch; a facilitator that is down only fails the paid requests until it is back.
  let init: Promise<void> | null = null;
  const ensureInitialized = (): Promise<void> =>
    (init ??= httpServer.initialize().catch((err: unknown) => {
      init = null;
      throw err;
    }));
  try {
    await ensureInitialized();
  } catch (err) {
    if (err instanceof RouteConfigurationError) {
      throw new DevnetError('FACILITATOR_UNSUPPORTED', `Stellar facilitator ${facilitatorUrl} cannot serve these routes: ${err.message}`, { cause: err });
    }
    log(`Stellar facilitator ${facilitatorUrl} not reachable yet; Stellar paid routes will retry (${(err as Error).message})`);
  }

  const paidPaths = new Set(Object.values(STELLAR_API_PATHS));
  const gate: RequestHandler = (req, res, next) => {
    if (!paidPaths.has(req.path) || req.method === 'OPTIONS') return next();
    ensureInitialized().then(
      () => next(),
      (err: unknown) => res.status(502).json({ error: `Stellar facilitator unavailable: ${(err as Error).message}` }),
    );
  };
  const payment = paymentMiddlewareFromHTTPServer(httpServer, undefined, undefined, false);
  const onlyStellar: RequestHandler = (req, res, next) => (paidPaths.has(req.path) ? payment(req, res, next) : next());

  const info: StellarPaidApiInfo = { network: opts.network, asset: opts.asset, recipient: opts.payTo, facilitatorUrl, prices, paths: { ...STELLAR_API_PATHS } };
  return {
    info,
    middleware: [gate, onlyStellar],
    mount(app, counter) {
      app.post(STELLAR_API_PATHS.chat, (req, res) => {
        const message = isPlainObject(req.body) ? req.body.message : undefined;
        if (typeof message !== 'string' || message.trim().length === 0 || message.length > 2000) {
          // A 4xx from the handler makes the middleware skip settlement: no charge.
          throw new HttpError(400, 'body must be JSON { "message": "<1..2000 characters>" }');
        }
        const n = counter.next(sessionIdOf(req.header('payment-signature')));
        res.json({ reply: chatReply(message, n), paymentNumber: n });
      });
      app.get(STELLAR_API_PATHS.cheap, (req, res) => {
        const n = counter.next(sessionIdOf(req.header('payment-signature')));
        res.json({ ...pullSlot(), pull: n });
      });
    },
    catalog: () => ({
      network: info.network,
      asset: info.asset,
      payTo: info.recipient,
      facilitatorUrl,
      routes: {
        chat: { method: 'POST', path: STELLAR_API_PATHS.chat, price: prices.chat.toString(), x402Version: 2 },
        cheap: { method: 'GET', path: STELLAR_API_PATHS.cheap, price: prices.cheap.toString(), x402Version: 2 },
      },
    }),
  };
}
