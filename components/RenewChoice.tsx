import { tokenAmount } from '../lib/format';
import { minPeriodMs, periodsWithin, type RenewEvery } from '../lib/sessions/period';

/** How many periods a budget renewing `every` spans over `expiresIn` seconds from now (at least 1). */
export function periodCount(every: RenewEvery | null, expiresIn: number, nowMs: number): number {
  return every ? periodsWithin(every, nowMs, nowMs + expiresIn * 1000) : 1;
}

/** The renewals that fit the chosen expiry (at least two periods). */
export function renewOptions(offered: readonly RenewEvery[] | undefined, expiresIn: number): RenewEvery[] {
  return (offered ?? []).filter((every) => minPeriodMs(every) < expiresIn * 1000);
}

export interface RenewChoiceProps {
  offered: readonly RenewEvery[];
  value: RenewEvery | null;
  onChange(value: RenewEvery | null): void;
  expiresIn: number;
  nowMs: number;
  /** The per-period cap typed (base units), to show the total. */
  cap: bigint | null;
  decimals: number;
  symbol: string;
  disabled?: boolean;
}

/**
 * "Renew each day / week / month" in the approval window (issue 15). With a renewal the cap is per
 * period, and the session's cap — what the wallet approves — is that times the periods until the
 * expiry, shown before the person approves.
 */
export function RenewChoice({ offered, value, onChange, expiresIn, nowMs, cap, decimals, symbol, disabled }: RenewChoiceProps) {
  if (offered.length === 0) return null;
  const periods = periodCount(value, expiresIn, nowMs);
  return (
    <>
      <label className="row" style={{ alignItems: 'center' }}>
        <span>Budget renews</span>
        <select data-testid="approval-renew" value={value ?? ''} onChange={(e) => onChange((e.target.value || null) as RenewEvery | null)} disabled={disabled} aria-describedby="renew-help">
          <option value="">never (one cap)</option>
          {offered.map((every) => <option key={every} value={every}>each {every}</option>)}
        </select>
      </label>
      <div id="renew-help" className="muted" style={{ fontSize: 12 }} data-testid="approval-renew-help" data-periods={periods}>
        {value && cap !== null
          ? `The cap above is per ${value}; it renews at each period's start, ${periods} periods until the session ends: up to ${tokenAmount(cap * BigInt(periods), decimals, symbol)} in all.`
          : 'Renewing turns the cap into a per-period budget that starts again each period.'}
      </div>
    </>
  );
}
