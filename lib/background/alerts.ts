import { networkLabel } from '../chains/networks';
import { tokenAmount } from '../format';
import type { WalletDb } from '../sessions/db';
import type { Ledger } from '../sessions/ledger';
import { renewsAt } from '../sessions/period';
import { currentBudget, type SessionRecord } from '../sessions/types';
import type { NotificationPorts } from './browser-ports';

/**
 * Budget alerts (issue 15): at 80% and 100% of a session's cap (of the current period's, for a
 * renewing budget) and a day and an hour before it ends. Each is given once per budget — its key
 * names the cap, the period or the expiry it is about, so a top-up or a renewal re-arms it — and
 * reaches the person as a browser notification (unless turned off in options) and the site's
 * pages as a `budgetAlert` event. The badge shows the same states (toolbar-state.ts).
 */
export type AlertKind = 'cap_80' | 'cap_100' | 'expiry_day' | 'expiry_hour';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const LIVE = new Set(['active', 'paused', 'exhausted']);

export interface DueAlert {
  kind: AlertKind;
  key: string;
}

/**
 * The alerts this session is due now, most urgent of each pair last. `capRefused`: a call was just
 * declined because what is left is less than its price — for the person that is 100%.
 */
export function dueAlerts(s: SessionRecord, nowMs: number, capRefused = false): DueAlert[] {
  if (!LIVE.has(s.status) || s.expiresAt * 1000 <= nowMs) return [];
  const out: DueAlert[] = [];
  const budget = s.period ? `p${s.period.index}` : `c${s.cap}`;
  const { cap } = currentBudget(s);
  // Settled money, not reservations in flight: a refused call does not count as spent.
  const spent = BigInt(s.period ? s.period.spent : s.spent);
  if (cap > 0n) {
    if (spent * 5n >= cap * 4n) out.push({ kind: 'cap_80', key: `cap_80@${budget}` });
    if (spent >= cap || capRefused || s.status === 'exhausted') out.push({ kind: 'cap_100', key: `cap_100@${budget}` });
  }
  if (s.status !== 'exhausted') {
    const left = s.expiresAt * 1000 - nowMs;
    const life = s.expiresAt * 1000 - s.createdAt;
    // "A day before" only for sessions that lasted longer than a day (likewise the hour).
    if (left <= DAY_MS && life > DAY_MS) out.push({ kind: 'expiry_day', key: `expiry_day@${s.expiresAt}` });
    if (left <= HOUR_MS && life > HOUR_MS) out.push({ kind: 'expiry_hour', key: `expiry_hour@${s.expiresAt}` });
  }
  return out;
}

/** Of the alerts just given, the one worth telling: 100% over 80%, the hour over the day. */
function worthTelling(added: DueAlert[]): DueAlert[] {
  const has = (k: AlertKind) => added.some((a) => a.kind === k);
  return added.filter((a) => !(a.kind === 'cap_80' && has('cap_100')) && !(a.kind === 'expiry_day' && has('expiry_hour')));
}

function host(origin: string): string {
  try {
    return new URL(origin).host;
  } catch {
    return origin;
  }
}

/** The notification's words (plain text: notifications render no markup). */
export function alertText(s: SessionRecord, kind: AlertKind, nowMs: number): { title: string; message: string } {
  const amount = (units: bigint | string) => tokenAmount(units, s.decimals, s.symbol);
  const { cap, left } = currentBudget(s);
  const where = host(s.origin);
  const per = s.period ? ` this ${s.period.every}` : '';
  switch (kind) {
    case 'cap_80':
      return { title: `80% of the budget spent on ${where}`, message: `${amount(cap - left)} of ${amount(cap)} spent${per}; ${amount(left)} left. Top up from the toolbar if you need more.` };
    case 'cap_100':
      return s.period
        ? { title: `This ${s.period.every}'s budget is used up on ${where}`, message: `${amount(cap)} spent${per}. It renews ${new Date(renewsAt(s.period)).toISOString().slice(0, 16).replace('T', ' ')} UTC.` }
        : { title: `Budget used up on ${where}`, message: `${amount(s.spent)} of ${amount(s.cap)} spent. Top up or open a new session from the toolbar.` };
    case 'expiry_day':
    case 'expiry_hour': {
      const mins = Math.max(1, Math.round((s.expiresAt * 1000 - nowMs) / 60_000));
      const when = mins >= 120 ? `${Math.round(mins / 60)} hours` : `${mins} minutes`;
      return { title: `Session on ${where} ends in ${when}`, message: `${amount(left)} left on ${networkLabel(s.network)}. Extend it from the toolbar if you need longer.` };
    }
  }
}

export interface AlertDeps {
  db: WalletDb;
  ledger: Ledger;
  now: () => number;
  /** Browser notifications on (options; default on). */
  enabled: () => Promise<boolean>;
  notifications?: NotificationPorts;
  iconUrl?: string;
  /** The site's frames hear `budgetAlert`, and its badge follows. */
  toPage?: (session: SessionRecord, kind: AlertKind) => void;
  log?: (event: string, data: Record<string, unknown>) => void;
}

export class BudgetAlerts {
  constructor(private readonly deps: AlertDeps) {}

  /** Give whatever this session is due and has not been given (cheap when nothing is due: no write). */
  async check(s: SessionRecord, capRefused = false): Promise<AlertKind[]> {
    const now = this.deps.now();
    const had = new Set(s.alerted ?? []);
    const due = dueAlerts(s, now, capRefused).filter((a) => !had.has(a.key));
    if (due.length === 0) return [];
    const marked = await this.deps.ledger.markAlerted(s.id, due.map((a) => a.key));
    if (!marked || marked.added.length === 0) return [];
    const given = worthTelling(due.filter((a) => marked.added.includes(a.key)));
    for (const a of given) await this.deliver(marked.session, a, now);
    return given.map((a) => a.kind);
  }

  /** The alarm's sweep: sessions ending within a day (expiry alerts need no payment to fire). */
  async sweep(): Promise<void> {
    const nowS = Math.floor(this.deps.now() / 1000);
    const soon = await this.deps.db.sessions.where('expiresAt').between(nowS, nowS + DAY_MS / 1000 + 60, false, true).filter((s) => s.status === 'active').toArray();
    for (const s of soon) await this.check(s).catch((e) => this.deps.log?.('alert.failed', { session: s.id, error: e instanceof Error ? e.message : String(e) }));
  }

  private async deliver(s: SessionRecord, a: DueAlert, now: number): Promise<void> {
    this.deps.toPage?.(s, a.kind);
    if (!this.deps.notifications || !(await this.deps.enabled())) return;
    const { title, message } = alertText(s, a.kind, now);
    try {
      await this.deps.notifications.create(`x402-alert:${s.id}:${a.key}`, { type: 'basic', iconUrl: this.deps.iconUrl ?? '/icons/icon-128.png', title, message });
    } catch (e) {
      // A notification the platform refuses is not worth failing a payment over.
      this.deps.log?.('alert.notification_failed', { session: s.id, error: e instanceof Error ? e.message : String(e) });
    }
  }
}
