import type { PaymentFilter, PaymentRow } from '../lib/sessions/history';
import type { PaymentStatus } from '../lib/sessions/types';
import { localDateTime, shortAddress, tokenAmount } from '../lib/format';
import { reasonMessage } from '../lib/messaging/reasons';

export interface PaymentsViewProps {
  /** Sites with sessions, for the site filter. */
  sites: string[];
  filter: PaymentFilter;
  onFilter(filter: PaymentFilter): void;
  /** The rows read so far (null while the first page loads) and how many match in all. */
  rows: PaymentRow[] | null;
  total: number | null;
  hasMore: boolean;
  onMore(): void;
  /** Export every payment the filter matches as CSV. */
  onExport(): void;
  exporting?: string | null;
}

const OUTCOMES: { value: PaymentStatus | ''; label: string }[] = [
  { value: '', label: 'Any outcome' },
  { value: 'settled', label: 'Paid' },
  { value: 'released', label: 'Not paid' },
  { value: 'reserved', label: 'In flight' },
];
const OUTCOME_LABEL: Record<PaymentStatus, string> = { settled: 'paid', released: 'not paid', reserved: 'in flight' };

function route(url: string): string {
  try {
    const u = new URL(url);
    return `${u.host}${u.pathname}`;
  } catch {
    return url.slice(0, 80);
  }
}

/**
 * Every payment, newest first (issue 15): for all sites or one, any outcome or one, read a page at a
 * time through the store's indexes; CSV of exactly what the filter matches.
 */
export function PaymentsView({ sites, filter, onFilter, rows, total, hasMore, onMore, onExport, exporting }: PaymentsViewProps) {
  return (
    <section aria-labelledby="payments-title" data-testid="payments-view">
      <h2 id="payments-title">Payments{total !== null ? ` (${total})` : ''}</h2>
      <div className="filters" role="group" aria-label="Filter payments">
        <label>
          <span className="sr-only">Site</span>
          <select data-testid="payments-site" value={filter.origin ?? ''} onChange={(e) => onFilter({ ...filter, origin: e.target.value || undefined })} aria-label="Site">
            <option value="">All sites</option>
            {sites.map((o) => <option key={o} value={o}>{o}</option>)}
          </select>
        </label>
        <label>
          <span className="sr-only">Outcome</span>
          <select data-testid="payments-status" value={filter.status ?? ''} onChange={(e) => onFilter({ ...filter, status: (e.target.value || undefined) as PaymentStatus | undefined })} aria-label="Outcome">
            {OUTCOMES.map((o) => <option key={o.value} value={o.value}>{o.label}</option>)}
          </select>
        </label>
        <button data-testid="payments-export" onClick={onExport} disabled={!!exporting || !rows || rows.length === 0}>Export CSV</button>
      </div>
      {exporting && <p className="muted" role="status" data-testid="payments-exporting">{exporting}</p>}
      {rows === null && <p className="muted">Loading…</p>}
      {rows?.length === 0 && <p className="muted" data-testid="payments-empty">No payments match.</p>}
      {rows && rows.length > 0 && (
        <ul className="payments" aria-label="Payments, newest first" data-testid="payments-list">
          {rows.map(({ payment: p, session: s, explorer }) => {
            const amount = s ? tokenAmount(p.amount, s.decimals, s.symbol) : `${p.amount} units`;
            return (
              <li key={p.id} className="payment" data-testid="payment-row" data-id={p.id} data-status={p.status} data-origin={p.origin} aria-label={`${amount}, ${OUTCOME_LABEL[p.status]}, ${p.method} ${route(p.url)}, ${localDateTime(p.createdAt)}`}>
                <div className="row" style={{ borderBottom: 0, padding: 0 }}>
                  <span><time dateTime={new Date(p.createdAt).toISOString()}>{localDateTime(p.createdAt)}</time></span>
                  <span>
                    <strong data-testid="payment-amount" data-units={p.amount}>{amount}</strong>{' '}
                    <span className={`status ${p.status}`} data-testid="payment-outcome">{OUTCOME_LABEL[p.status]}</span>
                  </span>
                </div>
                <div className="mono" title={p.url} data-testid="payment-route">{p.method} {route(p.url)}</div>
                <div className="muted" style={{ fontSize: 12 }}>
                  <bdi>{p.origin}</bdi>
                  {p.reason && <> · <span data-testid="payment-reason" data-reason={p.reason} title={reasonMessage(p.reason)}>{p.reason}</span></>}
                  {p.txHash && (
                    <>
                      {' · '}
                      {explorer ? (
                        <a href={explorer} target="_blank" rel="noreferrer noopener" data-testid="payment-tx" aria-label={`Transaction ${p.txHash} on the explorer`}>{shortAddress(p.txHash)}</a>
                      ) : (
                        <span className="mono" data-testid="payment-tx" title={p.txHash}>{shortAddress(p.txHash)}</span>
                      )}
                    </>
                  )}
                </div>
              </li>
            );
          })}
        </ul>
      )}
      {hasMore && <button data-testid="payments-more" onClick={onMore}>Show more</button>}
    </section>
  );
}
