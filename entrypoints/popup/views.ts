/**
 * What the popup needs only after its first paint: the payments and sites views and their reads,
 * and the per-session history. Loaded as its own chunk right after the sessions view shows, so the
 * popup's first paint parses and runs less (bench E).
 */
export { PaymentsView } from '../../components/PaymentsView';
export { SitesView } from '../../components/SitesView';
export { paymentsCsv } from '../../lib/sessions/csv';
export { allPayments, paymentsCount, paymentsPage, siteOrigins } from '../../lib/sessions/history';
export { sitesSummary } from '../../lib/sessions/sites';
