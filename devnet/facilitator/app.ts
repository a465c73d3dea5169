/**
 * HTTP surface of the session facilitator (docs/protocol.md §4–5): the standard
 * `/supported`, `/verify`, `/settle`, plus `/sessions` to open and read sessions.
 * `Access-Control-Allow-Origin: *` everywhere, because wallets and SDKs call it from pages.
 */
import { randomBytes } from 'node:crypto';
import express, { type Express, type Request, type Response } from 'express';
import type { z } from 'zod';
import { cors, errorHandler, HttpError, isPlainObject, jsonBody } from '../http';
import { networkSpellings, sameNetwork, v1NetworkName } from '../networks';
import { ApprovalRejectedError, checkApproval } from './approval';
import { checkPayment, type CheckContext } from './payment-check';
import type { TransferSender } from './payer';
import { createSessionBody, describeZodError, paymentBody, topUpSessionBody, type PaymentBody } from './schemas';
import { ApprovalAlreadyUsedError, type SessionRecord, type SessionStore } from './store';
import type { PublicClient } from '../evm';

export interface FacilitatorConfig {
  /** Canonical CAIP-2 network served, e.g. `eip155:31337`. */
  network: string;
  chainId: number;
  spender: `0x${string}`;
  perCallMax: bigint;
  /** When set, sessions may only be opened for these tokens. */
  assets?: readonly `0x${string}`[];
  receiptTimeoutMs: number;
  /** Take top-ups (`PATCH /sessions/:id`, ours, listed as `sessionTopUp` in /supported). Default on. */
  topUp?: boolean;
}

/** The longest a top-up may push a session's expiry from now (like a new session's). */
export const MAX_TOP_UP_EXPIRY_S = 30 * 24 * 3600;

export interface FacilitatorDeps {
  config: FacilitatorConfig;
  store: SessionStore;
  client: PublicClient;
  sender: TransferSender;
  log: (line: string) => void;
  nowSeconds?: () => number;
  /** Settles in progress, so a stop can let them record their outcome before closing the ledger. */
  inFlight?: InFlight;
}

/** Counts running async jobs; `idle()` resolves when none is left (or after `timeoutMs`). */
export class InFlight {
  private count = 0;
  private waiters: (() => void)[] = [];

  async run<T>(job: () => Promise<T>): Promise<T> {
    this.count++;
    try {
      return await job();
    } finally {
      this.count--;
      if (this.count === 0) for (const wake of this.waiters.splice(0)) wake();
    }
  }

  idle(timeoutMs: number): Promise<void> {
    if (this.count === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}

export interface SupportedKind {
  x402Version: number;
  scheme: 'session';
  network: string;
  extra: Record<string, unknown>;
}

export function supportedResponse(config: FacilitatorConfig): {
  kinds: SupportedKind[];
  extensions: string[];
  signers: Record<string, string[]>;
} {
  const extra = {
    areFeesSponsored: true,
    facilitatorAddress: config.spender,
    spender: config.spender,
    sessionsEndpoint: '/sessions',
    chainId: config.chainId,
    // Ours, not the peers': PATCH {sessionsEndpoint}/:id raises the cap or extends the expiry.
    ...(config.topUp !== false ? { sessionTopUp: true } : {}),
  };
  // v2 kinds under every CAIP-style spelling (an SDK plugin registered for `base:sepolia` must
  // find its kind); v1 under its legacy name (`base-sepolia`), or the CAIP-2 id for other chains.
  const v2 = networkSpellings(config.network).filter((n) => n.includes(':'));
  const v1 = [v1NetworkName(config.network)];
  return {
    kinds: [
      ...v2.map((network) => ({ x402Version: 2, scheme: 'session' as const, network, extra })),
      ...v1.map((network) => ({ x402Version: 1, scheme: 'session' as const, network, extra })),
    ],
    extensions: [],
    signers: { 'eip155:*': [config.spender] },
  };
}

/** 128+ bits from the CSPRNG: the id is a bearer credential. */
export function newSessionId(): string {
  return `sess_${randomBytes(24).toString('base64url')}`;
}

function parseBody<T extends z.ZodType>(schema: T, req: Request): z.output<T> {
  if (!isPlainObject(req.body)) throw new HttpError(400, 'body must be a JSON object');
  const parsed = schema.safeParse(req.body);
  if (!parsed.success) throw new HttpError(400, describeZodError(parsed.error));
  return parsed.data;
}

function sessionView(s: SessionRecord) {
  return {
    id: s.id,
    user: s.user,
    spender: s.spender,
    asset: s.asset,
    recipient: s.recipient,
    cap: s.cap.toString(),
    spent: s.spent.toString(),
    remaining: (s.cap - s.spent).toString(),
    expiresAt: s.expiresAt,
    network: s.network,
    createdAt: s.createdAt,
  };
}

function sessionExtension(s: SessionRecord) {
  return { session: { id: s.id, cap: s.cap.toString(), spent: s.spent.toString(), remaining: (s.cap - s.spent).toString() } };
}

export function createFacilitatorApp(deps: FacilitatorDeps): Express {
  const { config, store, client, sender, log } = deps;
  const inFlight = deps.inFlight ?? new InFlight();
  const now = deps.nowSeconds ?? (() => Math.floor(Date.now() / 1000));
  const checkContext = (): CheckContext => ({
    network: config.network,
    spender: config.spender,
    perCallMax: config.perCallMax,
    nowSeconds: now(),
    findSession: (id) => store.getSession(id),
  });

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  // Any request header is fine: SDKs add their own (auth, tracing) and the answer is public anyway.
  app.use(cors({ allowHeaders: 'reflect', allowMethods: config.topUp !== false ? ['GET', 'POST', 'PATCH', 'OPTIONS'] : ['GET', 'POST', 'OPTIONS'] }));
  app.use(jsonBody());

  app.get('/health', (_req, res) => {
    res.json({ ok: true, network: config.network, chainId: config.chainId, spender: config.spender });
  });

  app.get('/supported', (_req, res) => {
    res.json(supportedResponse(config));
  });

  app.post('/sessions', async (req, res) => {
    const body = parseBody(createSessionBody, req);
    if (!sameNetwork(body.network, config.network)) {
      throw new HttpError(400, `network ${body.network} is not served here (this facilitator serves ${config.network})`);
    }
    if (config.assets && !config.assets.some((a) => a.toLowerCase() === body.asset.toLowerCase())) {
      throw new HttpError(400, `asset ${body.asset} is not accepted here (accepted: ${config.assets.join(', ')})`);
    }
    const nowSeconds = now();
    if (body.expiresAt <= nowSeconds) throw new HttpError(400, `expiresAt ${body.expiresAt} is not in the future (now ${nowSeconds})`);
    const replay = (): HttpError => new HttpError(409, `approval transaction ${body.approvalTxHash} already backs a session; approve again to open another`);
    if (store.approvalUsed(body.approvalTxHash)) throw replay();

    try {
      await checkApproval(
        client,
        { hash: body.approvalTxHash, user: body.user, asset: body.asset, spender: config.spender, cap: body.cap },
        config.receiptTimeoutMs,
      );
    } catch (err) {
      if (err instanceof ApprovalRejectedError) throw new HttpError(400, err.message);
      throw err;
    }

    const session: SessionRecord = {
      id: newSessionId(),
      user: body.user,
      spender: config.spender,
      asset: body.asset,
      recipient: body.recipient,
      cap: body.cap,
      spent: 0n,
      expiresAt: body.expiresAt,
      network: body.network,
      approvalTxHash: body.approvalTxHash,
      createdAt: nowSeconds,
    };
    try {
      store.insertSession(session);
    } catch (err) {
      if (err instanceof ApprovalAlreadyUsedError) throw replay();
      throw err;
    }
    log(`session opened: user ${session.user} cap ${session.cap} until ${session.expiresAt}`);
    res.status(201).json({
      sessionId: session.id,
      user: session.user,
      spender: session.spender,
      asset: session.asset,
      recipient: session.recipient,
      cap: session.cap.toString(),
      spent: '0',
      expiresAt: session.expiresAt,
      network: session.network,
    });
  });

  /**
   * Top-up (ours, not the peers': devnet/README.md). The bearer id alone changes nothing: the body
   * carries a fresh approve by the session's user, checked like a registration's, that covers what
   * the session may then still pull (new cap − spent). Cap and expiry only go up.
   */
  if (config.topUp !== false) {
    app.patch('/sessions/:id', async (req, res) => {
      const body = parseBody(topUpSessionBody, req);
      const session = store.getSession(req.params.id);
      if (!session) throw new HttpError(404, 'session not found');
      const nowSeconds = now();
      if (nowSeconds >= session.expiresAt) throw new HttpError(400, 'session expired: a session past its expiry cannot be topped up; open a new one');
      if (body.cap < session.cap) throw new HttpError(400, `cap ${body.cap} is below the session's cap ${session.cap}: a top-up only raises it`);
      if (body.expiresAt < session.expiresAt) throw new HttpError(400, `expiresAt ${body.expiresAt} is before the session's ${session.expiresAt}: a top-up only extends it`);
      if (body.cap === session.cap && body.expiresAt === session.expiresAt) throw new HttpError(400, 'nothing to change: raise cap or extend expiresAt');
      if (body.expiresAt > nowSeconds + MAX_TOP_UP_EXPIRY_S) throw new HttpError(400, `expiresAt is more than ${MAX_TOP_UP_EXPIRY_S} s from now`);
      const replay = () => new HttpError(409, `approval transaction ${body.approvalTxHash} already backs a session or a top-up; approve again`);
      if (store.approvalUsed(body.approvalTxHash)) throw replay();
      try {
        await checkApproval(client, { hash: body.approvalTxHash, user: session.user, asset: session.asset, spender: config.spender, cap: body.cap - session.spent }, config.receiptTimeoutMs);
      } catch (err) {
        if (err instanceof ApprovalRejectedError) throw new HttpError(400, err.message);
        throw err;
      }
      let result;
      try {
        result = store.topUp(session.id, { cap: session.cap, expiresAt: session.expiresAt }, { approvalTxHash: body.approvalTxHash, cap: body.cap, expiresAt: body.expiresAt }, now());
      } catch (err) {
        if (err instanceof ApprovalAlreadyUsedError) throw replay();
        throw err;
      }
      if (!result.ok) throw new HttpError(result.reason === 'session_not_found' ? 404 : 409, `top-up refused: ${result.reason.replace(/_/g, ' ')}`);
      log(`session topped up: ${session.id.slice(0, 9)}… cap ${session.cap} → ${body.cap}, until ${session.expiresAt} → ${body.expiresAt}`);
      res.json(sessionView(result.session));
    });
  }

  app.get('/sessions/:id', (req, res) => {
    const session = store.getSession(req.params.id);
    if (!session) throw new HttpError(404, 'session not found');
    res.json(sessionView(session));
  });

  app.post('/verify', (req, res) => {
    const body = parseBody(paymentBody, req);
    const result = checkPayment(body, checkContext());
    if (result.ok) {
      res.json({ isValid: true, payer: result.session.user });
    } else {
      res.json({ isValid: false, invalidReason: result.reason, invalidMessage: result.message, payer: result.payer });
    }
  });

  app.post('/settle', (req, res) => inFlight.run(() => settle(req, res)));

  async function settle(req: Request, res: Response): Promise<void> {
    const body: PaymentBody = parseBody(paymentBody, req);
    const network = body.paymentRequirements.network;
    const failure = (errorReason: string, errorMessage: string, payer?: string, session?: SessionRecord) => ({
      success: false,
      errorReason,
      errorMessage,
      payer,
      transaction: '',
      network,
      ...(session ? { extensions: sessionExtension(session) } : {}),
    });

    const check = checkPayment(body, checkContext());
    if (!check.ok) {
      res.json(failure(check.reason, check.message, check.payer));
      return;
    }
    const { session, amount, payTo } = check;
    // Re-checked inside the debit transaction: between verify and here another settle may
    // have spent the rest of the cap.
    const reserved = store.reserve(session.id, amount, payTo, now());
    if (!reserved.ok) {
      res.json(failure(reserved.reason, `${reserved.reason.replace(/_/g, ' ')} at debit time`, session.user, reserved.session));
      return;
    }

    const outcome = await sender.transferFrom(session.asset, session.user, payTo, amount);
    if (outcome.ok) {
      store.markSettled(reserved.settlementId, outcome.txHash, now());
      log(`settled ${amount} from ${session.user} to ${payTo} (spent ${reserved.session.spent}/${session.cap}) tx ${outcome.txHash}`);
      res.json({
        success: true,
        payer: session.user,
        transaction: outcome.txHash,
        network,
        amount: amount.toString(),
        extensions: sessionExtension(reserved.session),
      });
      return;
    }
    const refunded = store.refund(reserved.settlementId, outcome.txHash, outcome.error, now());
    log(`transferFrom failed, debit refunded: ${outcome.error}`);
    res.json(failure('onchain_transfer_failed', outcome.error, session.user, refunded));
  }

  app.use((_req, _res) => {
    throw new HttpError(404, 'no such endpoint');
  });
  app.use(errorHandler((line) => log(line)));
  return app;
}
