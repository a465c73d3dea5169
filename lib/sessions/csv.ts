import { networkLabel } from '../chains/networks';
import { formatAmount } from '../x402/amount';
import type { PaymentRow } from './history';

/**
 * The payments view as CSV (issue 15), one line per payment shown. Every cell is text a site or a
 * server may have chosen (URLs, reasons), so each is quoted, and one that a spreadsheet would read
 * as a formula (=, +, -, @, tab, CR) is prefixed with an apostrophe (OWASP "CSV injection").
 */
export const CSV_COLUMNS = ['time_utc', 'site', 'method', 'url', 'amount', 'token', 'amount_base_units', 'network', 'outcome', 'reason', 'transaction', 'explorer', 'session'] as const;

export function csvCell(value: string | number | undefined | null): string {
  let text = value === undefined || value === null ? '' : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return `"${text.replace(/"/g, '""')}"`;
}

export function csvLine(row: PaymentRow): string {
  const p = row.payment;
  const s = row.session;
  return [
    new Date(p.createdAt).toISOString(),
    p.origin,
    p.method,
    p.url,
    s ? formatAmount(p.amount, s.decimals, 2) : '',
    s?.symbol ?? '',
    p.amount,
    s ? `${networkLabel(s.network)} (${s.network})` : '',
    p.status,
    p.reason ?? '',
    p.txHash ?? '',
    row.explorer ?? '',
    p.sessionId,
  ]
    .map(csvCell)
    .join(',');
}

/** Header plus lines, CRLF-terminated as RFC 4180 says. */
export function paymentsCsv(rows: readonly PaymentRow[]): string {
  return [CSV_COLUMNS.map(csvCell).join(','), ...rows.map(csvLine)].join('\r\n') + '\r\n';
}
