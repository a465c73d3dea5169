import type { NetworkInfo } from '../chains/types';
import { RpcCode, WalletError } from '../errors';
import type { FacilitatorClient } from '../facilitator/client';
import type { PageHandlers } from '../messaging/methods';
import type { TokenView } from '../schemes/types';
import type { WalletDb } from '../sessions/db';
import { Ledger } from '../sessions/ledger';
import type { PaymentRecord, SessionRecord } from '../sessions/types';
import type { WalletReason } from '../messaging/reasons';
import type { ApprovalBroker } from './approvals';
import { Allowances } from './allowances';
import { BudgetAlerts, type AlertKind } from './alerts';
import { Audit } from './audit';
import type { NotificationPorts } from './browser-ports';
import { PaymentConfirmations, type ConfirmWindowOps } from './confirmations';
import { SiteRules } from './site-rules';
import { TopUps } from './topup';
import { networkLabel } from '../chains/networks';
import { spendableNow } from '../sessions/types';
import { defaultRpcs } from '../chains/networks';
import { SchemeContexts, type ContextDeps, type WalletSigner } from './context';
import { Opening } from './opening';
import { Paying } from './paying';
import type { RedirectLog } from './redirects';
import type { StoredRoute } from './routes';
import type { PageCaller } from './sender';
import { Upkeep } from './upkeep';

export { RESERVATION_TTL_MS } from './upkeep';

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
  /** Pay schemes that ask the wallet for a signature on every call (`exact`); the person can turn it off. */
  perCallSignatures?: () => Promise<boolean>;
  /** Where known routes survive a worker restart (session storage in the extension). */
  routeStore?: { load(): Promise<StoredRoute[]>; save(routes: StoredRoute[]): void };
  /** Waits between `POST /sessions` attempts after the wallet's approve landed. */
  registrationRetryDelaysMs?: number[];
  /** The person allowed facilitators on private and local addresses (options). */
  allowPrivateFacilitators?: () => Promise<boolean>;
  /** A frame of an origin where the person's wallet can be asked (ending with a revoke, re-approving). */
  walletTab?: (origin: string) => Promise<PageCaller>;
  /** The browser's account of where paid sends were redirected (absent: no redirect is followed). */
  redirects?: Pick<RedirectLog, 'take'>;
  /** Read RPCs per network, in the order to try them (default: the built-in ones). */
  rpcs?: (network: string) => Promise<string[]>;
  /** How a wallet step is checked on chain; unit tests without a chain replace the adapter's check. */
  verifyWallet?: ContextDeps['verifyWallet'];
  // Budgets (issue 15):
  /** The small window where a site set to "always ask" waits for the person's click (absent: such a site is never paid). */
  confirmWindows?: ConfirmWindowOps;
  /** Browser notifications for budget alerts, whether the person wants them (options), and their icon. */
  notifications?: NotificationPorts;
  alertsEnabled?: () => Promise<boolean>;
  notificationIcon?: string;
  /** A budget alert for the session's pages (`window.x402session` `budgetAlert`). */
  onAlert?: (session: SessionRecord, kind: AlertKind) => void;
  log?: (event: string, data: Record<string, unknown>) => void;
}

/**
 * The background's authority over sessions and money, one job per part: paying (the hot path),
 * opening (approval and wallet step), upkeep (expiry, registration, reconciliation) and the audit
 * log. Every page call lands here after the router has established the caller's origin from the
 * browser and validated the parameters.
 */
export class WalletService {
  readonly db: WalletDb;
  readonly ledger: Ledger;
  readonly audit: Audit;
  readonly opening: Opening;
  readonly paying: Paying;
  readonly upkeep: Upkeep;
  readonly allowances: Allowances;
  // Budgets (issue 15): per-site rules, "always ask" confirmations, alerts, top-ups.
  readonly sites: SiteRules;
  readonly confirmations: PaymentConfirmations | null;
  readonly alerts: BudgetAlerts;
  readonly topUps: TopUps;
  /** What the page router serves. */
  readonly pageHandlers: PageHandlers<PageCaller>;

  constructor(deps: WalletServiceDeps) {
    const now = deps.now ?? Date.now;
    this.db = deps.db;
    this.ledger = new Ledger(deps.db, now);
    this.audit = new Audit(deps.db, now, deps.log);
    // Budgets (issue 15): every session change is also checked for a due alert (no write unless one is).
    this.sites = new SiteRules(deps.db, now);
    this.confirmations = deps.confirmWindows ? new PaymentConfirmations(deps.confirmWindows, now) : null;
    this.alerts = new BudgetAlerts({
      db: deps.db,
      ledger: this.ledger,
      now,
      enabled: deps.alertsEnabled ?? (async () => true),
      ...(deps.notifications ? { notifications: deps.notifications } : {}),
      ...(deps.notificationIcon ? { iconUrl: deps.notificationIcon } : {}),
      ...(deps.onAlert ? { toPage: deps.onAlert } : {}),
      ...(deps.log ? { log: deps.log } : {}),
    });
    const notify = (s: SessionRecord) => {
      deps.notify?.(s);
      void this.alerts.check(s).catch((e) => deps.log?.('alert.failed', { session: s.id, error: e instanceof Error ? e.message : String(e) }));
    };
    const contexts = new SchemeContexts({
      now,
      audit: this.audit,
      signer: deps.signer,
      rpcs: deps.rpcs ?? (async (network) => [...defaultRpcs(network)]),
      ...(deps.verifyWallet ? { verifyWallet: deps.verifyWallet } : {}),
      ...(deps.facilitator ? { facilitator: deps.facilitator } : {}),
      ...(deps.registrationRetryDelaysMs ? { retryDelaysMs: deps.registrationRetryDelaysMs } : {}),
      ...(deps.log ? { log: deps.log } : {}),
    });
    this.opening = new Opening({
      db: deps.db,
      ledger: this.ledger,
      now,
      audit: this.audit,
      contexts,
      approvals: deps.approvals,
      tokenInfo: deps.tokenInfo,
      callsPerDefaultCap: deps.callsPerDefaultCap,
      // What the chain says of the new session's allowance and balance, for the popup.
      onSessionStored: (s) => {
        deps.onSessionStored?.(s);
        void this.allowances.check(s.id).catch(() => undefined);
      },
      notify,
      allowPrivateFacilitators: deps.allowPrivateFacilitators,
      siteRule: (origin) => this.sites.get(origin),
    });
    // Changing an allowance asks the wallet in a tab of the session's site; without one, it cannot.
    const walletTab = deps.walletTab ?? (async () => Promise.reject(new WalletError(RpcCode.Internal, 'internal_error', 'No tab to ask the wallet in.')));
    this.allowances = new Allowances({
      db: deps.db,
      ledger: this.ledger,
      now,
      contexts,
      walletTab,
      notify,
      log: deps.log,
    });
    this.topUps = new TopUps({
      db: deps.db,
      ledger: this.ledger,
      now,
      contexts,
      walletTab,
      othersNeed: (s) => this.allowances.othersNeed(s),
      onChanged: (s) => {
        // A new expiry (alarms) and a new allowance (what the chain says now).
        deps.onSessionStored?.(s);
        notify(s);
        void this.allowances.check(s.id).catch(() => undefined);
      },
    });
    this.upkeep = new Upkeep({ db: deps.db, ledger: this.ledger, now, contexts, notify, onEnded: (id) => void this.paying.forgetSession(id), log: deps.log });
    this.paying = new Paying({
      db: deps.db,
      ledger: this.ledger,
      audit: this.audit,
      opening: this.opening,
      contexts,
      ...(deps.redirects ? { redirects: deps.redirects } : {}),
      notify,
      promptOn402: deps.promptOn402,
      preemptive: deps.preemptive,
      ...(deps.perCallSignatures ? { perCallSignatures: deps.perCallSignatures } : {}),
      routeStore: deps.routeStore,
      reconcile: (id) => this.upkeep.reconcileSession(id),
      reconcileSoon: (id) => this.upkeep.reconcileSoon(id),
      onPaused: (id) => void this.allowances.check(id).catch(() => undefined),
      confirmPayment: (caller, session, payment) => this.confirmEach(caller.origin, session, payment),
      preemptiveFor: async (origin) => (await this.sites.mode(origin)) !== 'always',
      onBudgetRefused: (s) => void this.alerts.check(s, true).catch(() => undefined),
      log: deps.log,
    });
    this.pageHandlers = {
      requestSession: (caller, p) => this.opening.requestSession(caller, p),
      getSessions: (caller) => this.opening.sessionsOf(caller.origin),
      endSession: async (caller, p) => {
        await this.endSession(caller, p.id);
        return null;
      },
      pay: (caller, p) => this.paying.pay(caller, p),
      prepay: (caller, p) => this.paying.prepay(caller, p),
      report: (caller, p) => this.paying.report(caller, p),
    };
  }

  /**
   * Budgets (issue 15): a site set to "always ask" pays a call only once the person clicked Pay in
   * its confirmation window; null = go ahead, else the reason the page hears with its 402.
   */
  private async confirmEach(origin: string, session: SessionRecord, payment: PaymentRecord): Promise<WalletReason | null> {
    if ((await this.sites.mode(origin)) !== 'always') return null;
    // No window to ask in: never pay silently what the person wanted to confirm.
    if (!this.confirmations) return 'approval_window_failed';
    const outcome = await this.confirmations.confirm({
      origin,
      url: payment.url,
      method: payment.method,
      amount: payment.amount,
      symbol: session.symbol,
      decimals: session.decimals,
      network: session.network,
      networkLabel: networkLabel(session.network),
      recipient: session.recipient,
      sessionId: session.id,
      remainingAfter: spendableNow(session).toString(),
    });
    return outcome === 'pay' ? null : outcome;
  }

  /** A site ends one of its own sessions. */
  async endSession(caller: PageCaller, id: string): Promise<void> {
    const s = await this.db.sessions.get(id);
    // Another origin's session and a missing one look the same: no existence oracle.
    if (!s || s.origin !== caller.origin) throw new WalletError(RpcCode.Unauthorized, 'unknown_session', 'This site has no session with that id.');
    await this.upkeep.end(id, 'ended_by_site');
  }
}
