/**
 * The legacy x402 **v1** `exact` route, hand-written like the session v1 route (api/v1.ts)
 * because `@x402/express` 2.x speaks only v2. What `x402-express` 1.x does (x402-protocol.md
 * §1 v1, §6.2): the 402 body `{ x402Version: 1, error, accepts }`, the retry in `X-PAYMENT`
 * (base64 JSON `{ x402Version: 1, scheme, network, payload }`), verify and settle through the
 * facilitator with x402Version 1, the receipt in `X-PAYMENT-RESPONSE`.
 */
import type { Request, RequestHandler, Response } from 'express';
import { isPlainObject } from '../http';
import { decodeJsonHeader, encodeJsonHeader } from './codec';
import { FacilitatorUnavailableError, postFacilitator } from './facilitator-post';

export interface ExactV1RouteOptions {
  facilitatorUrl: string;
  /** The v1 network name (`base-sepolia`; the local chain's CAIP-2 string where v1 has no name). */
  network: string;
  asset: `0x${string}`;
  payTo: `0x${string}`;
  price: bigint;
  token: { name: string; version: string };
  description: string;
  /** Default 60, `x402-express` 1.x's default: a v1 signature is good for about a minute. */
  maxTimeoutSeconds?: number;
  produce: (req: Request) => unknown;
  timeoutMs?: number;
}

export interface ExactRequirementsV1 {
  scheme: 'exact';
  network: string;
  maxAmountRequired: string;
  resource: string;
  description: string;
  mimeType: string;
  payTo: string;
  maxTimeoutSeconds: number;
  asset: string;
  outputSchema: Record<string, unknown>;
  extra: { name: string; version: string };
}

export function exactV1Route(opts: ExactV1RouteOptions): RequestHandler {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const facilitatorUrl = opts.facilitatorUrl.replace(/\/+$/, '');
  const refuse = (res: Response, accepts: ExactRequirementsV1[], error: string, headers: Record<string, string> = {}): void => {
    for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
    res.status(402).json({ x402Version: 1, error, accepts });
  };

  return async (req, res) => {
    const requirements: ExactRequirementsV1 = {
      scheme: 'exact',
      network: opts.network,
      maxAmountRequired: opts.price.toString(),
      resource: `${req.protocol}://${req.headers.host ?? ''}${req.originalUrl}`,
      description: opts.description,
      mimeType: 'application/json',
      payTo: opts.payTo,
      maxTimeoutSeconds: opts.maxTimeoutSeconds ?? 60,
      asset: opts.asset,
      outputSchema: { input: { type: 'http', method: req.method, discoverable: true } },
      extra: { name: opts.token.name, version: opts.token.version },
    };
    const accepts = [requirements];
    const header = req.header('x-payment');
    if (!header) return refuse(res, accepts, 'X-PAYMENT header is required');
    const payment = decodeJsonHeader(header);
    if (!isPlainObject(payment) || payment.x402Version !== 1 || !isPlainObject(payment.payload)) {
      return refuse(res, accepts, 'Invalid or malformed X-PAYMENT header');
    }
    if (payment.scheme !== requirements.scheme || payment.network !== requirements.network) {
      return refuse(res, accepts, 'No matching payment requirements');
    }

    const request = { x402Version: 1, paymentPayload: payment, paymentRequirements: requirements };
    let verify: Record<string, unknown>;
    try {
      verify = await postFacilitator(`${facilitatorUrl}/verify`, request, timeoutMs);
    } catch (err) {
      if (err instanceof FacilitatorUnavailableError) return refuse(res, accepts, err.message);
      throw err;
    }
    if (verify.isValid !== true) return refuse(res, accepts, typeof verify.invalidReason === 'string' ? verify.invalidReason : 'payment is not valid');

    const body = opts.produce(req);
    let settle: Record<string, unknown>;
    try {
      settle = await postFacilitator(`${facilitatorUrl}/settle`, request, timeoutMs);
    } catch (err) {
      if (err instanceof FacilitatorUnavailableError) return refuse(res, accepts, err.message);
      throw err;
    }
    const receipt = encodeJsonHeader(settle);
    if (settle.success !== true) {
      return refuse(res, accepts, typeof settle.errorReason === 'string' ? settle.errorReason : 'settlement failed', { 'X-PAYMENT-RESPONSE': receipt });
    }
    res.setHeader('X-PAYMENT-RESPONSE', receipt);
    res.json(body);
  };
}
