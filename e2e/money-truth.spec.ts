import type { Page } from '@playwright/test';
import { encodeFunctionData, parseAbi } from 'viem';
import { expect, test } from './fixtures';
import { startFront, startRecorder } from './support/public-origins';
import { openSession } from './support/sessions';
import { readStore, setSettings } from './support/store';

/**
 * What was seen against a facilitator and API the wallet had never met, shown gone (issue "The
 * money truth in the real world"): shared spenders, failed settlements, lost sessions, unreachable
 * RPCs, 402s naming no facilitator. Figures are printed as they are checked, for the record.
 */

const fmt = (units: bigint | string) => (Number(units) / 1e6).toFixed(2);
const get = (page: Page, url: string) => page.evaluate(async (u) => (await fetch(u)).status, url);
const ERC20 = parseAbi(['function approve(address spender, uint256 value) returns (bool)']);

test('two sites, one spender: each approve covers what the other still needs; ending one lowers the allowance to what the other needs', async ({ ext, dapp, stack, wallet, chain, openPopup }) => {
  test.setTimeout(120_000);
  const sw = await ext.serviceWorker();
  const slot = stack.api.url + stack.api.paths.cheap;
  const allowance = () => chain.allowance(wallet.address, stack.facilitator.address);
  const remaining = async (origin: string) => {
    const s = (await readStore(sw)).sessions.find((x) => x.origin === origin && x.status !== 'revoked');
    return s ? BigInt(s.cap) - BigInt(s.spent) - BigInt(s.reserved) : 0n;
  };
  const A = new URL(stack.dapp.url).origin;
  const siteB = await ext.context.newPage();
  await siteB.goto(stack.dapp.url.replace('127.0.0.1', 'localhost'));
  const B = new URL(siteB.url()).origin;
  const step = async (what: string, expectAllowance: bigint, expectA: bigint, expectB: bigint) => {
    await expect.poll(allowance).toBe(expectAllowance);
    await expect.poll(() => remaining(A)).toBe(expectA);
    await expect.poll(() => remaining(B)).toBe(expectB);
    console.log(`  ${what.padEnd(44)} allowance ${fmt(expectAllowance)} · A left ${fmt(expectA)} · B left ${fmt(expectB)}`);
  };

  await openSession(ext.context, dapp, stack, { cap: '0.05' });
  await step('A opens 0.05', 50_000n, 50_000n, 0n);
  for (let i = 0; i < 2; i++) expect(await get(dapp, slot)).toBe(200);
  await step('A pays 0.02', 30_000n, 30_000n, 0n);

  // B asks for 0.05: the window says the approve must also cover what A still needs.
  const approval = ext.context.waitForEvent('page', { predicate: (p) => p.url().includes('/approve.html') });
  const pending = siteB.evaluate((p) => window.x402session!.requestSession(p as never), { network: stack.chain.network, asset: stack.token.address, cap: '0.05', expiresIn: 3600, recipient: stack.api.recipient, facilitatorUrl: stack.facilitator.url, apiOrigins: [new URL(stack.api.url).origin] });
  const win = await approval;
  const amount = win.getByTestId('approval-approve-amount');
  await expect(amount).toHaveAttribute('data-units', '80000');
  await expect(amount).toContainText(`0.03 USDC still open for ${A}`);
  console.log(`  B's window: "${(await amount.textContent())?.slice(0, 120)}…"`);
  await win.getByTestId('approve').click();
  await pending;
  await step('B opens 0.05 (approves 0.05 + 0.03 for A)', 80_000n, 30_000n, 50_000n);
  expect(await get(siteB, slot)).toBe(200);
  await step('B pays 0.01', 70_000n, 30_000n, 40_000n);

  // End A with the revoke: the allowance drops to what B still needs, never below.
  const popup = await openPopup();
  const cardA = popup.locator('[data-testid="session-card"]', { has: popup.getByText(A, { exact: true }) });
  await cardA.getByTestId('end-session').click();
  await cardA.getByTestId('end-and-revoke').click();
  await step('A ends and lowers the allowance', 40_000n, 0n, 40_000n);
  for (let i = 0; i < 4; i++) expect(await get(siteB, slot)).toBe(200);
  await step('B pays its last 0.04', 0n, 0n, 0n);
  expect(await get(siteB, slot)).toBe(402);
});

test('a settlement that fails on chain pauses the session after one attempt; re-approving in the popup resumes it', async ({ ext, dapp, stack, wallet, chain, openPopup }) => {
  test.setTimeout(120_000);
  const attacker = await startRecorder();
  const front = await startFront(stack.api.url, attacker.url);
  try {
    await openSession(ext.context, dapp, stack, { apiOrigins: [front.url], cap: '0.10' });
    const sw = await ext.serviceWorker();
    const url = `${front.url}/forward${stack.api.paths.cheap}`;
    expect(await get(dapp, url)).toBe(200);
    // The person revokes the allowance in another app.
    await wallet.sendOutside(stack.token.address, encodeFunctionData({ abi: ERC20, functionName: 'approve', args: [stack.facilitator.address, 0n] }));
    expect(await chain.allowance(wallet.address, stack.facilitator.address)).toBe(0n);
    const paidBefore = front.paidSeen.length;
    expect(await get(dapp, url)).toBe(402);
    await expect.poll(async () => (await readStore(sw)).sessions[0]!.status).toBe('paused');
    const s = (await readStore(sw)).sessions[0]!;
    expect(s.statusReason).toBe('onchain_transfer_failed');
    expect((await readStore(sw)).payments.filter((p) => p.status === 'released').map((p) => p.reason)).toEqual(['onchain_transfer_failed']);
    // No more attempts while paused: the next 402 is declined at once, nothing is sent.
    expect(await get(dapp, url)).toBe(402);
    expect(front.paidSeen.length - paidBefore).toBe(1);
    const events = (await readStore(sw)).events.map((e) => e.reason);
    expect(events).toContain('onchain_transfer_failed');
    expect(events).toContain('session_paused');

    const popup = await openPopup();
    await expect(popup.getByTestId('session-paused')).toHaveAttribute('data-reason', 'onchain_transfer_failed');
    await popup.getByTestId('reapprove').click();
    await expect.poll(async () => (await readStore(sw)).sessions[0]!.status, { timeout: 30_000 }).toBe('active');
    expect(await chain.allowance(wallet.address, stack.facilitator.address)).toBe(90_000n);
    expect(await get(dapp, url)).toBe(200);
    await expect.poll(async () => (await readStore(sw)).sessions[0]!.spent).toBe('20000');
  } finally {
    await front.close();
    await attacker.close();
  }
});

test('a facilitator that lost its database: the session is marked failed with the reason, the dapp hears it, and the next 402 offers a new one', async ({ ext, dapp, stack, approvalWindow }) => {
  test.setTimeout(120_000);
  await openSession(ext.context, dapp, stack, { cap: '0.10' });
  const sw = await ext.serviceWorker();
  // Each call is its own 402 → paid retry here (a pre-paid first send would fold the refusal and the
  // new offer into one call, depending on which message the worker handles first).
  await setSettings(sw, { preemptive: false });
  const slot = stack.api.url + stack.api.paths.cheap;
  await dapp.evaluate(() => {
    (window as any).__changes = [];
    window.x402session!.on('sessionChanged', (s) => (window as any).__changes.push(s));
  });
  expect(await get(dapp, slot)).toBe(200);
  await stack.facilitator.loseDatabase();
  expect(await get(dapp, slot)).toBe(402);
  await expect.poll(async () => (await readStore(sw)).sessions[0]!.status).toBe('failed');
  expect((await readStore(sw)).sessions[0]!.statusReason).toBe('session_not_found');
  await expect.poll(() => dapp.evaluate(() => (window as any).__changes.map((s: { status: string; statusReason?: string }) => `${s.status}:${s.statusReason}`))).toContain('failed:session_not_found');
  // The next 402 opens the approval window again.
  const next = get(dapp, slot);
  await (await approvalWindow()).getByTestId('approve').click();
  expect(await next).toBe(200);
  const sessions = (await readStore(sw)).sessions.map((s) => s.status).sort();
  expect(sessions).toEqual(['active', 'failed']);
});

test('why a 402 was not paid is always listed: token unreadable through every RPC, a 402 naming no facilitator', async ({ ext, dapp, stack, openPopup }) => {
  const sw = await ext.serviceWorker();
  // Every RPC for this network unreachable: the person's own, then the built-in default.
  await setSettings(sw, { rpc: { [stack.chain.network]: 'http://127.0.0.1:1' } });
  const slot = stack.api.url + stack.api.paths.cheap;
  expect(await get(dapp, slot)).toBe(402);
  const noFacilitator = await startRecorder((_q, res) => {
    const accepts = [{ scheme: 'session', network: stack.chain.network, amount: '10000', asset: stack.token.address, payTo: stack.api.recipient, maxTimeoutSeconds: 60, extra: { spender: stack.facilitator.address } }];
    res.writeHead(402, { 'payment-required': Buffer.from(JSON.stringify({ x402Version: 2, accepts })).toString('base64'), 'content-type': 'application/json' });
    res.end('{}');
  });
  try {
    expect(await get(dapp, `${noFacilitator.url}/paid`)).toBe(402);
  } finally {
    await noFacilitator.close();
  }
  const reasons = (await readStore(sw)).events.map((e) => e.reason);
  expect(reasons).toContain('token_unreadable');
  expect(reasons).toContain('no_facilitator');
  const popup = await openPopup();
  await popup.getByTestId('declined').locator('summary').click();
  await expect(popup.locator('[data-reason="token_unreadable"]').first()).toBeVisible();
  await expect(popup.locator('[data-reason="no_facilitator"]').first()).toBeVisible();
  // With a working RPC again, the same 402 is offered a session.
  await setSettings(sw, { rpc: { [stack.chain.network]: stack.chain.rpcUrl } });
  const again = get(dapp, slot);
  const win = await ext.context.waitForEvent('page', { predicate: (p) => p.url().includes('/approve.html') });
  await win.getByTestId('reject').click();
  expect(await again).toBe(402);
});
