import { useEffect, useState } from 'react';
import { download } from './download';
import type { Settings } from '../lib/settings';
import { defaultRpcs, networkLabel, networksWithDefaultRpc } from '../lib/chains/networks';

export interface AboutInfo {
  version: string;
  /** The privacy policy shipped inside the extension (privacy.html). */
  privacyUrl: string;
  /** The source repository (the manifest's homepage_url), when the build names one. */
  sourceUrl: string | null;
}

export interface ClearedCounts {
  sessions: number;
  payments: number;
  events: number;
}

export interface OptionsViewProps {
  settings: Settings;
  onSave(patch: Partial<Settings>): Promise<void>;
  about: AboutInfo;
  /** Everything stored, as the background exports it (no bearer secrets). */
  onExport(): Promise<{ sessions: unknown[]; payments: unknown[]; events: unknown[] }>;
  /** Ask the background to delete everything; resolves with what was deleted. */
  onClear(): Promise<ClearedCounts>;
}

const count = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;

/** The person's settings: what the wallet may do without asking, and where it reads chains. */
export function OptionsView({ settings: saved, onSave, about, onExport, onClear }: OptionsViewProps) {
  // Shown at once; saved in the background (a failed save puts the stored value back).
  const [settings, setLocal] = useState<Settings>(saved);
  const [rpc, setRpc] = useState<Record<string, string>>({ ...settings.rpc });
  const [newNetwork, setNewNetwork] = useState('');
  const [status, setStatus] = useState<string | null>(null);
  const [dataStatus, setDataStatus] = useState<string | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  // The stored settings can change under us (cleared, or saved from another tab).
  useEffect(() => {
    setLocal(saved);
    setRpc({ ...saved.rpc });
  }, [saved]);
  const exportAll = async () => {
    setBusy(true);
    setDataStatus(null);
    try {
      const data = await onExport();
      download(`x402-session-wallet-export-${new Date().toISOString().slice(0, 10)}.json`, JSON.stringify(data, null, 2), 'application/json');
      setDataStatus(`Exported ${count(data.sessions.length, 'session')}, ${count(data.payments.length, 'payment')} and ${count(data.events.length, 'event')}. Session ids the facilitators issued (bearer secrets) are not in the file.`);
    } catch (e) {
      setDataStatus(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };
  const clearAll = async () => {
    setBusy(true);
    setDataStatus(null);
    try {
      const n = await onClear();
      setConfirming(false);
      setDataStatus(`Deleted ${count(n.sessions, 'session')}, ${count(n.payments, 'payment')} and ${count(n.events, 'event')}; settings are back to their defaults.`);
    } catch (e) {
      setDataStatus(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };
  const save = async (patch: Partial<Settings>) => {
    setStatus(null);
    const before = settings;
    setLocal({ ...settings, ...patch });
    try {
      await onSave(patch);
      setStatus('Saved.');
    } catch (e) {
      setLocal(before);
      setStatus(e instanceof Error ? e.message : String(e));
    }
  };
  const networks = [...new Set([...networksWithDefaultRpc(), ...Object.keys(rpc)])];
  return (
    <div data-testid="options">
      <h1>x402 Session Wallet — settings</h1>
      <h2>Paying</h2>
      <label className="row" style={{ alignItems: 'center' }}>
        <span>Pay known routes pre-emptively (skip the 402 round trip on routes a session already paid)</span>
        <input type="checkbox" data-testid="opt-preemptive" checked={settings.preemptive} onChange={(e) => void save({ preemptive: e.target.checked })} />
      </label>
      <label className="row" style={{ alignItems: 'center' }}>
        <span>Offer a session when a page meets a session 402 and has none</span>
        <input type="checkbox" data-testid="opt-prompt" checked={settings.promptOn402} onChange={(e) => void save({ promptOn402: e.target.checked })} />
      </label>
      <label className="row" style={{ alignItems: 'center' }}>
        <span>Pay APIs that need a wallet signature on every call (the exact scheme), under a budget set once per site</span>
        <input type="checkbox" data-testid="opt-per-call" checked={settings.perCallSignatures} onChange={(e) => void save({ perCallSignatures: e.target.checked })} />
      </label>
      <label className="row" style={{ alignItems: 'center' }}>
        <span>Allow facilitators on private and local network addresses (only if you run one yourself)</span>
        <input type="checkbox" data-testid="opt-private-facilitators" checked={settings.allowPrivateFacilitators} onChange={(e) => void save({ allowPrivateFacilitators: e.target.checked })} />
      </label>
      <h2>Budget alerts</h2>
      <label className="row" style={{ alignItems: 'center' }}>
        <span>Notify me at 80% and 100% of a session's budget, and a day and an hour before it ends (the toolbar badge and the sites' pages are told either way)</span>
        <input type="checkbox" data-testid="opt-alerts" checked={settings.alerts} onChange={(e) => void save({ alerts: e.target.checked })} />
      </label>
      <h2>Read-only RPC per network</h2>
      <p className="muted">Used to read token symbols, decimals and allowances. Leave empty for the default.</p>
      {networks.map((n) => (
        <label key={n} className="row" style={{ alignItems: 'center' }}>
          <span>{networkLabel(n)} <span className="mono muted">{n}</span></span>
          <input style={{ width: 320 }} aria-label={`Read-only RPC URL for ${networkLabel(n)} (${n})`} data-testid={`opt-rpc-${n}`} placeholder={defaultRpcs(n)[0] ?? 'https://…'} value={rpc[n] ?? ''} onChange={(e) => setRpc({ ...rpc, [n]: e.target.value })} />
        </label>
      ))}
      <div className="row" style={{ alignItems: 'center' }}>
        <input aria-label="Network to add an RPC for (CAIP-2, e.g. eip155:8453)" placeholder="eip155:…" data-testid="opt-new-network" value={newNetwork} onChange={(e) => setNewNetwork(e.target.value)} />
        <button data-testid="opt-add-network" onClick={() => newNetwork && setRpc({ ...rpc, [newNetwork]: '' })}>Add network</button>
      </div>
      <div className="actions">
        <button className="primary" data-testid="opt-save-rpc" onClick={() => void save({ rpc: Object.fromEntries(Object.entries(rpc).filter(([, v]) => v.trim() !== '')) })}>Save RPC settings</button>
      </div>
      {status && <p role="status" data-testid="opt-status">{status}</p>}

      <h2>Your data</h2>
      <p className="muted">
        Sessions, payments, the log of declined payments and these settings are kept only in this browser. Export them as JSON, or delete them all.
      </p>
      <div className="actions">
        <button data-testid="data-export" disabled={busy} onClick={() => void exportAll()}>Export all my data (JSON)</button>
        <button className="danger" data-testid="data-clear" disabled={busy || confirming} onClick={() => setConfirming(true)}>Clear all my data…</button>
      </div>
      {confirming && (
        <div className="notice" role="alertdialog" aria-labelledby="clear-title" data-testid="data-clear-confirm">
          <p id="clear-title"><strong>Delete every session, payment, event and setting?</strong></p>
          <p className="muted">
            Active sessions are ended first, so nothing more is paid from them. This cannot be undone; export first if you want a copy. Allowances you approved on chain stay: revoke them in your wallet.
          </p>
          <div className="actions">
            <button className="danger" data-testid="data-clear-yes" disabled={busy} onClick={() => void clearAll()}>Delete everything</button>
            <button data-testid="data-clear-cancel" disabled={busy} onClick={() => setConfirming(false)} autoFocus>Cancel</button>
          </div>
        </div>
      )}
      {dataStatus && <p role="status" data-testid="data-status">{dataStatus}</p>}

      <h2>About</h2>
      <p data-testid="about">
        x402 Session Wallet <span data-testid="about-version">{about.version}</span>
        {' · '}
        <a href={about.privacyUrl} target="_blank" rel="noreferrer" data-testid="about-privacy">Privacy policy</a>
        {about.sourceUrl && (
          <>
            {' · '}
            <a href={about.sourceUrl} target="_blank" rel="noreferrer" data-testid="about-source">Source code</a>
          </>
        )}
      </p>
    </div>
  );
}
