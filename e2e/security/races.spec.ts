import type { Page } from '@playwright/test';
import { expect, securityRow, test } from '../fixtures';
import { facilitatorSession, openSession } from '../support/sessions';
import { readStore } from '../support/store';

/** Fire n concurrent GETs from the page; resolve with statuses and the paymentFailed reasons seen. */
function burst(page: Page, url: string, n: number) {
  return page.evaluate(
    async ({ url, n }) => {
      const reasons: string[] = [];
      window.x402session!.on('paymentFailed', (f) => reasons.push(f.reason));
      const statuses = await Promise.all(Array.from({ length: n }, () => fetch(url).then((r) => r.status, () => 0)));
      await new Promise((r) => setTimeout(r, 500));
      return { statuses, reasons };
    },
    { url, n },
  );
}

for (const shape of [
  { name: '200 concurrent calls from one tab', tabs: 1, each: 200 },
  { name: '100 concurrent calls from each of two tabs of one origin', tabs: 2, each: 100 },
]) {
  test(`cap race: ${shape.name} against a remaining cap for 50 → exactly 50 settle`, async ({ ext, dapp, stack, chain }) => {
    const price = stack.api.prices.cheap;
    const url = stack.api.url + stack.api.paths.cheap;
    await openSession(ext.context, dapp, stack, { cap: '0.50' });
    const recipientBefore = await chain.balanceOf(stack.api.recipient);
    const pages = [dapp];
    for (let i = 1; i < shape.tabs; i++) {
      const p = await ext.context.newPage();
      await p.goto(stack.dapp.url);
      pages.push(p);
    }
    const results = await Promise.all(pages.map((p) => burst(p, url, shape.each)));
    const statuses = results.flatMap((r) => r.statuses);
    const reasons = results.flatMap((r) => r.reasons);
    const sw = await ext.serviceWorker();
    await expect.poll(async () => (await readStore(sw)).payments.filter((p) => p.status === 'reserved').length).toBe(0);
    const store = await readStore(sw);
    const session = store.sessions[0]!;
    const remote = await facilitatorSession(stack, session.grant.sessionId);
    const onChain = (await chain.balanceOf(stack.api.recipient)) - recipientBefore;
    const ok = statuses.filter((s) => s === 200).length;
    const refused = statuses.filter((s) => s === 402).length;
    const total = shape.tabs * shape.each;

    securityRow('cap race', `${shape.name}: paid`, '50', String(ok));
    securityRow('cap race', `${shape.name}: original 402 with a reason`, `${total - 50} (cap_exceeded)`, `${refused} (${[...new Set(reasons)].join(',')})`);
    securityRow('cap race', `${shape.name}: ledger = facilitator = chain`, `${50n * price} = ${50n * price} = ${50n * price}`, `${session.spent} = ${remote.spent} = ${onChain}`);
    expect(ok).toBe(50);
    expect(refused).toBe(total - 50);
    expect(reasons.length).toBeGreaterThanOrEqual(total - 50);
    expect(new Set(reasons)).toEqual(new Set(['cap_exceeded']));
    expect(session.spent).toBe(String(50n * price));
    expect(remote.spent).toBe(session.spent);
    expect(onChain).toBe(50n * price);
  });
}
