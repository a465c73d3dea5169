import { expect, securityRow, test } from '../fixtures';
import { openSession } from '../support/sessions';
import { readStore, setSettings } from '../support/store';

test.describe('abuse limits and replay', () => {
  test('a page spamming requestSession gets one window and a clear error for the rest', async ({ ext, dapp, stack }) => {
    let windows = 0;
    ext.context.on('page', (p) => void (p.url().includes('/approve.html') && windows++));
    const params = { network: stack.chain.network, asset: stack.token.address, cap: '1.00', expiresIn: 3600, recipient: stack.api.recipient, facilitatorUrl: stack.facilitator.url };
    const approval = ext.context.waitForEvent('page', { predicate: (p) => p.url().includes('/approve.html') });
    const spam = dapp.evaluate(
      (p) => Promise.all(Array.from({ length: 25 }, () => window.x402session!.requestSession(p as never).then(() => 'ok', (e: { code: number; reason: string }) => `${e.code} ${e.reason}`))),
      params,
    );
    const win = await approval;
    await dapp.waitForTimeout(1000);
    const openWindows = windows;
    await win.getByTestId('reject').click();
    const results = await spam;
    const counts = results.reduce<Record<string, number>>((m, r) => ((m[r] = (m[r] ?? 0) + 1), m), {});
    securityRow('abuse', '25 concurrent requestSession calls: windows opened', '1', String(openWindows));
    securityRow('abuse', '25 concurrent requestSession calls: answers', '1 × 4001 user_rejected, 24 × -32002 approval_pending or -32005 rate_limited', `${counts['4001 user_rejected'] ?? 0} × 4001 user_rejected, ${results.filter((r) => r === '-32002 approval_pending' || r === '-32005 rate_limited').length} × -32002 approval_pending or -32005 rate_limited`);
    expect(openWindows).toBe(1);
    expect(counts['4001 user_rejected']).toBe(1);
    expect(results.filter((r) => r === '-32002 approval_pending' || r === '-32005 rate_limited')).toHaveLength(24);
  });

  test('a page firing 1,000 402s at once is rate-limited without hurting another origin', async ({ ext, stack, site }) => {
    const good = await ext.context.newPage();
    await good.goto(`${site.a}/plain`);
    await openSession(ext.context, good, stack);
    await setSettings(await ext.serviceWorker(), { promptOn402: false });
    const flooder = await ext.context.newPage();
    await flooder.goto(`${site.b}/plain`);
    const url = stack.api.url + stack.api.paths.cheap;
    const flood = flooder.evaluate(async (u) => {
      const reasons: Record<string, number> = {};
      window.x402session!.on('paymentFailed', (f) => void (reasons[f.reason] = (reasons[f.reason] ?? 0) + 1));
      const started = performance.now();
      const statuses = await Promise.all(Array.from({ length: 1000 }, () => fetch(u).then((r) => r.status, () => 0)));
      await new Promise((r) => setTimeout(r, 500));
      return { statuses, reasons, ms: performance.now() - started };
    }, url);
    // Meanwhile the well-behaved origin pays as usual.
    const goodResult = await good.evaluate(async (u) => {
      const started = performance.now();
      const statuses = await Promise.all(Array.from({ length: 20 }, () => fetch(u).then((r) => r.status)));
      return { statuses, ms: performance.now() - started };
    }, url);
    const f = await flood;
    const limited = f.reasons.rate_limited ?? 0;
    // The per-origin bucket: a burst of 250, then 50 a second.
    const bound = 250 + Math.ceil((f.ms / 1000) * 50);
    const decided = 1000 - limited;
    securityRow('abuse', `origin B: 1,000 concurrent 402s over ${(f.ms / 1000).toFixed(1)} s`, `≤ ${bound} looked at, the rest rate_limited, none paid`, `${decided <= bound ? `≤ ${bound}` : decided} looked at, the rest rate_limited, ${f.statuses.filter((s) => s === 200).length ? 'some paid!' : 'none paid'}`);
    securityRow('abuse', `origin A meanwhile: 20 concurrent paid calls (in ${Math.round(goodResult.ms)} ms)`, '20/20 paid', `${goodResult.statuses.filter((s) => s === 200).length}/20 paid`);
    expect(limited).toBeGreaterThan(0);
    expect(decided).toBeLessThanOrEqual(bound);
    expect(f.statuses.filter((s) => s === 200)).toHaveLength(0);
    expect(goodResult.statuses.filter((s) => s === 200)).toHaveLength(20);
  });

  test('replay: a request that already carried a payment header is never paid again, and a captured PAYMENT-SIGNATURE makes the extension pay nothing for another origin', async ({ ext, stack, site, chain }) => {
    const a = await ext.context.newPage();
    await a.goto(`${site.a}/plain`);
    await openSession(ext.context, a, stack);
    await setSettings(await ext.serviceWorker(), { promptOn402: false });
    const url = stack.api.url + stack.api.paths.cheap;
    const seen: string[] = [];
    await ext.context.route(url, (route) => {
      seen.push(`${new URL(route.request().frame().url()).host} ${route.request().headers()['payment-signature'] ? 'with payment' : 'bare'}`);
      return route.continue();
    });
    const store = await readStore(await ext.serviceWorker());
    const secret = store.sessions[0]!.grant.sessionId as string;
    // A's own session id in a header whose `accepted` the server will not match: a 402 comes back.
    const captured = Buffer.from(JSON.stringify({ x402Version: 2, accepted: { scheme: 'session', network: stack.chain.network, amount: '1', asset: stack.token.address, payTo: stack.api.recipient, maxTimeoutSeconds: 60, extra: {} }, payload: { sessionId: secret } })).toString('base64');
    const recipientBefore = await chain.balanceOf(stack.api.recipient);
    const send = (page: typeof a) =>
      page.evaluate(async ({ u, h }) => (await fetch(u, { headers: { 'PAYMENT-SIGNATURE': h } })).status, { u: url, h: captured });
    const onA = await send(a);
    const b = await ext.context.newPage();
    await b.goto(`${site.b}/plain`);
    const onB = await send(b);
    await a.waitForTimeout(300);
    const after = await readStore(await ext.serviceWorker());
    securityRow('replay', 'origin A sends a request already carrying PAYMENT-SIGNATURE; server says 402', '402 returned, 1 request, no retry', `${onA} returned, ${seen.filter((s) => s.startsWith(new URL(site.a).host)).length} request, ${after.payments.length ? 'retried!' : 'no retry'}`);
    securityRow('replay', "origin B replays A's captured header", '402 returned, 1 request, nothing reserved or paid', `${onB} returned, ${seen.filter((s) => s.startsWith(new URL(site.b).host)).length} request, ${after.payments.length === 0 && (await chain.balanceOf(stack.api.recipient)) === recipientBefore ? 'nothing reserved or paid' : 'PAID'}`);
    expect(onA).toBe(402);
    expect(onB).toBe(402);
    expect(seen).toHaveLength(2);
    expect(after.payments).toHaveLength(0);
    expect(await chain.balanceOf(stack.api.recipient)).toBe(recipientBefore);
  });
});
