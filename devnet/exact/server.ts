/**
 * The `exact` facilitator: reference code end to end. `@x402/core`'s `x402Facilitator` (a library
 * class, no server) with `@x402/evm`'s `exact` scheme for x402 v2 (`eip155:<id>`) and v1 (the
 * chain's v1 name), over the local chain and DevUSDC, served here over HTTP:
 *
 *   GET  /supported  what x402Facilitator.getSupported() returns
 *   POST /verify     { x402Version, paymentPayload, paymentRequirements } → VerifyResponse (HTTP 200)
 *   POST /settle     same body → SettleResponse (HTTP 200, `success` says how it went); a real
 *                    `transferWithAuthorization` sent by this facilitator's key
 *   GET  /health     { ok, network, v1Network, chainId, address }
 *
 * A body without `paymentPayload` / `paymentRequirements` objects is 400 `{ error }`; a scheme or
 * network it does not serve is 400 too; anything the reference code throws is 500 `{ error }`.
 */
import { createServer } from 'node:http';
import { x402Facilitator } from '@x402/core/facilitator';
import type { Network, PaymentPayload, PaymentRequirements } from '@x402/core/types';
import { ExactEvmScheme } from '@x402/evm/exact/facilitator';
import { ExactEvmSchemeV1 } from '@x402/evm/exact/v1/facilitator';
import express, { type Request } from 'express';
import { getAddress, type Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { BadOptionError } from '../errors';
import { cors, errorHandler, HttpError, isPlainObject, jsonBody } from '../http';
import { closeServer, listen, originOf } from '../net';
import { caip2, evmChainId, v1NetworkName } from '../networks';
import { devFacilitatorSigner } from './signer';
import { registerV1NetworkName } from './v1-networks';

export interface ExactFacilitatorOptions {
  host?: string;
  /** 0 picks a free port. Default 4023. */
  port?: number;
  rpcUrl: string;
  chainId: number;
  /** v2 network served. Default `eip155:<chainId>`. */
  network?: string;
  /** v1 network name served. Default: `base-sepolia` / `base` for those chains, else the CAIP-2 string. */
  v1Network?: string;
  /** Sends the transferWithAuthorization transactions and pays their gas. */
  privateKey: Hex;
  pollingIntervalMs?: number;
  quiet?: boolean;
}

export interface ExactFacilitatorHandle {
  url: string;
  host: string;
  port: number;
  /** The address that submits settlements (`signers["eip155:*"][0]`). */
  address: `0x${string}`;
  network: string;
  v1Network: string;
  stop(): Promise<void>;
}

interface FacilitatorRequest {
  paymentPayload: PaymentPayload;
  paymentRequirements: PaymentRequirements;
}

function readBody(req: Request): FacilitatorRequest {
  const body: unknown = req.body;
  if (!isPlainObject(body) || !isPlainObject(body.paymentPayload) || !isPlainObject(body.paymentRequirements)) {
    throw new HttpError(400, 'body must be JSON { x402Version, paymentPayload: {…}, paymentRequirements: {…} }');
  }
  // The reference scheme code validates the rest and answers with its own reasons.
  return { paymentPayload: body.paymentPayload as unknown as PaymentPayload, paymentRequirements: body.paymentRequirements as unknown as PaymentRequirements };
}

/** x402Facilitator throws "No facilitator registered for …" for a scheme/network it lacks: a client mistake. */
function classify(err: unknown): never {
  const message = err instanceof Error ? err.message : String(err);
  if (/^No facilitator registered/.test(message)) throw new HttpError(400, message);
  throw err;
}

export async function startExactFacilitator(opts: ExactFacilitatorOptions): Promise<ExactFacilitatorHandle> {
  const host = opts.host ?? '127.0.0.1';
  const network = opts.network ?? caip2(opts.chainId);
  if (evmChainId(network) !== opts.chainId) throw new BadOptionError(`network ${network} does not match chain id ${opts.chainId}`);
  const v1Network = opts.v1Network ?? v1NetworkName(network);
  registerV1NetworkName(v1Network, opts.chainId);
  const log = opts.quiet ? () => {} : (line: string) => console.log(`[exact-facilitator] ${line}`);

  const signer = devFacilitatorSigner({ rpcUrl: opts.rpcUrl, chainId: opts.chainId, privateKey: opts.privateKey, pollingIntervalMs: opts.pollingIntervalMs });
  const facilitator = new x402Facilitator()
    .register(network as Network, new ExactEvmScheme(signer))
    .registerV1(v1Network as Network, new ExactEvmSchemeV1(signer));
  const address = getAddress(privateKeyToAccount(opts.privateKey).address);

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(cors({ allowHeaders: 'reflect' }));
  app.use(jsonBody());

  app.get('/supported', (_req, res) => {
    res.json(facilitator.getSupported());
  });
  app.get('/health', (_req, res) => {
    res.json({ ok: true, network, v1Network, chainId: opts.chainId, address });
  });
  app.post('/verify', async (req, res) => {
    const { paymentPayload, paymentRequirements } = readBody(req);
    const result = await facilitator.verify(paymentPayload, paymentRequirements).catch(classify);
    log(`verify ${paymentRequirements.scheme}/${paymentRequirements.network} → ${result.isValid ? 'valid' : result.invalidReason}`);
    res.json(result);
  });
  app.post('/settle', async (req, res) => {
    const { paymentPayload, paymentRequirements } = readBody(req);
    const result = await facilitator.settle(paymentPayload, paymentRequirements).catch(classify);
    log(`settle ${paymentRequirements.scheme}/${paymentRequirements.network} → ${result.success ? result.transaction : result.errorReason}`);
    res.json(result);
  });
  app.use((_req, _res) => {
    throw new HttpError(404, 'no such endpoint');
  });
  app.use(errorHandler(log));

  const server = createServer(app);
  const port = await listen(server, host, opts.port ?? 4023, 'exact facilitator');
  return { url: originOf(host, port), host, port, address, network, v1Network, stop: () => closeServer(server) };
}
