import type { Frame, Page } from '@playwright/test';
import { expect, securityRow, test } from '../fixtures';
import { openSession } from '../support/sessions';
import { readStore, setSettings } from '../support/store';

type Ctx = Page | Frame;
const getSessions = (p: Ctx) => p.evaluate(() => window.x402session!.getSessions());
const tryEnd = (p: Ctx, id: string) => p.evaluate((i) => window.x402session!.endSession(i).then(() => 'ended', (e: { code: number }) => `error ${e.code}`), id);
const tryPay = (p: Ctx, url: string) =>
  p.evaluate(async (u) => {
    const reasons: string[] = [];
    window.x402session!.on('paymentFailed', (f) => reasons.push(f.reason));
    const plain = (await fetch(u)).status;
    const viaApi = (await window.x402session!.fetch(u)).status;
    await new Promise((r) => setTimeout(r, 300));
    return `${plain}/${viaApi} ${[...new Set(reasons)].join(',')}`;
  }, url);

test.describe('origin isolation', () => {
  test('origin B — a page, or a cross-origin iframe inside A — cannot pay with, list, see or end A\'s session', async ({ ext, stack, site }) => {
    const a = await ext.context.newPage();
    await a.goto(`${site.a}/plain`);
    const session = await openSession(ext.context, a, stack);
    // B must not get a window either: this test is about A's session only.
    await setSettings(await ext.serviceWorker(), { promptOn402: false });
    const paid = stack.api.url + stack.api.paths.cheap;

    const b = await ext.context.newPage();
    await b.goto(`${site.b}/plain`);
    const framed = await ext.context.newPage();
    await framed.goto(`${site.a}/frame?src=${encodeURIComponent(`${site.b}/plain`)}`);
    const frame = framed.frames().find((f) => f.url().startsWith(site.b))!;
    await frame.waitForFunction(() => !!window.x402session);
    const sameOriginFrame = await ext.context.newPage();
    await sameOriginFrame.goto(`${site.a}/frame?src=${encodeURIComponent(`${site.a}/plain`)}`);
    const inner = sameOriginFrame.frames().find((f) => f !== sameOriginFrame.mainFrame())!;
    await inner.waitForFunction(() => !!window.x402session);

    for (const [who, ctx] of [['page on origin B', b], ['cross-origin iframe (B) inside A', frame]] as const) {
      securityRow('isolation', `${who}: getSessions()`, '[]', JSON.stringify(await getSessions(ctx)));
      securityRow('isolation', `${who}: endSession(A's id)`, 'error 4100', await tryEnd(ctx, session.id));
      securityRow('isolation', `${who}: fetch / x402session.fetch of A's paid API`, '402/402 no_session', await tryPay(ctx, paid));
    }
    const innerSessions = await getSessions(inner);
    securityRow('isolation', 'same-origin iframe inside A (control): getSessions()', `[${session.id}]`, `[${innerSessions.map((s) => s.id).join(',')}]`);

    const store = await readStore(await ext.serviceWorker());
    const s = store.sessions.find((x) => x.id === session.id)!;
    securityRow('isolation', "A's session afterwards", 'active, spent 0, 0 payments', `${s.status}, spent ${s.spent}, ${store.payments.length} payments`);
    expect(await getSessions(b)).toEqual([]);
    expect(await tryEnd(b, session.id)).toBe('error 4100');
    expect(await getSessions(frame)).toEqual([]);
    expect(innerSessions.map((x) => x.id)).toEqual([session.id]);
    expect(s).toMatchObject({ status: 'active', spent: '0', reserved: '0' });
    expect(store.payments).toHaveLength(0);
  });

  test('forged messages to the content script get nothing', async ({ ext, stack, site }) => {
    const a = await ext.context.newPage();
    await a.goto(`${site.a}/plain`);
    await openSession(ext.context, a, stack);
    const before = await readStore(await ext.serviceWorker());
    const forged = await a.evaluate(async () => {
      const out: Record<string, string> = {};
      const replies: unknown[] = [];
      addEventListener('message', (e) => replies.push(e.data));
      // 1. A second handshake with the page's own secret, then a request on that channel.
      const mine = 'f'.repeat(32);
      let answered = false;
      addEventListener(`x402session:res:${mine}`, () => (answered = true));
      dispatchEvent(new CustomEvent('x402session:hello', { detail: mine }));
      dispatchEvent(new CustomEvent(`x402session:req:${mine}`, { detail: JSON.stringify({ id: '1', method: 'getSessions', params: {} }) }));
      dispatchEvent(new CustomEvent(`x402session:req:${mine}`, { detail: JSON.stringify({ id: '2', method: 'endSession', params: { id: 'x' } }) }));
      await new Promise((r) => setTimeout(r, 500));
      out.secondHandshake = answered ? 'answered' : 'ignored';
      // 2. postMessage in the shapes the extension uses internally, with a fake origin.
      postMessage({ channel: 'x402session/page', method: 'getSessions', params: {}, origin: 'https://bank.example' }, '*');
      postMessage({ channel: 'x402session/ui', method: 'session.end', params: { id: 'x' } }, '*');
      await new Promise((r) => setTimeout(r, 300));
      out.postMessageReplies = String(replies.filter((d) => JSON.stringify(d).includes('result')).length);
      // 3. Talking to the extension directly.
      const rt = (globalThis as any).chrome?.runtime;
      out.directMessaging = typeof rt?.sendMessage === 'function' ? 'available' : 'unavailable';
      // 4. A fake origin in the parameters.
      out.fakeOriginParam = await window.x402session!.getSessions.call({ origin: 'https://bank.example' } as never).then(() => 'accepted-as-own', () => 'error');
      out.extraParams = await (window.x402session!.requestSession as any)({ network: 'eip155:31337', cap: '1', expiresIn: 3600, recipient: '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC', facilitatorUrl: 'http://127.0.0.1:1', origin: 'https://bank.example' }).then(() => 'accepted', (e: { code: number }) => `error ${e.code}`);
      // 5. Replayed / guessed replies injected while a real call is in flight.
      const real = window.x402session!.getSessions();
      for (let i = 0; i < 20; i++) dispatchEvent(new CustomEvent(`x402session:res:${'0'.repeat(31)}${i % 10}`, { detail: JSON.stringify({ id: '1', result: [{ id: 'forged' }] }) }));
      out.replayedReply = (await real).some((s) => s.id === 'forged') ? 'believed' : 'ignored';
      return out;
    });
    const after = await readStore(await ext.serviceWorker());
    securityRow('forged messages', 'second handshake + requests on the page\'s own secret', 'ignored', forged.secondHandshake!);
    securityRow('forged messages', 'postMessage in the extension\'s envelopes, fake origin', '0 replies', `${forged.postMessageReplies} replies`);
    securityRow('forged messages', 'chrome.runtime.sendMessage from the page', 'unavailable', forged.directMessaging!);
    securityRow('forged messages', 'origin field in requestSession params', 'error -32602', forged.extraParams!);
    securityRow('forged messages', 'forged replies during a real call', 'ignored', forged.replayedReply!);
    securityRow('forged messages', 'store changed by all of the above', 'no', after.sessions.length === before.sessions.length && after.sessions[0]!.status === 'active' ? 'no' : 'yes');
    expect(forged).toMatchObject({ secondHandshake: 'ignored', postMessageReplies: '0', directMessaging: 'unavailable', extraParams: 'error -32602', replayedReply: 'ignored' });
    expect(after.sessions).toHaveLength(before.sessions.length);
    expect(after.sessions[0]!.status).toBe('active');
  });

  test('the bearer session id never appears in anything the page can see, even with every builtin patched', async ({ ext, stack, site }) => {
    // The session is opened from a plain page of the origin (the hooks also break the page's own
    // wallet libraries); the hostile page then spends it.
    const plain = await ext.context.newPage();
    await plain.goto(`${site.a}/plain`);
    await openSession(ext.context, plain, stack);
    const page = await ext.context.newPage();
    await page.goto(`${site.a}/hooks`);
    const url = stack.api.url + stack.api.paths.chat;
    const visible = await page.evaluate(async (u) => {
      const events: unknown[] = [];
      for (const e of ['payment', 'paymentFailed', 'sessionChanged'] as const) window.x402session!.on(e, (d) => events.push(d));
      const responses: string[] = [];
      for (let i = 0; i < 3; i++) {
        const r = i === 1 ? await window.x402session!.fetch(u, { method: 'POST', body: '{"message":"x"}', headers: { 'content-type': 'application/json' } }) : await fetch(u, { method: 'POST', body: '{"message":"x"}', headers: { 'content-type': 'application/json' } });
        const h: string[] = [];
        r.headers.forEach((v, k) => h.push(`${k}: ${v}`, k === 'payment-response' ? atob(v) : ''));
        responses.push(h.join('\n'), await r.text());
      }
      const errors: string[] = [];
      await window.x402session!.endSession('nope').catch((e: Error & { code: number }) => errors.push(`${e.code} ${e.message} ${JSON.stringify(e)}`));
      await window.x402session!.requestSession({} as never).catch((e: Error) => errors.push(String(e)));
      await new Promise((r) => setTimeout(r, 500));
      const sessions = await window.x402session!.getSessions();
      const out = { hookFailures: ((window as any).__hookFailures ?? []) as string[], seen: (window as any).__seen as string[], events: JSON.stringify(events), responses, errors, sessions: JSON.stringify(sessions), perf: JSON.stringify(performance.getEntries().map((e) => e.name)) };
      // The hooks also patch JSON and Object.prototype: hand back one string made with the page's pristine stringify.
      return (window as any).__stringify(out) as string;
    }, url).then((text) => JSON.parse(text) as { hookFailures: string[]; seen: string[]; events: string; responses: string[]; errors: string[]; sessions: string; perf: string });
    const store = await readStore(await ext.serviceWorker());
    const secret = store.sessions[0]!.grant.sessionId as string;
    expect(secret.length).toBeGreaterThanOrEqual(16);
    const where = Object.entries({ 'patched builtins (JSON, Headers, String, Array, atob, dispatchEvent, Object.prototype getters, fetch, Request, message events)': visible.seen.join('\n'), events: visible.events, 'responses (all headers + bodies)': visible.responses.join('\n'), errors: visible.errors.join('\n'), 'getSessions()': visible.sessions, 'performance entries': visible.perf });
    for (const [name, text] of where) securityRow('bearer id', `visible to the page via ${name}`, 'absent', text.includes(secret) ? 'PRESENT' : 'absent');
    const sawPaymentResponse = visible.seen.some((v) => v.startsWith('payment-response: '));
    securityRow('bearer id', 'the hooks really ran on the paid path (saw PAYMENT-RESPONSE, > 20 values)', 'yes', sawPaymentResponse && visible.seen.length > 20 ? 'yes' : `no (${visible.seen.length} values)`);
    securityRow('bearer id', 'page hooks on the engine\'s own lookups (Promise constructor, Response then) refused', 'Response.prototype.then, Promise.prototype.constructor', visible.hookFailures.join(', '));
    securityRow('bearer id', 'paid calls made under the hooks', '3 settled', `${store.payments.filter((p) => p.status === 'settled').length} settled`);
    for (const [, text] of where) expect(text.includes(secret)).toBe(false);
    expect(sawPaymentResponse).toBe(true);
    expect(visible.hookFailures).toEqual(['Response.prototype.then', 'Promise.prototype.constructor']);
    expect(visible.seen.length).toBeGreaterThan(20);
    expect(store.payments.filter((p) => p.status === 'settled')).toHaveLength(3);
  });
});
