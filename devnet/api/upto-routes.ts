/**
 * The paid API's daydreams-format `upto` route, written from x402-protocol.md §6.5 (the
 * daydreams middleware is not on npm), plus an app-defined status/close pair for tests.
 *
 *   GET  /api/upto/slot                 one slot pull at `price`, under a permit of at least `cap`
 *   GET  /api/upto/sessions/:id         the session's tally (404 `{ error }` if unknown)
 *   POST /api/upto/sessions/:id/close   settles what is pending, closes, answers the tally
 *
 * The exchange, as daydreams does it:
 * - no payment header → 402, `PAYMENT-REQUIRED` = { x402Version: 2, error, resource, accepts:
 *   [{ scheme: "upto", network, amount, asset, payTo, maxTimeoutSeconds: 300,
 *   extra: { name, version, maxAmountRequired } }] }, body `{}`, no Cache-Control;
 * - a payment (`PAYMENT-SIGNATURE`, or `X-PAYMENT` as daydreams' alias) whose `accepted` is not
 *   one of the `accepts` → 402 "No matching payment requirements";
 * - facilitator /verify says no → 402 with a fresh `PAYMENT-REQUIRED`, `error` = its reason;
 * - the tally refuses → the JSON limit signal `{ error, message, sessionId }` with its status and
 *   **no** `PAYMENT-REQUIRED`;
 * - otherwise 200 with `x-upto-session-id` and **no** `PAYMENT-RESPONSE`; the money moves later,
 *   in batches (devnet/upto/batcher.ts).
 */
import { Router, type Request, type Response } from 'express';
import { isPlainObject } from '../http';
import { UptoBatcher } from '../upto/batcher';
import { sessionView, UPTO_LIMIT_SIGNALS, UptoTally } from '../upto/tally';
import { decodeJsonHeader, encodeJsonHeader } from './codec';
import { pullSlot } from './content';
import { FacilitatorUnavailableError, postFacilitator } from './facilitator-post';

export const UPTO_PATHS = { upto: '/api/upto/slot', uptoSessions: '/api/upto/sessions' } as const;

export const DEFAULT_UPTO_PRICE = 10_000n;
export const DEFAULT_UPTO_CAP = 100_000n;

export interface UptoRoutesOptions {
  facilitatorUrl: string;
  network: string;
  asset: `0x${string}`;
  payTo: `0x${string}`;
  /** EIP-712 domain of the token's permit. */
  token: { name: string; version: string };
  /** Price of one call, base units. Default 10_000 (0.01). */
  price?: bigint;
  /** `extra.maxAmountRequired`: the smallest cap a permit may carry. Default 100_000 (0.10). */
  cap?: bigint;
  /** Default 300 (a 5-minute permit, as daydreams). */
  maxTimeoutSeconds?: number;
  /**
   * Also name the facilitator in `extra.facilitatorUrl` (the key the `session` scheme uses).
   * daydreams' own middleware does not: its clients are configured with the facilitator, and a
   * wallet that meets the bare 402 has no other way to learn whose signer to permit. Default off.
   */
  advertiseFacilitator?: boolean;
  /** Settle every N paid calls of a session. Default 5. */
  batchCalls?: number;
  /** Settle a session idle this long. Default 10 s. */
  idleSettleMs?: number;
  /** How often the idle/deadline sweep runs. Default 1 s. */
  sweepIntervalMs?: number;
  /** Settle and close when the permit deadline is this close. Default 60 s. */
  deadlineBufferSec?: number;
  /** Test seam: awaited while a batch is `settling`, before /settle is called. */
  beforeSettle?: (sessionId: string, amount: bigint) => Promise<void>;
  timeoutMs?: number;
  log: (line: string) => void;
}

export interface UptoRoutes {
  router: Router;
  price: bigint;
  cap: bigint;
  stop(): Promise<void>;
}

/** Same JSON value, object key order aside (how the reference server compares `accepted`). */
function sameJson(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => sameJson(x, b[i]));
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && sameJson(a[k], b[k]));
  }
  return a === b;
}

export function uptoRoutes(opts: UptoRoutesOptions): UptoRoutes {
  const price = opts.price ?? DEFAULT_UPTO_PRICE;
  const cap = opts.cap ?? DEFAULT_UPTO_CAP;
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const facilitatorUrl = opts.facilitatorUrl.replace(/\/+$/, '');
  const tally = new UptoTally();
  const batcher = new UptoBatcher({
    tally,
    batchCalls: opts.batchCalls ?? 5,
    idleSettleMs: opts.idleSettleMs ?? 10_000,
    sweepIntervalMs: opts.sweepIntervalMs ?? 1000,
    deadlineBufferSec: opts.deadlineBufferSec ?? 60,
    beforeSettle: opts.beforeSettle,
    log: opts.log,
    async settle(paymentPayload, paymentRequirements) {
      const receipt = await postFacilitator(`${facilitatorUrl}/settle`, { x402Version: 2, paymentPayload, paymentRequirements }, timeoutMs);
      return {
        success: receipt.success === true,
        transaction: typeof receipt.transaction === 'string' ? receipt.transaction : '',
        ...(typeof receipt.errorReason === 'string' ? { errorReason: receipt.errorReason } : {}),
      };
    },
  });
  batcher.start();

  const requirements = {
    scheme: 'upto',
    network: opts.network,
    amount: price.toString(),
    asset: opts.asset,
    payTo: opts.payTo,
    maxTimeoutSeconds: opts.maxTimeoutSeconds ?? 300,
    extra: { name: opts.token.name, version: opts.token.version, maxAmountRequired: cap.toString(), ...(opts.advertiseFacilitator ? { facilitatorUrl } : {}) },
  };
  const description = 'Slot machine, pay-as-you-go (daydreams upto): one pull';

  const challenge = (req: Request, res: Response, error: string): void => {
    const paymentRequired = {
      x402Version: 2,
      error,
      resource: { url: `${req.protocol}://${req.headers.host ?? ''}${req.originalUrl}`, description, mimeType: 'application/json' },
      accepts: [requirements],
    };
    res.setHeader('PAYMENT-REQUIRED', encodeJsonHeader(paymentRequired));
    res.status(402).json({});
  };

  const router = Router();
  // Pages on other origins must be able to read the session id header.
  router.use('/api/upto', (_req, res, next) => {
    res.setHeader('Access-Control-Expose-Headers', 'PAYMENT-REQUIRED, PAYMENT-RESPONSE, X-PAYMENT-RESPONSE, x-upto-session-id');
    next();
  });

  router.get(UPTO_PATHS.upto, async (req, res) => {
    const header = req.header('payment-signature') ?? req.header('x-payment');
    if (!header) return challenge(req, res, 'Payment required');
    const payment = decodeJsonHeader(header);
    if (!isPlainObject(payment) || payment.x402Version !== 2) return challenge(req, res, 'Payment required');
    if (!sameJson(payment.accepted, requirements)) return challenge(req, res, 'No matching payment requirements');

    let verify: Record<string, unknown>;
    try {
      verify = await postFacilitator(`${facilitatorUrl}/verify`, { x402Version: 2, paymentPayload: payment, paymentRequirements: requirements }, timeoutMs);
    } catch (err) {
      if (err instanceof FacilitatorUnavailableError) return void res.status(502).json({ error: err.message });
      throw err;
    }
    if (verify.isValid !== true) {
      return challenge(req, res, typeof verify.invalidReason === 'string' ? verify.invalidReason : 'Payment verification failed');
    }

    const accepted = payment.accepted as { network: string; asset: string };
    const tracked = tally.track({ ...payment, accepted }, requirements, Date.now());
    if (!tracked.ok) {
      const signal = UPTO_LIMIT_SIGNALS[tracked.error];
      return void res.status(signal.status).json({ error: tracked.error, message: signal.message, sessionId: tracked.sessionId });
    }
    const { session } = tracked;
    res.setHeader('x-upto-session-id', session.id);
    res.json({ ...pullSlot(), pull: session.calls });
    batcher.afterCall(session, price);
  });

  router.get(`${UPTO_PATHS.uptoSessions}/:id`, (req, res) => {
    const session = tally.get(req.params.id);
    if (!session) return void res.status(404).json({ error: 'upto session not found' });
    res.json(sessionView(session));
  });

  router.post(`${UPTO_PATHS.uptoSessions}/:id/close`, async (req, res) => {
    const id = req.params.id;
    if (!tally.get(id)) return void res.status(404).json({ error: 'upto session not found' });
    await batcher.close(id);
    const session = tally.get(id);
    res.json(session ? sessionView(session) : {});
  });

  return { router, price, cap, stop: () => batcher.stop() };
}
