import { adapterFor } from '../chains/registry';
import type { ApprovalResult, ApproveRequest, ChainAdapter, TokenInfo } from '../chains/types';
import { RpcCode, WalletError } from '../errors';
import { FacilitatorClient, FacilitatorError } from '../facilitator/client';
import { parseFacilitatorUrl, resolveSessionsEndpoint } from '../facilitator/url';
import type { CancelParams, PayParams, PrepayParams, ReportParams, RequestSessionParams } from '../messaging/page-methods';
import type { WalletDb } from '../sessions/db';
import { randomId } from '../sessions/ids';
import { Ledger, termsMismatch, type DeclineReason, type PaymentTerms, type ReserveOutcome } from '../sessions/ledger';
import { toPublicView, type PublicSessionView, type SessionRecord, type SessionStatus, type WalletEvent } from '../sessions/types';
import { parseDecimalAmount } from '../x402/amount';
import { decodePaymentResponse, encodePaymentHeader, parsePaymentRequired, type PaymentOption, type ParsedPaymentRequired } from '../x402/codec';
import { networkLabel, normalizeNetwork, type NetworkInfo } from '../x402/networks';
import type { PageCaller } from './sender';
import { reasonMessage } from './reasons';
import { RouteBook, routeKey, type StoredRoute } from './routes';

export interface TokenView extends TokenInfo {
  /** From our built-in list (true) or read from the chain (false). */
  verified: boolean;
}

/** Everything the approval window shows. The person may lower `cap` and `expiresIn`, nothing else. */
export interface ApprovalPrompt {
  id: string;
  origin: string;
  source: 'dapp' | '402';
  network: string;
  networkLabel: string;
  scheme: 'session';
  asset: string;
  token: TokenView;
  recipient: string;
  spender: string;
  facilitatorUrl: string;
  facilitatorHost: string;
  /** Proposed cap and expiry, base units / seconds: the maximum the person can approve. */
  cap: string;
  expiresIn: number;
  perCallMax: string | null;
  /** Price per call from the 402 that triggered this, base units. */
  price?: string;
  resource?: { url: string; description?: string; serviceName?: string; iconUrl?: string };
  existing: PublicSessionView[];
}

export interface ApprovalDecision {
  cap: string;
  expiresIn: number;
}

export interface ApprovalBroker {
  /** Resolves with the person's decision; rejects with a WalletError (4001) when they decline. */
  request(prompt: ApprovalPrompt, caller: PageCaller): Promise<ApprovalDecision>;
  /** Progress shown in the approval window while the wallet and facilitator work. */
  progress?(promptId: string, step: 'wallet' | 'registering' | 'done' | 'failed', message?: string): void;
}

export interface WalletSigner {
  /** Has the person's wallet sign and land the approve; rejects 4001 when the wallet refuses. */
  approve(caller: PageCaller, request: ApproveRequest): Promise<ApprovalResult>;
}

export interface WalletServiceDeps {
  db: WalletDb;
  now?: () => number;
  facilitator?: (url: string) => FacilitatorClient;
  tokenInfo: (network: NetworkInfo, asset: string) => Promise<TokenView>;
  approvals: ApprovalBroker;
  signer: WalletSigner;
  /** Push a session change to the frames of its origin and the popup. */
  notify?: (session: SessionRecord) => void;
  /** A session was stored (schedule its expiry alarm). */
  onSessionStored?: (session: SessionRecord) => void;
  /** Bare 402s open the approval window unless the person turned that off. */
  promptOn402?: () => Promise<boolean>;
  /** Default cap proposed for a bare 402, in calls at its price. */
  callsPerDefaultCap?: number;
  /** Pre-emptive payment on routes already paid (the person can turn it off). */
  preemptive?: () => Promise<boolean>;
  /** Where known routes survive a worker restart (session storage in the extension). */
  routeStore?: { load(): Promise<StoredRoute[]>; save(routes: StoredRoute[]): void };
  /** Waits between `POST /sessions` attempts after the wallet's approve landed. */
  registrationRetryDelaysMs?: number[];
  log?: (event: string, data: Record<string, unknown>) => void;
}

export type PayResult =
  | { pay: true; ticket: string; header: { name: string; value: string }; amount: string; session: PublicSessionView }
  | { pay: false; reason: string; message: string; session?: PublicSessionView };

export type ReportResult =
  | { outcome: 'settled'; transaction?: string; amount: string; session: PublicSessionView; route?: string }
  | { outcome: 'failed'; reason: string; message: string; session?: PublicSessionView }
  | { outcome: 'unknown'; reason: string; message: string };

/** Reservations older than this with no report are presumed orphaned and reconciled. */
export const RESERVATION_TTL_MS = 2 * 60_000;
const REJECT_COOLDOWN_MS = { dapp: 3_000, '402': 60_000 } as const;
const USDC_DEFAULT: Record<string, string> = {
  'eip155:8453': '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913',
  'eip155:84532': '0x036CbD53842c5426634e7929541eC2318f3dCF7e',
};
const REASON = /^[A-Za-z0-9_.-]{1,64}$/;

interface SessionPlan {
  adapter: ChainAdapter;
  network: NetworkInfo;
  facilitatorNetwork: string;
  facilitator: FacilitatorClient;
  sessionsEndpoint: string;
  prompt: ApprovalPrompt;
}

/**
 * The background's authority over sessions and money: every page call lands here after the router
 * has established the caller's origin from the browser and validated the parameters.
 */
export class WalletService {
  readonly ledger: Ledger;
  readonly db: WalletDb;
  private readonly now: () => number;
  private readonly pending = new Map<string, Promise<SessionRecord | null>>();
  private readonly cooldownUntil = new Map<string, number>();
  private readonly routes: RouteBook;
  private routesLoaded: Promise<void> | null = null;
  /** What each outstanding ticket paid for, so a settled one teaches its route. */
  private readonly ticketRoutes = new Map<string, { key: string; parsed: ParsedPaymentRequired; option: PaymentOption; prepaid: boolean; raw: { paymentRequired: string | null; body: string | null } }>();

  constructor(private readonly deps: WalletServiceDeps) {
    this.db = deps.db;
    this.now = deps.now ?? Date.now;
    this.ledger = new Ledger(deps.db, this.now);
    this.routes = new RouteBook(500, deps.routeStore ? (r) => deps.routeStore!.save(r) : undefined);
  }

  /** Known routes, restored once per worker from the route store. */
  private knownRoutes(): Promise<RouteBook> {
    this.routesLoaded ??= (this.deps.routeStore?.load() ?? Promise.resolve([])).then(
      (stored) => this.routes.restore(stored),
      () => undefined,
    );
    return this.routesLoaded.then(() => this.routes);
  }

  // ---- page methods -------------------------------------------------------------------------

  async getSessions(caller: PageCaller): Promise<PublicSessionView[]> {
    const rows = await this.db.sessions.where('origin').equals(caller.origin).toArray();
    return rows.sort((a, b) => b.createdAt - a.createdAt).map(toPublicView);
  }

  async endSession(caller: PageCaller, id: string): Promise<void> {
    const s = await this.db.sessions.get(id);
    // Another origin's session and a missing one look the same: no existence oracle.
    if (!s || s.origin !== caller.origin) throw new WalletError(RpcCode.Unauthorized, 'unknown_session', 'This site has no session with that id.');
    await this.endSessionById(id, 'ended_by_site');
  }

  async requestSession(caller: PageCaller, p: RequestSessionParams): Promise<PublicSessionView> {
    const network = normalizeNetwork(p.network);
    if (!network || !adapterFor(network.family)) {
      throw new WalletError(RpcCode.Unsupported, 'unsupported_network', `Network ${JSON.stringify(p.network)} is not supported.`);
    }
    const asset = p.asset ?? USDC_DEFAULT[network.id];
    if (!asset) throw new WalletError(RpcCode.InvalidParams, 'invalid_params', `asset is required on ${network.id}.`);
    const session = await this.withApprovalSlot(caller, 'dapp', async () => {
      const token = await this.token(network, asset);
      const cap = parseDecimalAmount(p.cap, token.decimals);
      if (cap === null || cap <= 0n) throw new WalletError(RpcCode.InvalidParams, 'invalid_params', `cap must be a positive amount with at most ${token.decimals} decimals.`);
      const perCallMax = p.perCallMax === undefined ? null : parseDecimalAmount(p.perCallMax, token.decimals);
      if (perCallMax === 0n || (p.perCallMax !== undefined && perCallMax === null)) {
        throw new WalletError(RpcCode.InvalidParams, 'invalid_params', 'perCallMax must be a positive amount.');
      }
      const plan = await this.plan(caller, {
        source: 'dapp',
        network,
        asset,
        token,
        recipient: p.recipient,
        facilitatorUrl: p.facilitatorUrl,
        cap,
        expiresIn: p.expiresIn,
        perCallMax,
      });
      return this.approveAndOpen(caller, plan);
    });
    return toPublicView(session);
  }

  async pay(caller: PageCaller, p: PayParams): Promise<PayResult> {
    const result = await this.decidePayment(caller, p);
    if (!result.pay) {
      await this.record({ origin: caller.origin, kind: 'payment_declined', reason: result.reason, url: p.url, method: p.method, ...(result.detail ? { detail: result.detail } : {}), ...(result.session ? { sessionId: result.session.id } : {}) });
      delete result.detail;
    }
    return result;
  }

  /** The page gave up on an attempt before using its header (its `pay` reply was lost): free it. */
  async cancel(caller: PageCaller, p: CancelParams): Promise<boolean> {
    const held = await this.ledger.reservationOf(caller.origin, p.attemptId);
    if (!held) return false;
    const done = await this.ledger.release(held.id, 'not_sent');
    if (done) this.deps.notify?.(done.session);
    return !!done;
  }

  /**
   * Pre-emptive payment: the page is about to send a request to a route this origin has paid
   * before. Reserve and hand back the header for the *first* send. A 402 anyway makes the page fall
   * back to the normal path (and forgets the route).
   */
  async prepay(caller: PageCaller, p: PrepayParams): Promise<PayResult> {
    const key = routeKey(p.url, p.method);
    const route = key ? (await this.knownRoutes()).get(caller.origin, key) : undefined;
    if (!key || !route || (this.deps.preemptive && !(await this.deps.preemptive()))) return this.decline('no_route', 'No pre-emptive payment for this route.');
    const { option, parsed } = route;
    const outcome = await this.reserveOption(caller, option, p.url, p.method, p.attemptId);
    if (!outcome) return this.decline('storage_error');
    if (!outcome.ok) {
      (await this.knownRoutes()).forget(caller.origin, key);
      return this.decline('no_route', 'The route\'s session cannot pay now; using the normal path.');
    }
    const header = this.headerFor(parsed, option, outcome.session);
    this.ticketRoutes.set(outcome.payment.id, { key, parsed, option, prepaid: true, raw: route.raw });
    return { pay: true, ticket: outcome.payment.id, header, amount: outcome.payment.amount, session: toPublicView(outcome.session) };
  }

  private async decidePayment(caller: PageCaller, p: PayParams): Promise<PayResult & { detail?: string }> {
    if (p.hadPayment) return this.decline('already_paid');
    const parsed = parsePaymentRequired({ paymentRequired: p.paymentRequired, body: p.body });
    if (!parsed.ok) return { ...this.decline(parsed.error), ...(parsed.detail ? { detail: parsed.detail } : {}) };
    const options = parsed.value.accepts.filter((o) => o.scheme === 'session');
    if (options.length === 0) return this.decline('unsupported_scheme');
    const payable = options.filter((o) => o.networkInfo && adapterFor(o.networkInfo.family));
    if (payable.length === 0) return this.decline('unsupported_network');

    const first = await this.tryReserve(caller, parsed.value, payable, p);
    if (first.pay || first.reason !== 'no_session') return first;

    // A bare 402 and no session yet: offer one, pre-filled from the 402 (design §3.7).
    const openable = payable.find((o) => parseFacilitatorUrl(o.extra.facilitatorUrl));
    if (!openable) return first;
    if (this.deps.promptOn402 && !(await this.deps.promptOn402())) return first;
    try {
      await this.openFrom402(caller, parsed.value, openable);
    } catch (e) {
      const err = e instanceof WalletError ? e : null;
      return this.decline(err?.reason ?? 'internal_error', err?.message);
    }
    return this.tryReserve(caller, parsed.value, payable, p);
  }

  /** Append to the audit log. Losing a log line must never block a payment decision. */
  private async record(event: Omit<WalletEvent, 'id' | 'at'>): Promise<void> {
    try {
      await this.db.events.add({ at: this.now(), ...event, reason: event.reason.slice(0, 64), ...(event.url ? { url: event.url.slice(0, 2048) } : {}) });
    } catch (e) {
      this.deps.log?.('events.write_failed', { error: e instanceof Error ? e.message : String(e) });
    }
  }

  /** Keep the audit log bounded. */
  async pruneEvents(keep = 2000): Promise<void> {
    const count = await this.db.events.count();
    if (count <= keep) return;
    const cut = await this.db.events.orderBy('id').offset(count - keep).first();
    if (cut?.id !== undefined) await this.db.events.where('id').below(cut.id).delete();
  }

  async report(caller: PageCaller, p: ReportParams): Promise<ReportResult> {
    const payment = await this.db.payments.get(p.ticket);
    if (!payment || payment.origin !== caller.origin) {
      throw new WalletError(RpcCode.Unauthorized, 'unknown_ticket', 'No such payment for this site.');
    }
    if (p.sent === false) {
      const done = await this.ledger.release(payment.id, 'not_sent');
      if (done) this.deps.notify?.(done.session);
      return { outcome: 'failed', reason: 'not_sent', message: 'The request was aborted before the payment was sent.', ...(done ? { session: toPublicView(done.session) } : {}) };
    }
    if (p.status === 0) {
      // The retry never got an answer: it may or may not have settled. Keep the reservation; the
      // facilitator decides at reconciliation.
      return { outcome: 'unknown', reason: 'network_error', message: 'The paid retry got no answer; the wallet will check with the facilitator.' };
    }
    const settle = decodePaymentResponse(p.paymentResponse);
    const paidFor = this.ticketRoutes.get(payment.id);
    this.ticketRoutes.delete(payment.id);
    if (p.status >= 200 && p.status < 400 && !(settle.ok && !settle.value.success)) {
      const tx = settle.ok ? settle.value.transaction : undefined;
      const done = await this.ledger.commit(payment.id, tx ? { txHash: tx } : {});
      const session = done?.session ?? (await this.db.sessions.get(payment.sessionId));
      if (done) this.deps.notify?.(done.session);
      let route: string | undefined;
      if (paidFor && session?.status === 'active' && (!this.deps.preemptive || (await this.deps.preemptive()))) {
        (await this.knownRoutes()).learn(caller.origin, paidFor.key, { sessionId: payment.sessionId, parsed: paidFor.parsed, option: paidFor.option, raw: paidFor.raw });
        route = paidFor.key;
      }
      return { outcome: 'settled', ...(tx ? { transaction: tx } : {}), amount: payment.amount, session: toPublicView(session!), ...(route ? { route } : {}) };
    }
    // Refused: a pre-emptive route is stale (price or session changed); the next 402 re-learns it.
    if (paidFor) (await this.knownRoutes()).forget(caller.origin, paidFor.key);
    let reason = `http_${p.status}`;
    if (settle.ok && !settle.value.success) reason = settle.value.errorReason ?? 'settlement_failed';
    else {
      const again = parsePaymentRequired({ paymentRequired: p.paymentRequired });
      if (again.ok && again.value.error) reason = again.value.error;
    }
    if (!REASON.test(reason)) reason = 'payment_refused';
    const statusChange: SessionStatus | undefined =
      reason === 'session_expired' ? 'expired' : reason === 'session_not_found' ? 'failed' : undefined;
    const done = await this.ledger.release(payment.id, reason, statusChange);
    if (done) this.deps.notify?.(done.session);
    await this.record({ origin: caller.origin, kind: 'payment_refused', reason, url: payment.url, method: payment.method, sessionId: payment.sessionId });
    if (reason === 'cap_exceeded') void this.reconcileSession(payment.sessionId).catch(() => undefined);
    const session = done?.session ?? (await this.db.sessions.get(payment.sessionId));
    return { outcome: 'failed', reason, message: reasonMessage(reason), ...(session ? { session: toPublicView(session) } : {}) };
  }

  // ---- extension-internal -------------------------------------------------------------------

  /** Register a `pending` session (approved on chain, facilitator was down) now. */
  async retryRegistration(id: string): Promise<SessionRecord | null> {
    const s = await this.db.sessions.get(id);
    if (!s || s.status !== 'pending' || !s.registration) return null;
    if (this.now() >= s.expiresAt * 1000) {
      const expired = await this.ledger.setStatus(id, 'expired', 'expired_before_registration');
      if (expired) this.deps.notify?.(expired);
      return expired;
    }
    let opened;
    try {
      opened = await this.facilitatorFor(s.facilitatorUrl).openSession(s.registration.endpoint, s.registration.body);
    } catch (e) {
      const why = (e instanceof Error ? e.message : String(e)).slice(0, 300);
      const retry = retriable(e);
      const { registration, ...rest } = s;
      const updated: SessionRecord = retry
        ? { ...s, registration: { ...registration, attempts: registration.attempts + 1, lastError: why }, updatedAt: this.now() }
        : { ...rest, status: 'failed', statusReason: 'registration_rejected', updatedAt: this.now() };
      await this.db.sessions.put(updated);
      if (!retry) this.deps.notify?.(updated);
      return updated;
    }
    const { registration: _done, ...rest } = s;
    const active: SessionRecord = { ...rest, secretId: opened.sessionId, spent: opened.spent ?? '0', status: 'active', statusReason: 'registered_late', updatedAt: this.now() };
    await this.db.sessions.put(active);
    this.deps.notify?.(active);
    return active;
  }

  async retryPendingRegistrations(): Promise<void> {
    const pending = await this.db.sessions.where('status').equals('pending').toArray();
    for (const s of pending) await this.retryRegistration(s.id).catch(() => undefined);
  }

  async endSessionById(id: string, reason: 'ended_by_site' | 'ended_by_user'): Promise<SessionRecord | null> {
    (await this.knownRoutes()).forgetSession(id);
    const updated = await this.ledger.setStatus(id, 'revoked', reason);
    if (updated) this.deps.notify?.(updated);
    return updated;
  }

  /** Align one session with its facilitator's `GET /sessions/:id`. */
  async reconcileSession(id: string): Promise<SessionRecord | null> {
    const s = await this.db.sessions.get(id);
    if (!s) return null;
    let remote;
    try {
      remote = await this.facilitatorFor(s.facilitatorUrl).getSession(s.secretId);
    } catch (e) {
      if (e instanceof FacilitatorError && e.code === 'not_found') {
        const failed = await this.ledger.setStatus(id, 'failed', 'session_not_found');
        if (failed) this.deps.notify?.(failed);
        return failed;
      }
      throw e;
    }
    const r = await this.ledger.reconcile(id, { spent: BigInt(remote.spent) }, this.now() - RESERVATION_TTL_MS);
    if (r?.changed) this.deps.notify?.(r.session);
    return r?.session ?? null;
  }

  /** Reconcile every session holding reservations older than the TTL (after a worker restart, by alarm). */
  async reconcileStale(): Promise<number> {
    const stale = await this.ledger.staleReservations(this.now() - RESERVATION_TTL_MS);
    const ids = [...new Set(stale.map((p) => p.sessionId))];
    let done = 0;
    for (const id of ids) {
      try {
        if (await this.reconcileSession(id)) done++;
      } catch (e) {
        // Facilitator down: keep the reservations (conservative) and try at the next alarm.
        this.deps.log?.('reconcile.failed', { session: id, error: e instanceof Error ? e.message : String(e) });
      }
    }
    return done;
  }

  async expireDue(): Promise<SessionRecord[]> {
    const changed = await this.ledger.expireDue();
    for (const s of changed) this.deps.notify?.(s);
    return changed;
  }

  // ---- internals ----------------------------------------------------------------------------

  private decline(reason: DeclineReason | string, message?: string, session?: SessionRecord): PayResult {
    return { pay: false, reason, message: message ?? reasonMessage(reason), ...(session ? { session: toPublicView(session) } : {}) };
  }

  private async tryReserve(caller: PageCaller, parsed: ParsedPaymentRequired, options: PaymentOption[], p: PayParams): Promise<PayResult> {
    const rank: DeclineReason[] = ['no_session', 'scheme_mismatch', 'network_mismatch', 'asset_mismatch', 'recipient_mismatch', 'session_inactive', 'session_expired', 'invalid_amount', 'per_call_limit_exceeded', 'cap_exceeded'];
    let best: { reason: DeclineReason; session?: SessionRecord } = { reason: 'no_session' };
    for (const option of options) {
      const outcome = await this.reserveOption(caller, option, p.url, p.method, p.attemptId);
      if (!outcome) return this.decline('storage_error');
      if (outcome.ok) {
        // A re-sent `pay` got its earlier reservation back: answer for the option that one was for.
        const paid = outcome.reused ? options.find((o) => termsMismatch(outcome.session, termsOf(o)) === null && o.amount.toString() === outcome.payment.amount) : option;
        if (!paid) return this.decline('already_paid');
        const header = this.headerFor(parsed, paid, outcome.session);
        const key = routeKey(p.url, p.method);
        if (key) this.ticketRoutes.set(outcome.payment.id, { key, parsed, option: paid, prepaid: false, raw: { paymentRequired: p.paymentRequired, body: p.body } });
        if (this.ticketRoutes.size > 5000) this.ticketRoutes.delete(this.ticketRoutes.keys().next().value!);
        return { pay: true, ticket: outcome.payment.id, header, amount: outcome.payment.amount, session: toPublicView(outcome.session) };
      }
      // This very attempt was paid (or released) before: never again, whatever other sessions exist.
      if (outcome.reason === 'already_paid') return this.decline('already_paid');
      if (rank.indexOf(outcome.reason) >= rank.indexOf(best.reason)) best = { reason: outcome.reason, ...(outcome.session ? { session: outcome.session } : {}) };
    }
    if (best.session && best.reason === 'session_expired') this.deps.notify?.({ ...best.session, status: 'expired' });
    return this.decline(best.reason, undefined, best.session);
  }

  /** Reserve one option's price for this caller; null when the store failed (then we never pay). */
  private async reserveOption(caller: PageCaller, option: PaymentOption, url: string, method: string, attemptId?: string): Promise<ReserveOutcome | null> {
    try {
      return await this.ledger.reserve({ origin: caller.origin, url, method: method.toUpperCase(), ...(attemptId ? { attemptId } : {}), terms: termsOf(option) });
    } catch (e) {
      // Never pay what we could not record (style.md §6).
      this.deps.log?.('pay.storage_error', { error: e instanceof Error ? e.message : String(e) });
      return null;
    }
  }

  /** The payment header for a reserved option: its chain's payload around the bearer session id. */
  private headerFor(parsed: ParsedPaymentRequired, option: PaymentOption, session: SessionRecord): { name: string; value: string } {
    return encodePaymentHeader(parsed, option, adapterFor(session.family)!.paymentPayload(session.secretId, option));
  }

  private async openFrom402(caller: PageCaller, parsed: ParsedPaymentRequired, option: PaymentOption): Promise<SessionRecord | null> {
    const network = option.networkInfo!;
    return this.withApprovalSlot(caller, '402', async () => {
      const token = await this.token(network, option.asset);
      const calls = BigInt(this.deps.callsPerDefaultCap ?? 10);
      const plan = await this.plan(caller, {
        source: '402',
        network,
        asset: option.asset,
        token,
        recipient: option.payTo,
        facilitatorUrl: option.extra.facilitatorUrl as string,
        sessionsEndpoint: option.extra.sessionsEndpoint,
        claimedSpender: option.extra.spender,
        cap: option.amount * calls,
        expiresIn: 3600,
        perCallMax: null,
        price: option.amount,
        resource: parsed.resource,
      });
      return this.approveAndOpen(caller, plan);
    }, true);
  }

  /**
   * One approval at a time per origin. A 402 that arrives while one is open waits for it (so a
   * page firing several requests gets one window); an explicit requestSession gets -32002.
   */
  private async withApprovalSlot(caller: PageCaller, source: 'dapp' | '402', run: () => Promise<SessionRecord>, joinPending = false): Promise<SessionRecord> {
    const existing = this.pending.get(caller.origin);
    if (existing) {
      if (joinPending) {
        const s = await existing;
        if (s) return s;
        throw new WalletError(RpcCode.UserRejected, 'user_rejected', reasonMessage('user_rejected'));
      }
      throw new WalletError(RpcCode.ResourceUnavailable, 'approval_pending', reasonMessage('approval_pending'));
    }
    if ((this.cooldownUntil.get(caller.origin) ?? 0) > this.now()) {
      throw new WalletError(source === 'dapp' ? RpcCode.UserRejected : RpcCode.ResourceUnavailable, 'approval_cooldown', reasonMessage('approval_cooldown'));
    }
    const work = run();
    const slot = work.then(
      (s) => s,
      () => null,
    );
    this.pending.set(caller.origin, slot);
    try {
      return await work;
    } catch (e) {
      if (e instanceof WalletError && e.code === RpcCode.UserRejected) {
        this.cooldownUntil.set(caller.origin, this.now() + REJECT_COOLDOWN_MS[source]);
      }
      throw e;
    } finally {
      this.pending.delete(caller.origin);
    }
  }

  private async token(network: NetworkInfo, asset: string): Promise<TokenView> {
    try {
      return await this.deps.tokenInfo(network, asset);
    } catch {
      throw new WalletError(RpcCode.Internal, 'token_unreadable', `Could not read token ${asset} on ${networkLabel(network.id)}; check the RPC setting for this network.`);
    }
  }

  private facilitatorFor(url: string): FacilitatorClient {
    return this.deps.facilitator ? this.deps.facilitator(url) : new FacilitatorClient(url);
  }

  private async plan(
    caller: PageCaller,
    input: {
      source: 'dapp' | '402';
      network: NetworkInfo;
      asset: string;
      token: TokenView;
      recipient: string;
      facilitatorUrl: string;
      sessionsEndpoint?: unknown;
      claimedSpender?: unknown;
      cap: bigint;
      expiresIn: number;
      perCallMax: bigint | null;
      price?: bigint;
      resource?: ParsedPaymentRequired['resource'];
    },
  ): Promise<SessionPlan> {
    const adapter = adapterFor(input.network.family)!;
    if (!adapter.isAddress(input.recipient)) throw new WalletError(RpcCode.InvalidParams, 'invalid_params', 'recipient is not a valid address for this network.');
    if (!adapter.isAddress(input.asset)) throw new WalletError(RpcCode.InvalidParams, 'invalid_params', 'asset is not a valid token address for this network.');
    let facilitator: FacilitatorClient;
    try {
      facilitator = this.facilitatorFor(input.facilitatorUrl);
    } catch {
      throw new WalletError(RpcCode.InvalidParams, 'invalid_facilitator_url', 'facilitatorUrl must be https (or http on localhost).');
    }
    const sessionsEndpoint = resolveSessionsEndpoint(facilitator.baseUrl, input.sessionsEndpoint);
    if (!sessionsEndpoint) throw new WalletError(RpcCode.InvalidParams, 'invalid_facilitator_url', 'The sessions endpoint must be on the facilitator\'s own origin.');
    let discovered;
    try {
      discovered = await facilitator.discoverSpender(input.network.id);
    } catch (e) {
      if (e instanceof FacilitatorError && e.code === 'unsupported_network') throw new WalletError(RpcCode.Unsupported, 'unsupported_network', e.message);
      throw new WalletError(RpcCode.Internal, 'facilitator_unreachable', e instanceof FacilitatorError ? e.message : 'The facilitator could not be reached.');
    }
    const spender = discovered.spender;
    if (!adapter.isAddress(spender)) throw new WalletError(RpcCode.Internal, 'facilitator_bad_response', 'The facilitator named an invalid spender address.');
    if (typeof input.claimedSpender === 'string' && !adapter.sameAddress(input.claimedSpender, spender)) {
      throw new WalletError(RpcCode.Unauthorized, 'spender_mismatch', 'The 402 names a different spender than its facilitator; refusing to approve.');
    }
    const supported = await facilitator.supported().catch(() => null);
    const kind = supported?.kinds.find((k) => k.scheme === 'session' && normalizeNetwork(k.network)?.id === input.network.id);
    const existing = await this.getSessions(caller);
    const prompt: ApprovalPrompt = {
      id: randomId(),
      origin: caller.origin,
      source: input.source,
      network: input.network.id,
      networkLabel: networkLabel(input.network.id),
      scheme: 'session',
      asset: input.asset,
      token: input.token,
      recipient: input.recipient,
      spender,
      facilitatorUrl: facilitator.baseUrl,
      facilitatorHost: new URL(facilitator.baseUrl).host,
      cap: input.cap.toString(),
      expiresIn: input.expiresIn,
      perCallMax: input.perCallMax === null ? null : input.perCallMax.toString(),
      ...(input.price !== undefined ? { price: input.price.toString() } : {}),
      ...(input.resource
        ? { resource: pick(input.resource, ['url', 'description', 'serviceName', 'iconUrl']) as ApprovalPrompt['resource'] }
        : {}),
      existing,
    };
    return { adapter, network: input.network, facilitatorNetwork: kind?.network ?? input.network.id, facilitator, sessionsEndpoint, prompt };
  }

  private async approveAndOpen(caller: PageCaller, plan: SessionPlan): Promise<SessionRecord> {
    const { prompt, adapter } = plan;
    const decision = await this.deps.approvals.request(prompt, caller);
    // Our own window, but still clamp: the person may lower the terms, never raise them.
    const cap = BigInt(decision.cap);
    if (cap <= 0n || cap > BigInt(prompt.cap)) throw new WalletError(RpcCode.InvalidParams, 'invalid_decision', 'The approved cap is out of range.');
    const expiresIn = Math.floor(decision.expiresIn);
    if (!(expiresIn >= 60 && expiresIn <= prompt.expiresIn)) throw new WalletError(RpcCode.InvalidParams, 'invalid_decision', 'The approved expiry is out of range.');
    const terms = {
      network: plan.network,
      facilitatorNetwork: plan.facilitatorNetwork,
      asset: prompt.asset,
      recipient: prompt.recipient,
      spender: prompt.spender,
      cap,
      expiresIn,
    };
    const nowS = Math.floor(this.now() / 1000);
    this.deps.approvals.progress?.(prompt.id, 'wallet');
    let approval: ApprovalResult;
    try {
      approval = await this.deps.signer.approve(caller, adapter.approveRequest(terms, nowS));
    } catch (e) {
      this.deps.approvals.progress?.(prompt.id, 'failed', e instanceof Error ? e.message : undefined);
      if (e instanceof WalletError) throw e;
      throw new WalletError(RpcCode.Internal, 'wallet_error', `The wallet could not send the approval: ${e instanceof Error ? e.message.slice(0, 200) : 'unknown error'}`);
    }
    this.deps.approvals.progress?.(prompt.id, 'registering');
    const openedAt = Math.floor(this.now() / 1000);
    const body = adapter.sessionBody(terms, approval, openedAt);
    const now = this.now();
    const record: SessionRecord = {
      id: randomId(),
      secretId: '',
      origin: caller.origin,
      family: plan.network.family,
      network: plan.network.id,
      scheme: 'session',
      asset: prompt.asset,
      symbol: prompt.token.symbol,
      decimals: prompt.token.decimals,
      recipient: prompt.recipient,
      spender: prompt.spender,
      user: approval.user,
      facilitatorUrl: plan.facilitator.baseUrl,
      cap: cap.toString(),
      spent: '0',
      reserved: '0',
      perCallMax: prompt.perCallMax,
      expiresAt: (body.expiresAt as number | undefined) ?? openedAt + expiresIn,
      status: 'active',
      approvalTx: approval.txHash,
      createdAt: now,
      updatedAt: now,
    };
    let opened: Awaited<ReturnType<FacilitatorClient['openSession']>> | null = null;
    let lastError: unknown = null;
    for (const delay of [0, ...(this.deps.registrationRetryDelaysMs ?? [1000, 3000])]) {
      if (delay) await new Promise((r) => setTimeout(r, delay));
      try {
        opened = await plan.facilitator.openSession(plan.sessionsEndpoint, body);
        break;
      } catch (e) {
        lastError = e;
        if (!retriable(e)) break;
      }
    }
    if (!opened) {
      const why = lastError instanceof Error ? lastError.message : 'The facilitator failed.';
      this.deps.approvals.progress?.(prompt.id, 'failed', why);
      if (retriable(lastError)) {
        // The approve is on chain and the facilitator never answered: keep it, register later.
        const pending: SessionRecord = { ...record, status: 'pending', statusReason: 'registration_failed', registration: { endpoint: plan.sessionsEndpoint, body, attempts: 1, lastError: why.slice(0, 300) } };
        await this.db.sessions.add(pending);
        await this.record({ origin: caller.origin, kind: 'session_failed', reason: 'facilitator_unreachable', detail: why.slice(0, 300), sessionId: pending.id });
        this.deps.onSessionStored?.(pending);
        this.deps.notify?.(pending);
        throw new WalletError(
          RpcCode.Internal,
          'facilitator_unreachable',
          `${why} Your approval (${approval.txHash}) is kept: the wallet registers the session as soon as the facilitator answers (it shows as pending in the toolbar popup).`,
          { sessionId: pending.id },
        );
      }
      await this.record({ origin: caller.origin, kind: 'session_failed', reason: 'facilitator_rejected', detail: why.slice(0, 300) });
      throw new WalletError(
        RpcCode.Internal,
        'facilitator_rejected',
        `${why} The on-chain approval (${approval.txHash}) stays in place until you revoke it in your wallet; no money moved.`,
      );
    }
    record.secretId = opened.sessionId;
    record.spent = opened.spent ?? '0';
    await this.db.sessions.add(record);
    this.deps.approvals.progress?.(prompt.id, 'done');
    this.deps.onSessionStored?.(record);
    this.deps.notify?.(record);
    return record;
  }
}

/** What an `accepts` entry asks to be paid, in the ledger's terms (network canonical). */
function termsOf(o: PaymentOption): PaymentTerms {
  return { scheme: o.scheme, network: o.networkInfo!.id, asset: o.asset, payTo: o.payTo, amount: o.amount };
}

/** Facilitator failures worth retrying with the same approval: it never gave a verdict. */
function retriable(e: unknown): boolean {
  if (!(e instanceof FacilitatorError)) return false;
  return e.code === 'unreachable' || e.code === 'timeout' || e.code === 'bad_response' || (e.code === 'http_error' && (e.status ?? 500) >= 500);
}

function pick<T extends object>(obj: T, keys: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of keys) if (Object.prototype.hasOwnProperty.call(obj, k)) out[k] = (obj as Record<string, unknown>)[k];
  return out;
}
