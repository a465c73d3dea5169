import { useState } from 'react';
import { tokenAmount } from '../lib/format';
import type { SiteMode, SiteSummary } from '../lib/sessions/sites';
import { parseDecimalAmount } from '../lib/x402/amount';

export interface SitesViewProps {
  sites: SiteSummary[] | null;
  /** Change a site's rule; rejects with the background's message. */
  onSet(origin: string, patch: { mode?: SiteMode; perCallMax?: string | null }): Promise<void>;
}

const MODES: { value: SiteMode; label: string; help: string }[] = [
  { value: 'ask', label: 'Ask once per session', help: 'One approval window per session, then its calls are paid without asking.' },
  { value: 'always', label: 'Always ask', help: 'No silent payments: each call waits for your click in a small window; Reject gives the page its 402.' },
  { value: 'never', label: 'Never ask', help: 'No approval windows from this site. Sessions already open still pay until you end them.' },
];

/** Every site with a session or a rule: what it spent, its live sessions, and what it may do (issue 15). */
export function SitesView({ sites, onSet }: SitesViewProps) {
  if (sites === null) return <p className="muted">Loading…</p>;
  return (
    <section aria-labelledby="sites-title" data-testid="sites-view">
      <h2 id="sites-title">Sites ({sites.length})</h2>
      {sites.length === 0 && <p className="muted">No site has asked for a session yet.</p>}
      {sites.map((s) => <SiteCard key={s.origin} site={s} onSet={onSet} />)}
    </section>
  );
}

function SiteCard({ site: s, onSet }: { site: SiteSummary; onSet: SitesViewProps['onSet'] }) {
  const mode = s.rule?.mode ?? 'ask';
  const [ceiling, setCeiling] = useState(s.rule?.perCallMax ?? '');
  const [status, setStatus] = useState<string | null>(null);
  const id = `site-${s.origin.replace(/[^a-z0-9]/gi, '-')}`;
  const ceilingError = ceiling.trim() === '' ? null : parseDecimalAmount(ceiling, 18) === null || parseDecimalAmount(ceiling, 18) === 0n ? 'A positive amount, like 0.05.' : null;
  const apply = (patch: { mode?: SiteMode; perCallMax?: string | null }) =>
    onSet(s.origin, patch).then(
      () => setStatus('Saved.'),
      (e: unknown) => setStatus(e instanceof Error ? e.message : String(e)),
    );
  return (
    <article className="card" data-testid="site-card" data-origin={s.origin} aria-labelledby={`${id}-origin`}>
      <div className="row" style={{ borderBottom: 0 }}>
        <strong id={`${id}-origin`} data-testid="site-origin"><bdi>{s.origin}</bdi></strong>
        <span className="badge" data-testid="site-live">{s.live} active</span>
      </div>
      <div className="row">
        <span>Spent in all</span>
        <span data-testid="site-spent">
          {s.totals.length === 0 ? '—' : s.totals.map((t) => <span key={`${t.network}/${t.asset}`} data-units={t.spent} style={{ display: 'block' }}>{tokenAmount(t.spent, t.decimals, t.symbol)}</span>)}
        </span>
      </div>
      <div className="row"><span>Sessions</span><span>{s.sessions}</span></div>
      <label className="row" style={{ alignItems: 'center' }}>
        <span>Payments</span>
        <select data-testid="site-mode" value={mode} aria-describedby={`${id}-mode-help`} onChange={(e) => void apply({ mode: e.target.value as SiteMode })}>
          {MODES.map((m) => <option key={m.value} value={m.value}>{m.label}</option>)}
        </select>
      </label>
      <p id={`${id}-mode-help`} className="muted" style={{ fontSize: 12, margin: '2px 0 6px' }}>{MODES.find((m) => m.value === mode)!.help}</p>
      <form
        className="row"
        style={{ alignItems: 'center' }}
        onSubmit={(e) => {
          e.preventDefault();
          if (!ceilingError) void apply({ perCallMax: ceiling.trim() === '' ? null : ceiling.trim() });
        }}
      >
        <label htmlFor={`${id}-ceiling`}>Per-call ceiling for new sessions</label>
        <span>
          <input id={`${id}-ceiling`} data-testid="site-ceiling" inputMode="decimal" placeholder="none" value={ceiling} onChange={(e) => setCeiling(e.target.value)} aria-invalid={!!ceilingError} aria-describedby={`${id}-ceiling-help`} style={{ width: 80, textAlign: 'right' }} />{' '}
          <button type="submit" data-testid="site-ceiling-save" disabled={!!ceilingError}>Save</button>
        </span>
      </form>
      <p id={`${id}-ceiling-help`} className={ceilingError ? 'error' : 'muted'} style={{ fontSize: 12, margin: '2px 0' }}>
        {ceilingError ?? 'In token units. Proposed as the per-call limit of each new session on this site (the lower of it and what the site asks).'}
      </p>
      {status && <p role="status" className="muted" data-testid="site-status" style={{ fontSize: 12, margin: 0 }}>{status}</p>}
    </article>
  );
}
