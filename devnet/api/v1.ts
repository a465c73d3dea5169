/**
 * One legacy x402 **v1** route, written by hand because `@x402/express` 2.x speaks only v2:
 * the 402 carries `{ x402Version: 1, error, accepts }` in the JSON body, the client retries with
 * `X-PAYMENT` (base64 JSON `{ x402Version: 1, scheme, network, payload }`), the server verifies and
 * settles through the facilitator with x402Version 1 and answers `X-PAYMENT-RESPONSE`.
 */
import type { Request, RequestHandler, Response } from 'express';
import { isPlainObject } from '../http';
import { sameNetwork } from '../networks';
import { decodeJsonHeader, encodeJsonHeader } from './codec';

export interface V1RouteOptions {
  facilitatorUrl: string;
  /** What `extra.facilitatorUrl` says, when clients reach the facilitator by another name. */
  advertisedFacilitatorUrl?: string;
  /** The v1 network name (`base-sepolia`, or `eip155:<id>` for chains v1 never named). */
  network: string;
  asset: `0x${string}`;
  payTo: `0x${string}`;
  price: bigint;
  description: string;
  /** The facilitator's `/supported` v1 kind `extra` (fetched lazily, cached by the caller). */
  kindExtra: () => Promise<Record<string, unknown>>;
  /** Produces the paid body; called only after a successful verify. */
  produce: (req: Request) => unknown;
  timeoutMs?: number;
}

export interface PaymentRequirementsV1 {
  scheme: 'session';
  network: string;
  maxAmountRequired: string;
  asset: string;
  payTo: string;
  resource: string;
  description: string;
  mimeType: string;
  maxTimeoutSeconds: number;
  extra: Record<string, unknown>;
}

interface PaymentPayloadV1 {
  x402Version: 1;
  scheme: string;
  network: string;
  payload: Record<string, unknown>;
}

function parsePaymentHeader(header: string): PaymentPayloadV1 | undefined {
  const decoded = decodeJsonHeader(header);
  if (!isPlainObject(decoded)) return undefined;
  const { x402Version, scheme, network, payload } = decoded;
  if (x402Version !== 1 || typeof scheme !== 'string' || typeof network !== 'string' || !isPlainObject(payload)) return undefined;
  return { x402Version, scheme, network, payload };
}

async function postJson(url: string, body: unknown, timeoutMs: number): Promise<Record<string, unknown>> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const data = (await res.json().catch(() => undefined)) as unknown;
  if (!isPlainObject(data)) throw new Error(`facilitator ${url} answered ${res.status} without a JSON object`);
  if (!res.ok && typeof data.error === 'string') throw new Error(`facilitator ${url} answered ${res.status}: ${data.error}`);
  return data;
}

export function v1PaidRoute(opts: V1RouteOptions): RequestHandler {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const paymentRequired = (res: Response, accepts: PaymentRequirementsV1[], error: string, extraHeaders: Record<string, string> = {}) => {
    for (const [k, v] of Object.entries(extraHeaders)) res.setHeader(k, v);
    res.setHeader('Cache-Control', 'no-store');
    res.status(402).json({ x402Version: 1, error, accepts });
  };

  return async (req, res) => {
    let extra: Record<string, unknown>;
    try {
      extra = await opts.kindExtra();
    } catch (err) {
      res.status(502).json({ error: `facilitator unavailable: ${(err as Error).message}` });
      return;
    }
    const requirements: PaymentRequirementsV1 = {
      scheme: 'session',
      network: opts.network,
      maxAmountRequired: opts.price.toString(),
      asset: opts.asset,
      payTo: opts.payTo,
      resource: `${req.protocol}://${req.headers.host ?? ''}${req.originalUrl}`,
      description: opts.description,
      mimeType: 'application/json',
      maxTimeoutSeconds: 300,
      extra: { ...extra, facilitatorUrl: opts.advertisedFacilitatorUrl ?? opts.facilitatorUrl },
    };
    const accepts = [requirements];

    const header = req.header('x-payment');
    if (!header) return paymentRequired(res, accepts, 'X-PAYMENT header is required');
    const payment = parsePaymentHeader(header);
    if (!payment) return paymentRequired(res, accepts, 'Invalid or malformed X-PAYMENT header');
    if (payment.scheme !== requirements.scheme || !sameNetwork(payment.network, requirements.network)) {
      return paymentRequired(res, accepts, 'No matching payment requirements');
    }

    const request = { x402Version: 1, paymentPayload: payment, paymentRequirements: requirements };
    let verify: Record<string, unknown>;
    try {
      verify = await postJson(`${opts.facilitatorUrl}/verify`, request, timeoutMs);
    } catch (err) {
      return paymentRequired(res, accepts, (err as Error).message);
    }
    if (verify.isValid !== true) {
      return paymentRequired(res, accepts, typeof verify.invalidReason === 'string' ? verify.invalidReason : 'payment is not valid');
    }

    const body = opts.produce(req);

    let settle: Record<string, unknown>;
    try {
      settle = await postJson(`${opts.facilitatorUrl}/settle`, request, timeoutMs);
    } catch (err) {
      return paymentRequired(res, accepts, (err as Error).message);
    }
    const responseHeader = { 'X-PAYMENT-RESPONSE': encodeJsonHeader(settle) };
    if (settle.success !== true) {
      return paymentRequired(res, accepts, typeof settle.errorReason === 'string' ? settle.errorReason : 'settlement failed', responseHeader);
    }
    res.setHeader('X-PAYMENT-RESPONSE', responseHeader['X-PAYMENT-RESPONSE']);
    res.setHeader('Cache-Control', 'private');
    res.json(body);
  };
}
