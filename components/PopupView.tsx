import type { SessionsPage } from '../lib/sessions/queries';
import type { PaymentRecord, PublicSessionView, WalletEvent } from '../lib/sessions/types';
import { tokenAmount } from '../lib/format';
import { reasonMessage } from '../lib/messaging/reasons';
import { SessionCard, type SessionCardProps } from './SessionCard';

export interface PopupViewProps {
  /** One page of live and ended sessions (null while loading). */
  page: SessionsPage | null;
  /** Ask for more of one group. */
  onMore(group: 'live' | 'ended'): void;
  now: number;
  onEnd(id: string, revoke: boolean): void;
  onRetry?(id: string): void;
  onReapprove?(id: string): void;
  /** Lower the allowance an ended session left (asked in the wallet). */
  onRevoke?(id: string): void;
  /** Latest declined / refused payments, newest first. */
  declined?: WalletEvent[];
  history?: (sessionId: string) => PaymentRecord[] | null;
  onShowHistory?(sessionId: string | null): void;
  historyFor?: string | null;
  error?: string | null;
  /** What the wallet is doing for the person right now (a revoke, a re-approve). */
  notice?: string | null;
  /** Budgets (issue 15): top-up of live and used-up sessions. */
  budget?: Pick<SessionCardProps, 'onTopUpInfo' | 'onTopUp'>;
}

/** The toolbar popup: every session, live; active ones first. */
export function PopupView({ page, onMore, now, onEnd, onRetry, onReapprove, onRevoke, declined = [], history, onShowHistory, historyFor, error, notice, budget = {} }: PopupViewProps) {
  if (page === null) return <p className="muted">Loading…</p>;
  // A first 402 that could not be paid (no CORS, no facilitator, …) says why even before any session.
  if (page.liveCount + page.endedCount === 0)
    return (
      <>
        <EmptyState />
        <Declined declined={declined} />
      </>
    );
  const card = (s: PublicSessionView, actions: boolean) => (
    <div key={s.id}>
      <SessionCard session={s} now={now} {...budget} {...(actions ? { onEnd, ...(onRetry ? { onRetry } : {}), ...(onReapprove ? { onReapprove } : {}) } : onRevoke ? { onRevoke } : {})} />
      <HistoryToggle s={s} history={history} onShowHistory={onShowHistory} open={historyFor === s.id} />
    </div>
  );
  return (
    <div data-testid="popup">
      {error && <p className="error" role="alert">{error}</p>}
      {notice && <p className="notice" role="status" data-testid="popup-notice">{notice}</p>}
      <h2>Active sessions ({page.liveCount})</h2>
      {page.liveCount === 0 && <p className="muted">No active session. Sites ask for one when they need to be paid.</p>}
      {page.live.map((s) => card(s, true))}
      {page.liveCount > page.live.length && <button onClick={() => onMore('live')}>Show more ({page.liveCount - page.live.length} left)</button>}
      {page.endedCount > 0 && (
        <>
          <h2>Ended ({page.endedCount})</h2>
          {page.ended.map((s) => card(s, false))}
          {page.endedCount > page.ended.length && (
            <button data-testid="show-ended" onClick={() => onMore('ended')}>
              {page.ended.length === 0 ? `Show ended sessions` : `Show more (${page.endedCount - page.ended.length} left)`}
            </button>
          )}
        </>
      )}
      <Declined declined={declined} />
    </div>
  );
}

function HistoryToggle({ s, history, onShowHistory, open }: { s: PublicSessionView; history?: PopupViewProps['history']; onShowHistory?: PopupViewProps['onShowHistory']; open: boolean }) {
  if (!history || !onShowHistory) return null;
  const rows = open ? history(s.id) : null;
  return (
    <div style={{ margin: '-4px 0 8px' }}>
      <button className="muted" style={{ border: 0, background: 'none', padding: 0 }} aria-expanded={open} onClick={() => onShowHistory(open ? null : s.id)}>
        {open ? 'Hide payments' : 'Show payments'}
      </button>
      {open && (
        <ul data-testid="payment-history" style={{ listStyle: 'none', padding: 0, margin: '4px 0' }}>
          {rows === null && <li className="muted">Loading…</li>}
          {rows?.length === 0 && <li className="muted">No payments yet.</li>}
          {rows?.map((p) => (
            <li key={p.id} className="row" style={{ fontSize: 12 }}>
              <span title={p.url}>{p.method} {pathOf(p.url)}</span>
              <span>
                {tokenAmount(p.amount, s.decimals, s.symbol)} · {p.status}
                {p.reason ? ` (${p.reason})` : ''}
              </span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function pathOf(url: string): string {
  try {
    const u = new URL(url);
    return `${u.host}${u.pathname}`;
  } catch {
    return url.slice(0, 60);
  }
}

function Declined({ declined }: { declined: WalletEvent[] }) {
  if (declined.length === 0) return null;
  return (
    <details data-testid="declined">
      <summary className="muted">Recently declined payments ({declined.length})</summary>
      <ul style={{ listStyle: 'none', padding: 0, margin: '4px 0' }}>
        {declined.map((e) => (
          <li key={e.id} className="row" style={{ fontSize: 12 }}>
            <span title={e.url}>{e.origin}{e.url ? ` → ${pathOf(e.url)}` : ''}</span>
            <span data-reason={e.reason} title={reasonMessage(e.reason)}>{e.reason}</span>
          </li>
        ))}
      </ul>
    </details>
  );
}

function EmptyState() {
  return (
    <div data-testid="popup-empty">
      <h1>Pay per call, sign once</h1>
      <p>
        When a site needs to be paid per request (HTTP 402 with x402), this wallet asks you <strong>once</strong> to approve a
        spending cap and an expiry. Your own wallet signs one approval; after that, each call is paid silently until the cap or
        the expiry — no popup per call.
      </p>
      <p className="muted">No sessions yet. Sessions you open appear here with what they spent, what is left and when they end. You can end any of them at once.</p>
    </div>
  );
}
