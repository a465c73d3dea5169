/**
 * The daydreams-format `upto` facilitator, written from x402-protocol.md §6.5 (daydreams'
 * facilitator is not on npm). Stateless: it checks permits and settles batches; the per-session
 * tally lives in the resource server (devnet/upto/tally.ts).
 *
 *   GET  /supported  { kinds: [{ x402Version: 2, scheme: "upto", network }], extensions: [],
 *                      signers: { "eip155:*": [spender] } }   (no `extra`, like daydreams)
 *   POST /verify     { x402Version, paymentPayload, paymentRequirements } → { isValid, invalidReason?, payer? }
 *   POST /settle     same body, `paymentRequirements.amount` = the batch → re-verify, permit,
 *                    transferFrom(owner, paymentRequirements.payTo, amount) → SettleResponse
 *   GET  /health     { ok, network, chainId, spender }
 *
 * Both POSTs answer HTTP 200 with the result; a body without the two objects is 400 `{ error }`.
 * Nothing is authenticated: as with daydreams, anyone holding a payload can call /settle.
 */
import { createServer } from 'node:http';
import express, { type Request } from 'express';
import { getAddress, type Hex } from 'viem';
import { BadOptionError } from '../errors';
import { publicClientFor, walletClientFor } from '../evm';
import { cors, errorHandler, HttpError, isPlainObject, jsonBody } from '../http';
import { closeServer, listen, originOf } from '../net';
import { caip2, evmChainId } from '../networks';
import { SerialQueue } from '../tx-queue';
import { settleUptoBatch, type SettleResponse } from './settle';
import { verifyUptoPermit } from './verify';

export interface UptoFacilitatorOptions {
  host?: string;
  /** 0 picks a free port. Default 4024. */
  port?: number;
  rpcUrl: string;
  chainId: number;
  /** Default `eip155:<chainId>`. */
  network?: string;
  /** The spender key: permits name it, it sends permit/transferFrom and pays gas. */
  privateKey: Hex;
  pollingIntervalMs?: number;
  receiptTimeoutMs?: number;
  quiet?: boolean;
}

export interface UptoFacilitatorHandle {
  url: string;
  host: string;
  port: number;
  /** The spender (`signers["eip155:*"][0]`). */
  spender: `0x${string}`;
  network: string;
  stop(): Promise<void>;
}

interface FacilitatorRequest {
  paymentPayload: Record<string, unknown>;
  paymentRequirements: Record<string, unknown>;
}

function readBody(req: Request): FacilitatorRequest {
  const body: unknown = req.body;
  if (!isPlainObject(body) || !isPlainObject(body.paymentPayload) || !isPlainObject(body.paymentRequirements)) {
    throw new HttpError(400, 'body must be JSON { x402Version, paymentPayload: {…}, paymentRequirements: {…} }');
  }
  return { paymentPayload: body.paymentPayload, paymentRequirements: body.paymentRequirements };
}

export async function startUptoFacilitator(opts: UptoFacilitatorOptions): Promise<UptoFacilitatorHandle> {
  const host = opts.host ?? '127.0.0.1';
  const network = opts.network ?? caip2(opts.chainId);
  if (evmChainId(network) !== opts.chainId) throw new BadOptionError(`network ${network} does not match chain id ${opts.chainId}`);
  const receiptTimeoutMs = opts.receiptTimeoutMs ?? 60_000;
  const log = opts.quiet ? () => {} : (line: string) => console.log(`[upto-facilitator] ${line}`);
  const client = publicClientFor(opts.rpcUrl, opts.chainId, opts.pollingIntervalMs);
  const wallet = walletClientFor(opts.rpcUrl, opts.chainId, opts.privateKey, opts.pollingIntervalMs);
  const spender = getAddress(wallet.account.address);
  const signers = [spender] as const;
  const sends = new SerialQueue();

  const verify = (body: FacilitatorRequest) =>
    verifyUptoPermit({
      ...body,
      network,
      signers,
      now: Math.floor(Date.now() / 1000),
      verifySignature: ({ address, signature, domain, types, primaryType, message }) =>
        client.verifyTypedData({ address, signature, domain, types, primaryType, message }),
    });

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(cors({ allowHeaders: 'reflect' }));
  app.use(jsonBody());

  app.get('/supported', (_req, res) => {
    res.json({ kinds: [{ x402Version: 2, scheme: 'upto', network }], extensions: [], signers: { 'eip155:*': [...signers] } });
  });
  app.get('/health', (_req, res) => {
    res.json({ ok: true, network, chainId: opts.chainId, spender });
  });
  app.post('/verify', async (req, res) => {
    const { response } = await verify(readBody(req));
    log(`verify → ${response.isValid ? 'valid' : response.invalidReason}`);
    res.json(response);
  });
  app.post('/settle', async (req, res) => {
    const body = readBody(req);
    const { response, permit } = await verify(body);
    const echoNetwork = isPlainObject(body.paymentPayload.accepted) && typeof body.paymentPayload.accepted.network === 'string' ? body.paymentPayload.accepted.network : network;
    let result: SettleResponse;
    const amount = body.paymentRequirements.amount;
    if (!response.isValid || !permit) {
      result = { success: false, errorReason: response.invalidReason ?? 'invalid_upto_evm_payload', transaction: '', network: echoNetwork, ...(response.payer ? { payer: response.payer } : {}) };
    } else if (typeof amount !== 'string' || !/^[1-9][0-9]{0,77}$/.test(amount)) {
      result = { success: false, errorReason: 'invalid_upto_evm_payload', transaction: '', network: echoNetwork, payer: permit.owner };
    } else {
      result = await settleUptoBatch({
        client,
        wallet,
        sends,
        permit,
        asset: permit.typedData.domain.verifyingContract,
        payTo: String(body.paymentRequirements.payTo),
        amount: BigInt(amount),
        network: echoNetwork,
        receiptTimeoutMs,
      });
    }
    log(`settle ${String(amount)} → ${String(body.paymentRequirements.payTo)}: ${result.success ? result.transaction : result.errorReason}`);
    res.json(result);
  });
  app.use((_req, _res) => {
    throw new HttpError(404, 'no such endpoint');
  });
  app.use(errorHandler(log));

  const server = createServer(app);
  const port = await listen(server, host, opts.port ?? 4024, 'upto facilitator');
  return { url: originOf(host, port), host, port, spender, network, stop: () => closeServer(server) };
}
