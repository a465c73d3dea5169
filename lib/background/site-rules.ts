import { RpcCode, WalletError } from '../errors';
import type { WalletDb } from '../sessions/db';
import { SITE_MODES, type SiteMode, type SiteRule } from '../sessions/sites';
import { parseDecimalAmount } from '../x402/amount';

export interface SitePatch {
  mode?: SiteMode;
  /** Token units ("0.05"); null removes the ceiling. */
  perCallMax?: string | null;
}

/**
 * What the person decided per site (lib/sessions/sites.ts), read on the paid-call path: cached in
 * the worker (the background is the only writer) so a call pays no extra IndexedDB read.
 */
export class SiteRules {
  private readonly cache = new Map<string, Promise<SiteRule | null>>();

  constructor(
    private readonly db: WalletDb,
    private readonly now: () => number,
  ) {}

  get(origin: string): Promise<SiteRule | null> {
    let hit = this.cache.get(origin);
    if (!hit) {
      hit = this.db.sites.get(origin).then((r) => r ?? null);
      this.cache.set(origin, hit);
      // A failed read is not remembered.
      hit.catch(() => this.cache.delete(origin));
      if (this.cache.size > 1000) this.cache.delete(this.cache.keys().next().value!);
    }
    return hit;
  }

  async mode(origin: string): Promise<SiteMode> {
    return (await this.get(origin))?.mode ?? 'ask';
  }

  /** Change a site's rule; a rule back to every default is deleted. */
  async set(origin: string, patch: SitePatch): Promise<SiteRule | null> {
    if (patch.mode !== undefined && !SITE_MODES.includes(patch.mode)) throw new WalletError(RpcCode.InvalidParams, 'invalid_params', 'Unknown site mode.');
    if (typeof patch.perCallMax === 'string') {
      const units = parseDecimalAmount(patch.perCallMax, 18);
      if (units === null || units <= 0n) throw new WalletError(RpcCode.InvalidParams, 'invalid_params', 'The per-call ceiling must be a positive amount.');
    }
    const next = await this.db.transaction('rw', this.db.sites, async () => {
      const current = await this.db.sites.get(origin);
      const mode = patch.mode ?? current?.mode ?? 'ask';
      const perCallMax = patch.perCallMax === undefined ? current?.perCallMax : (patch.perCallMax ?? undefined);
      if (mode === 'ask' && perCallMax === undefined) {
        await this.db.sites.delete(origin);
        return null;
      }
      const rule: SiteRule = { origin, mode, ...(perCallMax !== undefined ? { perCallMax } : {}), updatedAt: this.now() };
      await this.db.sites.put(rule);
      return rule;
    });
    this.cache.set(origin, Promise.resolve(next));
    return next;
  }

  /** After "clear all my data". */
  forget(): void {
    this.cache.clear();
  }
}
