import type { BrowserContext, Page } from '@playwright/test';
import type { Stack } from '../../devnet/stack';

export interface OpenOptions {
  cap?: string;
  expiresIn?: number;
  perCallMax?: string;
  facilitatorUrl?: string;
  /** The API origins the session may pay; default the stack's paid API. */
  apiOrigins?: string[];
}

/** Ask for a session from `page` and approve it in the window; returns the page's public view. */
export async function openSession(context: BrowserContext, page: Page, stack: Stack, o: OpenOptions = {}) {
  const params = {
    network: stack.chain.network,
    asset: stack.token.address,
    cap: o.cap ?? '1.00',
    expiresIn: o.expiresIn ?? 3600,
    recipient: stack.api.recipient,
    facilitatorUrl: o.facilitatorUrl ?? stack.facilitator.url,
    apiOrigins: o.apiOrigins ?? [new URL(stack.api.url).origin],
    ...(o.perCallMax ? { perCallMax: o.perCallMax } : {}),
  };
  const approval = context.waitForEvent('page', { predicate: (p) => p.url().includes('/approve.html'), timeout: 30_000 });
  const pending = page.evaluate((p) => window.x402session!.requestSession(p as never).then((s) => s, (e: { code: number; message: string }) => ({ error: e.code, message: e.message })), params);
  await (await approval).getByTestId('approve').click();
  const result = (await pending) as Record<string, any>;
  if ('error' in result) throw new Error(`requestSession failed: ${result.error} ${result.message}`);
  return result as { id: string; cap: string; spent: string; origin: string };
}

/** Facilitator's view of a session (the truth for reconciliation). */
export async function facilitatorSession(stack: Stack, secretId: string): Promise<{ spent: string; cap: string }> {
  const r = await fetch(`${stack.facilitator.url}/sessions/${encodeURIComponent(secretId)}`);
  if (!r.ok) throw new Error(`GET /sessions/:id → ${r.status}`);
  return (await r.json()) as { spent: string; cap: string };
}
