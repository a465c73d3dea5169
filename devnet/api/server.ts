/**
 * The paid API: an Express app protected by the reference middleware (`@x402/express`) with our
 * `session` scheme plugin, on its own origin.
 *
 * Routes (prices in the session token):
 *   POST /api/chat          0.10  `{ message }` → canned reply naming the payment number
 *   GET  /api/slot          0.01  one slot-machine pull
 *   GET  /api/v1/fortune    0.05  legacy x402 v1 (402 JSON body, X-PAYMENT)
 *   GET  /api/nocors/slot   0.01  like /api/slot but with no CORS headers at all
 *   GET  /api/hidden/slot   0.01  like /api/slot with CORS that hides x402: Access-Control-Allow-Origin
 *                                 but no Access-Control-Expose-Headers, and a preflight that allows
 *                                 only Content-Type (what `cors()` setups often send)
 *   GET  /                  free  catalog of the above
 * With `exact` / `upto` options, also the `exact` routes under /api/exact/ (api/exact-routes.ts)
 * and the daydreams `upto` routes under /api/upto/ (api/upto-routes.ts).
 * With the `stellar` option, also the Stellar routes of ./stellar-routes (`/api/stellar/*`).
 * CORS on everything but /api/nocors/* and /api/hidden/*: pages on other origins may send
 * PAYMENT-SIGNATURE / X-PAYMENT and read PAYMENT-REQUIRED / PAYMENT-RESPONSE / X-PAYMENT-RESPONSE.
 */
import { createServer } from 'node:http';
import { HTTPFacilitatorClient, RouteConfigurationError, x402HTTPResourceServer, x402ResourceServer } from '@x402/core/server';
import type { RoutesConfig } from '@x402/core/server';
import type { Network } from '@x402/core/types';
import { paymentMiddlewareFromHTTPServer } from '@x402/express';
import express, { type Express, type RequestHandler } from 'express';
import { formatUnits, getAddress } from 'viem';
import { BadOptionError, DevnetError } from '../errors';
import { cors, errorHandler, HttpError, isPlainObject, jsonBody } from '../http';
import { closeServer, listen, originOf } from '../net';
import { sameNetwork, v1NetworkName } from '../networks';
import { sessionIdOf } from './codec';
import { CallCounter, chatReply, fortune, pullSlot } from './content';
import { EXACT_PATHS, exactRoutes, type ExactPrices } from './exact-routes';
import { SessionSchemeServer, sameHexAddress } from './session-scheme';
import { UPTO_PATHS, uptoRoutes, type UptoRoutesOptions } from './upto-routes';
import { createStellarPaidRoutes, type StellarPaidApiInfo, type StellarPaidRoutesOptions } from './stellar-routes';
import { v1PaidRoute } from './v1';

export interface ApiPrices {
  chat: bigint;
  cheap: bigint;
  v1: bigint;
  nocors: bigint;
  hidden: bigint;
}
export type ApiPaths = { [K in keyof ApiPrices]: string };

export const API_PATHS: ApiPaths = {
  chat: '/api/chat',
  cheap: '/api/slot',
  v1: '/api/v1/fortune',
  nocors: '/api/nocors/slot',
  hidden: '/api/hidden/slot',
};

/** Base units of a 6-decimal token. */
export const DEFAULT_PRICES: ApiPrices = { chat: 100_000n, cheap: 10_000n, v1: 50_000n, nocors: 10_000n, hidden: 10_000n };

const NOCORS_PREFIX = '/api/nocors/';
const HIDDEN_PREFIX = '/api/hidden/';

export interface PaidApiOptions {
  host?: string;
  /** 0 picks a free port. Default 4021. */
  port?: number;
  facilitatorUrl: string;
  /**
   * The facilitator URL put in `accepts[].extra` when clients reach it by another name than this
   * server does (tests: https://facilitator.test through a TLS proxy). Default: `facilitatorUrl`.
   */
  advertisedFacilitatorUrl?: string;
  /** v2 network string, as the facilitator advertises it (e.g. `eip155:31337`). */
  network: string;
  asset: `0x${string}`;
  decimals?: number;
  /** Recipient of every payment. */
  payTo: `0x${string}`;
  prices?: Partial<ApiPrices>;
  quiet?: boolean;
  /** Adds the `exact` routes (v2, Permit2 variant, v1) paid through this `exact` facilitator. */
  exact?: { facilitatorUrl: string; v1Network: string; token: { name: string; version: string }; prices?: Partial<ExactPrices> };
  /** Adds the daydreams `upto` route and its status/close routes, on this `upto` facilitator. */
  upto?: Omit<UptoRoutesOptions, 'network' | 'asset' | 'payTo' | 'log'>;
  /** More paid routes on the same app and origin (e.g. `solanaPaidRoutes`), mounted before the 404. */
  mounts?: { mount(app: Express): void }[];
  /** Also serve Stellar `session` routes under /api/stellar/, paid through this Stellar facilitator. */
  stellar?: StellarPaidRoutesOptions;
}

export interface PaidApiHandle {
  url: string;
  host: string;
  port: number;
  recipient: `0x${string}`;
  prices: ApiPrices;
  paths: ApiPaths;
  /** Present when started with `exact`. */
  exact?: { prices: ExactPrices; paths: typeof EXACT_PATHS };
  /** Present when started with `upto`. */
  upto?: { price: bigint; cap: bigint; paths: typeof UPTO_PATHS };
  /** Present when started with the `stellar` option. */
  stellar?: StellarPaidApiInfo;
  stop(): Promise<void>;
}

export async function startPaidApi(opts: PaidApiOptions): Promise<PaidApiHandle> {
  const host = opts.host ?? '127.0.0.1';
  const decimals = opts.decimals ?? 6;
  const prices: ApiPrices = { ...DEFAULT_PRICES, ...opts.prices };
  for (const [name, price] of Object.entries(prices)) {
    if (price <= 0n) throw new BadOptionError(`price of ${name} must be positive`);
  }
  const payTo = getAddress(opts.payTo);
  const asset = getAddress(opts.asset);
  const facilitatorUrl = opts.facilitatorUrl.replace(/\/+$/, '');
  const network = opts.network as Network;
  const log = opts.quiet ? () => {} : (line: string) => console.log(`[paid-api] ${line}`);

  const facilitator = new HTTPFacilitatorClient({ url: facilitatorUrl, timeoutMs: 30_000 });
  const advertisedFacilitatorUrl = (opts.advertisedFacilitatorUrl ?? facilitatorUrl).replace(/\/+$/, '');
  const resourceServer = new x402ResourceServer(facilitator).register(network, new SessionSchemeServer({ asset, decimals, facilitatorUrl: advertisedFacilitatorUrl, sameAsset: sameHexAddress }));
  // Prices go in as money strings ("$0.1") so the plugin's parsePrice is what turns them into base units.
  const money = (p: bigint) => `$${formatUnits(p, decimals)}`;
  const option = (price: bigint) => ({ scheme: 'session', price: money(price), network, payTo });
  const routes: RoutesConfig = {
    [`POST ${API_PATHS.chat}`]: { accepts: option(prices.chat), description: 'Chat: one message', mimeType: 'application/json' },
    [`GET ${API_PATHS.cheap}`]: { accepts: option(prices.cheap), description: 'Slot machine: one pull', mimeType: 'application/json' },
    [`GET ${API_PATHS.nocors}`]: {
      accepts: option(prices.nocors),
      description: 'Slot machine without CORS: one pull',
      mimeType: 'application/json',
    },
    [`GET ${API_PATHS.hidden}`]: {
      accepts: option(prices.hidden),
      description: 'Slot machine with CORS that hides the x402 headers: one pull',
      mimeType: 'application/json',
    },
  };
  const httpServer = new x402HTTPResourceServer(resourceServer, routes);

  // We initialise the resource server ourselves instead of letting @x402/express do it at
  // construction: its background init calls process.exit(1) on a configuration mismatch, and a
  // facilitator that is down at start (tests restart it) should only fail the paid requests.
  let init: Promise<void> | null = null;
  const ensureInitialized = (): Promise<void> =>
    (init ??= httpServer.initialize().catch((err: unknown) => {
      init = null;
      throw err;
    }));
  const paidPaths = new Set([API_PATHS.chat, API_PATHS.cheap, API_PATHS.nocors, API_PATHS.hidden]);
  const initGate: RequestHandler = (req, res, next) => {
    if (!paidPaths.has(req.path) || req.method === 'OPTIONS') return next();
    ensureInitialized().then(
      () => next(),
      (err: unknown) => res.status(502).json({ error: `facilitator unavailable: ${(err as Error).message}` }),
    );
  };
  try {
    await ensureInitialized();
  } catch (err) {
    if (err instanceof RouteConfigurationError) {
      throw new DevnetError('FACILITATOR_UNSUPPORTED', `facilitator ${facilitatorUrl} cannot serve these routes: ${err.message}`, { cause: err });
    }
    log(`facilitator ${facilitatorUrl} not reachable yet; paid routes will retry (${(err as Error).message})`);
  }

  // The v1 route needs the facilitator's v1 kind `extra`; cache it once fetched.
  let v1Extra: Promise<Record<string, unknown>> | null = null;
  const v1Network = v1NetworkName(opts.network);
  const fetchV1Extra = (): Promise<Record<string, unknown>> =>
    (v1Extra ??= facilitator
      .getSupported()
      .then((supported) => {
        const kind = supported.kinds.find((k) => k.x402Version === 1 && k.scheme === 'session' && sameNetwork(k.network, v1Network));
        if (!kind) throw new Error(`facilitator does not support session v1 on ${v1Network}`);
        return kind.extra ?? {};
      })
      .catch((err: unknown) => {
        v1Extra = null;
        throw err;
      }));

  const exact = opts.exact
    ? await exactRoutes({ ...opts.exact, network: opts.network, asset, payTo, log })
    : undefined;
  const upto = opts.upto ? uptoRoutes({ ...opts.upto, network: opts.network, asset, payTo, log }) : undefined;
  const stellarRoutes = opts.stellar ? await createStellarPaidRoutes(opts.stellar, log) : null;

  const counter = new CallCounter();
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('trust proxy', false);

  const corsAll = cors({
    allowHeaders: ['Content-Type', 'PAYMENT-SIGNATURE', 'X-PAYMENT'],
    exposeHeaders: ['PAYMENT-REQUIRED', 'PAYMENT-RESPONSE', 'X-PAYMENT-RESPONSE'],
    allowMethods: ['GET', 'POST', 'OPTIONS'],
  });
  // Allow-Origin for every origin, and nothing else: x402's headers stay hidden from pages.
  const corsHiding = cors({ allowHeaders: ['Content-Type'], allowMethods: ['GET', 'OPTIONS'] });
  app.use((req, res, next) => {
    if (req.path.startsWith(HIDDEN_PREFIX)) return corsHiding(req, res, next);
    if (!req.path.startsWith(NOCORS_PREFIX)) return corsAll(req, res, next);
    // Deliberately nothing: a preflight gets a bare 204 a browser will refuse.
    if (req.method === 'OPTIONS') return void res.status(204).end();
    next();
  });
  app.use(jsonBody());
  if (stellarRoutes) app.use(...stellarRoutes.middleware);
  app.use(initGate);
  app.use(paymentMiddlewareFromHTTPServer(httpServer, undefined, undefined, false));

  app.get('/', (_req, res) => {
    res.json({
      name: 'x402 devnet paid API',
      network: opts.network,
      asset,
      payTo,
      facilitatorUrl,
      routes: {
        chat: { method: 'POST', path: API_PATHS.chat, price: prices.chat.toString(), x402Version: 2 },
        cheap: { method: 'GET', path: API_PATHS.cheap, price: prices.cheap.toString(), x402Version: 2 },
        v1: { method: 'GET', path: API_PATHS.v1, price: prices.v1.toString(), x402Version: 1 },
        nocors: { method: 'GET', path: API_PATHS.nocors, price: prices.nocors.toString(), x402Version: 2, cors: false },
        hidden: { method: 'GET', path: API_PATHS.hidden, price: prices.hidden.toString(), x402Version: 2, cors: 'no exposed headers' },
        ...(exact && {
          exact: { method: 'GET', path: EXACT_PATHS.exact, price: exact.prices.exact.toString(), x402Version: 2, scheme: 'exact' },
          exactPermit2: { method: 'GET', path: EXACT_PATHS.exactPermit2, price: exact.prices.exact.toString(), x402Version: 2, scheme: 'exact', assetTransferMethod: 'permit2' },
          exactV1: { method: 'GET', path: EXACT_PATHS.exactV1, price: exact.prices.exactV1.toString(), x402Version: 1, scheme: 'exact' },
        }),
        ...(upto && {
          upto: { method: 'GET', path: UPTO_PATHS.upto, price: upto.price.toString(), cap: upto.cap.toString(), x402Version: 2, scheme: 'upto' },
        }),
      },
      ...(stellarRoutes ? { stellar: stellarRoutes.catalog() } : {}),
    });
  });

  app.post(API_PATHS.chat, (req, res) => {
    const message = isPlainObject(req.body) ? req.body.message : undefined;
    if (typeof message !== 'string' || message.trim().length === 0 || message.length > 2000) {
      // A 4xx from the handler makes the middleware skip settlement: no charge for a bad request.
      throw new HttpError(400, 'body must be JSON { "message": "<1..2000 characters>" }');
    }
    const n = counter.next(sessionIdOf(req.header('payment-signature')));
    res.json({ reply: chatReply(message, n), paymentNumber: n });
  });

  const slot: RequestHandler = (req, res) => {
    const n = counter.next(sessionIdOf(req.header('payment-signature')));
    res.json({ ...pullSlot(), pull: n });
  };
  app.get(API_PATHS.cheap, slot);
  app.get(API_PATHS.nocors, slot);
  app.get(API_PATHS.hidden, slot);

  app.get(
    API_PATHS.v1,
    v1PaidRoute({
      facilitatorUrl,
      advertisedFacilitatorUrl,
      network: v1Network,
      asset,
      payTo,
      price: prices.v1,
      description: 'Fortune cookie (legacy x402 v1)',
      kindExtra: fetchV1Extra,
      produce: (req) => ({ fortune: fortune(), paymentNumber: counter.next(sessionIdOf(req.header('x-payment'))) }),
    }),
  );

  if (exact) app.use(exact.router);
  if (upto) app.use(upto.router);
  for (const extra of opts.mounts ?? []) extra.mount(app);
  stellarRoutes?.mount(app, counter);

  app.use((_req, _res) => {
    throw new HttpError(404, 'no such endpoint');
  });
  app.use(errorHandler(log));

  const server = createServer(app);
  let port: number;
  try {
    port = await listen(server, host, opts.port ?? 4021, 'paid API');
  } catch (err) {
    await upto?.stop();
    throw err;
  }
  return {
    url: originOf(host, port),
    host,
    port,
    recipient: payTo,
    prices,
    paths: { ...API_PATHS },
    ...(exact && { exact: { prices: exact.prices, paths: EXACT_PATHS } }),
    ...(upto && { upto: { price: upto.price, cap: upto.cap, paths: UPTO_PATHS } }),
    async stop() {
      await closeServer(server);
      await upto?.stop();
    },
    ...(stellarRoutes ? { stellar: stellarRoutes.info } : {}),
  };
}
