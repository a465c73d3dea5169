import { useEffect, useId, useState, type FormEvent } from 'react';
import type { TopUpSupport } from '../lib/messaging/budgets';
import type { PublicSessionView } from '../lib/sessions/types';
import { duration, localDateTime, tokenAmount } from '../lib/format';
import { formatAmount, parseDecimalAmount } from '../lib/x402/amount';

export interface TopUpRequestView {
  /** New cap (base units): the total, or the per-period cap of a renewing budget. */
  cap?: string;
  extendBy?: number;
}

export interface TopUpFormProps {
  session: PublicSessionView;
  /** What may change (asked when the form opens). */
  support(id: string): Promise<TopUpSupport>;
  /** Do it; resolves once the wallet and the facilitator are done (the popup shows the outcome). */
  onSubmit(id: string, req: TopUpRequestView): Promise<void>;
  onClose(): void;
}

const EXTENSIONS = [3600, 86400, 7 * 86400, 30 * 86400];

/**
 * Top-up (issue 15): a higher cap and/or a later expiry for the same session, one wallet approval
 * for the difference. Says plainly when the facilitator or the chain cannot do it.
 */
export function TopUpForm({ session: s, support, onSubmit, onClose }: TopUpFormProps) {
  const ids = useId();
  const [info, setInfo] = useState<TopUpSupport | null>(null);
  const [failed, setFailed] = useState<string | null>(null);
  const periodic = !!s.period;
  const currentCap = periodic ? s.period!.cap : s.cap;
  const [capText, setCapText] = useState(() => formatAmount(currentCap, s.decimals, 2));
  const [extendBy, setExtendBy] = useState(0);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    support(s.id).then(setInfo, (e: unknown) => setFailed(e instanceof Error ? e.message : String(e)));
  }, [s.id]);
  const capUnits = parseDecimalAmount(capText, s.decimals);
  const capError = capUnits === null ? `An amount with at most ${s.decimals} decimals.` : capUnits < BigInt(currentCap) ? 'A top-up never lowers the cap.' : null;
  const expiryLimit = info ? (info.expiry === 'facilitator' ? info.maxExpiresAt : info.expiry === 'local' ? (info.localUntil ?? s.expiresAt) : s.expiresAt) : s.expiresAt;
  const choices = EXTENSIONS.filter((x) => s.expiresAt + x <= expiryLimit);
  const raised = capUnits !== null && capUnits > BigInt(currentCap);
  const canCap = !!info?.cap;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (busy || capError || (!raised && extendBy === 0) || (raised && !canCap)) return;
    setBusy(true);
    onSubmit(s.id, { ...(raised ? { cap: capUnits!.toString() } : {}), ...(extendBy ? { extendBy } : {}) }).finally(() => setBusy(false));
  };
  return (
    <form className="notice" onSubmit={submit} aria-labelledby={`${ids}-title`} data-testid="topup-form">
      <h3 id={`${ids}-title`} style={{ margin: '0 0 6px', fontSize: 14 }}>Top up this session</h3>
      {failed && <p className="error" role="alert">{failed}</p>}
      {!info && !failed && <p className="muted" role="status">Asking the facilitator what it can change…</p>}
      {info && !info.cap && (
        <p className="notice warn" data-testid="topup-unavailable" role="note">
          Raising the cap is not available for this session: {info.why}
          {info.expiry === 'local' && info.localUntil ? ` The expiry can still move up to ${localDateTime(info.localUntil * 1000)} (the facilitator's own).` : ''}
        </p>
      )}
      {info && (
        <>
          <label className="row" style={{ alignItems: 'center' }}>
            <span>{periodic ? `New cap per ${s.period!.every} (${s.symbol})` : `New cap (${s.symbol})`}</span>
            <input data-testid="topup-cap" inputMode="decimal" value={capText} onChange={(e) => setCapText(e.target.value)} disabled={!canCap || busy} aria-invalid={!!capError} aria-describedby={`${ids}-cap-help`} style={{ width: 100, textAlign: 'right' }} />
          </label>
          <div id={`${ids}-cap-help`} className={capError ? 'error' : 'muted'} style={{ fontSize: 12 }}>
            {capError ?? `Now ${tokenAmount(currentCap, s.decimals, s.symbol)}, ${tokenAmount(s.spent, s.decimals, s.symbol)} spent. Your wallet approves what the session then needs, plus what other open sessions on the same allowance still need.`}
          </div>
          <label className="row" style={{ alignItems: 'center' }}>
            <span>Extend the expiry by</span>
            <select data-testid="topup-extend" value={extendBy} onChange={(e) => setExtendBy(Number(e.target.value))} disabled={busy || choices.length === 0}>
              <option value={0}>no change</option>
              {choices.map((x) => <option key={x} value={x}>{duration(x)}</option>)}
            </select>
          </label>
          {info.expiry === 'none' && <p className="muted" style={{ fontSize: 12 }}>The expiry cannot be extended for this session.</p>}
        </>
      )}
      <div className="actions" style={{ marginTop: 8 }}>
        <button type="button" onClick={onClose} disabled={busy}>Cancel</button>
        <button type="submit" className="primary" data-testid="topup-submit" disabled={!info || busy || !!capError || (!raised && extendBy === 0) || (raised && !canCap)}>
          {raised || info?.expiry === 'facilitator' ? 'Approve in my wallet' : 'Extend'}
        </button>
      </div>
    </form>
  );
}
