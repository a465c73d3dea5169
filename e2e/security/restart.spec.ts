import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configureExtension } from '../fixtures-config';
import { expect, securityRow, test } from '../fixtures';
import { launchWithExtension } from '../support/extension';
import { openSession } from '../support/sessions';
import { readStore } from '../support/store';
import { TestWallet } from '../support/test-wallet';

test('browser restart with a persistent profile: sessions, history and their state survive and keep paying', async ({ stack, chain }) => {
  const profile = mkdtempSync(join(tmpdir(), 'x402-persist-'));
  const user = stack.accounts.users[stack.accounts.users.length - 1]!;
  const price = stack.api.prices.chat;
  const chatUrl = stack.api.url + stack.api.paths.chat;
  const post = (page: import('@playwright/test').Page, n: number) =>
    page.evaluate(async ({ u, n }) => {
      const out: number[] = [];
      for (let i = 0; i < n; i++) out.push((await fetch(u, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"message":"hi"}' })).status);
      return out;
    }, { u: chatUrl, n });
  const recipientBefore = await chain.balanceOf(stack.api.recipient);

  // First run: open a session and pay three times.
  let ext = await launchWithExtension({ userDataDir: profile });
  await configureExtension(ext, stack);
  let wallet = new TestWallet(user.privateKey as `0x${string}`, stack.chain.rpcUrl, stack.chain.chainId);
  await wallet.install(ext.context);
  let dapp = await ext.context.newPage();
  await dapp.goto(stack.dapp.url);
  const opened = await openSession(ext.context, dapp, stack);
  expect(await post(dapp, 3)).toEqual([200, 200, 200]);
  await expect.poll(async () => (await readStore(await ext.serviceWorker())).sessions[0]?.spent).toBe(String(3n * price));
  await ext.close();

  // Second run, same profile: everything is still there and still pays, with no new approval.
  ext = await launchWithExtension({ userDataDir: profile });
  wallet = new TestWallet(user.privateKey as `0x${string}`, stack.chain.rpcUrl, stack.chain.chainId);
  await wallet.install(ext.context);
  const before = await readStore(await ext.serviceWorker());
  dapp = await ext.context.newPage();
  await dapp.goto(stack.dapp.url);
  const sessions = await dapp.evaluate(() => window.x402session!.getSessions());
  const popup = await ext.context.newPage();
  await popup.goto(`chrome-extension://${ext.extensionId}/popup.html`);
  await expect(popup.getByTestId('session-spent').first()).toHaveAttribute('data-units', String(3n * price));
  expect(await post(dapp, 2)).toEqual([200, 200]);
  await expect.poll(async () => (await readStore(await ext.serviceWorker())).sessions[0]?.spent).toBe(String(5n * price));
  const after = await readStore(await ext.serviceWorker());
  await ext.close();

  securityRow('browser restart', 'session after relaunch (same profile)', `${opened.id} active, spent ${3n * price}`, `${sessions[0]?.id} ${sessions[0]?.status}, spent ${sessions[0]?.spent}`);
  securityRow('browser restart', 'payment history after relaunch', '3 settled', `${before.payments.filter((p) => p.status === 'settled').length} settled`);
  securityRow('browser restart', 'keeps paying after relaunch, no new approval', `5 settled, ${5n * price} on chain, 1 wallet tx`, `${after.payments.filter((p) => p.status === 'settled').length} settled, ${(await chain.balanceOf(stack.api.recipient)) - recipientBefore} on chain, ${wallet.sent.length + 1} wallet tx`);
  expect(sessions[0]).toMatchObject({ id: opened.id, status: 'active', spent: String(3n * price) });
  expect(after.payments.filter((p) => p.status === 'settled')).toHaveLength(5);
  expect(wallet.sent).toHaveLength(0);
  expect((await chain.balanceOf(stack.api.recipient)) - recipientBefore).toBe(5n * price);
});
