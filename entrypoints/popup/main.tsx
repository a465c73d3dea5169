import { StrictMode, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { useLive, useNow } from '../../components/hooks';
import { PopupView } from '../../components/PopupView';
import { uiCall } from '../../components/rpc';
import { Tabs } from '../../components/Tabs';
import { download } from '../../components/download';
import '../../components/styles.css';
import { localDateTime, tokenAmount } from '../../lib/format';
import { WalletDb } from '../../lib/sessions/db';
import type { PaymentFilter, PaymentsPage } from '../../lib/sessions/history';
import { sessionsPage, type SessionsPage } from '../../lib/sessions/queries';
import type { SiteSummary } from '../../lib/sessions/sites';
import type { PaymentRecord, WalletEvent } from '../../lib/sessions/types';

type Views = typeof import('./views');

// For the benchmark: when our code starts (before it: page load and parsing React and Dexie).
performance.mark('x402:popup-start');
// Read-only here: the popup never writes the ledger, it asks the background.
const db = new WalletDb();
// The first page is read now, before React mounts, so the popup's first paint already shows the
// sessions (no "Loading…" flash); the live query below takes over for updates.
const FIRST_LIMITS = { live: 20, ended: 5 };
// The read before React mounts asks only what the popup's height shows (a few cards); the live
// query below then reads FIRST_LIMITS and the rest of the list follows right after the first paint.
const FIRST_PAINT = { live: 6, ended: 2 };
const FIRST_PAGE_WAIT_MS = 300;
// Budgets (issue 15): the popup's three views; the sessions view is the first (and the one the
// benchmark times): the others read nothing until they are opened.
type View = 'sessions' | 'payments' | 'sites';
const VIEWS = [
  { id: 'sessions', label: 'Sessions' },
  { id: 'payments', label: 'Payments' },
  { id: 'sites', label: 'Sites' },
] as const satisfies readonly { id: View; label: string }[];
const PAYMENTS_PAGE = 50;

function App({ firstPage }: { firstPage: SessionsPage | null }) {
  const now = useNow();
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [historyFor, setHistoryFor] = useState<string | null>(null);
  // Only the latest few ended sessions are read and shown until the person asks for more.
  const [limits, setLimits] = useState(FIRST_LIMITS);
  const sessions = useLive<SessionsPage | null>(() => sessionsPage(db, Date.now(), limits.live, limits.ended), [limits.live, limits.ended], firstPage);
  useEffect(() => {
    // For the benchmark (and devtools): when the session list first shows real data.
    if (sessions !== null && performance.getEntriesByName('x402:popup-rendered').length === 0) performance.mark('x402:popup-rendered');
  }, [sessions]);
  const declined = useLive<WalletEvent[]>(async () => db.events.orderBy('id').reverse().limit(20).toArray(), [], []);
  const [view, setView] = useState<View>('sessions');
  // The other views' code, fetched once the first paint is done (null until then).
  const [views, setViews] = useState<Views | null>(null);
  useEffect(() => {
    void import('./views').then(setViews, (e: unknown) => setError(e instanceof Error ? e.message : String(e)));
  }, []);
  const [filter, setFilter] = useState<PaymentFilter>({});
  const [paymentsLimit, setPaymentsLimit] = useState(PAYMENTS_PAGE);
  const [exporting, setExporting] = useState<string | null>(null);
  const payments = useLive<PaymentsPage | null>(async () => (views && view === 'payments' ? views.paymentsPage(db, filter, null, paymentsLimit) : null), [views, view, filter, paymentsLimit], null);
  const paymentsTotal = useLive<number | null>(async () => (views && view === 'payments' ? views.paymentsCount(db, filter) : null), [views, view, filter], null);
  const origins = useLive<string[]>(async () => (views && view === 'payments' ? views.siteOrigins(db) : []), [views, view], []);
  const sites = useLive<SiteSummary[] | null>(async () => (views && view === 'sites' ? views.sitesSummary(db, Date.now()) : null), [views, view], null);
  // For the benchmark: from opening the payments view to its first page (and count) on screen.
  useEffect(() => {
    if (view !== 'payments') return;
    performance.clearMarks('x402:payments-open');
    performance.clearMarks('x402:payments-rendered');
    performance.mark('x402:payments-open');
  }, [view]);
  useEffect(() => {
    if (view === 'payments' && payments !== null && paymentsTotal !== null && performance.getEntriesByName('x402:payments-rendered').length === 0) performance.mark('x402:payments-rendered');
  }, [view, payments, paymentsTotal]);
  const failed = (e: unknown) => (setNotice(null), setError(e instanceof Error ? e.message : String(e)));
  const exportCsv = async () => {
    if (!views) return;
    const { allPayments, paymentsCsv } = views;
    setExporting('Reading the payments…');
    try {
      const rows = await allPayments(db, filter, (n) => setExporting(`Reading the payments… ${n}`));
      const site = filter.origin ? new URL(filter.origin).host.replace(/[^a-z0-9.-]/gi, '_') : 'all-sites';
      download(`x402-payments-${site}${filter.status ? `-${filter.status}` : ''}-${new Date().toISOString().slice(0, 10)}.csv`, paymentsCsv(rows), 'text/csv;charset=utf-8');
      setExporting(`Exported ${rows.length} payment${rows.length === 1 ? '' : 's'}.`);
    } catch (e) {
      setExporting(null);
      failed(e);
    }
  };
  // What an ended session left on chain is read once per popup and per ending (a top-up can bring
  // one back and it ends again, with other figures): an allowance left over is offered for revoke.
  const [checked] = useState(() => new Set<string>());
  useEffect(() => {
    for (const s of sessions?.ended ?? []) {
      const key = `${s.id}:${s.status}:${s.cap}:${s.spent}`;
      if (checked.has(key)) continue;
      checked.add(key);
      void uiCall('session.check', { id: s.id }).catch(() => undefined);
    }
  }, [sessions, checked]);
  const history = useLive<PaymentRecord[] | null>(
    // The latest 50, through the [sessionId+createdAt] index (v5): a session with many payments is not loaded whole.
    async () => (views && historyFor ? (await views.paymentsPage(db, { sessionId: historyFor }, null, 50)).rows.map((r) => r.payment) : null),
    [views, historyFor],
    null,
  );
  return (
    <>
      <header style={{ display: 'flex', justifyContent: 'space-between', alignItems: 'center' }}>
        <h1>x402 Session Wallet</h1>
        <a href="/options.html" target="_blank" rel="noreferrer" className="muted" data-testid="open-settings">Settings</a>
      </header>
      <Tabs<View> label="Wallet views" tabs={VIEWS} selected={view} onSelect={setView} idPrefix="popup" />
      {view !== 'sessions' && error && <p className="error" role="alert">{error}</p>}
      {view !== 'sessions' && !views && <p className="muted">Loading…</p>}
      {view === 'payments' && views && (
        <div role="tabpanel" id="popup-panel-payments" aria-labelledby="popup-tab-payments">
          <views.PaymentsView
            sites={origins}
            filter={filter}
            onFilter={(f) => (setFilter(f), setPaymentsLimit(PAYMENTS_PAGE), setExporting(null))}
            rows={payments?.rows ?? null}
            total={paymentsTotal}
            hasMore={!!payments?.next}
            onMore={() => setPaymentsLimit(paymentsLimit + PAYMENTS_PAGE)}
            onExport={() => void exportCsv()}
            exporting={exporting}
          />
        </div>
      )}
      {view === 'sites' && views && (
        <div role="tabpanel" id="popup-panel-sites" aria-labelledby="popup-tab-sites">
          <views.SitesView sites={sites} onSet={async (origin, patch) => void (await uiCall('site.set', { origin, ...patch }))} />
        </div>
      )}
      {view === 'sessions' && (
      <div role="tabpanel" id="popup-panel-sessions" aria-labelledby="popup-tab-sessions">
      <PopupView
        page={sessions}
        onMore={(group) => setLimits({ ...limits, [group]: limits[group] + 50 })}
        now={now}
        error={error}
        historyFor={historyFor}
        onShowHistory={setHistoryFor}
        history={(id) => (id === historyFor ? history : null)}
        declined={declined}
        onRetry={(id) => {
          setError(null);
          uiCall('session.retryRegistration', { id }).catch((e: unknown) => setError(e instanceof Error ? e.message : String(e)));
        }}
        onRevoke={(id) => {
          setError(null);
          setNotice('Confirm lowering the allowance in your wallet (a tab of the site opens if none is)…');
          uiCall('session.end', { id, revoke: true }).then(
            (r) => setNotice(r.revoke ? `The allowance is now ${r.revoke.allowance === '0' ? 'zero' : 'what the other sessions need'} (${r.revoke.txHash.slice(0, 10)}…).` : null),
            (e: unknown) => (setNotice(null), setError(e instanceof Error ? e.message : String(e))),
          );
        }}
        onEnd={(id, revoke) => {
          setError(null);
          setNotice(revoke ? 'Ended. Confirm lowering the allowance in your wallet (a tab of the site opens if none is)…' : null);
          uiCall('session.end', { id, revoke }).then(
            (r) => setNotice(r.revoke ? `Ended; the allowance is now ${r.revoke.allowance === '0' ? 'zero' : 'what the other sessions need'} (${r.revoke.txHash.slice(0, 10)}…).` : null),
            (e: unknown) => (setNotice(null), setError(e instanceof Error ? e.message : String(e))),
          );
        }}
        onReapprove={(id) => {
          setError(null);
          setNotice('Confirm the approval in your wallet (a tab of the site opens if none is)…');
          uiCall('session.reapprove', { id }).then(
            (r) => setNotice(`Approved again (${r.txHash.slice(0, 10)}…).`),
            (e: unknown) => (setNotice(null), setError(e instanceof Error ? e.message : String(e))),
          );
        }}
        notice={notice}
        budget={{
          onTopUpInfo: (id) => uiCall('session.topUpInfo', { id }),
          onTopUp: async (id, req) => {
            setError(null);
            setNotice(req.cap ? 'Confirm the approval in your wallet (a tab of the site opens if none is)…' : 'Extending…');
            await uiCall('session.topUp', { id, ...req }).then(
              (r) => {
                const s = r.session;
                const terms = `cap ${tokenAmount(s.cap, s.decimals, s.symbol)}, ends ${localDateTime(s.expiresAt * 1000)}`;
                setNotice(r.approvalTx ? `Topped up (${terms}); your wallet approved ${tokenAmount(r.allowance ?? '0', s.decimals, s.symbol)} (${r.approvalTx.slice(0, 10)}…).` : `Extended (${terms}).`);
              },
              failed,
            );
          },
        }}
      />
      </div>
      )}
    </>
  );
}

async function firstPageOrNull(): Promise<SessionsPage | null> {
  // A slow or broken store must not keep the popup blank: after a short wait it mounts with
  // "Loading…" and the live query reports the data (or the error) when it comes.
  const read = sessionsPage(db, Date.now(), FIRST_PAINT.live, FIRST_PAINT.ended).catch(() => null);
  return Promise.race([read, new Promise<null>((resolve) => setTimeout(() => resolve(null), FIRST_PAGE_WAIT_MS))]);
}

void firstPageOrNull().then((firstPage) =>
  createRoot(document.getElementById('root')!).render(
    <StrictMode>
      <App firstPage={firstPage} />
    </StrictMode>,
  ),
);
