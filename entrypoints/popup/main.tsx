import { StrictMode, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { useLive, useNow } from '../../components/hooks';
import { PopupView } from '../../components/PopupView';
import { uiCall } from '../../components/rpc';
import '../../components/styles.css';
import { WalletDb } from '../../lib/sessions/db';
import { sessionsPage, type SessionsPage } from '../../lib/sessions/queries';
import type { PaymentRecord, WalletEvent } from '../../lib/sessions/types';

// For the benchmark: when our code starts (before it: page load and parsing React and Dexie).
performance.mark('x402:popup-start');
// Read-only here: the popup never writes the ledger, it asks the background.
const db = new WalletDb();
// The first page is read now, before React mounts, so the popup's first paint already shows the
// sessions (no "Loading…" flash); the live query below takes over for updates.
const FIRST_LIMITS = { live: 20, ended: 5 };
const FIRST_PAGE_WAIT_MS = 300;

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
  // What an ended session left on chain is read once per popup: an allowance left over is offered for revoke.
  const [checked] = useState(() => new Set<string>());
  useEffect(() => {
    for (const s of sessions?.ended ?? []) {
      if (checked.has(s.id)) continue;
      checked.add(s.id);
      void uiCall('session.check', { id: s.id }).catch(() => undefined);
    }
  }, [sessions, checked]);
  const history = useLive<PaymentRecord[] | null>(
    async () => (historyFor ? (await db.payments.where('sessionId').equals(historyFor).reverse().sortBy('createdAt')).slice(0, 50) : null),
    [historyFor],
    null,
  );
  return (
    <>
      <header style={{ display: 'flex', justifyContent: 'space-between', alignItems: 'center' }}>
        <h1>x402 Session Wallet</h1>
        <a href="/options.html" target="_blank" rel="noreferrer" className="muted" data-testid="open-settings">Settings</a>
      </header>
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
      />
    </>
  );
}

async function firstPageOrNull(): Promise<SessionsPage | null> {
  // A slow or broken store must not keep the popup blank: after a short wait it mounts with
  // "Loading…" and the live query reports the data (or the error) when it comes.
  const read = sessionsPage(db, Date.now(), FIRST_LIMITS.live, FIRST_LIMITS.ended).catch(() => null);
  return Promise.race([read, new Promise<null>((resolve) => setTimeout(() => resolve(null), FIRST_PAGE_WAIT_MS))]);
}

void firstPageOrNull().then((firstPage) =>
  createRoot(document.getElementById('root')!).render(
    <StrictMode>
      <App firstPage={firstPage} />
    </StrictMode>,
  ),
);
