import type { WalletDb } from './db';
import type { SessionRecord } from './types';

/**
 * What the person decided for one site (the popup's site list):
 * - `ask` (default): one approval window per session, then calls are paid silently;
 * - `never`: no approval window from this site at all (its open sessions still pay until ended);
 * - `always`: no silent payment: each call waits for a click in a small window.
 * `perCallMax` (token units, e.g. "0.05") is the per-call ceiling proposed to each new session of the
 * site, whatever the site asks.
 */
export type SiteMode = 'ask' | 'never' | 'always';
export const SITE_MODES: readonly SiteMode[] = ['ask', 'never', 'always'];

export interface SiteRule {
  origin: string;
  mode: SiteMode;
  perCallMax?: string;
  updatedAt: number;
}

/** One token's total on a site (sessions in different tokens are never summed). */
export interface SiteTotal {
  network: string;
  asset: string;
  symbol: string;
  decimals: number;
  spent: string;
}

export interface SiteSummary {
  origin: string;
  /** Settled, over every session of the site, per token. */
  totals: SiteTotal[];
  sessions: number;
  /** Unexpired active, paused or pending sessions. */
  live: number;
  rule: SiteRule | null;
}

const LIVE = new Set<string>(['active', 'paused', 'pending']);

/**
 * The site list: every origin with a session or a rule, what it spent and how many sessions are
 * live. Reads the sessions (hundreds to a few thousand rows), never the payments.
 */
export async function sitesSummary(db: WalletDb, nowMs: number): Promise<SiteSummary[]> {
  const [sessions, rules] = await db.transaction('r', db.sessions, db.sites, () => Promise.all([db.sessions.toArray(), db.sites.toArray()]));
  const byOrigin = new Map<string, SiteSummary>();
  const entry = (origin: string) => {
    let e = byOrigin.get(origin);
    if (!e) byOrigin.set(origin, (e = { origin, totals: [], sessions: 0, live: 0, rule: null }));
    return e;
  };
  for (const s of sessions) addSession(entry(s.origin), s, nowMs);
  for (const r of rules) entry(r.origin).rule = r;
  return [...byOrigin.values()].sort((a, b) => b.live - a.live || a.origin.localeCompare(b.origin));
}

function addSession(e: SiteSummary, s: SessionRecord, nowMs: number): void {
  e.sessions++;
  if (LIVE.has(s.status) && s.expiresAt * 1000 > nowMs) e.live++;
  const t = e.totals.find((x) => x.network === s.network && x.asset.toLowerCase() === s.asset.toLowerCase());
  if (t) t.spent = (BigInt(t.spent) + BigInt(s.spent)).toString();
  else e.totals.push({ network: s.network, asset: s.asset, symbol: s.symbol, decimals: s.decimals, spent: s.spent });
}
