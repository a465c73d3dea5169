import { useState } from 'react';
import { countdown, localDateTime, shortAddress, spentRatio, tokenAmount } from '../lib/format';
import { reasonMessage } from '../lib/messaging/reasons';
import { allowanceLocked, networkLabel } from '../lib/chains/networks';
import type { TopUpSupport } from '../lib/messaging/budgets';
import type { PublicSessionView } from '../lib/sessions/types';
import { TopUpForm, type TopUpRequestView } from './TopUpForm';

export interface SessionCardProps {
  session: PublicSessionView;
  now: number;
  /** End the session; `revoke`: also lower its allowance in the wallet. */
  onEnd?: (id: string, revoke: boolean) => void;
  onRetry?: (id: string) => void;
  /** Approve again what the session still needs (paused, or its allowance no longer covers it). */
  onReapprove?: (id: string) => void;
  /** An ended session whose spender may still pull from the wallet: lower that allowance (asked in the wallet). */
  onRevoke?: (id: string) => void;
  showOrigin?: boolean;
  // Budgets (issue 15):
  /** What a top-up may change, and the top-up itself. */
  onTopUpInfo?: (id: string) => Promise<TopUpSupport>;
  onTopUp?: (id: string, req: TopUpRequestView) => Promise<void>;
}

/** One session: who, where, how much of the cap is spent, how long it has left. */
export function SessionCard({ session: s, now, onEnd, onRetry, onReapprove, onRevoke, showOrigin = true, onTopUpInfo, onTopUp }: SessionCardProps) {
  const [confirmEnd, setConfirmEnd] = useState(false);
  const [toppingUp, setToppingUp] = useState(false);
  // Budgets (issue 15): where the extension cannot change the allowance (Solana), say why instead of offering it.
  const locked = allowanceLocked(s.network);
  const expired = (s.status === 'active' || s.status === 'paused') && s.expiresAt * 1000 <= now;
  const status = expired ? 'expired' : s.status;
  // A renewing budget's bar is its current period's.
  const ratio = s.period ? spentRatio(s.period.spent, s.period.cap) : spentRatio(s.spent, s.cap);
  const live = status === 'active' || status === 'paused';
  const open = (status === 'active' || status === 'exhausted') && s.expiresAt * 1000 > now;
  // Does the chain still cover what is left? (Another approve to the same spender replaces it.)
  const short = s.onChain && (status === 'active' || status === 'paused') && BigInt(s.onChain.allowance) < BigInt(s.remaining);
  const drift = s.facilitatorSpent !== undefined && s.facilitatorSpent !== s.spent;
  return (
    <article className="card" data-testid="session-card" data-session-id={s.id} aria-label={`Session for ${s.origin}`}>
      <div className="row" style={{ borderBottom: 0, alignItems: 'center' }}>
        <strong data-testid="session-origin">{showOrigin ? s.origin : networkLabel(s.network)}</strong>
        <span className={`status ${status}`} data-testid="session-status">{status}</span>
      </div>
      <div className="bar" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(ratio * 100)} aria-label={s.period ? `Spent of this ${s.period.every}'s cap` : 'Spent of cap'}>
        <div style={{ width: `${ratio * 100}%` }} />
      </div>
      <div className="row"><span>Spent</span><span data-testid="session-spent" data-units={s.spent}>{tokenAmount(s.spent, s.decimals, s.symbol)} of <span data-testid="session-cap" data-units={s.cap}>{tokenAmount(s.cap, s.decimals, s.symbol)}</span></span></div>
      <div className="row"><span>Remaining</span><span data-testid="session-remaining" data-units={s.remaining}>{tokenAmount(s.remaining, s.decimals, s.symbol)}</span></div>
      {s.period && (
        <div className="row" data-testid="session-period" data-every={s.period.every} data-index={s.period.index} data-spent={s.period.spent} data-cap={s.period.cap}>
          <span>This {s.period.every}</span>
          <span>
            {tokenAmount(s.period.spent, s.decimals, s.symbol)} of {tokenAmount(s.period.cap, s.decimals, s.symbol)} · renews{' '}
            <span title={localDateTime(s.period.renewsAt * 1000)}>{countdown(s.period.renewsAt, now)}</span>
          </span>
        </div>
      )}
      {s.topUps ? <div className="row"><span>Topped up</span><span data-testid="session-topups">{s.topUps} time{s.topUps === 1 ? '' : 's'}</span></div> : null}
      <div className="row"><span>Expires</span><span data-testid="session-expiry" data-expires-at={s.expiresAt} title={localDateTime(s.expiresAt * 1000)}>{countdown(s.expiresAt, now)}</span></div>
      {showOrigin && <div className="row"><span>Network</span><span>{networkLabel(s.network)}</span></div>}
      <div className="row"><span>Pays</span><span className="mono" title={s.recipient}>{shortAddress(s.recipient)}</span></div>
      {s.perCallMax && <div className="row"><span>Per-call limit</span><span>{tokenAmount(s.perCallMax, s.decimals, s.symbol)}</span></div>}
      {drift && (
        <div className="row" data-testid="session-facilitator-spent" data-units={s.facilitatorSpent}>
          <span>Facilitator counts</span>
          <span>{tokenAmount(s.facilitatorSpent!, s.decimals, s.symbol)} spent{s.checkedAt ? ` (checked ${localDateTime(s.checkedAt)})` : ''}</span>
        </div>
      )}
      {status === 'paused' && (
        <p className="notice warn" data-testid="session-paused" data-reason={s.statusReason}>
          Paused: {reasonMessage(s.statusReason ?? 'session_paused')} Nothing is paid until the allowance and balance cover it again.
        </p>
      )}
      {short && (
        <p className="notice warn" data-testid="session-attention">
          Needs attention: the allowance on chain ({tokenAmount(s.onChain!.allowance, s.decimals, s.symbol)}) no longer covers what is left ({tokenAmount(s.remaining, s.decimals, s.symbol)}).
        </p>
      )}
      {onReapprove && (status === 'paused' || short) && (
        <div className="actions">
          <button data-testid="reapprove" onClick={() => onReapprove(s.id)}>Re-approve in my wallet</button>
        </div>
      )}
      {status === 'pending' && (
        <p className="notice" data-testid="session-pending">
          Approved on chain; the facilitator has not registered it yet. The wallet retries every minute.
          {onRetry && <button style={{ marginLeft: 8 }} data-testid="retry-registration" onClick={() => onRetry(s.id)}>Retry now</button>}
        </p>
      )}
      {onTopUp && onTopUpInfo && open && !toppingUp && !confirmEnd && (
        <div className="actions">
          <button data-testid="topup" aria-expanded={false} onClick={() => setToppingUp(true)}>{status === 'exhausted' ? 'Top up to keep paying' : 'Top up or extend'}</button>
        </div>
      )}
      {onTopUp && onTopUpInfo && toppingUp && (
        <TopUpForm session={s} support={onTopUpInfo} onClose={() => setToppingUp(false)} onSubmit={(id, req) => onTopUp(id, req).then(() => setToppingUp(false))} />
      )}
      {onRevoke && !live && status !== 'pending' && !s.revokeTx && s.onChain && BigInt(s.onChain.allowance) > 0n && (
        <p className="notice warn" data-testid="session-leftover" data-units={s.onChain.allowance}>
          The facilitator can still pull <strong>{tokenAmount(s.onChain.allowance, s.decimals, s.symbol)}</strong> from your wallet: an on-chain allowance (an approve, or a
          permit once used) does not end with the session.{' '}
          {locked ? (
            <span data-testid="allowance-locked">{locked}</span>
          ) : (
            <>
              Revoking sets it to what other open sessions on this spender still need (0 if none), in your wallet.
              <button style={{ marginLeft: 8 }} data-testid="revoke-allowance" onClick={() => onRevoke(s.id)}>Revoke</button>
            </>
          )}
        </p>
      )}
      {onEnd && (status === 'active' || status === 'paused' || status === 'pending') && !confirmEnd && (
        <div className="actions">
          <button className="danger" data-testid="end-session" onClick={() => setConfirmEnd(true)}>End session</button>
        </div>
      )}
      {onEnd && confirmEnd && (
        <div className="notice" role="group" aria-label="End this session">
          <p style={{ margin: '0 0 8px' }}>
            Ending stops payments at once. The facilitator can still pull what the on-chain allowance allows until you lower it
            {locked ? '.' : ': your wallet can do that now (one transaction).'}
          </p>
          {locked && <p className="notice warn" data-testid="allowance-locked" style={{ fontSize: 12 }}>{locked}</p>}
          <div className="actions" style={{ marginTop: 0 }}>
            {!locked && <button className="danger" data-testid="end-and-revoke" onClick={() => (setConfirmEnd(false), onEnd(s.id, true))}>End and lower the allowance</button>}
            <button data-testid="end-only" onClick={() => (setConfirmEnd(false), onEnd(s.id, false))}>End only</button>
          </div>
        </div>
      )}
    </article>
  );
}
