import { RpcCode, WalletError } from '../errors';
import type { PayParams, PayResult, PrepayParams, ReportParams, ReportResult } from '../messaging/methods';
import { reasonMessage, SERVER_REASON, type WalletReason } from '../messaging/reasons';
import { routeKey } from '../messaging/route-key';
import { byPreference, knownScheme, payableOption, refusalOf, schemeOn, type Payable } from '../schemes/registry';
import type { Ledger, DeclineReason, PaymentTerms, ReserveOutcome } from '../sessions/ledger';
import { termsMismatch } from '../sessions/ledger';
import type { WalletDb } from '../sessions/db';
import type { PaymentRecord } from '../sessions/types';
import { toPublicView, type SessionRecord } from '../sessions/types';
import { decodePaymentResponse, encodePaymentHeader, parsePaymentRequired, type ParsedPaymentRequired, type PaymentOption } from '../x402/codec';
import type { Audit } from './audit';
import type { RedirectLog } from './redirects';
import type { SchemeContexts } from './context';
import type { Opening } from './opening';
import { RouteBook, type StoredRoute } from './routes';
import type { PageCaller } from './sender';

export interface PayingDeps {
  db: WalletDb;
  ledger: Ledger;
  audit: Audit;
  opening: Opening;
  notify?: (session: SessionRecord) => void;
  /** Bare 402s open the approval window unless the person turned that off. */
  promptOn402?: () => Promise<boolean>;
  /** Pre-emptive payment on routes already paid (the person can turn it off). */
  preemptive?: () => Promise<boolean>;
  /** Schemes that ask the wallet on every call (`exact`) are paid unless the person turned them off. */
  perCallSignatures?: () => Promise<boolean>;
  /** Where known routes survive a worker restart (session storage in the extension). */
  routeStore?: { load(): Promise<StoredRoute[]>; save(routes: StoredRoute[]): void };
  /** Where paid sends were redirected (the browser's account; absent: no redirect is followed). */
  redirects?: Pick<RedirectLog, 'take'>;
  /** Where schemes that sign per call reach the wallet of the paying frame. */
  contexts: SchemeContexts;
  /** Ask the facilitator for its figure after a refusal that may mean the ledger drifted. */
  reconcile(sessionId: string): Promise<unknown>;
  /** The same, a few seconds from now, for a call whose outcome only the facilitator knows. */
  reconcileSoon(sessionId: string): void;
  /** A payment failed on chain and paused its session: read what the chain says now. */
  onPaused?(sessionId: string): void;
  /**
   * Budgets (issue 15), per-site control: asked once the amount is reserved and before any header
   * is built. null = go ahead; a reason = the person (or the rate rules of the confirmation window)
   * said no: the reservation is released and the page gets its 402 with that reason.
   */
  confirmPayment?(caller: PageCaller, session: SessionRecord, payment: PaymentRecord): Promise<WalletReason | null>;
  /**
   * Budgets (issue 15): false for a site whose every payment waits for a click ("always ask"): no
   * pre-emptive payment there, the confirmation belongs to the call's own 402 (one window per call).
   */
  preemptiveFor?(origin: string): Promise<boolean>;
  /** Budgets (issue 15), alerts: a call was declined because the cap (or the period's) is used up. */
  onBudgetRefused?(session: SessionRecord): void;
  log?: (event: string, data: Record<string, unknown>) => void;
}

type Decided = PayResult & { detail?: string };

/** Why one option was not reserved, ranked: the most telling reason is the one the page hears. */
const RANK: DeclineReason[] = ['no_session', 'scheme_mismatch', 'network_mismatch', 'asset_mismatch', 'recipient_mismatch', 'api_origin_mismatch', 'facilitator_mismatch', 'spender_mismatch', 'session_inactive', 'session_paused', 'session_expired', 'invalid_amount', 'per_call_limit_exceeded', 'period_cap_exceeded', 'cap_exceeded'];
const MAX_IN_FLIGHT = 5000;
const MAX_HOPS = 3;

function safeOrigin(url: string): string | null {
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}

/**
 * The hot path (docs/architecture.md §2): decide whether a 402 may be paid, reserve before any header leaves,
 * and settle or release on the page's report. Routes already paid are remembered for pre-emptive
 * payment.
 */
export class Paying {
  private readonly routes: RouteBook;
  private routesLoaded: Promise<void> | null = null;
  /** What each reservation in flight paid for, so a settled one teaches its route. */
  /** Redirect hops followed per payment. */
  private readonly hops = new Map<string, number>();
  private readonly inFlight = new Map<string, { key: string; parsed: ParsedPaymentRequired; option: PaymentOption; raw: { paymentRequired: string | null; body: string | null } }>();

  constructor(private readonly deps: PayingDeps) {
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

  async forgetSession(sessionId: string): Promise<void> {
    (await this.knownRoutes()).forgetSession(sessionId);
  }

  async pay(caller: PageCaller, p: PayParams): Promise<PayResult> {
    const result = await this.decide(caller, p);
    if (!result.pay) {
      await this.deps.audit.record({ origin: caller.origin, kind: 'payment_declined', reason: result.reason, url: p.url, method: p.method, ...(result.detail ? { detail: result.detail } : {}), ...(result.session ? { sessionId: result.session.id } : {}) });
      delete result.detail;
    }
    return result;
  }

  /**
   * Pre-emptive payment: the page is about to send a request to a route this origin has paid
   * before. Reserve and hand back the header for the *first* send. A 402 anyway makes the page fall
   * back to the normal path (and forgets the route).
   */
  async prepay(caller: PageCaller, p: PrepayParams): Promise<PayResult> {
    const key = routeKey(p.url, p.method);
    const route = key ? (await this.knownRoutes()).get(caller.origin, key) : undefined;
    if (!key || !route || (this.deps.preemptive && !(await this.deps.preemptive())) || (this.deps.preemptiveFor && !(await this.deps.preemptiveFor(caller.origin)))) return decline('no_route');
    const { option, parsed } = route;
    // A scheme that asks the wallet per call, turned off since the route was learnt: not pre-paid either.
    if (payableOption(option)?.scheme.signsPerCall && this.deps.perCallSignatures && !(await this.deps.perCallSignatures())) {
      (await this.knownRoutes()).forget(caller.origin, key);
      return decline('no_route');
    }
    const outcome = await this.reserveOption(caller, option, p.url, p.method, p.attemptId);
    if (!outcome) return decline('storage_error');
    if (!outcome.ok) {
      (await this.knownRoutes()).forget(caller.origin, key);
      return decline('no_route', "The route's session cannot pay now; using the normal path.");
    }
    return this.paid(caller, outcome, parsed, option, key, route.raw);
  }

  private async decide(caller: PageCaller, p: PayParams): Promise<Decided> {
    if (p.hadPayment) return decline('already_paid');
    const parsed = parsePaymentRequired({ paymentRequired: p.paymentRequired, body: p.body });
    if (!parsed.ok) return { ...decline(parsed.error), ...(parsed.detail ? { detail: parsed.detail } : {}) };
    const offered = parsed.value.accepts.filter((o) => knownScheme(o.scheme));
    if (offered.length === 0) return decline('unsupported_scheme');
    // The scheme that asks the person least comes first: for an open session to pay, and for the
    // one to open (docs/architecture.md §2.7).
    let payable = byPreference(
      offered.flatMap((o) => {
        const by = payableOption(o);
        return by ? [{ option: o, by }] : [];
      }),
    );
    if (payable.some((x) => x.by.scheme.signsPerCall) && this.deps.perCallSignatures && !(await this.deps.perCallSignatures())) {
      payable = payable.filter((x) => !x.by.scheme.signsPerCall);
      if (payable.length === 0) return decline('per_call_off');
    }
    // A scheme that knows the entry but will not pay it says why (e.g. `exact` through Permit2).
    if (payable.length === 0) return decline(offered.map(refusalOf).find((r) => r !== null) ?? 'unsupported_network');

    const first = await this.tryReserve(caller, parsed.value, payable, p);
    if (first.pay) return first;
    // A session its facilitator forgot (it lost its database) is no session: offer a new one.
    const forgotten = first.reason === 'session_inactive' && first.session?.status === 'failed' && first.session.statusReason === 'session_not_found';
    // No session of this origin pays this scheme at all (none, or only other schemes'): offer one.
    if (first.reason !== 'no_session' && first.reason !== 'scheme_mismatch' && !forgotten) return first;

    // A bare 402 and no session yet: offer one, pre-filled from the 402.
    const openable = payable.map((x) => ({ ...x, facilitatorUrl: x.by.impl.facilitatorOf(x.option) })).find((x) => x.facilitatorUrl !== null);
    if (!openable) return decline('no_facilitator');
    if (this.deps.promptOn402 && !(await this.deps.promptOn402())) return first;
    try {
      // The window says which scheme and why: the others this API would also take.
      const others = [...new Set(payable.filter((x) => x.by.scheme !== openable.by.scheme).map((x) => x.by.scheme.label))];
      await this.deps.opening.openFrom402(caller, parsed.value, openable.option, openable.by, openable.facilitatorUrl!, p.url, others);
    } catch (e) {
      const err = e instanceof WalletError ? e : null;
      return decline(err?.reason ?? 'internal_error', err?.message);
    }
    return this.tryReserve(caller, parsed.value, payable, p);
  }

  private async tryReserve(caller: PageCaller, parsed: ParsedPaymentRequired, payable: { option: PaymentOption; by: Payable }[], p: PayParams): Promise<PayResult> {
    let best: { reason: DeclineReason; session?: SessionRecord } = { reason: 'no_session' };
    for (const { option } of payable) {
      const outcome = await this.reserveOption(caller, option, p.url, p.method, p.attemptId);
      if (!outcome) return decline('storage_error');
      if (outcome.ok) {
        // A re-sent `pay` got its earlier reservation back: answer for the option that one was for.
        const paidFor = outcome.reused ? payable.find((x) => termsMismatch(outcome.session, termsOf(x.option)) === null && x.option.amount.toString() === outcome.payment.amount)?.option : option;
        if (!paidFor) return decline('already_paid');
        const key = routeKey(p.url, p.method);
        return this.paid(caller, outcome, parsed, paidFor, key, { paymentRequired: p.paymentRequired, body: p.body });
      }
      // This very attempt was paid (or released) before: never again, whatever other sessions exist.
      if (outcome.reason === 'already_paid') return decline('already_paid');
      if (RANK.indexOf(outcome.reason) >= RANK.indexOf(best.reason)) best = { reason: outcome.reason, ...(outcome.session ? { session: outcome.session } : {}) };
    }
    if (best.session && best.reason === 'session_expired') this.deps.notify?.({ ...best.session, status: 'expired' });
    if (best.session && (best.reason === 'cap_exceeded' || best.reason === 'period_cap_exceeded')) this.deps.onBudgetRefused?.(best.session);
    return decline(best.reason, undefined, best.session);
  }

  /** The header for a reservation: the session's scheme builds its payload around the grant. */
  private async paid(caller: PageCaller, outcome: Extract<ReserveOutcome, { ok: true }>, parsed: ParsedPaymentRequired, option: PaymentOption, key: string | null, raw: { paymentRequired: string | null; body: string | null }): Promise<PayResult> {
    const { session, payment } = outcome;
    // Budgets (issue 15): a site set to "always ask" pays only after the person's click.
    const refused = this.deps.confirmPayment ? await this.deps.confirmPayment(caller, session, payment) : null;
    if (refused) {
      const done = await this.deps.ledger.release(payment.id, refused);
      if (done) this.deps.notify?.(done.session);
      return decline(refused, undefined, done?.session ?? session);
    }
    const own = schemeOn(session.scheme, session.family);
    let header: { name: string; value: string } | null = null;
    let refusal: WalletError | null = null;
    try {
      if (own) header = encodePaymentHeader(parsed, option, await own.impl.payload(this.deps.contexts.opening(own.chain, caller, () => undefined), session, option));
    } catch (e) {
      refusal = e instanceof WalletError ? e : new WalletError(RpcCode.Internal, 'internal_error', reasonMessage('internal_error'));
    }
    if (!own || !header) {
      // Nothing leaves: give the room back at once.
      const reason = refusal?.reason ?? 'unsupported_scheme';
      const done = await this.deps.ledger.release(payment.id, reason);
      if (done) this.deps.notify?.(done.session);
      return decline(reason, refusal?.message, done?.session ?? session);
    }
    const impl = own.impl;
    if (key) {
      this.inFlight.set(payment.id, { key, parsed, option, raw });
      if (this.inFlight.size > MAX_IN_FLIGHT) this.inFlight.delete(this.inFlight.keys().next().value!);
    }
    return { pay: true, attemptId: payment.attemptId!, header, redact: impl.secrets(session.grant), amount: payment.amount, session: toPublicView(session) };
  }

  /** Reserve one option's price for this caller; null when the store failed (then we never pay). */
  private async reserveOption(caller: PageCaller, option: PaymentOption, url: string, method: string, attemptId: string): Promise<ReserveOutcome | null> {
    try {
      return await this.deps.ledger.reserve({
        origin: caller.origin,
        url,
        method: method.toUpperCase(),
        attemptId,
        terms: termsOf(option),
        binds: (s) => {
          const own = schemeOn(s.scheme, s.family);
          return own ? own.impl.binds(s, option) : 'scheme_mismatch';
        },
      });
    } catch (e) {
      // Never pay what we could not record (docs/style.md §6).
      this.deps.log?.('pay.storage_error', { error: e instanceof Error ? e.message : String(e) });
      return null;
    }
  }

  /**
   * A paid send came back as a redirect. It goes on, with the same payment, only to the same origin
   * and one the session was approved for; anything else stops there, the outcome left to the
   * facilitator (the server may have charged before redirecting).
   */
  private async redirected(caller: PageCaller, payment: PaymentRecord, url: string): Promise<ReportResult> {
    const hops = (this.hops.get(payment.id) ?? 0) + 1;
    this.hops.set(payment.id, hops);
    if (this.hops.size > MAX_IN_FLIGHT) this.hops.delete(this.hops.keys().next().value!);
    const session = await this.deps.db.sessions.get(payment.sessionId);
    const seen = payment.status === 'reserved' && hops <= MAX_HOPS ? await this.deps.redirects?.take(caller.tabId, caller.frameId, url) : null;
    let target: URL | null = null;
    try {
      target = seen ? new URL(seen.redirectUrl) : null;
    } catch {
      target = null;
    }
    const from = safeOrigin(url);
    if (seen && target && session && from !== null && target.origin === from && session.apiOrigins.includes(target.origin) && /^https?:$/.test(target.protocol)) {
      return { outcome: 'redirect', location: target.toString(), method: followMethod(seen.statusCode, seen.method) };
    }
    await this.deps.ledger.note(payment.id, 'redirect_refused');
    this.deps.reconcileSoon(payment.sessionId);
    await this.deps.audit.record({ origin: caller.origin, kind: 'payment_refused', reason: 'redirect_refused', url, method: payment.method, sessionId: payment.sessionId, detail: target ? `to ${target.origin}` : 'target not observed' });
    return { outcome: 'unknown', reason: 'redirect_refused', message: reasonMessage('redirect_refused') };
  }

  async report(caller: PageCaller, p: ReportParams): Promise<ReportResult> {
    const payment = await this.deps.ledger.attempt(caller.origin, p.attemptId);
    // Another origin's attempt and a missing one look the same.
    if (!payment) throw new WalletError(RpcCode.Unauthorized, 'unknown_attempt', reasonMessage('unknown_attempt'));
    const { ledger } = this.deps;
    if (p.redirected) return this.redirected(caller, payment, p.url ?? payment.url);
    if (!p.sent) {
      this.inFlight.delete(payment.id);
      const done = await ledger.release(payment.id, 'not_sent');
      if (done) this.deps.notify?.(done.session);
      return { outcome: 'failed', reason: 'not_sent', message: reasonMessage('not_sent'), ...(done ? { session: toPublicView(done.session) } : {}) };
    }
    if (p.status === 0) {
      // The paid send never got an answer: it may or may not have settled. Keep the reservation;
      // the facilitator decides at reconciliation.
      return { outcome: 'unknown', reason: 'network_error', message: reasonMessage('network_error') };
    }
    const settle = decodePaymentResponse(p.paymentResponse);
    const paidFor = this.inFlight.get(payment.id);
    this.inFlight.delete(payment.id);
    // A scheme whose answers do not follow the standard rule reads them itself (daydreams `upto`:
    // success is `x-upto-session-id`, refusals are JSON bodies without PAYMENT-REQUIRED). The
    // session is read for that only when the scheme does, or is not known from the attempt (after a
    // worker restart): a settled call of any other scheme reads nothing more on this path.
    const known = paidFor ? payableOption(paidFor.option) : null;
    const read = () => this.deps.db.sessions.get(payment.sessionId);
    let current = !known || known.impl.classify ? await read() : undefined;
    const verdict = current
      ? schemeOn(current.scheme, current.family)?.impl.classify?.(current, { status: p.status, paymentResponse: p.paymentResponse ?? null, paymentRequired: p.paymentRequired ?? null, body: p.body ?? null, uptoSessionId: p.uptoSessionId ?? null })
      : undefined;
    if (verdict?.outcome === 'retry') {
      // Nothing was counted yet: the reservation stands, and the page sends the same payment again
      // after the wait, reporting on this attempt again (a page that never does leaves a stale
      // reservation, reconciled like any other).
      await ledger.note(payment.id, verdict.reason);
      if (paidFor) this.inFlight.set(payment.id, paidFor);
      return { outcome: 'retry', reason: verdict.reason, message: reasonMessage(verdict.reason), after: verdict.afterMs };
    }
    const served = verdict?.outcome === 'settled' || (verdict === undefined && p.status >= 200 && p.status < 400 && settle.ok && settle.value.success);
    if (verdict === undefined && p.status >= 200 && p.status < 400 && !settle.ok) {
      // Served, but no settlement receipt: the server may not have charged (or may not say so).
      // Not counted until the facilitator's own figure says it settled.
      await ledger.note(payment.id, 'unconfirmed');
      this.deps.reconcileSoon(payment.sessionId);
      return { outcome: 'unknown', reason: 'unconfirmed', message: reasonMessage('unconfirmed') };
    }
    if (served) {
      const tx = settle.ok ? settle.value.transaction : '';
      const done = await ledger.commit(payment.id, tx ? { txHash: tx } : {});
      const session = done?.session ?? (await this.deps.db.sessions.get(payment.sessionId));
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
    let reason: string = `http_${p.status}`;
    if (verdict?.outcome === 'refused') reason = verdict.reason;
    else if (settle.ok && !settle.value.success) reason = settle.value.errorReason ?? 'settlement_failed';
    else {
      // v2 says why in PAYMENT-REQUIRED; v1 in the 402 body's `error` (invalid_exact_evm_…).
      const again = parsePaymentRequired({ paymentRequired: p.paymentRequired, body: p.body });
      if (again.ok && again.value.error) reason = again.value.error;
    }
    if (!SERVER_REASON.test(reason)) reason = 'payment_refused';
    current ??= await read();
    const statusChange = current ? schemeOn(current.scheme, current.family)?.impl.statusFor(reason) : undefined;
    const done = await ledger.release(payment.id, reason, statusChange);
    if (done) this.deps.notify?.(done.session);
    if (done?.session.status === 'paused') this.deps.onPaused?.(payment.sessionId);
    await this.deps.audit.record({ origin: caller.origin, kind: 'payment_refused', reason, url: payment.url, method: payment.method, sessionId: payment.sessionId });
    if (reason === 'cap_exceeded') void this.deps.reconcile(payment.sessionId).catch(() => undefined);
    const session = done?.session ?? current;
    return { outcome: 'failed', reason, message: reasonMessage(reason), ...(session ? { session: toPublicView(session) } : {}) };
  }
}

/** 303, or 301/302 of a POST: the browser turns the follow into a GET (and so do we). */
function followMethod(status: number, method: string): string {
  return status === 303 || ((status === 301 || status === 302) && method === 'POST') ? 'GET' : method;
}

function decline(reason: WalletReason, message?: string, session?: SessionRecord): PayResult & { pay: false } {
  return { pay: false, reason, message: message ?? reasonMessage(reason), ...(session ? { session: toPublicView(session) } : {}) };
}

/** What an `accepts` entry asks to be paid, in the ledger's terms (network canonical). */
function termsOf(o: PaymentOption): PaymentTerms {
  return { scheme: o.scheme, network: o.networkInfo!.id, asset: o.asset, payTo: o.payTo, amount: o.amount };
}
