/**
 * Batch settlement for the resource server's `upto` sessions: a session is settled through the
 * facilitator's /settle (amount = everything pending) every `batchCalls` paid calls, as soon as
 * the next call would not fit under the cap, after `idleSettleMs` without calls, when the permit
 * deadline comes within `deadlineBufferSec` (then it closes), and on close. While a batch is in
 * flight the session is `settling` and paid calls get 409 `settling_in_progress`.
 */
import type { UptoSession, UptoTally } from './tally';

export interface SettleOutcome {
  success: boolean;
  transaction: string;
  errorReason?: string;
}

export interface UptoBatcherOptions {
  tally: UptoTally;
  /** Calls the facilitator's /settle. */
  settle(paymentPayload: Record<string, unknown>, paymentRequirements: Record<string, unknown>): Promise<SettleOutcome>;
  batchCalls: number;
  idleSettleMs: number;
  deadlineBufferSec: number;
  sweepIntervalMs: number;
  /** Test seam: awaited after a session turns `settling`, before /settle is called. */
  beforeSettle?: (sessionId: string, amount: bigint) => Promise<void>;
  log: (line: string) => void;
}

export class UptoBatcher {
  private readonly inFlight = new Map<string, Promise<void>>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: UptoBatcherOptions) {}

  /** After a paid call was counted: settle now if a trigger is met (in the background). */
  afterCall(session: UptoSession, price: bigint): void {
    const nowSec = BigInt(Math.floor(Date.now() / 1000));
    if (session.deadline <= nowSec + BigInt(this.opts.deadlineBufferSec)) {
      void this.settle(session.id, 'deadline_buffer', true);
    } else if (session.settled + session.pending + price > session.cap) {
      void this.settle(session.id, 'cap_reached', false);
    } else if (session.callsSinceSettle >= this.opts.batchCalls) {
      void this.settle(session.id, 'batch', false);
    }
  }

  /** Settles what is pending. Resolves once the outcome is recorded (at once if there is nothing to do). */
  settle(id: string, reason: string, closeAfter: boolean): Promise<void> {
    const running = this.inFlight.get(id);
    // One batch at a time per session; a close waits for the batch in flight, then settles the rest.
    if (running) return closeAfter ? running.then(() => this.settle(id, reason, true)) : running;
    const work = this.opts.tally.beginSettle(id, closeAfter);
    if (!work) return Promise.resolve();
    const run = (async () => {
      let outcome: SettleOutcome;
      try {
        await this.opts.beforeSettle?.(id, work.amount);
        outcome = await this.opts.settle(work.paymentPayload, work.paymentRequirements);
      } catch (err) {
        outcome = { success: false, transaction: '', errorReason: err instanceof Error ? err.message : String(err) };
      }
      this.opts.tally.finishSettle(id, { amount: work.amount, reason, ...outcome }, { closeAfter, nowMs: Date.now(), deadlineBufferSec: this.opts.deadlineBufferSec });
      this.opts.log(`session ${id.slice(0, 12)}… ${reason}: ${work.amount} → ${outcome.success ? outcome.transaction : `failed (${outcome.errorReason})`}`);
    })().finally(() => this.inFlight.delete(id));
    this.inFlight.set(id, run);
    return run;
  }

  close(id: string): Promise<void> {
    return this.settle(id, 'close', true);
  }

  /** Timed triggers: idle sessions and permits near their deadline. */
  sweep(nowMs = Date.now()): void {
    const nowSec = BigInt(Math.floor(nowMs / 1000));
    for (const session of this.opts.tally.all()) {
      if (session.status !== 'open') continue;
      const nearDeadline = session.deadline <= nowSec + BigInt(this.opts.deadlineBufferSec);
      if (session.pending > 0n && nearDeadline) void this.settle(session.id, 'deadline_buffer', true);
      else if (session.pending > 0n && nowMs - session.lastActivityMs >= this.opts.idleSettleMs) void this.settle(session.id, 'idle', false);
      else if (session.pending === 0n && nearDeadline) void this.settle(session.id, 'deadline_buffer', true);
    }
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.sweep(), this.opts.sweepIntervalMs);
    this.timer.unref();
  }

  /** Stops the timer and waits (up to `graceMs`) for batches in flight to record their outcome. */
  async stop(graceMs = 5000): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    const pending = Promise.allSettled([...this.inFlight.values()]);
    await Promise.race([pending, new Promise((r) => setTimeout(r, graceMs).unref())]);
  }
}
