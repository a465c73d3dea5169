import type { Page } from '@playwright/test';
import { expect, securityRow, test } from '../fixtures';
import { startFront, startPublicSite, startRecorder, startTlsProxy } from '../support/public-origins';
import { openSession } from '../support/sessions';
import { readStore } from '../support/store';

/**
 * The hardening classes (issue "Hardening"), each shown gone against the local stack with an
 * attacker page or server: nothing sent, nothing reserved, the reason recorded.
 */

const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64');

/** The session's exact terms, as a 402 anyone can copy (facilitator and spender included). */
function copied402(stack: Parameters<Parameters<typeof test>[2]>[0]['stack'], over: { amount?: string; extra?: Record<string, unknown>; resource?: Record<string, unknown> } = {}) {
  return b64({
    x402Version: 2,
    error: 'Payment required',
    resource: { url: 'http://copy/', description: 'copy', mimeType: 'application/json', ...over.resource },
    accepts: [
      {
        scheme: 'session',
        network: stack.chain.network,
        amount: over.amount ?? '1',
        asset: stack.token.address,
        payTo: stack.api.recipient,
        maxTimeoutSeconds: 60,
        extra: { spender: stack.facilitator.address, facilitatorAddress: stack.facilitator.address, sessionsEndpoint: '/sessions', facilitatorUrl: stack.facilitator.url, ...over.extra },
      },
    ],
  });
}

const fetchStatus = (page: Page, url: string) =>
  page.evaluate(async (u) => {
    try {
      const r = await fetch(u);
      return r.status;
    } catch (e) {
      return `error ${(e as Error).name}`;
    }
  }, url);

const requestSession = (page: Page, params: Record<string, unknown>) =>
  page.evaluate((p) => window.x402session!.requestSession(p as never).then((s) => ({ ok: true as const, status: s.status }), (e: { code: number; reason: string; message: string }) => ({ ok: false as const, code: e.code, reason: e.reason, message: e.message })), params);

test.describe('hardening', () => {
  test('1: the bearer id goes only to the approved API origins, through the session\'s own facilitator; a 2xx without a receipt is not counted until the facilitator says so', async ({ ext, dapp, stack, chain }) => {
    test.setTimeout(120_000);
    let answer = copied402(stack);
    const copy = await startRecorder((_req, res) => {
      res.writeHead(402, { 'payment-required': answer, 'content-type': 'application/json', 'access-control-allow-origin': '*', 'access-control-expose-headers': 'payment-required' });
      res.end('{}');
    });
    const front = await startFront(stack.api.url, copy.url);
    try {
      await openSession(ext.context, dapp, stack);
      const sw = await ext.serviceWorker();
      // A script on the approved site fetches its own server, which copies the terms for 1 base unit.
      expect(await fetchStatus(dapp, `${copy.url}/harvest`)).toBe(402);
      let store = await readStore(sw);
      const reason = (url: string) => store.events.filter((e) => e.url === url).map((e) => e.reason)[0];
      securityRow('hardening 1', 'a copied 402 from an API origin the person did not approve', 'nothing sent · 0 reserved · api_origin_mismatch', `${copy.paid.length ? 'SENT' : 'nothing sent'} · ${store.payments.filter((p) => p.url.startsWith(copy.url)).length} reserved · ${reason(`${copy.url}/harvest`)}`);
      expect(copy.paid).toEqual([]);
      expect(store.payments.filter((p) => p.url.startsWith(copy.url))).toHaveLength(0);
      expect(reason(`${copy.url}/harvest`)).toBe('api_origin_mismatch');

      // Approved for that origin too: a 402 there naming another facilitator or spender is still refused.
      await openSession(ext.context, dapp, stack, { apiOrigins: [copy.url], cap: '0.10' });
      answer = copied402(stack, { extra: { facilitatorUrl: 'https://evil.example' } });
      expect(await fetchStatus(dapp, `${copy.url}/other-facilitator`)).toBe(402);
      answer = copied402(stack, { extra: { spender: '0x1111111111111111111111111111111111111111', facilitatorAddress: '0x1111111111111111111111111111111111111111' } });
      expect(await fetchStatus(dapp, `${copy.url}/other-spender`)).toBe(402);
      store = await readStore(sw);
      securityRow('hardening 1', 'approved origin, another facilitator / another spender', 'nothing sent · facilitator_mismatch / spender_mismatch', `${copy.paid.length ? 'SENT' : 'nothing sent'} · ${reason(`${copy.url}/other-facilitator`)} / ${reason(`${copy.url}/other-spender`)}`);
      expect(copy.paid).toEqual([]);
      expect(reason(`${copy.url}/other-facilitator`)).toBe('facilitator_mismatch');
      expect(reason(`${copy.url}/other-spender`)).toBe('spender_mismatch');

      // Served 200 without a receipt: reserved, not spent, until the facilitator's figure settles it.
      await openSession(ext.context, dapp, stack, { apiOrigins: [front.url], cap: '0.10' });
      const price = stack.api.prices.cheap;
      const recipientBefore = await chain.balanceOf(stack.api.recipient);
      expect(await fetchStatus(dapp, `${front.url}/strip-receipt${stack.api.paths.cheap}`)).toBe(200);
      const stripped = async () => (await readStore(sw)).payments.find((p) => p.url.includes('/strip-receipt/'));
      await expect.poll(async () => (await stripped())?.reason).toBe('unconfirmed');
      expect((await stripped())?.status).toBe('reserved');
      await expect.poll(async () => (await stripped())?.status, { timeout: 20_000 }).toBe('settled');
      expect((await stripped())?.reason).toBe('reconciled');
      expect((await chain.balanceOf(stack.api.recipient)) - recipientBefore).toBe(price);
      // A server that answers 200 without ever settling: released once the facilitator shows nothing moved.
      expect(await fetchStatus(dapp, `${front.url}/lie${stack.api.paths.cheap}`)).toBe(200);
      const lied = async () => (await readStore(sw)).payments.find((p) => p.url.includes('/lie/'));
      await expect.poll(async () => (await lied())?.status, { timeout: 20_000 }).toBe('released');
      const frontSession = (await readStore(sw)).sessions.find((s) => s.apiOrigins.includes(front.url))!;
      securityRow('hardening 1', '2xx without a receipt: real settle / lying server', `settled / released, spent ${price}`, `${(await stripped())?.status} / ${(await lied())?.status}, spent ${frontSession.spent}`);
      expect(frontSession.spent).toBe(String(price));
      expect((await chain.balanceOf(stack.api.recipient)) - recipientBefore).toBe(price);
    } finally {
      await front.close();
      await copy.close();
    }
  });

  test('2: a paid send never follows a redirect to another origin (normal retry and pre-emptive send); same-origin redirects go on, once', async ({ ext, dapp, stack, chain }) => {
    test.setTimeout(120_000);
    const attacker = await startRecorder();
    const front = await startFront(stack.api.url, attacker.url);
    try {
      await openSession(ext.context, dapp, stack, { apiOrigins: [front.url], cap: '0.10' });
      const sw = await ext.serviceWorker();
      const price = stack.api.prices.cheap;
      const recipientBefore = await chain.balanceOf(stack.api.recipient);
      const cross = `${front.url}/cross-redirect${stack.api.paths.cheap}`;
      const result = await fetchStatus(dapp, cross);
      const payment = async (part: string) => (await readStore(sw)).payments.find((p) => p.url.includes(part));
      await expect.poll(async () => (await payment('/cross-redirect/'))?.status, { timeout: 20_000 }).toBe('released');
      const store = await readStore(sw);
      securityRow('hardening 2', 'paid retry redirected to another origin', 'page error TypeError · header never sent there · released · redirect_refused', `page ${result} · ${attacker.all.length ? `attacker got ${attacker.all.length} request(s)` : 'header never sent there'} · ${(await payment('/cross-redirect/'))?.status} · ${store.events.find((e) => e.url === cross)?.reason}`);
      expect(result).toBe('error TypeError');
      expect(attacker.all).toEqual([]);
      expect(store.events.find((e) => e.url === cross)?.reason).toBe('redirect_refused');

      expect(await fetchStatus(dapp, `${front.url}/same-redirect${stack.api.paths.cheap}`)).toBe(200);
      await expect.poll(async () => (await payment('/same-redirect/'))?.status).toBe('settled');
      securityRow('hardening 2', 'paid retry redirected on the same origin', '1 redirect · settled', `${front.paidSeen.filter((x) => x.startsWith('same-redirect')).length} redirect · ${(await payment('/same-redirect/'))?.status}`);

      // Pre-emptive: a route learnt while it behaved, then redirecting its first (pre-paid) send away.
      const flip = `${front.url}/flip${stack.api.paths.cheap}`;
      expect(await fetchStatus(dapp, flip)).toBe(200);
      await expect.poll(async () => (await readStore(sw)).payments.filter((p) => p.url === flip && p.status === 'settled').length).toBe(1);
      expect(await fetchStatus(dapp, flip)).toBe(200); // pre-paid on its first send
      await expect.poll(async () => (await readStore(sw)).payments.filter((p) => p.url === flip && p.status === 'settled').length).toBe(2);
      front.setFlip('cross-redirect');
      const third = await fetchStatus(dapp, flip);
      await expect.poll(async () => (await readStore(sw)).payments.filter((p) => p.url === flip).map((p) => p.status).sort().join(','), { timeout: 20_000 }).toBe('released,settled,settled');
      securityRow('hardening 2', 'pre-emptive send redirected to another origin', 'page error TypeError · header never sent there · released', `page ${third} · ${attacker.all.length ? 'SENT' : 'header never sent there'} · released`);
      expect(third).toBe('error TypeError');
      expect(attacker.all).toEqual([]);
      const session = (await readStore(sw)).sessions[0]!;
      expect(session.spent).toBe(String(3n * price));
      expect((await chain.balanceOf(stack.api.recipient)) - recipientBefore).toBe(3n * price);
    } finally {
      await front.close();
      await attacker.close();
    }
  });

  test('3: the ledger follows the facilitator (a harvested id spent elsewhere), and ending the session lowers the allowance in the same click', async ({ ext, dapp, stack, chain, wallet, openPopup }) => {
    test.setTimeout(120_000);
    await openSession(ext.context, dapp, stack, { cap: '0.10' });
    const sw = await ext.serviceWorker();
    const price = stack.api.prices.cheap;
    const url = stack.api.url + stack.api.paths.cheap;
    for (let i = 0; i < 2; i++) expect(await fetchStatus(dapp, url)).toBe(200);
    await expect.poll(async () => (await readStore(sw)).sessions[0]!.spent).toBe(String(2n * price));
    // Someone holding the id settles the rest directly with the facilitator.
    const s = (await readStore(sw)).sessions[0]!;
    const requirements = { scheme: 'session', network: stack.chain.network, amount: String(100_000n - 2n * price), asset: stack.token.address, payTo: stack.api.recipient, maxTimeoutSeconds: 60, extra: {} };
    const settled = await fetch(`${stack.facilitator.url}/settle`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ x402Version: 2, paymentPayload: { x402Version: 2, accepted: requirements, payload: { sessionId: s.grant.sessionId } }, paymentRequirements: requirements }) });
    expect(settled.status).toBe(200);
    // The next call is refused by the facilitator (cap_exceeded): unexpected, so the wallet asks for its figure.
    expect(await fetchStatus(dapp, url)).toBe(402);
    await expect.poll(async () => (await readStore(sw)).sessions[0]!.spent).toBe('100000');
    const after = (await readStore(sw)).sessions[0]!;
    securityRow('hardening 3', 'after a direct settle with a harvested id', 'spent 100000, exhausted', `spent ${after.spent}, ${after.status}`);
    expect(after.status).toBe('exhausted');

    // End in the popup, lowering the allowance in the wallet (the only thing that stops a leaked id).
    const popup = await openPopup();
    const card = popup.locator(`[data-session-id="${after.id}"]`);
    await expect(card.getByTestId('session-remaining')).toHaveAttribute('data-units', '0');
    await expect(card.getByTestId('session-status')).toHaveText('exhausted');
    // Exhausted sessions have no End button; open a fresh one to end with a revoke.
    await openSession(ext.context, dapp, stack, { cap: '0.05' });
    const fresh = (await readStore(sw)).sessions.find((x) => x.status === 'active')!;
    const allowanceBefore = await chain.allowance(wallet.address, stack.facilitator.address);
    expect(allowanceBefore).toBeGreaterThan(0n);
    const sentBefore = wallet.sent.length;
    await popup.reload();
    const live = popup.locator(`[data-session-id="${fresh.id}"]`);
    await live.getByTestId('end-session').click();
    await live.getByTestId('end-and-revoke').click();
    await expect.poll(async () => chain.allowance(wallet.address, stack.facilitator.address), { timeout: 30_000 }).toBe(0n);
    // The allowance moves when the transaction is mined; the record gets its hash once the wallet answers.
    await expect.poll(async () => (await readStore(sw)).sessions.find((x) => x.id === fresh.id)?.revokeTx, { timeout: 15_000 }).toBeTruthy();
    const ended = (await readStore(sw)).sessions.find((x) => x.id === fresh.id)!;
    securityRow('hardening 3', 'End and lower the allowance', 'revoked · allowance 0 · 1 wallet transaction', `${ended.status} · allowance ${await chain.allowance(wallet.address, stack.facilitator.address)} · ${wallet.sent.length - sentBefore} wallet transaction`);
    expect(ended).toMatchObject({ status: 'revoked' });
    expect(ended.revokeTx).toBe(wallet.sent[wallet.sent.length - 1]);
    expect(wallet.sent.length - sentBefore).toBe(1);
  });

  test('4: a page cannot aim the background at URLs of its choosing: refused before any request, one uniform error, details in the popup log', async ({ ext, stack, wallet }) => {
    void wallet;
    const site = await startPublicSite();
    const probe = await startRecorder((_q, r) => r.end('{"kinds":[]}'));
    const notFound = await startRecorder((_q, r) => (r.writeHead(404), r.end('nope')));
    const tls = await startTlsProxy(stack.facilitator.url);
    const notFoundTls = await startTlsProxy(notFound.url, 'notfound.test');
    try {
      const page = await ext.context.newPage();
      await page.goto(site.url('shop.test'));
      const base = { network: stack.chain.network, asset: stack.token.address, cap: '0.10', expiresIn: 3600, recipient: stack.api.recipient };
      const cases: [string, string][] = [
        ['loopback http from a public page', probe.url],
        ['a private address', 'https://10.0.0.1'],
        ['a loopback name over https', `https://localhost:${probe.port}`],
        ['a query', `${tls.url}/?redirect=https://evil.example`],
        ['credentials', tls.url.replace('https://', 'https://user:pw@')],
        ['a closed port', 'https://facilitator.test:1'],
        ['a 404 service', notFoundTls.url],
      ];
      const results: string[] = [];
      for (const [i, [name, url]] of cases.entries()) {
        // Within the approval rate limit (5 at once, then one every 2 s): that limit is another test's.
        if (i >= 4) await page.waitForTimeout(2_100);
        const r = await requestSession(page, { ...base, facilitatorUrl: url });
        results.push(JSON.stringify(r));
        securityRow('hardening 4', `facilitatorUrl: ${name}`, 'error -32603 facilitator_unavailable', r.ok ? 'OPENED' : `error ${r.code} ${r.reason}`);
        expect(r).toMatchObject({ ok: false, code: -32603, reason: 'facilitator_unavailable' });
      }
      // One error, word for word: the page learns nothing of what is behind a URL.
      expect(new Set(results).size).toBe(1);
      expect(probe.all).toEqual([]);
      const logged = (await readStore(await ext.serviceWorker())).events.filter((e) => e.kind === 'session_failed').map((e) => e.detail as string);
      expect(logged).toHaveLength(cases.length);
      expect(new Set(logged).size).toBe(cases.length);

      // A public https facilitator the wallet does not know: the window opens, and warns in words.
      const window = ext.context.waitForEvent('page', { predicate: (p) => p.url().includes('/approve.html') });
      const pending = requestSession(page, { ...base, facilitatorUrl: tls.url, apiOrigins: ['https://api.test'] });
      const win = await window;
      const warning = win.getByTestId('approval-facilitator-warning');
      await expect(warning).toHaveAttribute('data-standing', 'unknown');
      await expect(warning).toContainText('can pull up to the cap');
      await expect(warning).toContainText('does not know this facilitator');
      securityRow('hardening 8', 'an unknown facilitator in the window', 'unknown · warned', `${await warning.getAttribute('data-standing')} · warned`);
      await win.getByTestId('reject').click();
      expect(await pending).toMatchObject({ ok: false, code: 4001 });
    } finally {
      await notFoundTls.close();
      await tls.close();
      await notFound.close();
      await probe.close();
      await site.close();
    }
  });

  test('5: the wallet is asked only in the document that asked, and what the signer reports is checked on chain before anything is stored', async ({ ext, dapp, stack, wallet, chain, approvalWindow }) => {
    const site = await startPublicSite();
    try {
      const params = { network: stack.chain.network, asset: stack.token.address, cap: '0.10', expiresIn: 3600, recipient: stack.api.recipient, facilitatorUrl: stack.facilitator.url, apiOrigins: [new URL(stack.api.url).origin] };
      // The tab navigates to another site while the window is open; Approve then signs nowhere.
      void requestSession(dapp, params).catch(() => undefined);
      const win = await approvalWindow();
      await dapp.goto(site.url('other.test'));
      await win.getByTestId('approve').click();
      await expect(win.getByTestId('approval-progress')).toHaveAttribute('data-step', 'failed');
      await expect(win.getByTestId('approval-progress')).toContainText(/gone|navigated/);
      const sw = await ext.serviceWorker();
      let store = await readStore(sw);
      securityRow('hardening 5', 'the tab navigated to another site before Approve', 'nothing signed · 0 stored', `${wallet.sent.length ? 'SIGNED' : 'nothing signed'} · ${store.sessions.length} stored`);
      expect(wallet.sent).toHaveLength(0);
      expect(store.sessions).toHaveLength(0);

      // A page that put its own "signer" in its MAIN world first, reporting an unrelated transaction.
      // The stack is shared with earlier tests: what matters is that this open moved no allowance.
      const allowanceBefore = await chain.allowance(wallet.address, stack.facilitator.address);
      const unrelated = await wallet.sendOutside(wallet.address);
      const page = await ext.context.newPage();
      await page.addInitScript(({ user, tx }) => {
        Object.defineProperty(window, '__x402sessionSigner:evm', { value: { run: async () => ({ ok: true, user, txHash: tx }) }, configurable: false });
      }, { user: wallet.address, tx: unrelated });
      await page.goto(stack.dapp.url.replace('127.0.0.1', 'localhost'));
      const pending = requestSession(page, params);
      await (await approvalWindow()).getByTestId('approve').click();
      const result = await pending;
      store = await readStore(sw);
      securityRow('hardening 5', 'a page faking the signer with an unrelated transaction', 'approval_not_verified · 0 stored', `${result.ok ? 'OPENED' : result.reason} · ${store.sessions.length} stored`);
      expect(result).toMatchObject({ ok: false, reason: 'approval_not_verified' });
      expect(store.sessions).toHaveLength(0);
      expect(await chain.allowance(wallet.address, stack.facilitator.address)).toBe(allowanceBefore);
    } finally {
      await site.close();
    }
  });

  test('6: six iframes of sibling subdomains get one approval window; the rest are refused with -32002', async ({ ext, stack, wallet }) => {
    void wallet;
    const site = await startPublicSite();
    const tls = await startTlsProxy(stack.facilitator.url);
    try {
      const hosts = ['s1', 's2', 's3', 's4', 's5', 's6'].map((h) => `${h}.site.test`);
      const page = await ext.context.newPage();
      await page.goto(site.url('site.test', `/frames?hosts=${hosts.join(',')}`));
      const children = () => page.frames().filter((f) => f !== page.mainFrame() && f.url().includes('.site.test'));
      await expect.poll(() => children().length).toBe(6);
      let windows = 0;
      ext.context.on('page', (p) => void (p.url().includes('/approve.html') && windows++));
      const params = { network: stack.chain.network, asset: stack.token.address, cap: '0.10', expiresIn: 3600, recipient: stack.api.recipient, facilitatorUrl: tls.url };
      const frames = children();
      await Promise.all(frames.map((f) => f.waitForFunction(() => !!window.x402session)));
      const results = frames.map((f) => f.evaluate((p) => window.x402session!.requestSession(p as never).then(() => 'opened', (e: { code: number }) => `error ${e.code}`), params));
      await expect.poll(() => windows, { timeout: 15_000 }).toBe(1);
      const win = ext.context.pages().find((p) => p.url().includes('/approve.html'))!;
      await win.getByTestId('reject').click();
      const got = (await Promise.all(results)).sort();
      securityRow('hardening 6', '6 sibling-subdomain iframes ask at once', '1 window · 5 × -32002 · 1 rejected', `${windows} window · ${got.filter((r) => r === 'error -32002').length} × -32002 · ${got.filter((r) => r === 'error 4001').length} rejected`);
      expect(windows).toBe(1);
      expect(got).toEqual(['error -32002', 'error -32002', 'error -32002', 'error -32002', 'error -32002', 'error 4001']);
    } finally {
      await tls.close();
      await site.close();
    }
  });

  test('7 & 8: site text cannot make the window lie or push its terms out of view; the facilitator\'s reach is said plainly', async ({ dapp, stack, wallet, approvalWindow }) => {
    void wallet;
    // Just under the codec's 4,096-character limit for one string: long enough to push a naive layout.
    const sneaky = `\u202E${'devorppA'} 0.00 cap \u2066\u200B${'x '.repeat(2000)}`;
    const copy = await startRecorder((req, res) => {
      if (req.headers['payment-signature']) return void res.end('{"served":true}');
      res.writeHead(402, { 'payment-required': copied402(stack, { amount: String(stack.api.prices.cheap), resource: { description: sneaky, serviceName: '\u202EteS' } }), 'content-type': 'application/json', 'access-control-allow-origin': '*', 'access-control-expose-headers': 'payment-required' });
      res.end('{}');
    });
    try {
      const pending = fetchStatus(dapp, `${copy.url}/bare`);
      const win = await approvalWindow();
      // The size the extension opens it at (the test context would otherwise give it a large viewport).
      await win.setViewportSize({ width: 440, height: 680 });
      const description = await win.getByTestId('approval-description').textContent();
      for (const id of ['approval-origin', 'approval-cap-summary', 'approval-recipient-summary', 'approve', 'reject']) await expect(win.getByTestId(id)).toBeInViewport({ ratio: 1 });
      const standing = win.getByTestId('approval-facilitator-warning');
      await expect(standing).toHaveAttribute('data-standing', 'local');
      await expect(standing).toContainText('can pull up to the cap');
      securityRow('hardening 7', 'bidi overrides and 4 KB of site text', 'no control characters shown · in view', `${/[\u202a-\u202e\u2066-\u2069\u200b]/.test(description ?? '') ? 'CONTROL CHARACTERS SHOWN' : 'no control characters shown'} · in view`);
      securityRow('hardening 8', 'the local devnet facilitator in the window', 'local · said', `${await standing.getAttribute('data-standing')} · said`);
      expect(description).not.toMatch(/[\u202a-\u202e\u2066-\u2069\u200b]/);
      await win.getByTestId('reject').click();
      expect(await pending).toBe(402);
      expect(copy.paid).toEqual([]);
    } finally {
      await copy.close();
    }
  });
});

test('9: a session opened from a bare 402 at price P pays nothing above P', async ({ ext, dapp, stack, approvalWindow }) => {
  // The paid API's cheap route (0.01) opens it; its chat route (0.10) is then above the ceiling.
  const pending = fetchStatus(dapp, stack.api.url + stack.api.paths.cheap);
  const win = await approvalWindow();
  await expect(win.getByTestId('approval-per-call')).toHaveValue('0.01');
  await expect(win.locator('#per-call-help')).toContainText('price shown');
  await win.getByTestId('approve').click();
  expect(await pending).toBe(200);
  const chat = await dapp.evaluate(async (u) => (await fetch(u, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"message":"hi"}' })).status, stack.api.url + stack.api.paths.chat);
  const store = await readStore(await ext.serviceWorker());
  const reason = store.events.find((e) => e.url === stack.api.url + stack.api.paths.chat)?.reason;
  securityRow('hardening 9', 'bare-402 session (price 0.01), then a 0.10 call', '402 · per_call_limit_exceeded', `${chat} · ${reason}`);
  expect(chat).toBe(402);
  expect(reason).toBe('per_call_limit_exceeded');
  expect(store.sessions[0]).toMatchObject({ perCallMax: String(stack.api.prices.cheap), spent: String(stack.api.prices.cheap) });
});
