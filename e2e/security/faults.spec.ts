import type { Page } from '@playwright/test';
import { startPaidApi } from '../../devnet/api/server';
import { expect, securityRow, test } from '../fixtures';
import { startFaultProxy, type Fault } from '../support/fault-proxy';
import { openSession } from '../support/sessions';
import { readStore } from '../support/store';

const requestSession = (page: Page, params: Record<string, unknown>) =>
  page.evaluate((p) => window.x402session!.requestSession(p as never).then((s) => `ok ${s.status}`, (e: { code: number; reason: string }) => `error ${e.code} ${e.reason}`), params);

test.describe('facilitator faults', () => {
  test('opening a session while POST /sessions fails: clear error, approval kept as pending, registered once the facilitator is back', async ({ ext, dapp, stack, wallet, chain }) => {
    test.setTimeout(240_000);
    const proxy = await startFaultProxy(stack.facilitator.url);
    // A session pays only 402s naming its own facilitator: the paid API behind the same proxy.
    const viaProxy = await startPaidApi({ port: 0, facilitatorUrl: proxy.url, network: stack.chain.network, asset: stack.token.address, payTo: stack.api.recipient, quiet: true });
    try {
      const sw = await ext.serviceWorker();
      const params = { network: stack.chain.network, asset: stack.token.address, cap: '0.10', expiresIn: 3600, recipient: stack.api.recipient, facilitatorUrl: proxy.url, apiOrigins: [new URL(viaProxy.url).origin] };
      // `slow` answers after 12 s: POST /sessions waits up to 60 s (its answer carries the id, which
      // cannot be asked for again), so it simply succeeds. Every other fault leaves a pending session.
      const faults: Fault[] = ['down', 'hang', 'slow', '500', 'garbage', 'missing-id'];
      const after: Record<string, string> = {};
      for (const fault of faults) {
        proxy.set('sessions', fault);
        const approval = ext.context.waitForEvent('page', { predicate: (p) => p.url().includes('/approve.html') });
        const pending = requestSession(dapp, params);
        const win = await approval;
        await win.getByTestId('approve').click();
        const result = await pending;
        const store = await readStore(sw);
        const s = [...store.sessions].sort((x, y) => x.createdAt - y.createdAt).pop()!;
        const expectPage = fault === 'slow' ? 'ok active' : 'error -32603 facilitator_unreachable';
        const expectState = fault === 'slow' ? 'active' : 'kept as pending';
        securityRow('facilitator faults', `POST /sessions ${fault}: what the page gets`, expectPage, result);
        securityRow('facilitator faults', `POST /sessions ${fault}: the approval`, `${expectState}, nothing paid`, `${s.status === 'pending' ? 'kept as pending' : s.status}, ${store.payments.length === 0 ? 'nothing paid' : 'paid!'}`);
        expect(result).toBe(expectPage);
        expect(s.status).toBe(fault === 'slow' ? 'active' : 'pending');
        await win.waitForEvent('close', { timeout: 15_000 }).catch(() => win.close());
      }
      expect(wallet.sent).toHaveLength(faults.length);

      // The facilitator is back: "Retry now" in the popup registers every pending session.
      proxy.set('sessions', 'ok');
      const popup = await ext.context.newPage();
      await popup.goto(`chrome-extension://${ext.extensionId}/popup.html`);
      const observedAfter = async () => {
        const sessions = (await readStore(sw)).sessions.sort((x, y) => x.createdAt - y.createdAt);
        return faults.map((f, i) => `${f}:${sessions[i]?.status}`).join(',');
      };
      const expectedAfter = faults.map((f) => `${f}:${after[f] ?? 'active'}`).join(',');
      // Press "Retry now" on whatever is still pending until nothing is (the list re-renders as each lands).
      await expect
        .poll(
          async () => {
            const button = popup.getByTestId('retry-registration');
            if (await button.count()) await button.first().click({ timeout: 2_000 }).catch(() => undefined);
            return observedAfter();
          },
          { timeout: 60_000, intervals: [500] },
        )
        .toBe(expectedAfter);
      const finalSessions = (await readStore(sw)).sessions.sort((x, y) => x.createdAt - y.createdAt);
      faults.forEach((f, i) => securityRow('facilitator faults', `POST /sessions ${f}: after the facilitator is back and Retry`, after[f] ?? 'active', `${finalSessions[i]!.status}${finalSessions[i]!.statusReason && finalSessions[i]!.status !== 'active' ? ` (${finalSessions[i]!.statusReason})` : ''}`.replace(' (registration_rejected)', '')));
      const recipientBefore = await chain.balanceOf(stack.api.recipient);
      const status = await dapp.evaluate(async (u) => (await fetch(u)).status, viaProxy.url + viaProxy.paths.cheap);
      securityRow('facilitator faults', 'after the facilitator is back: a paid call', '200, paid on chain', `${status}, ${(await chain.balanceOf(stack.api.recipient)) - recipientBefore === stack.api.prices.cheap ? 'paid on chain' : 'not on chain'}`);
      expect(status).toBe(200);
    } finally {
      await viaProxy.stop();
      await proxy.close();
    }
  });

  test('discovery (GET /supported) down, slower than the timeout, 500 or garbage: a clear error before any window or wallet prompt', async ({ ext, dapp, stack, wallet }) => {
    const proxy = await startFaultProxy(stack.facilitator.url);
    try {
      let windows = 0;
      ext.context.on('page', (p) => void (p.url().includes('/approve.html') && windows++));
      for (const fault of ['down', 'slow', '500', 'garbage'] as const) {
        proxy.set('supported', fault);
        const started = Date.now();
        const result = await requestSession(dapp, { network: stack.chain.network, asset: stack.token.address, cap: '0.10', expiresIn: 3600, recipient: stack.api.recipient, facilitatorUrl: proxy.url, apiOrigins: [new URL(stack.api.url).origin] });
        const took = Date.now() - started;
        // The page named the URL, so it learns one uniform error; the detail is the popup's.
        securityRow('facilitator faults', `GET /supported ${fault} (answered in ${Math.round(took / 100) / 10} s)`, 'error -32603 facilitator_unavailable · no window · no wallet prompt', `${result} · ${windows ? 'window!' : 'no window'} · ${wallet.sent.length ? 'wallet prompted!' : 'no wallet prompt'}`);
        expect(result).toBe('error -32603 facilitator_unavailable');
        if (fault === 'slow') expect(took).toBeLessThan(11_500);
      }
      expect(windows).toBe(0);
      expect(wallet.sent).toHaveLength(0);
      const store = await readStore(await ext.serviceWorker());
      expect(store.sessions).toHaveLength(0);
      // Each failure is in the popup's log with what really happened.
      const logged = store.events.filter((e) => e.kind === 'session_failed').map((e) => e.reason as string);
      securityRow('facilitator faults', 'GET /supported failures: what the popup log records', 'facilitator_unreachable ×4', `${logged[0]} ×${logged.filter((r) => r === logged[0]).length}`);
      expect(logged).toEqual(['facilitator_unreachable', 'facilitator_unreachable', 'facilitator_unreachable', 'facilitator_unreachable']);
    } finally {
      await proxy.close();
    }
  });

  test('paid calls while the facilitator is down, 500s or sends garbage: the original 402, reservation released, session intact, works once it is back', async ({ ext, dapp, stack, chain }) => {
    const proxy = await startFaultProxy(stack.facilitator.url);
    const api = await startPaidApi({ port: 0, facilitatorUrl: proxy.url, network: stack.chain.network, asset: stack.token.address, payTo: stack.api.recipient, quiet: true });
    try {
      await openSession(ext.context, dapp, stack, { facilitatorUrl: proxy.url, apiOrigins: [new URL(api.url).origin] });
      const sw = await ext.serviceWorker();
      const url = api.url + api.paths.cheap;
      const call = () =>
        dapp.evaluate(async (u) => {
          const reasons: string[] = [];
          const h = (f: { reason: string }) => reasons.push(f.reason);
          window.x402session!.on('paymentFailed', h);
          const r = await fetch(u);
          const body = await r.text();
          await new Promise((res) => setTimeout(res, 300));
          window.x402session!.off('paymentFailed', h);
          return { status: r.status, original: r.headers.has('payment-required') && body === '{}', reasons };
        }, url);
      const recipientBefore = await chain.balanceOf(stack.api.recipient);
      for (const fault of ['down', '500', 'garbage'] as const) {
        for (const endpoint of ['verify', 'settle'] as const) {
          proxy.set(endpoint, fault);
          const r = await call();
          proxy.set(endpoint, 'ok');
          const store = await readStore(sw);
          const s = store.sessions[0]!;
          securityRow(
            'facilitator faults',
            `/${endpoint} ${fault} during a paid call (page got ${r.status === 402 && r.original ? 'the original 402' : `the server's ${r.status}`}, paymentFailed ${r.reasons.join(',') || 'none'})`,
            'not paid · released · session active, spent 0',
            `${(await chain.balanceOf(stack.api.recipient)) === recipientBefore ? 'not paid' : 'PAID'} · ${store.payments.some((p) => p.status === 'reserved') ? 'still reserved' : 'released'} · session ${s.status}, spent ${s.spent}`,
          );
          // The paid API answers 402 (verify refused) or 502 (its facilitator is broken): either way
          // the page sees the server's own answer to the paid attempt, never a 200.
          expect([402, 502]).toContain(r.status);
          expect(r.reasons.length).toBe(1);
          expect(store.payments.filter((p) => p.status === 'reserved')).toHaveLength(0);
          expect(s).toMatchObject({ status: 'active', spent: '0', reserved: '0' });
        }
      }
      expect(await chain.balanceOf(stack.api.recipient)).toBe(recipientBefore);
      const back = await call();
      const store = await readStore(sw);
      securityRow('facilitator faults', 'the facilitator is back: next paid call', `200 · spent ${api.prices.cheap}`, `${back.status} · spent ${store.sessions[0]!.spent}`);
      expect(back.status).toBe(200);
      await expect.poll(async () => (await readStore(sw)).sessions[0]!.spent).toBe(String(api.prices.cheap));
      expect((await chain.balanceOf(stack.api.recipient)) - recipientBefore).toBe(api.prices.cheap);
    } finally {
      await api.stop();
      await proxy.close();
    }
  });
});
