import type { PageCaller } from './sender';

export interface WalletTabPorts {
  query(q: Record<string, never>): Promise<{ id?: number; url?: string; status?: string }[]>;
  create(p: { url: string; active: boolean }): Promise<{ id?: number; status?: string }>;
  update(tabId: number, p: { active: boolean }): Promise<unknown>;
  get(tabId: number): Promise<{ status?: string; url?: string }>;
}

const LOAD_WAIT_MS = 20_000;

/**
 * Where the person's wallet can be asked outside a page's own request (ending a session with a
 * revoke, re-approving from the popup): the wallet lives in web pages, not in the extension's, so a
 * tab of the session's site is focused, or opened on it. The injected signer re-checks the
 * document's origin when it runs.
 */
export function createWalletTabs(tabs: WalletTabPorts): (origin: string) => Promise<PageCaller> {
  const originOf = (url: string | undefined) => {
    try {
      return url ? new URL(url).origin : null;
    } catch {
      return null;
    }
  };
  return async (origin) => {
    const open = (await tabs.query({})).find((t) => t.id !== undefined && originOf(t.url) === origin);
    let tabId: number;
    if (open?.id !== undefined) {
      tabId = open.id;
      await tabs.update(tabId, { active: true });
    } else {
      const created = await tabs.create({ url: `${origin}/`, active: true });
      if (created.id === undefined) throw new Error('could not open a tab');
      tabId = created.id;
    }
    const deadline = Date.now() + LOAD_WAIT_MS;
    for (;;) {
      const t = await tabs.get(tabId);
      if (t.status === 'complete' && originOf(t.url) === origin) break;
      if (Date.now() > deadline) throw new Error(`the tab of ${origin} did not load`);
      await new Promise((r) => setTimeout(r, 200));
    }
    return { kind: 'page', origin, tabId, frameId: 0 };
  };
}
