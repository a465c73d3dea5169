import type { ActionPorts, TabsPorts } from './browser-ports';
import { toolbarLookFor } from './toolbar-state';
import type { SessionRecord } from '../sessions/types';
import { remainingOf } from '../sessions/types';

/**
 * The toolbar badge: what this tab's origin can still spend from its active sessions, in at most
 * four characters ("0.9", "12", "1.2k"). Sessions in different tokens are not summed.
 */
export function badgeFor(sessions: SessionRecord[], nowMs: number): { text: string; title: string } {
  const live = sessions.filter((s) => s.status === 'active' && s.expiresAt * 1000 > nowMs);
  if (live.length === 0) return { text: '', title: 'x402 Session Wallet: no active session on this site' };
  const symbols = new Set(live.map((s) => `${s.symbol}/${s.decimals}`));
  if (symbols.size > 1) return { text: `${live.length}`, title: `${live.length} active sessions on this site` };
  const decimals = live[0]!.decimals;
  const units = live.reduce((sum, s) => sum + remainingOf(s), 0n);
  const value = Number(units) / 10 ** decimals;
  return { text: compact(value), title: `${value.toFixed(Math.min(decimals, 6)).replace(/\.?0+$/, '')} ${live[0]!.symbol} left on this site` };
}

export function compact(value: number): string {
  if (value <= 0) return '0';
  if (value < 10) return trim(value.toFixed(value < 1 ? 2 : 1)).slice(0, 4);
  if (value < 1000) return String(Math.floor(value));
  if (value < 1e6) return `${trim((value / 1000).toFixed(value < 1e4 ? 1 : 0))}k`;
  return `${trim((value / 1e6).toFixed(value < 1e7 ? 1 : 0))}M`;
}

function trim(s: string): string {
  return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
}

export interface BadgeDeps {
  action: ActionPorts;
  tabs: TabsPorts;
  /** This origin's sessions (from the store). */
  sessionsOf(origin: string): Promise<SessionRecord[]>;
  now?: () => number;
}

/**
 * Keeps each tab's badge on its origin's remaining budget. Badges follow payments, which can come
 * hundreds a second: each tab is refreshed at most every 250 ms.
 */
export function createBadges(deps: BadgeDeps): { update(tabId: number, url?: string): Promise<void>; schedule(tabId: number): void } {
  const timers = new Map<number, ReturnType<typeof setTimeout>>();
  async function update(tabId: number, url?: string): Promise<void> {
    try {
      const tabUrl = url ?? (await deps.tabs.get(tabId)).url;
      const origin = tabUrl && /^https?:/.test(tabUrl) ? new URL(tabUrl).origin : null;
      const sessions = origin ? await deps.sessionsOf(origin) : [];
      const now = (deps.now ?? Date.now)();
      const { text, title } = badgeFor(sessions, now);
      // The icon and the badge colour tell the state (idle, active, low, exhausted) at a glance.
      const look = toolbarLookFor(sessions, now);
      await deps.action.setIcon({ tabId, path: look.path });
      await deps.action.setBadgeText({ tabId, text });
      await deps.action.setTitle({ tabId, title });
      if (text) await deps.action.setBadgeBackgroundColor({ tabId, color: look.badgeColor });
      if (text) await deps.action.setBadgeTextColor?.({ tabId, color: look.badgeTextColor });
    } catch {
      // Tab gone or not ours to read: nothing to show.
    }
  }
  return {
    update,
    schedule(tabId) {
      if (timers.has(tabId)) return;
      timers.set(
        tabId,
        setTimeout(() => {
          timers.delete(tabId);
          void update(tabId);
        }, 250),
      );
    },
  };
}
