import type { WalletDb } from '../sessions/db';
import type { WalletEvent } from '../sessions/types';

export type AuditEntry = Omit<WalletEvent, 'id' | 'at'>;

/**
 * The audit log: every payment the wallet declined or a server refused, and every session that
 * failed to open, with the reason — what the popup lists. Bounded; losing a line must never block a
 * payment decision.
 */
export class Audit {
  constructor(
    private readonly db: WalletDb,
    private readonly now: () => number,
    private readonly log?: (event: string, data: Record<string, unknown>) => void,
  ) {}

  async record(event: AuditEntry): Promise<void> {
    try {
      await this.db.events.add({ at: this.now(), ...event, reason: event.reason.slice(0, 64), ...(event.url ? { url: event.url.slice(0, 2048) } : {}) });
    } catch (e) {
      this.log?.('events.write_failed', { error: e instanceof Error ? e.message : String(e) });
    }
  }

  /** Keep the newest `keep` entries. */
  async prune(keep = 2000): Promise<void> {
    const count = await this.db.events.count();
    if (count <= keep) return;
    const cut = await this.db.events.orderBy('id').offset(count - keep).first();
    if (cut?.id !== undefined) await this.db.events.where('id').below(cut.id).delete();
  }
}
