import { RpcCode, WalletError } from '../errors';
import type { ApprovalDecision, ApprovalPrompt, ApprovalState, ApprovalStep } from '../messaging/approval';
import type { PageCaller } from './sender';

export type { ApprovalState, ApprovalStep } from '../messaging/approval';

export interface ApprovalBroker {
  /** Resolves with the person's decision; rejects with a WalletError (4001) when they decline. */
  request(prompt: ApprovalPrompt, caller: PageCaller): Promise<ApprovalDecision>;
  /** Progress shown in the approval window while the wallet and facilitator work. */
  progress?(promptId: string, step: 'wallet' | 'registering' | 'done' | 'failed', message?: string): void;
  /** Several wallets in the page: the person picks one in the window. Rejects (4001) when they decline or close it. */
  chooseWallet?(promptId: string, wallets: string[]): Promise<string>;
}

export interface ApprovalWindowOps {
  /** Open the approval window for this prompt; resolves with the window id. */
  open(promptId: string): Promise<number>;
  close(windowId: number): Promise<void>;
  /** Tell an open approval window its state changed. */
  changed(promptId: string, state: ApprovalState): void;
}

/**
 * Pending approvals and their windows. A prompt ends exactly once: decided in the window, or
 * rejected when its window closes (closing = Reject).
 */
export class ApprovalQueue implements ApprovalBroker {
  private readonly entries = new Map<
    string,
    {
      state: ApprovalState;
      windowId?: number;
      settle?: { resolve: (d: ApprovalDecision) => void; reject: (e: Error) => void };
      /** A wallet choice the window is asked for, after the decision. */
      choice?: { wallets: string[]; resolve: (name: string) => void; reject: (e: Error) => void };
    }
  >();

  constructor(private readonly ops: ApprovalWindowOps) {}

  request(prompt: ApprovalPrompt, caller: PageCaller): Promise<ApprovalDecision> {
    return new Promise<ApprovalDecision>((resolve, reject) => {
      const entry = { state: { prompt, step: 'waiting' as ApprovalStep, tabId: caller.tabId }, settle: { resolve, reject } };
      this.entries.set(prompt.id, entry);
      this.ops.open(prompt.id).then(
        (windowId) => {
          const e = this.entries.get(prompt.id);
          if (e) e.windowId = windowId;
        },
        (error: unknown) => {
          this.entries.delete(prompt.id);
          reject(new WalletError(RpcCode.Internal, 'approval_window_failed', `Could not open the approval window: ${error instanceof Error ? error.message : String(error)}`));
        },
      );
    });
  }

  get(promptId: string): ApprovalState | null {
    return this.entries.get(promptId)?.state ?? null;
  }

  /** The person's choice, from the approval window. */
  decide(promptId: string, decision: ApprovalDecision | 'reject'): boolean {
    const e = this.entries.get(promptId);
    if (!e?.settle) return false;
    const { resolve, reject } = e.settle;
    delete e.settle;
    if (decision === 'reject') {
      this.entries.delete(promptId);
      reject(new WalletError(RpcCode.UserRejected, 'user_rejected', 'The person declined the session.'));
    } else {
      resolve(decision);
    }
    return true;
  }

  chooseWallet(promptId: string, wallets: string[]): Promise<string> {
    const e = this.entries.get(promptId);
    if (!e || e.settle || e.choice) return Promise.reject(new WalletError(RpcCode.UserRejected, 'user_rejected', 'The approval window is gone.'));
    return new Promise<string>((resolve, reject) => {
      e.choice = { wallets, resolve, reject };
      e.state = { ...e.state, step: 'wallet', wallets };
      this.ops.changed(promptId, e.state);
    });
  }

  /** The wallet the person picked in the window (one of those offered), or null: they declined. */
  choseWallet(promptId: string, name: string | null): boolean {
    const e = this.entries.get(promptId);
    const c = e?.choice;
    if (!e || !c || (name !== null && !c.wallets.includes(name))) return false;
    delete e.choice;
    const { wallets: _offered, ...state } = e.state;
    e.state = state;
    this.ops.changed(promptId, e.state);
    if (name === null) c.reject(new WalletError(RpcCode.UserRejected, 'user_rejected', 'The person declined to choose a wallet.'));
    else c.resolve(name);
    return true;
  }

  progress(promptId: string, step: 'wallet' | 'registering' | 'done' | 'failed', message?: string): void {
    const e = this.entries.get(promptId);
    if (!e) return;
    e.state = { ...e.state, step, ...(message !== undefined ? { message } : {}) };
    this.ops.changed(promptId, e.state);
    if ((step === 'done' || step === 'failed') && e.windowId !== undefined) {
      const id = e.windowId;
      // Leave the outcome on screen for a moment, then tidy up.
      setTimeout(() => void this.ops.close(id).catch(() => undefined), step === 'done' ? 1200 : 8000);
    }
    if (step === 'done' || step === 'failed') this.entries.delete(promptId);
  }

  /** The window was closed: before a decision that is a Reject. */
  windowClosed(windowId: number): void {
    for (const [id, e] of this.entries) {
      if (e.windowId === windowId && e.settle) this.decide(id, 'reject');
      if (e.windowId === windowId && e.choice) this.choseWallet(id, null);
    }
  }
}
