import { useEffect, useRef, type FormEvent } from 'react';
import type { PaymentPrompt } from '../lib/messaging/budgets';
import { shortAddress, siteText, tokenAmount } from '../lib/format';

export interface ConfirmViewProps {
  prompt: PaymentPrompt;
  /** The time on the background's clock (the prompt's times are on it). */
  now: number;
  onPay(): void;
  onReject(): void;
  busy?: boolean;
  error?: string | null;
}

/**
 * One payment of a site set to "always ask" (issue 15): who, how much, for which request. Reject is
 * focused first and Escape rejects; Pay answers only after a short arming delay, so a key pressed
 * in the page as the window opens cannot pay. Closing the window is a Reject.
 */
export function ConfirmView({ prompt: p, now, onPay, onReject, busy = false, error = null }: ConfirmViewProps) {
  const armed = now >= p.armedAt;
  const reject = useRef<HTMLButtonElement>(null);
  const symbol = siteText(p.symbol, 16);
  const left = Math.max(0, Math.ceil((p.expiresAt - now) / 1000));
  useEffect(() => reject.current?.focus(), []);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape' && !busy) onReject();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [busy, onReject]);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (armed && !busy) onPay();
  };
  return (
    <form onSubmit={submit} aria-labelledby="confirm-title" aria-describedby="confirm-summary" data-testid="confirm">
      <h1 id="confirm-title">Pay this call?</h1>
      <div className="origin" data-testid="confirm-origin"><bdi>{p.origin}</bdi></div>
      <p className="summary" id="confirm-summary" data-testid="confirm-summary">
        Pay <strong data-testid="confirm-amount" data-units={p.amount}>{tokenAmount(p.amount, p.decimals, symbol)}</strong> for{' '}
        <span className="mono site-text" data-testid="confirm-request"><bdi>{siteText(`${p.method} ${p.url}`, 200)}</bdi></span>
      </p>
      <div className="row"><span>Network</span><span>{p.networkLabel}</span></div>
      <div className="row"><span>Pays to</span><span className="mono" title={p.recipient}>{shortAddress(p.recipient)}</span></div>
      <div className="row"><span>Left after this call</span><span data-testid="confirm-left">{tokenAmount(BigInt(p.remainingAfter) > BigInt(p.amount) ? BigInt(p.remainingAfter) - BigInt(p.amount) : 0n, p.decimals, symbol)}</span></div>
      <p className="muted" style={{ fontSize: 12 }}>
        You set this site to <strong>always ask</strong>: no call is paid without your click. Reject, Escape or closing this window gives the page its unpaid answer (402). This window gives up in {left} s.
      </p>
      {error && <p className="error" role="alert">{error}</p>}
      <div className="actions">
        <button type="button" ref={reject} data-testid="confirm-reject" onClick={onReject} disabled={busy}>Reject</button>
        <button type="submit" className="primary" data-testid="confirm-pay" disabled={!armed || busy} aria-describedby="confirm-summary">Pay</button>
      </div>
    </form>
  );
}
