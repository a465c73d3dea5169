import { useEffect, useMemo, useState, type FormEvent, type ReactNode } from 'react';
import type { ApprovalState } from '../lib/messaging/approval';
import { duration, localDateTime, shortAddress, siteText, tokenAmount } from '../lib/format';
import { parseDecimalAmount, formatAmount } from '../lib/x402/amount';
import { SessionCard } from './SessionCard';
// Budgets (issue 15): renewing budgets.
import { periodCount, RenewChoice, renewOptions } from './RenewChoice';
import type { RenewEvery } from '../lib/sessions/period';

const EXPIRY_CHOICES = [300, 900, 3600, 6 * 3600, 86400, 7 * 86400, 30 * 86400];

export interface ApprovalViewProps {
  state: ApprovalState;
  now: number;
  onApprove(decision: { cap: string; expiresIn: number; perCallMax?: string | null; renew?: RenewEvery }): void;
  onReject(): void;
  /** The wallet picked among several in the page, or null (declined). */
  onChooseWallet?(name: string | null): void;
  busy?: boolean;
  error?: string | null;
}

/** Text a site supplied: cleaned (no bidi or control characters), isolated, clamped to a few lines. */
function SiteText({ text, testId }: { text: string; testId?: string }) {
  const [open, setOpen] = useState(false);
  const clean = siteText(text, 600);
  const long = clean.length > 140;
  return (
    <span className="site-text">
      <bdi className={long && !open ? 'clamp' : undefined} data-testid={testId}>{clean}</bdi>
      {long && (
        <button type="button" className="link" aria-expanded={open} onClick={() => setOpen(!open)}>
          {open ? 'less' : 'more'}
        </button>
      )}
    </span>
  );
}

function Row({ label, children, testId }: { label: string; children: ReactNode; testId?: string }) {
  return (
    <div className="row">
      <span>{label}</span>
      <span data-testid={testId}>{children}</span>
    </div>
  );
}

/**
 * The one approval a person gives for a session. What matters stays on screen whatever the site
 * writes: the origin, the cap, the recipient and the buttons are fixed above and below a scrolling
 * middle; site-supplied text is cleaned and clamped. Cap, expiry and the per-call limit can be set,
 * the cap only lowered.
 */
export function ApprovalView({ state, now, onApprove, onReject, onChooseWallet, busy = false, error = null }: ApprovalViewProps) {
  const p = state.prompt;
  const d = p.token.decimals;
  const symbol = siteText(p.token.symbol, 16);
  const [capText, setCapText] = useState(() => formatAmount(p.cap, d, 2));
  const [perCallText, setPerCallText] = useState(() => (p.perCallMax === null ? '' : formatAmount(p.perCallMax, d, 2)));
  const [expiresIn, setExpiresIn] = useState(p.expiresIn);
  const [renewChoice, setRenew] = useState<RenewEvery | null>(null);
  const renewable = renewOptions(p.renew, expiresIn);
  const renew = renewChoice && renewable.includes(renewChoice) ? renewChoice : null;
  const periods = periodCount(renew, expiresIn, now);
  const expiryOptions = useMemo(() => [...new Set([...EXPIRY_CHOICES.filter((s) => s < p.expiresIn), p.expiresIn])].sort((a, b) => a - b), [p.expiresIn]);
  const capUnits = parseDecimalAmount(capText, d);
  // What the wallet is asked for: one approve (default), one permit signature, or a signature per call.
  const ask = p.ask ?? 'approve';
  const capError =
    capUnits === null
      ? `Enter an amount with at most ${d} decimals.`
      : capUnits <= 0n
        ? 'The cap must be above zero.'
        : capUnits > BigInt(p.cap)
          ? `At most ${tokenAmount(p.cap, d, symbol)} (what the site asked for).`
          : p.minCap !== undefined && capUnits < BigInt(p.minCap)
            ? `At least ${tokenAmount(p.minCap, d, symbol)}: the API refuses a smaller cap.`
            : null;
  const perCallUnits = perCallText.trim() === '' ? null : parseDecimalAmount(perCallText, d);
  const perCallError =
    perCallText.trim() === ''
      ? p.perCallMax !== null
        ? 'Set a per-call limit (the site asked for one).'
        : null
      : perCallUnits === null || perCallUnits <= 0n
        ? `Enter a positive amount with at most ${d} decimals.`
        : capUnits !== null && perCallUnits > capUnits
          ? 'The per-call limit cannot be above the cap.'
          : null;
  const deciding = state.step === 'waiting';
  const cap = capUnits && !capError ? tokenAmount(capUnits, d, symbol) : tokenAmount(p.cap, d, symbol);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape' && deciding && !busy) onReject();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [deciding, busy, onReject]);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (capError || perCallError || capUnits === null || busy || !deciding) return;
    onApprove({ cap: capUnits.toString(), expiresIn, perCallMax: perCallUnits === null ? null : perCallUnits.toString(), ...(renew ? { renew } : {}) });
  };

  const calls = p.price && capUnits ? capUnits / BigInt(p.price) : null;
  const deadline = new Date(now + expiresIn * 1000).toLocaleTimeString();
  // An approve replaces the allowance: it must cover what other open sessions on this spender still need.
  const othersNeed = p.sharedAllowance.reduce((sum, o) => sum + BigInt(o.remaining), 0n);
  const approveTotal = (capUnits && !capError ? capUnits : BigInt(p.cap)) * BigInt(periods) + othersNeed;
  const standing = p.facilitatorStanding;
  return (
    <form onSubmit={submit} aria-labelledby="approval-title" data-testid="approval" className="approval">
      <header className="approval-head">
        <h1 id="approval-title">{ask === 'per-call' ? 'Set a payment budget for this site?' : 'Approve a payment session?'}</h1>
        <div className="origin" data-testid="approval-origin"><bdi>{p.origin}</bdi></div>
        <div className="summary" data-testid="approval-summary">
          Up to <strong data-testid="approval-cap-summary">{cap}</strong>{renew ? ` each ${renew}` : ''} to <span className="mono" title={p.recipient} data-testid="approval-recipient-summary">{shortAddress(p.recipient)}</span>
        </div>
      </header>

      <div className="approval-body">
        {p.source === '402' && <p className="muted" style={{ margin: '4px 0' }}>It answered a request with HTTP 402 Payment Required.</p>}
        {ask === 'per-call' ? (
          <p className="notice" data-testid="approval-scheme-summary">{p.schemeSummary}</p>
        ) : (
          <p className={`notice ${standing.kind === 'unknown' ? 'warn' : ''}`} data-testid="approval-facilitator-warning" data-standing={standing.kind}>
            {p.schemeSummary} The facilitator <strong>{p.facilitatorHost}</strong> can pull up to the cap from your wallet.{' '}
            {standing.kind === 'known' && <>The wallet knows it as {standing.name}.</>}
            {standing.kind === 'local' && <>It runs on this computer.</>}
            {standing.kind === 'unknown' && <>The wallet does not know this facilitator: approve only if you trust this site to choose it.</>}
          </p>
        )}

        <h2>Terms</h2>
        <Row label="Network" testId="approval-network">{p.networkLabel} <span className="muted mono">{p.network}</span></Row>
        <Row label="Scheme" testId="approval-scheme">
          <span data-scheme={p.scheme}>{p.schemeLabel ?? p.scheme}</span>
          {p.schemeWhy && <div className="muted" style={{ fontSize: 12 }} data-testid="approval-scheme-why">{p.schemeWhy}</div>}
        </Row>
        <Row label="Token" testId="approval-token">
          <bdi>{symbol}</bdi> <span className="muted">({d} decimals)</span>{' '}
          {p.token.verified ? <span className="badge ok">known</span> : <span className="badge warn" title="Read from the chain; not in the wallet's list of known tokens">unverified</span>}
          {/* A token the wallet does not know is identified by its full address only. */}
          <br /><span className="mono muted" title={p.asset} data-testid="approval-asset">{p.token.verified ? shortAddress(p.asset) : p.asset}</span>
        </Row>
        <Row label="Pays to" testId="approval-recipient"><span className="mono" title={p.recipient}>{p.recipient}</span></Row>
        <Row label="Only for calls to" testId="approval-api-origins">{p.apiOrigins.map((o) => <div key={o} className="mono"><bdi>{o}</bdi></div>)}</Row>
        {p.price && <Row label="Price per call" testId="approval-price">{tokenAmount(p.price, d, symbol)}</Row>}
        {p.facilitatorHost && <Row label="Facilitator" testId="approval-facilitator">{p.facilitatorHost}</Row>}
        {p.spender && <Row label={ask === 'permit' ? 'Permits spender' : 'Approves spender'}><span className="mono" title={p.spender}>{shortAddress(p.spender)}</span></Row>}
        {p.resource?.description && (
          <Row label="For">
            {p.resource.serviceName ? <SiteText text={`${p.resource.serviceName}: ${p.resource.description}`} testId="approval-description" /> : <SiteText text={p.resource.description} testId="approval-description" />}
          </Row>
        )}

        <h2>Limits you allow</h2>
        <label className="row" style={{ alignItems: 'center' }}>
          <span>{renew ? `Spending cap per ${renew}` : 'Spending cap'} ({symbol})</span>
          <input data-testid="approval-cap" inputMode="decimal" value={capText} onChange={(e) => setCapText(e.target.value)} disabled={!deciding || busy} aria-invalid={!!capError} aria-describedby="cap-help" style={{ width: 120, textAlign: 'right' }} />
        </label>
        <div id="cap-help" className={capError ? 'error' : 'muted'} style={{ fontSize: 12 }}>
          {capError ?? (calls !== null ? `About ${calls} call${calls === 1n ? '' : 's'} at this price. You can only lower the cap.` : 'You can only lower the cap.')}
        </div>
        <label className="row" style={{ alignItems: 'center' }}>
          <span>Per-call limit ({symbol})</span>
          <input data-testid="approval-per-call" inputMode="decimal" value={perCallText} placeholder="none" onChange={(e) => setPerCallText(e.target.value)} disabled={!deciding || busy} aria-invalid={!!perCallError} aria-describedby="per-call-help" style={{ width: 120, textAlign: 'right' }} />
        </label>
        <div id="per-call-help" className={perCallError ? 'error' : 'muted'} style={{ fontSize: 12 }}>
          {perCallError ?? (p.source === '402' ? 'Set to the price shown: a call asking more is refused. You may raise it.' : 'A call asking more than this is refused.')}
        </div>
        <RenewChoice offered={renewOptions(p.renew, p.expiresIn)} value={renew} onChange={setRenew} expiresIn={expiresIn} nowMs={now} cap={capUnits && !capError ? capUnits : null} decimals={d} symbol={symbol} disabled={!deciding || busy} />
        <label className="row" style={{ alignItems: 'center' }}>
          <span>Ends after</span>
          <select data-testid="approval-expiry" value={expiresIn} onChange={(e) => setExpiresIn(Number(e.target.value))} disabled={!deciding || busy}>
            {expiryOptions.map((s) => <option key={s} value={s}>{duration(s)}</option>)}
          </select>
        </label>
        {p.expiryOnChain && <ExpiryOnChainNote clock={p.expiryOnChain} expiresIn={expiresIn} now={now} />}

        {p.existing.length > 0 && (
          <>
            <h2>This site's existing sessions</h2>
            {p.existing.slice(0, 3).map((s) => <SessionCard key={s.id} session={s} now={now} showOrigin={false} />)}
          </>
        )}

        {ask === 'permit' && (
          <p className="notice" style={{ fontSize: 12 }} data-testid="approval-permit" data-units={capUnits && !capError ? capUnits.toString() : p.cap}>
            Your wallet will ask you to sign one permit (no gas): it lets the facilitator pull up to <strong>{cap}</strong> until <strong>{deadline}</strong>. Until then, whoever holds the
            permit can use it, so the wallet keeps it to itself and sends it only to the APIs above, paying {shortAddress(p.recipient)}. After that, calls are paid without asking, until the cap
            or the deadline. When it ends with allowance left, the toolbar popup offers to revoke it.
          </p>
        )}
        {ask === 'per-call' && (
          <p className="notice" style={{ fontSize: 12 }} data-testid="approval-per-call-note">
            Nothing is signed now. Each paid call opens your wallet to sign that one payment (the price, to {shortAddress(p.recipient)}); the wallet never asks once the cap, the per-call limit
            or the expiry is reached. You can end this budget at any time from the toolbar.
          </p>
        )}
        {ask === 'approve' && <p className={othersNeed > 0n ? 'notice' : 'muted'} style={{ fontSize: 12 }} data-testid="approval-approve-amount" data-units={approveTotal.toString()}>
          Your wallet will ask you to sign one <code>approve</code> of <strong>{tokenAmount(approveTotal, d, symbol)}</strong> to the facilitator
          {othersNeed > 0n ? (
            <>
              : this cap {renew ? `${periods} × ${cap}` : cap} +{' '}
              {p.sharedAllowance.map((o, i) => (
                <span key={o.origin + i}>
                  {i > 0 ? ' + ' : ''}
                  {tokenAmount(o.remaining, d, symbol)} still open for <bdi>{o.origin}</bdi>
                </span>
              ))}{' '}
              (the approve replaces the allowance, so it must cover them too).
            </>
          ) : (
            '.'
          )}{' '}
          {renew && othersNeed === 0n ? `(${periods} ${renew}s × ${cap}) ` : ''}
          After that, calls from this site to the APIs above are paid without asking, until the cap or the expiry. You can end the session at any time from the toolbar.
        </p>}
      </div>

      <footer className="approval-foot">
        {state.step !== 'waiting' && (state.wallets?.length ? <WalletChoice wallets={state.wallets} busy={busy} onChoose={(n) => onChooseWallet?.(n)} /> : <Progress state={state} ask={ask} />)}
        {error && <p className="error" role="alert">{error}</p>}
        {deciding && (
          <div className="actions">
            <button type="button" data-testid="reject" onClick={onReject} disabled={busy}>Reject</button>
            <button type="submit" className="primary" data-testid="approve" disabled={!!capError || !!perCallError || busy}>Approve</button>
          </div>
        )}
      </footer>
    </form>
  );
}

/**
 * Where approvals expire by chain height (Stellar ledgers): the end as a local time and the height
 * it maps to, by the rule the wallet step uses (now + ceil(seconds / seconds per step)).
 */
function ExpiryOnChainNote({ clock, expiresIn, now }: { clock: NonNullable<ApprovalState['prompt']['expiryOnChain']>; expiresIn: number; now: number }) {
  const height = clock.current + Math.ceil(expiresIn / clock.secondsPerUnit);
  const unit = siteText(clock.unit, 16);
  return (
    <div className="muted" style={{ fontSize: 12 }} data-testid="approval-expiry-on-chain" data-height={height}>
      Ends about {localDateTime(now + expiresIn * 1000)}, at {unit} {height} (now {clock.current}; about {clock.secondsPerUnit} s a {unit}).
    </div>
  );
}

/** Several wallets answered in the page: which one signs. Their names are the page's text: cleaned. */
function WalletChoice({ wallets, busy, onChoose }: { wallets: string[]; busy: boolean; onChoose(name: string | null): void }) {
  return (
    <div className="notice" role="group" aria-label="Choose a wallet" data-testid="approval-wallets">
      <p style={{ margin: '0 0 6px' }}>Several wallets are installed in this page. Which one should sign?</p>
      <div className="actions" style={{ flexWrap: 'wrap' }}>
        {wallets.map((w) => (
          <button key={w} type="button" data-testid="approval-wallet" data-name={w} disabled={busy} onClick={() => onChoose(w)}>
            <bdi>{siteText(w, 64)}</bdi>
          </button>
        ))}
        <button type="button" data-testid="approval-wallet-cancel" disabled={busy} onClick={() => onChoose(null)}>Cancel</button>
      </div>
    </div>
  );
}

function Progress({ state, ask }: { state: ApprovalState; ask: 'approve' | 'permit' | 'per-call' }) {
  const text: Record<ApprovalState['step'], string> = {
    waiting: '',
    wallet: ask === 'permit' ? 'Sign the permit in your wallet (no gas)…' : 'Confirm the approval in your wallet…',
    // EVM: the approve landed; Solana: it is signed, and the facilitator submits it now.
    registering: 'Approval signed and checked. Registering the session with the facilitator…',
    done: 'Session opened. You can close this window.',
    failed: state.message ? `Could not open the session: ${state.message}` : 'Could not open the session.',
  };
  return (
    <p className={`notice ${state.step === 'failed' ? 'error' : ''}`} role="status" aria-live="polite" data-testid="approval-progress" data-step={state.step}>
      {text[state.step]}
    </p>
  );
}
