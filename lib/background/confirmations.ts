import type { PaymentPrompt } from '../messaging/budgets';
import type { WalletReason } from '../messaging/reasons';
import { randomId } from '../sessions/ids';

/**
 * "Always ask" (per-site control, issue 15): each payment of such a site waits for one click in a
 * small window. The amount is already reserved when the window opens, so what the person sees is
 * what will be paid; anything but Pay releases it and the page gets its original 402.
 *
 * Abuse limits, because a page decides when it calls:
 * - one window per call, and at most one open per site: a call arriving while one is open is
 *   declined at once (`confirm_pending`), never queued behind it;
 * - after a Reject (or closing the window) the site gets no window for `cooldownMs`
 *   (`confirm_cooldown`);
 * - at most `perMinute` windows per site per minute (`rate_limited`);
 * - a window left alone is a Reject after `timeoutMs` (well inside the reservation's lifetime).
 * Pay is enabled only after `armMs` (the window opens under the person's cursor and keyboard).
 */
export type { PaymentPrompt };

export interface ConfirmWindowOps {
  open(promptId: string): Promise<number>;
  close(windowId: number): Promise<void>;
}

export interface ConfirmOptions {
  timeoutMs?: number;
  cooldownMs?: number;
  perMinute?: number;
  armMs?: number;
}

type Outcome = 'pay' | Extract<WalletReason, 'user_rejected' | 'confirm_pending' | 'confirm_cooldown' | 'rate_limited' | 'approval_window_failed'>;

interface Entry {
  prompt: PaymentPrompt;
  windowId?: number;
  timer: ReturnType<typeof setTimeout>;
  settle(outcome: Outcome): void;
}

export class PaymentConfirmations {
  private readonly entries = new Map<string, Entry>();
  private readonly openFor = new Map<string, string>();
  private readonly coolUntil = new Map<string, number>();
  private readonly recent = new Map<string, number[]>();
  private readonly timeoutMs: number;
  private readonly cooldownMs: number;
  private readonly perMinute: number;
  private readonly armMs: number;

  constructor(
    private readonly ops: ConfirmWindowOps,
    private readonly now: () => number,
    options: ConfirmOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 60_000;
    this.cooldownMs = options.cooldownMs ?? 5_000;
    this.perMinute = options.perMinute ?? 10;
    this.armMs = options.armMs ?? 600;
  }

  /** Ask the person about one payment; resolves 'pay' or why not (never rejects). */
  confirm(p: Omit<PaymentPrompt, 'id' | 'openedAt' | 'armedAt' | 'expiresAt'>): Promise<Outcome> {
    const now = this.now();
    const { origin } = p;
    if (this.openFor.has(origin)) return Promise.resolve('confirm_pending');
    if ((this.coolUntil.get(origin) ?? 0) > now) return Promise.resolve('confirm_cooldown');
    const recent = (this.recent.get(origin) ?? []).filter((t) => t > now - 60_000);
    if (recent.length >= this.perMinute) return Promise.resolve('rate_limited');
    recent.push(now);
    this.recent.set(origin, recent);
    if (this.recent.size > 1000) this.recent.delete(this.recent.keys().next().value!);

    const prompt: PaymentPrompt = { ...p, id: randomId(), openedAt: now, armedAt: now + this.armMs, expiresAt: now + this.timeoutMs };
    this.openFor.set(origin, prompt.id);
    return new Promise<Outcome>((resolve) => {
      const entry: Entry = {
        prompt,
        timer: setTimeout(() => this.decide(prompt.id, false), this.timeoutMs),
        settle: (outcome) => {
          clearTimeout(entry.timer);
          this.entries.delete(prompt.id);
          if (this.openFor.get(origin) === prompt.id) this.openFor.delete(origin);
          if (outcome === 'user_rejected') this.coolUntil.set(origin, this.now() + this.cooldownMs);
          if (entry.windowId !== undefined) void this.ops.close(entry.windowId).catch(() => undefined);
          resolve(outcome);
        },
      };
      this.entries.set(prompt.id, entry);
      this.ops.open(prompt.id).then(
        (windowId) => {
          if (this.entries.get(prompt.id) === entry) entry.windowId = windowId;
          else void this.ops.close(windowId).catch(() => undefined);
        },
        () => entry.settle('approval_window_failed'),
      );
    });
  }

  get(id: string): PaymentPrompt | null {
    return this.entries.get(id)?.prompt ?? null;
  }

  /** The person's click. A Pay before the window is armed does not count (false). */
  decide(id: string, pay: boolean): boolean {
    const e = this.entries.get(id);
    if (!e) return false;
    if (pay && this.now() < e.prompt.armedAt) return false;
    e.settle(pay ? 'pay' : 'user_rejected');
    return true;
  }

  /** Closing the window is a Reject. */
  windowClosed(windowId: number): void {
    for (const [id, e] of this.entries) if (e.windowId === windowId) this.decide(id, false);
  }
}
