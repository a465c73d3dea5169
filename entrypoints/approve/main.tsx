import { StrictMode, useCallback, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { browser } from 'wxt/browser';
import { ApprovalView } from '../../components/ApprovalView';
import { useNow } from '../../components/hooks';
import { uiCall } from '../../components/rpc';
import '../../components/styles.css';
import type { ApprovalState } from '../../lib/messaging/approval';

const id = new URLSearchParams(location.search).get('id') ?? '';

function App() {
  const [state, setState] = useState<ApprovalState | null>(null);
  const [missing, setMissing] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const now = useNow();

  useEffect(() => {
    // The port carries progress and keeps the background alive while the person decides and signs.
    const port = browser.runtime.connect({ name: `approval:${id}` });
    port.onMessage.addListener((m: { type?: string; state?: ApprovalState }) => {
      if (m.type === 'state' && m.state) setState(m.state);
    });
    const ping = setInterval(() => port.postMessage({ type: 'ping' }), 20_000);
    uiCall('approval.get', { id }).then((s) => (s ? setState(s) : setMissing(true)), () => setMissing(true));
    return () => {
      clearInterval(ping);
      port.disconnect();
    };
  }, []);

  const decide = useCallback(async (params: { approve: boolean; cap?: string; expiresIn?: number }) => {
    setBusy(true);
    setError(null);
    try {
      await uiCall('approval.decide', { id, ...params });
      if (params.approve === false) window.close();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  }, []);

  if (missing && !state) return <p role="alert">This approval is no longer pending. You can close this window.</p>;
  if (!state) return <p className="muted">Loading…</p>;
  return (
    <ApprovalView
      state={state}
      now={now}
      busy={busy}
      error={error}
      onApprove={(d) => void decide({ approve: true, ...d })}
      onReject={() => void decide({ approve: false })}
      onChooseWallet={(name) => void uiCall('approval.chooseWallet', { id, name }).catch((e: unknown) => setError(e instanceof Error ? e.message : String(e)))}
    />
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
