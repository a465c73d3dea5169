/**
 * The Stellar `session` facilitator (x402-protocol.md §5.2, §5.4), speaking the wire format of
 * x402-sessions/x402-session-facilitator:
 *   GET  /supported       v2 + v1 `session` kinds, extra { areFeesSponsored, facilitatorAddress,
 *                         spender, sessionsEndpoint: "/sessions" }, signers { "stellar:*": [G…] }
 *   POST /sessions        { approvalTxHash, user, asset, recipient, cap, expirationLedger, network }
 *                         → 201 { sessionId, user, spender, asset, recipient, cap, spent, expirationLedger, network }
 *   GET  /sessions/:id    the row in camelCase with `id`; 404 { error: "session not found" }
 *   POST /verify          { isValid, invalidReason?, invalidMessage?, payer? } (always HTTP 200)
 *   POST /settle          debit, then transfer_from with the facilitator as source; HTTP 400 when
 *                         success is false; success carries extensions.session { id, cap, spent, remaining }
 * Unlike the peer, opening a session decodes the approve itself (./approval) instead of
 * accepting any successful transaction hash.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { Keypair } from '@stellar/stellar-sdk';
import express, { type Express, type Request, type Response } from 'express';
import { I128_MAX, parseBaseUnits, StellarAmountError } from '../../lib/chains/stellar/amount';
import { sameStellarNetwork, stellarNetwork } from '../../lib/chains/stellar/networks';
import { stellarAddressProblem } from '../../lib/chains/stellar/strkey';
import { BadOptionError } from '../errors';
import { InFlight } from '../facilitator/app';
import { describeZodError, paymentBody, type PaymentBody } from '../facilitator/schemas';
import { cors, errorHandler, HttpError, isPlainObject, jsonBody } from '../http';
import { closeServer, listen, originOf } from '../net';
import { ApprovalRejectedError, checkStellarApproval } from './approval';
import { StellarChain } from './chain';
import { checkStellarPayment, type StellarCheckContext } from './payment-check';
import { ApprovalReusedError, StellarSessionStore, type StellarSessionRecord } from './store';

/** 1.00 of a 7-decimal token. */
export const STELLAR_DEFAULT_PER_CALL_MAX = 10_000_000n;

export interface StellarFacilitatorConfig {
  /** The network served, as advertised in /supported (e.g. `stellar:local`). */
  network: string;
  spender: string;
  perCallMax: bigint;
  /** When set, sessions may only be opened for these SAC ids. */
  assets?: readonly string[];
  /** How long POST /sessions waits for a just-sent approve to show up. */
  approvalWaitMs: number;
}

export interface StellarFacilitatorDeps {
  config: StellarFacilitatorConfig;
  store: StellarSessionStore;
  chain: StellarChain;
  log: (line: string) => void;
  nowSeconds?: () => number;
  inFlight?: InFlight;
}

export function stellarSupportedResponse(config: Pick<StellarFacilitatorConfig, 'network' | 'spender'>) {
  const extra = { areFeesSponsored: true, facilitatorAddress: config.spender, spender: config.spender, sessionsEndpoint: '/sessions' };
  return {
    kinds: [
      { x402Version: 2, scheme: 'session' as const, network: config.network, extra },
      { x402Version: 1, scheme: 'session' as const, network: config.network, extra },
    ],
    extensions: [] as string[],
    signers: { 'stellar:*': [config.spender] },
  };
}

/** 192 bits from the CSPRNG: the id is a bearer credential worth the rest of the cap. */
export function newStellarSessionId(): string {
  return `sess_${randomBytes(24).toString('base64url')}`;
}

export interface CreateStellarSessionBody {
  approvalTxHash: string;
  user: string;
  asset: string;
  recipient: string;
  cap: bigint;
  expirationLedger: number;
  network: string;
}

const SESSION_FIELDS = ['approvalTxHash', 'user', 'asset', 'recipient', 'cap', 'expirationLedger', 'network'] as const;

/** Field checks with the peer's wording for a missing field (`missing field: <k>`). */
export function parseCreateSessionBody(body: unknown): CreateStellarSessionBody {
  if (!isPlainObject(body)) throw new HttpError(400, 'body must be a JSON object');
  for (const field of SESSION_FIELDS) {
    if (body[field] === undefined || body[field] === null || body[field] === '') throw new HttpError(400, `missing field: ${field}`);
  }
  const hash = body.approvalTxHash;
  if (typeof hash !== 'string' || !/^(0x)?[0-9a-fA-F]{64}$/.test(hash)) throw new HttpError(400, 'approvalTxHash: must be a 64-character hex transaction hash');
  const address = (field: 'user' | 'asset' | 'recipient', kind?: 'account' | 'contract'): string => {
    const problem = stellarAddressProblem(body[field], kind);
    if (problem) throw new HttpError(400, `${field}: ${problem.message}`);
    return body[field] as string;
  };
  let cap: bigint;
  try {
    cap = parseBaseUnits(body.cap, { min: 1n, max: I128_MAX });
  } catch (err) {
    if (err instanceof StellarAmountError) throw new HttpError(400, `cap: ${err.message}`);
    throw err;
  }
  const rawLedger = body.expirationLedger;
  const expirationLedger = typeof rawLedger === 'string' && /^[0-9]{1,10}$/.test(rawLedger) ? Number(rawLedger) : rawLedger;
  if (typeof expirationLedger !== 'number' || !Number.isSafeInteger(expirationLedger) || expirationLedger < 0 || expirationLedger > 0xffff_ffff) {
    throw new HttpError(400, 'expirationLedger: must be a ledger number (u32)');
  }
  if (typeof body.network !== 'string' || body.network.length > 64) throw new HttpError(400, 'network: must be a network string such as "stellar:testnet"');
  return {
    approvalTxHash: hash.replace(/^0x/, '').toLowerCase(),
    user: address('user', 'account'),
    asset: address('asset', 'contract'),
    recipient: address('recipient'),
    cap,
    expirationLedger,
    network: body.network,
  };
}

function sessionView(s: StellarSessionRecord) {
  return {
    id: s.id,
    user: s.user,
    spender: s.spender,
    asset: s.asset,
    recipient: s.recipient,
    cap: s.cap.toString(),
    spent: s.spent.toString(),
    remaining: (s.cap - s.spent).toString(),
    expirationLedger: s.expirationLedger,
    network: s.network,
    approvalTxHash: s.approvalTxHash,
    createdAt: s.createdAt,
  };
}

const sessionExtension = (s: StellarSessionRecord) => ({
  session: { id: s.id, cap: s.cap.toString(), spent: s.spent.toString(), remaining: (s.cap - s.spent).toString() },
});

function parsePayment(req: Request): PaymentBody {
  if (!isPlainObject(req.body)) throw new HttpError(400, 'body must be a JSON object');
  const parsed = paymentBody.safeParse(req.body);
  if (!parsed.success) throw new HttpError(400, describeZodError(parsed.error));
  return parsed.data;
}

export function createStellarFacilitatorApp(deps: StellarFacilitatorDeps): Express {
  const { config, store, chain, log } = deps;
  const inFlight = deps.inFlight ?? new InFlight();
  const now = deps.nowSeconds ?? (() => Math.floor(Date.now() / 1000));

  const latestLedger = async (): Promise<number> => {
    try {
      return await chain.latestLedger();
    } catch (err) {
      throw new HttpError(502, `Soroban RPC unavailable: ${(err as Error).message ?? String(err)}`);
    }
  };
  const checkContext = (ledger: number): StellarCheckContext => ({
    network: config.network,
    spender: config.spender,
    perCallMax: config.perCallMax,
    latestLedger: ledger,
    findSession: (id) => store.getSession(id),
  });

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(cors({ allowHeaders: 'reflect', allowMethods: ['GET', 'POST', 'OPTIONS'] }));
  app.use(jsonBody());

  app.get('/health', async (_req, res) => {
    res.json({ ok: true, network: config.network, spender: config.spender, latestLedger: await latestLedger() });
  });

  app.get('/supported', (_req, res) => {
    res.json(stellarSupportedResponse(config));
  });

  app.post('/sessions', async (req, res) => {
    const body = parseCreateSessionBody(req.body);
    if (!sameStellarNetwork(body.network, config.network)) {
      throw new HttpError(400, `network mismatch: this facilitator serves ${config.network}, got ${body.network}`);
    }
    if (config.assets && !config.assets.includes(body.asset)) {
      throw new HttpError(400, `asset ${body.asset} is not accepted here (accepted: ${config.assets.join(', ')})`);
    }
    const replay = () => new HttpError(409, `approval transaction ${body.approvalTxHash} already backs a session; approve again to open another`);
    if (store.findByApprovalTx(body.approvalTxHash)) throw replay();
    const ledger = await latestLedger();
    if (body.expirationLedger <= ledger) {
      throw new HttpError(400, `expirationLedger ${body.expirationLedger} is not after the latest ledger ${ledger}`);
    }
    try {
      await checkStellarApproval(
        chain,
        { hash: body.approvalTxHash, user: body.user, asset: body.asset, spender: config.spender, cap: body.cap, expirationLedger: body.expirationLedger },
        config.approvalWaitMs,
      );
    } catch (err) {
      if (err instanceof ApprovalRejectedError) throw new HttpError(400, err.message);
      throw new HttpError(502, `cannot check the approval on the network: ${(err as Error).message}`);
    }
    const session: StellarSessionRecord = {
      id: newStellarSessionId(),
      user: body.user,
      spender: config.spender,
      asset: body.asset,
      recipient: body.recipient,
      cap: body.cap,
      spent: 0n,
      expirationLedger: body.expirationLedger,
      network: body.network,
      approvalTxHash: body.approvalTxHash,
      createdAt: now(),
    };
    try {
      store.insertSession(session);
    } catch (err) {
      if (err instanceof ApprovalReusedError) throw replay();
      throw err;
    }
    log(`session opened: user ${session.user} cap ${session.cap} until ledger ${session.expirationLedger}`);
    res.status(201).json({
      sessionId: session.id,
      user: session.user,
      spender: session.spender,
      asset: session.asset,
      recipient: session.recipient,
      cap: session.cap.toString(),
      spent: '0',
      expirationLedger: session.expirationLedger,
      network: session.network,
    });
  });

  app.get('/sessions/:id', (req, res) => {
    const session = store.getSession(req.params.id);
    if (!session) throw new HttpError(404, 'session not found');
    res.json(sessionView(session));
  });

  app.post('/verify', async (req, res) => {
    const body = parsePayment(req);
    const result = checkStellarPayment(body, checkContext(await latestLedger()));
    if (result.ok) res.json({ isValid: true, payer: result.session.user });
    else res.json({ isValid: false, invalidReason: result.reason, invalidMessage: result.message, payer: result.payer });
  });

  app.post('/settle', (req, res) => inFlight.run(() => settle(req, res)));

  async function settle(req: Request, res: Response): Promise<void> {
    const body = parsePayment(req);
    const network = body.paymentRequirements.network;
    const failure = (errorReason: string, errorMessage: string, payer?: string, session?: StellarSessionRecord) => {
      res.status(400).json({ success: false, errorReason, errorMessage, payer, transaction: '', network, ...(session ? { extensions: sessionExtension(session) } : {}) });
    };
    const ledger = await latestLedger();
    const check = checkStellarPayment(body, checkContext(ledger));
    if (!check.ok) return failure(check.reason, check.message, check.payer);
    const { session, amount, payTo } = check;
    // Re-checked inside the debit transaction: another settle may have spent the rest meanwhile.
    const reserved = store.reserve(session.id, amount, payTo, ledger, now());
    if (!reserved.ok) return failure(reserved.reason, `${reserved.reason.replace(/_/g, ' ')} at debit time`, session.user, reserved.session);

    const outcome = await chain.transferFrom(session.asset, session.user, payTo, amount);
    if (outcome.ok) {
      store.markSettled(reserved.settlementId, outcome.txHash, now());
      log(`settled ${amount} from ${session.user} to ${payTo} (spent ${reserved.session.spent}/${session.cap}) tx ${outcome.txHash}`);
      res.json({ success: true, payer: session.user, transaction: outcome.txHash, network, amount: amount.toString(), extensions: sessionExtension(reserved.session) });
      return;
    }
    const refunded = store.refund(reserved.settlementId, outcome.txHash, outcome.error, now());
    log(`transfer_from failed, debit refunded: ${outcome.error}`);
    failure('onchain_transfer_failed', outcome.error, session.user, refunded);
  }

  app.use((_req, _res) => {
    throw new HttpError(404, 'no such endpoint');
  });
  app.use(errorHandler((line) => log(line)));
  return app;
}

export interface StellarFacilitatorOptions {
  host?: string;
  /** 0 picks a free port. Default 4023. */
  port?: number;
  rpcUrl: string;
  /** Network served; default `stellar:local`. */
  network?: string;
  /** Default: the known passphrase of `network`. */
  passphrase?: string;
  /** The spender's secret seed (S…): receives approvals, sources transfer_from. */
  secretKey: string;
  /** Folder for the SQLite ledger, or give `dbPath` (`:memory:` for none). */
  dataDir?: string;
  dbPath?: string;
  /** Tells ledgers of different chain instances apart in the file name (e.g. the stand-in's id). */
  instanceTag?: string;
  perCallMax?: bigint;
  assets?: string[];
  pollIntervalMs?: number;
  confirmTimeoutMs?: number;
  /** Default 10 s. */
  approvalWaitMs?: number;
  quiet?: boolean;
}

export interface StellarFacilitatorHandle {
  url: string;
  host: string;
  port: number;
  /** The spender (G…). */
  address: string;
  network: string;
  dbPath: string;
  store: StellarSessionStore;
  options: StellarFacilitatorOptions & { port: number };
  stop(): Promise<void>;
}

export async function startStellarFacilitator(opts: StellarFacilitatorOptions): Promise<StellarFacilitatorHandle> {
  const host = opts.host ?? '127.0.0.1';
  const network = opts.network ?? 'stellar:local';
  const known = stellarNetwork(network);
  const passphrase = opts.passphrase ?? known?.passphrase;
  if (!passphrase) throw new BadOptionError(`unknown Stellar network ${network}: pass its passphrase`);
  let keypair: Keypair;
  try {
    keypair = Keypair.fromSecret(opts.secretKey);
  } catch {
    throw new BadOptionError('the Stellar facilitator key must be an ed25519 secret seed (S…)');
  }
  const perCallMax = opts.perCallMax ?? STELLAR_DEFAULT_PER_CALL_MAX;
  if (perCallMax <= 0n) throw new BadOptionError('perCallMax must be positive');
  const log = opts.quiet ? () => {} : (line: string) => console.log(`[stellar-facilitator] ${line}`);

  const tag = opts.instanceTag ? `-${opts.instanceTag.replace(/[^a-z0-9]+/gi, '').slice(0, 12)}` : '';
  const dbPath = opts.dbPath ?? join(opts.dataDir ?? '.', `stellar-facilitator-${network.replace(/[^a-z0-9]+/gi, '-')}${tag}.sqlite`);
  const store = new StellarSessionStore(dbPath);
  const pending = store.pendingSettlements();
  if (pending.length > 0) log(`${pending.length} settlement(s) were interrupted by a previous stop; kept debited`);

  const chain = new StellarChain({ rpcUrl: opts.rpcUrl, passphrase, keypair, pollIntervalMs: opts.pollIntervalMs, confirmTimeoutMs: opts.confirmTimeoutMs });
  const config: StellarFacilitatorConfig = {
    network,
    spender: keypair.publicKey(),
    perCallMax,
    assets: opts.assets,
    approvalWaitMs: opts.approvalWaitMs ?? 10_000,
  };
  const inFlight = new InFlight();
  const server = createServer(createStellarFacilitatorApp({ config, store, chain, log, inFlight }));
  let port: number;
  try {
    port = await listen(server, host, opts.port ?? 4023, 'Stellar facilitator');
  } catch (err) {
    store.close();
    throw err;
  }
  let stopped = false;
  return {
    url: originOf(host, port),
    host,
    port,
    address: keypair.publicKey(),
    network,
    dbPath,
    store,
    options: { ...opts, port },
    async stop() {
      if (stopped) return;
      stopped = true;
      await closeServer(server);
      await inFlight.idle(opts.confirmTimeoutMs ?? 30_000);
      store.close();
    },
  };
}
