/**
 * Budgets (issue 15): what the background and the extension's pages share about payment
 * confirmations ("always ask" sites) and top-ups. Types only, like approval.ts.
 */

/** One payment waiting for the person's click (confirm.html). */
export interface PaymentPrompt {
  id: string;
  origin: string;
  url: string;
  method: string;
  /** Base units, and how to show them. */
  amount: string;
  symbol: string;
  decimals: number;
  network: string;
  networkLabel: string;
  recipient: string;
  sessionId: string;
  /** What the session can still pay after this call, base units. */
  remainingAfter: string;
  /** When the window opened, when Pay becomes clickable, and when it gives up (ms). */
  openedAt: number;
  armedAt: number;
  expiresAt: number;
}

/** What the popup may offer to top up one session. */
export interface TopUpSupport {
  /** Raise the cap (one wallet approval, the facilitator told). */
  cap: boolean;
  /** Extend the expiry: through the facilitator, only locally (up to its own expiry), or not at all. */
  expiry: 'facilitator' | 'local' | 'none';
  /** With `local`: how far (unix s). */
  localUntil?: number;
  /** Why not, in words, when something is not offered. */
  why?: string;
  /** The longest expiry allowed (unix s). */
  maxExpiresAt: number;
}
