import type { SessionRecord } from '../sessions/types';
import { remainingOf } from '../sessions/types';

/**
 * The toolbar's look for one tab: which icon and which badge colour, from that tab's origin's
 * sessions. Pure, so the badge code calls it next to `badgeFor` (which gives the text). The icon
 * files are drawn in public/icons/<state>.svg, whose gauge colour is `badgeColor` below
 * (tests/background/toolbar-state.test.ts holds the two together).
 */
export type ToolbarState = 'idle' | 'active' | 'low' | 'exhausted';

export interface ToolbarLook {
  /** For `action.setIcon({ tabId, path })`. */
  path: { 16: string; 32: string };
  /** For `action.setBadgeBackgroundColor`. */
  badgeColor: string;
  /** For `action.setBadgeTextColor` (Chrome 110+, Firefox 63+): readable on badgeColor. */
  badgeTextColor: string;
}

/** A session is "low" once at most this share of its cap is left (1/5). */
export const LOW_SHARE_DENOMINATOR = 5n;

const look = (state: ToolbarState, badgeColor: string, badgeTextColor = '#ffffff'): ToolbarLook => ({
  path: { 16: `/icons/${state}-16.png`, 32: `/icons/${state}-32.png` },
  badgeColor,
  badgeTextColor,
});

export const TOOLBAR_LOOKS: Record<ToolbarState, ToolbarLook> = {
  idle: look('idle', '#8c959f'),
  active: look('active', '#2da44e'),
  low: look('low', '#d4a72c', '#1f2328'),
  exhausted: look('exhausted', '#cf222e'),
};

/**
 * - active: an unexpired active session with more than a fifth of its cap left;
 * - low: unexpired active sessions, none with more than a fifth left, some with something left;
 * - exhausted: nothing left to spend on this site — its live sessions are used up, or the latest
 *   unexpired one was closed for reaching its cap;
 * - idle: no session here (or only ended, expired or failed ones).
 */
export function toolbarStateFor(sessions: readonly SessionRecord[], nowMs: number): ToolbarState {
  const unexpired = sessions.filter((s) => s.expiresAt * 1000 > nowMs);
  const live = unexpired.filter((s) => s.status === 'active');
  if (live.some((s) => remainingOf(s) * LOW_SHARE_DENOMINATOR > BigInt(s.cap))) return 'active';
  if (live.some((s) => remainingOf(s) > 0n)) return 'low';
  // Used up, or paused (a payment failed on chain): nothing is paid here until the person acts.
  if (live.length > 0 || unexpired.some((s) => s.status === 'exhausted' || s.status === 'paused')) return 'exhausted';
  return 'idle';
}

export function toolbarLookFor(sessions: readonly SessionRecord[], nowMs: number): ToolbarLook & { state: ToolbarState } {
  const state = toolbarStateFor(sessions, nowMs);
  return { state, ...TOOLBAR_LOOKS[state] };
}
