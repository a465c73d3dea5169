/**
 * What the paid routes sell. Deterministic where a test needs to assert on it (chat), random
 * where the demo needs it to feel alive (slot reels, fortunes).
 */
import { randomInt } from 'node:crypto';

const CANNED_REPLIES = [
  'Interesting. Tell me more.',
  'I would pay ten cents to hear that again.',
  'That is exactly what a devnet would say.',
  'Noted, and settled on-chain.',
  'Have you tried turning the session off and on again?',
];

export const SLOT_SYMBOLS = ['🍒', '🍋', '🔔', '⭐', '7️⃣', '💎'] as const;

const FORTUNES = [
  'A small payment today saves a large popup tomorrow.',
  'Your allowance is finite; your curiosity is not.',
  'The facilitator smiles upon those who approve once.',
  'Legacy protocols, like old friends, still answer the door.',
];

/** Counts paid calls per session id (per process), so replies can say "payment #n". */
export class CallCounter {
  private readonly counts = new Map<string, number>();
  next(sessionId: string | undefined): number {
    const key = sessionId ?? '(none)';
    const n = (this.counts.get(key) ?? 0) + 1;
    this.counts.set(key, n);
    return n;
  }
}

/** Same message and same payment number → same reply. */
export function chatReply(message: string, paymentNumber: number): string {
  let h = 0;
  for (const ch of message) h = (h * 31 + (ch.codePointAt(0) ?? 0)) >>> 0;
  const canned = CANNED_REPLIES[h % CANNED_REPLIES.length] ?? CANNED_REPLIES[0];
  return `${canned} (paid message #${paymentNumber} of this session)`;
}

export function pullSlot(): { reels: string[]; win: boolean } {
  const reels = Array.from({ length: 3 }, () => SLOT_SYMBOLS[randomInt(SLOT_SYMBOLS.length)] ?? '🍒');
  return { reels, win: reels.every((r) => r === reels[0]) };
}

export function fortune(): string {
  return FORTUNES[randomInt(FORTUNES.length)] ?? FORTUNES[0] ?? '';
}
