import { StrictMode, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { browser } from 'wxt/browser';
import { ConfirmView } from '../../components/ConfirmView';
import { useNow } from '../../components/hooks';
import { uiCall } from '../../components/rpc';
import '../../components/styles.css';
import type { PaymentPrompt } from '../../lib/messaging/budgets';

const id = new URLSearchParams(location.search).get('id') ?? '';

/** The "always ask" window (issue 15): one payment, Pay or Reject. */
function App() {
  const [prompt, setPrompt] = useState<PaymentPrompt | null>(null);
  const [missing, setMissing] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // The prompt's times are on the background's clock: count from when this window got it.
  const [loadedAt, setLoadedAt] = useState(0);
  const tick = useNow(200);
  useEffect(() => {
    // The port keeps the background alive while the person decides.
    const port = browser.runtime.connect({ name: `confirm:${id}` });
    const ping = setInterval(() => port.postMessage({ type: 'ping' }), 20_000);
    uiCall('payment.confirmGet', { id }).then((p) => (p ? (setLoadedAt(Date.now()), setPrompt(p)) : setMissing(true)), () => setMissing(true));
    return () => {
      clearInterval(ping);
      port.disconnect();
    };
  }, []);
  const decide = (pay: boolean) => {
    setBusy(true);
    return uiCall('payment.confirm', { id, pay })
      .then(
        (ok) => (ok ? window.close() : setError(pay ? 'Not yet: wait a moment and click Pay again.' : 'This payment is no longer waiting.')),
        (e: unknown) => setError(e instanceof Error ? e.message : String(e)),
      )
      .finally(() => setBusy(false));
  };
  if (missing && !prompt) return <p role="alert">This payment is no longer waiting for you. You can close this window.</p>;
  if (!prompt) return <p className="muted">Loading…</p>;
  return <ConfirmView prompt={prompt} now={prompt.openedAt + Math.max(0, tick - loadedAt)} busy={busy} error={error} onPay={() => void decide(true)} onReject={() => void decide(false)} />;
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
