/**
 * Budgets (issue 15) through the real WalletService: per-site rules, "always ask", renewing budgets
 * at opening, top-ups and alerts. Only the wallet, the windows and the facilitator's HTTP are stood in
 * for (the facilitator by real FacilitatorClients over a scripted fetch).
 */
import { describe, expect, it } from 'vitest';
import type { ConfirmWindowOps } from '../../lib/background/confirmations';
import type { PageCaller } from '../../lib/background/sender';
import type { ApprovalPrompt } from '../../lib/messaging/approval';
import { newPeriod } from '../../lib/sessions/period';
import { sessionRecord } from '../support/db';
import { stubFacilitator } from '../support/facilitator';
import { testService } from '../support/service';
import { ASSET, header, PAY_TO, paymentRequiredObject, sessionAccept, SPENDER } from '../support/x402';

const A: PageCaller = { kind: 'page', origin: 'http://dapp.test', tabId: 1, frameId: 0 };
const USER = '0x90F79bf6EB2c4f870365E785982E1f101E93b906';
let n = 0;
const payParams = (amount = '100000') => ({ url: 'http://api.test/x', method: 'GET', paymentRequired: header(paymentRequiredObject([sessionAccept({ amount })])), body: null, hadPayment: false, attemptId: (++n).toString(16).padStart(16, 'b') });
const request = { network: 'eip155:31337', asset: ASSET, cap: '1.00', expiresIn: 7 * 86400, recipient: PAY_TO, facilitatorUrl: 'https://facilitator.example', apiOrigins: ['http://api.test'] };
const opened = () => ({ status: 201, json: { sessionId: `fac-${Math.random().toString(36).slice(2)}-session`, spent: '0' } });

/** Windows that open at once and record themselves; the test clicks through `decide`. */
function fakeWindows() {
  const opened: string[] = [];
  const closed: number[] = [];
  const ops: ConfirmWindowOps = { open: async (id) => (opened.push(id), opened.length), close: async (w) => void closed.push(w) };
  return { ops, opened, closed };
}

describe('per-site control', () => {
  it('"never ask": no approval window from the site, for a dapp request or a bare 402; its open sessions still pay', async () => {
    let asked = 0;
    const { service, db } = testService({ approvals: { request: async () => (asked++, Promise.reject(new Error('no'))) }, promptOn402: async () => true });
    await db.sessions.add(sessionRecord({ origin: 'http://other.test' }));
    await service.sites.set(A.origin, { mode: 'never' });
    await expect(service.opening.requestSession(A, request)).rejects.toMatchObject({ code: 4001, reason: 'site_blocked' });
    expect(await service.paying.pay(A, payParams())).toMatchObject({ pay: false, reason: 'site_blocked' });
    expect(asked).toBe(0);
    // A session it already had keeps paying until the person ends it.
    await db.sessions.add(sessionRecord());
    expect((await service.paying.pay(A, payParams())).pay).toBe(true);
    // Back to the default: the rule is gone.
    expect(await service.sites.set(A.origin, { mode: 'ask' })).toBeNull();
    expect(await db.sites.count()).toBe(0);
  });

  it('a per-call ceiling default is proposed to each new session of the site (the lower of it and what the site asks)', async () => {
    const shown: ApprovalPrompt[] = [];
    const stub = stubFacilitator({ open: opened });
    const { service } = testService({
      approvals: { request: async (p) => (shown.push(p), { cap: p.cap, expiresIn: p.expiresIn }) },
      signer: { sign: async () => ({ user: USER, txHash: '0x' + '21'.repeat(32) }) },
      facilitator: stub.facilitator,
    });
    await service.sites.set(A.origin, { perCallMax: '0.05' });
    expect((await service.opening.requestSession(A, request)).perCallMax).toBe('50000');
    expect(shown[0]!.perCallMax).toBe('50000');
    // A site asking for a lower ceiling keeps its own.
    expect((await service.opening.requestSession(A, { ...request, perCallMax: '0.02' })).perCallMax).toBe('20000');
  });

  it('"always ask": one window per call; Pay pays, Reject releases the reservation and the page gets its 402', async () => {
    const windows = fakeWindows();
    const { service, db } = testService({ confirmWindows: windows.ops });
    const s = sessionRecord();
    await db.sessions.add(s);
    await service.sites.set(A.origin, { mode: 'always' });
    const confirmations = service.confirmations!;
    const click = async (pay: boolean) => {
      await expect.poll(() => windows.opened.length > 0 && confirmations.get(windows.opened.at(-1)!) !== null).toBe(true);
      const id = windows.opened.at(-1)!;
      // Pay answers only once the window is armed (a key pressed as it opens cannot pay).
      if (pay) expect(confirmations.decide(id, true)).toBe(false);
      const prompt = confirmations.get(id)!;
      expect(prompt).toMatchObject({ origin: A.origin, amount: '100000', symbol: 'USDC', url: 'http://api.test/x', method: 'GET' });
      await new Promise((r) => setTimeout(r, Math.max(0, prompt.armedAt - Date.now()) + 20));
      expect(confirmations.decide(id, pay)).toBe(true);
    };

    const first = service.paying.pay(A, payParams());
    // While its window is open the amount is held, and another call of the site gets no second window.
    await expect.poll(async () => (await db.sessions.get(s.id))!.reserved).toBe('100000');
    expect(await service.paying.pay(A, payParams())).toMatchObject({ pay: false, reason: 'confirm_pending' });
    await click(true);
    expect(await first).toMatchObject({ pay: true });

    const second = service.paying.pay(A, payParams());
    await click(false);
    expect(await second).toMatchObject({ pay: false, reason: 'user_rejected' });
    expect((await db.sessions.get(s.id))!.reserved).toBe('100000'); // only the first call's, not yet reported
    expect((await db.payments.toArray()).filter((p) => p.status === 'released').map((p) => p.reason).sort()).toEqual(['confirm_pending', 'user_rejected']);
    // Right after a Reject: declined at once, no window.
    const before = windows.opened.length;
    expect(await service.paying.pay(A, payParams())).toMatchObject({ pay: false, reason: 'confirm_cooldown' });
    expect(windows.opened).toHaveLength(before);
    expect((await db.events.toArray()).filter((e) => e.reason === 'user_rejected')).toHaveLength(1);
  });

  it('"always ask" without a window to ask in never pays silently', async () => {
    const { service, db } = testService();
    await db.sessions.add(sessionRecord());
    await service.sites.set(A.origin, { mode: 'always' });
    expect(await service.paying.pay(A, payParams())).toMatchObject({ pay: false, reason: 'approval_window_failed' });
    expect((await db.sessions.toArray())[0]!.reserved).toBe('0');
  });
});

describe('renewing budgets at opening', () => {
  it("the window's renewal makes the cap per period; the session's cap and the wallet's approve cover every period", async () => {
    const requests: Record<string, unknown>[] = [];
    const bodies: Record<string, unknown>[] = [];
    let prompt: ApprovalPrompt | null = null;
    const stub = stubFacilitator({ open: () => opened() });
    const { service, db } = testService({
      approvals: { request: async (p) => ((prompt = p), { cap: '300000', expiresIn: p.expiresIn, renew: 'day' }) },
      signer: { sign: async (_c, _chain, r) => (requests.push(r), { user: USER, txHash: '0x' + '31'.repeat(32) }) },
      facilitator: (url) => {
        const client = stub.facilitator(url);
        const open = client.request.bind(client);
        client.request = async (m, u, b, t) => (b && bodies.push(b as Record<string, unknown>), open(m, u, b, t));
        return client;
      },
    });
    const view = await service.opening.requestSession(A, request);
    expect(prompt!.renew).toEqual(['day']);
    expect(view).toMatchObject({ cap: String(7n * 300_000n), period: { every: 'day', cap: '300000', spent: '0', index: 0 } });
    expect(requests[0]).toMatchObject({ amount: String(7n * 300_000n) });
    expect(bodies.find((b) => 'approvalTxHash' in b)).toMatchObject({ cap: String(7n * 300_000n) });
    const stored = (await db.sessions.toArray())[0]!;
    expect(stored.period).toMatchObject({ anchor: stored.createdAt, start: stored.createdAt });
  });

  it('a renewal the window did not offer, or one period long, is refused before the wallet', async () => {
    let asked = 0;
    const { service } = testService({
      approvals: { request: async (p) => ({ cap: p.cap, expiresIn: 3600, renew: 'day' }) },
      signer: { sign: async () => (asked++, { user: USER, txHash: '0x' + '41'.repeat(32) }) },
      facilitator: stubFacilitator({ open: opened }).facilitator,
    });
    await expect(service.opening.requestSession(A, request)).rejects.toMatchObject({ reason: 'invalid_decision' });
    expect(asked).toBe(0);
  });
});

describe('top-up', () => {
  const supported = (topUp: boolean) => () => ({ status: 200, json: { kinds: [{ x402Version: 2, scheme: 'session', network: 'eip155:31337', extra: { spender: SPENDER, ...(topUp ? { sessionTopUp: true } : {}) } }] } });

  it('raises a used-up session: one approve for its new need plus what others on the spender need, PATCH with it, same session', async () => {
    const patches: { id: string; body: Record<string, unknown> }[] = [];
    const approves: Record<string, unknown>[] = [];
    const stub = stubFacilitator({ supported: supported(true), topUp: (id, body) => (patches.push({ id, body }), { status: 200, json: { cap: body.cap, spent: '300000', expiresAt: body.expiresAt } }) });
    const { service, db } = testService({
      facilitator: stub.facilitator,
      walletTab: async (origin) => ({ kind: 'page', origin, tabId: 7, frameId: 0 }),
      signer: { sign: async (_c, _chain, r) => (approves.push(r), { user: USER, txHash: '0x' + '51'.repeat(32) }) },
    });
    const s = sessionRecord({ cap: '300000', spent: '300000', status: 'exhausted' });
    // Another site's open session on the same spender and token still needs 200000.
    const other = sessionRecord({ origin: 'http://other.test', cap: '500000', spent: '300000' });
    await db.sessions.bulkAdd([s, other]);
    expect(await service.topUps.support(s.id)).toMatchObject({ cap: true, expiry: 'facilitator' });
    const r = await service.topUps.apply(s.id, { cap: 800_000n, extendBy: 3600 });
    expect(approves).toEqual([expect.objectContaining({ kind: 'erc20-approve', amount: String(800_000n - 300_000n + 200_000n) })]);
    expect(patches).toEqual([{ id: s.grant.sessionId, body: { approvalTxHash: '0x' + '51'.repeat(32), cap: '800000', expiresAt: s.expiresAt + 3600 } }]);
    expect(r.session).toMatchObject({ id: s.id, cap: '800000', expiresAt: s.expiresAt + 3600, status: 'active', topUps: [{ approvalTx: '0x' + '51'.repeat(32) }] });
    expect(r.allowance).toBe('700000');
    // It pays again, in the same session.
    expect(await service.paying.pay(A, payParams())).toMatchObject({ pay: true, session: { id: s.id } });
  });

  it('where the facilitator has no top-up: the cap cannot move (no wallet asked); the expiry moves only within the facilitator\'s own', async () => {
    let asked = 0;
    const s = sessionRecord();
    const stub = stubFacilitator({ supported: supported(false), session: () => ({ status: 200, json: { id: 'x', cap: s.cap, spent: '0', expiresAt: s.expiresAt + 7200 } }) });
    const { service, db } = testService({ facilitator: stub.facilitator, walletTab: async (origin) => ({ kind: 'page', origin, tabId: 7, frameId: 0 }), signer: { sign: async () => (asked++, { user: USER, txHash: '0x1' }) } });
    await db.sessions.add(s);
    const support = await service.topUps.support(s.id);
    expect(support).toMatchObject({ cap: false, expiry: 'local', localUntil: s.expiresAt + 7200 });
    expect(support.why).toMatch(/no top-up endpoint/);
    await expect(service.topUps.apply(s.id, { cap: 2_000_000n })).rejects.toMatchObject({ reason: 'topup_unavailable' });
    await expect(service.topUps.apply(s.id, { extendBy: 3 * 3600 })).rejects.toMatchObject({ reason: 'topup_unavailable' });
    expect((await service.topUps.apply(s.id, { extendBy: 3600 })).session).toMatchObject({ cap: s.cap, expiresAt: s.expiresAt + 3600, topUps: [{ to: { expiresAt: s.expiresAt + 3600 } }] });
    expect(asked).toBe(0);
    expect(stub.calls.filter((c) => c.method === 'PATCH')).toHaveLength(0);
  });

  it("a renewing budget's top-up raises the per-period cap: the total covers this period's new room and every later period", async () => {
    const approves: Record<string, unknown>[] = [];
    const patches: Record<string, unknown>[] = [];
    const stub = stubFacilitator({ supported: supported(true), topUp: (_id, body) => (patches.push(body), { status: 200, json: { cap: body.cap, spent: '30000', expiresAt: body.expiresAt } }) });
    const { service, db } = testService({
      facilitator: stub.facilitator,
      walletTab: async (origin) => ({ kind: 'page', origin, tabId: 7, frameId: 0 }),
      signer: { sign: async (_c, _chain, r) => (approves.push(r), { user: USER, txHash: '0x' + '61'.repeat(32) }) },
    });
    const now = Date.now();
    const s = sessionRecord({ cap: '210000', spent: '30000', createdAt: now, expiresAt: Math.floor((now + 7 * 86_400_000) / 1000), period: { ...newPeriod('day', 30_000n, now), spent: '30000' } });
    await db.sessions.add(s);
    expect(await service.paying.pay(A, payParams('10000'))).toMatchObject({ pay: false, reason: 'period_cap_exceeded' });
    const r = await service.topUps.apply(s.id, { cap: 50_000n });
    // 30000 spent + 20000 more today + 6 later days at 50000.
    expect(patches[0]).toMatchObject({ cap: '350000' });
    expect(approves[0]).toMatchObject({ amount: String(350_000n - 30_000n) });
    expect(r.session).toMatchObject({ cap: '350000', period: { cap: '50000', spent: '30000', index: 0 }, topUps: [{ from: { periodCap: '30000' }, to: { periodCap: '50000' } }] });
    expect(await service.paying.pay(A, payParams('10000'))).toMatchObject({ pay: true });
  });

  it('Solana sessions say why they cannot be topped up from the extension', async () => {
    const { service, db } = testService();
    const s = sessionRecord({ family: 'solana', network: 'solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1', asset: '4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU', recipient: 'GsbwXfJraMomNxBcjYLcG3mxkBUiyWXAB32fGbSMQRdW', spender: 'GsbwXfJraMomNxBcjYLcG3mxkBUiyWXAB32fGbSMQRdW', user: 'GsbwXfJraMomNxBcjYLcG3mxkBUiyWXAB32fGbSMQRdW' });
    await db.sessions.add(s);
    const support = await service.topUps.support(s.id);
    expect(support.cap).toBe(false);
    expect(support.why).toMatch(/Solana/);
  });
});

describe('budget alerts through the service', () => {
  it('80% and 100% each once, as a notification (unless turned off) and to the pages; the hour before the end by the sweep', async () => {
    const notes: { id: string; title: string }[] = [];
    const toPage: string[] = [];
    let on = true;
    let now = Date.now();
    const { service, db } = testService({
      now: () => now,
      notifications: { create: async (id, o) => void notes.push({ id, title: o.title }) },
      alertsEnabled: async () => on,
      onAlert: (_s, kind) => toPage.push(kind),
    });
    const s = sessionRecord({ cap: '500000', createdAt: now - 1000, expiresAt: Math.floor(now / 1000) + 2 * 3600 });
    await db.sessions.add(s);
    const payOnce = async () => {
      const r = await service.paying.pay(A, payParams());
      if (!r.pay) throw new Error(r.reason);
      await service.paying.report(A, { attemptId: r.attemptId, sent: true, status: 200, paymentResponse: header({ success: true, transaction: '0x' + 'aa'.repeat(32), network: 'eip155:31337' }), paymentRequired: null });
    };
    for (let i = 0; i < 3; i++) await payOnce();
    await new Promise((r) => setTimeout(r, 50));
    expect(toPage).toEqual([]);
    await payOnce(); // 80%
    await expect.poll(() => toPage).toEqual(['cap_80']);
    expect(notes.map((x) => x.title)).toEqual(['80% of the budget spent on dapp.test']);
    on = false;
    await payOnce(); // 100%
    await expect.poll(() => toPage).toEqual(['cap_80', 'cap_100']);
    expect(notes).toHaveLength(1);
    // A declined call past the cap does not alert again.
    expect(await service.paying.pay(A, payParams())).toMatchObject({ pay: false, reason: 'cap_exceeded' });
    await new Promise((r) => setTimeout(r, 50));
    expect(toPage).toEqual(['cap_80', 'cap_100']);

    // A second session, an hour and a minute from its end: the sweep gives the hour alert once it is due.
    const t = sessionRecord({ id: 'ending', createdAt: now - 86_400_000, expiresAt: Math.floor(now / 1000) + 3660 });
    await db.sessions.add(t);
    on = true;
    await service.alerts.sweep();
    expect(toPage.filter((k) => k.startsWith('expiry'))).toEqual(['expiry_day']);
    now += 120_000;
    await service.alerts.sweep();
    await service.alerts.sweep();
    expect(toPage.filter((k) => k.startsWith('expiry'))).toEqual(['expiry_day', 'expiry_hour']);
    expect(notes.map((x) => x.id)).toEqual([`x402-alert:${s.id}:cap_80@c500000`, 'x402-alert:ending:expiry_day@' + t.expiresAt, 'x402-alert:ending:expiry_hour@' + t.expiresAt]);
  });
});
