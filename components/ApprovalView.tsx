import { useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import type { ApprovalState } from '../lib/messaging/approval';
import { duration, shortAddress, tokenAmount } from '../lib/format';
import { parseDecimalAmount, formatAmount } from '../lib/x402/amount';
import { SessionCard } from './SessionCard';

const EXPIRY_CHOICES = [300, 900, 3600, 6 * 3600, 86400, 7 * 86400, 30 * 86400];

export interface ApprovalViewProps {
  state: ApprovalState;
  now: number;
  onApprove(decision: { cap: string; expiresIn: number }): void;
  onReject(): void;
  busy?: boolean;
  error?: string | null;
}

/**
 * The one approval a person gives for a session. The requesting origin comes first and largest;
 * every term the wallet will sign is shown; cap and expiry can only be lowered.
 */
export function ApprovalView({ state, now, onApprove, onReject, busy = false, error = null }: ApprovalViewProps) {
  const p = state.prompt;
  const [capText, setCapText] = useState(() => formatAmount(p.cap, p.token.decimals, 2));
  const [expiresIn, setExpiresIn] = useState(p.expiresIn);
  const rejectRef = useRef<HTMLButtonElement>(null);
  const expiryOptions = useMemo(() => [...new Set([...EXPIRY_CHOICES.filter((s) => s < p.expiresIn), p.expiresIn])].sort((a, b) => a - b), [p.expiresIn]);
  const capUnits = parseDecimalAmount(capText, p.token.decimals);
  const capError =
    capUnits === null ? `Enter an amount with at most ${p.token.decimals} decimals.` : capUnits <= 0n ? 'The cap must be above zero.' : capUnits > BigInt(p.cap) ? `At most ${tokenAmount(p.cap, p.token.decimals, p.token.symbol)} (what the site asked for).` : null;
  const deciding = state.step === 'waiting';

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape' && deciding && !busy) onReject();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [deciding, busy, onReject]);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (capError || capUnits === null || busy || !deciding) return;
    onApprove({ cap: capUnits.toString(), expiresIn });
  };

  const calls = p.price && capUnits ? capUnits / BigInt(p.price) : null;
  return (
    <form onSubmit={submit} aria-labelledby="approval-title" data-testid="approval">
      <header>
        <h1 id="approval-title">Approve a payment session?</h1>
        <p className="muted" style={{ margin: '4px 0' }}>This site asks to be paid per call from a capped session:</p>
        <div className="origin" data-testid="approval-origin">{p.origin}</div>
        {p.source === '402' && <p className="muted" style={{ margin: '4px 0' }}>It answered a request with HTTP 402 Payment Required.</p>}
      </header>

      <h2>Terms</h2>
      <div className="row"><span>Network</span><span data-testid="approval-network">{p.networkLabel} <span className="muted mono">{p.network}</span></span></div>
      <div className="row">
        <span>Token</span>
        <span data-testid="approval-token">
          {p.token.symbol} <span className="muted">({p.token.decimals} decimals)</span>{' '}
          {p.token.verified ? <span className="badge ok">known</span> : <span className="badge warn" title="Read from the chain; not in the wallet's list of known tokens">unverified</span>}
          <br /><span className="mono muted" title={p.asset}>{shortAddress(p.asset)}</span>
        </span>
      </div>
      <div className="row"><span>Pays to</span><span className="mono" data-testid="approval-recipient" title={p.recipient}>{p.recipient}</span></div>
      {p.price && <div className="row"><span>Price per call</span><span data-testid="approval-price">{tokenAmount(p.price, p.token.decimals, p.token.symbol)}</span></div>}
      {p.perCallMax && <div className="row"><span>Per-call limit</span><span>{tokenAmount(p.perCallMax, p.token.decimals, p.token.symbol)}</span></div>}
      <div className="row"><span>Facilitator</span><span data-testid="approval-facilitator">{p.facilitatorHost}</span></div>
      <div className="row"><span>Approves spender</span><span className="mono" title={p.spender}>{shortAddress(p.spender)}</span></div>
      {p.resource?.description && <div className="row"><span>For</span><span>{p.resource.serviceName ? `${p.resource.serviceName}: ` : ''}{p.resource.description}</span></div>}

      <h2>Limits you allow</h2>
      <label className="row" style={{ alignItems: 'center' }}>
        <span>Spending cap ({p.token.symbol})</span>
        <input data-testid="approval-cap" inputMode="decimal" value={capText} onChange={(e) => setCapText(e.target.value)} disabled={!deciding || busy} aria-invalid={!!capError} aria-describedby="cap-help" style={{ width: 120, textAlign: 'right' }} />
      </label>
      <div id="cap-help" className={capError ? 'error' : 'muted'} style={{ fontSize: 12 }}>
        {capError ?? (calls !== null ? `About ${calls} call${calls === 1n ? '' : 's'} at this price. You can only lower the cap.` : 'You can only lower the cap.')}
      </div>
      <label className="row" style={{ alignItems: 'center' }}>
        <span>Ends after</span>
        <select data-testid="approval-expiry" value={expiresIn} onChange={(e) => setExpiresIn(Number(e.target.value))} disabled={!deciding || busy}>
          {expiryOptions.map((s) => <option key={s} value={s}>{duration(s)}</option>)}
        </select>
      </label>

      {p.existing.length > 0 && (
        <>
          <h2>This site's existing sessions</h2>
          {p.existing.slice(0, 3).map((s) => <SessionCard key={s.id} session={s} now={now} showOrigin={false} />)}
        </>
      )}

      <p className="muted" style={{ fontSize: 12 }}>
        Your wallet will ask you to sign one <code>approve</code> of {capUnits && !capError ? tokenAmount(capUnits, p.token.decimals, p.token.symbol) : 'the cap'} to the facilitator. After that, calls from this site are paid without asking, until the cap or the expiry. You can end the session at any time from the toolbar.
      </p>

      {state.step !== 'waiting' && <Progress state={state} />}
      {error && <p className="error" role="alert">{error}</p>}

      {deciding && (
        <div className="actions">
          <button type="button" ref={rejectRef} data-testid="reject" onClick={onReject} disabled={busy}>Reject</button>
          <button type="submit" className="primary" data-testid="approve" disabled={!!capError || busy}>Approve</button>
        </div>
      )}
    </form>
  );
}

function Progress({ state }: { state: ApprovalState }) {
  const text: Record<ApprovalState['step'], string> = {
    waiting: '',
    wallet: 'Confirm the approval in your wallet…',
    registering: 'Approval landed. Registering the session with the facilitator…',
    done: 'Session opened. You can close this window.',
    failed: state.message ? `Could not open the session: ${state.message}` : 'Could not open the session.',
  };
  return (
    <p className={`notice ${state.step === 'failed' ? 'error' : ''}`} role="status" aria-live="polite" data-testid="approval-progress" data-step={state.step}>
      {text[state.step]}
    </p>
  );
}
