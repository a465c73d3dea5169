import { useState } from 'react';
import type { Settings } from '../lib/settings';
import { defaultRpcs, networkLabel, networksWithDefaultRpc } from '../lib/chains/networks';

export interface OptionsViewProps {
  settings: Settings;
  onSave(patch: Partial<Settings>): Promise<void>;
}

/** The person's settings: what the wallet may do without asking, and where it reads chains. */
export function OptionsView({ settings: saved, onSave }: OptionsViewProps) {
  // Shown at once; saved in the background (a failed save puts the stored value back).
  const [settings, setLocal] = useState<Settings>(saved);
  const [rpc, setRpc] = useState<Record<string, string>>({ ...settings.rpc });
  const [newNetwork, setNewNetwork] = useState('');
  const [status, setStatus] = useState<string | null>(null);
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
        <span>Allow facilitators on private and local network addresses (only if you run one yourself)</span>
        <input type="checkbox" data-testid="opt-private-facilitators" checked={settings.allowPrivateFacilitators} onChange={(e) => void save({ allowPrivateFacilitators: e.target.checked })} />
      </label>
      <h2>Read-only RPC per network</h2>
      <p className="muted">Used to read token symbols, decimals and allowances. Leave empty for the default.</p>
      {networks.map((n) => (
        <label key={n} className="row" style={{ alignItems: 'center' }}>
          <span>{networkLabel(n)} <span className="mono muted">{n}</span></span>
          <input style={{ width: 320 }} placeholder={defaultRpcs(n)[0] ?? 'https://…'} value={rpc[n] ?? ''} onChange={(e) => setRpc({ ...rpc, [n]: e.target.value })} />
        </label>
      ))}
      <div className="row" style={{ alignItems: 'center' }}>
        <input placeholder="eip155:…" value={newNetwork} onChange={(e) => setNewNetwork(e.target.value)} />
        <button onClick={() => newNetwork && setRpc({ ...rpc, [newNetwork]: '' })}>Add network</button>
      </div>
      <div className="actions">
        <button className="primary" onClick={() => void save({ rpc: Object.fromEntries(Object.entries(rpc).filter(([, v]) => v.trim() !== '')) })}>Save RPC settings</button>
      </div>
      {status && <p role="status">{status}</p>}
    </div>
  );
}
