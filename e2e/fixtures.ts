import { test as base, expect, type Page } from '@playwright/test';
import { createPublicClient, http, parseAbi } from 'viem';
import { startStack, type Stack } from '../devnet/stack';
import { configureExtension } from './fixtures-config';
import { launchWithExtension, type ExtensionBrowser } from './support/extension';
import { startSite } from './support/site';
import { TestWallet } from './support/test-wallet';

const ERC20 = parseAbi(['function balanceOf(address) view returns (uint256)', 'function allowance(address,address) view returns (uint256)']);
let userCounter = 0;

export interface Fixtures {
  ext: ExtensionBrowser;
  wallet: TestWallet;
  /** A tab on the demo dapp's origin. */
  dapp: Page;
  /** A throwaway site reachable as two origins (A and B), with the test wallet installed. */
  site: Awaited<ReturnType<typeof startSite>>;
  chain: {
    balanceOf(address: `0x${string}`): Promise<bigint>;
    allowance(owner: `0x${string}`, spender: `0x${string}`): Promise<bigint>;
  };
  /** Wait for the approval window this test's action opens. */
  approvalWindow(): Promise<Page>;
  /** Open the toolbar popup's page in a tab. */
  openPopup(): Promise<Page>;
}


export const test = base.extend<Fixtures, { stack: Stack }>({
  stack: [
    async ({}, use) => {
      // Enough users that no two tests of one worker share one (see `wallet` below): 39 flow tests.
      const stack = await startStack({ quiet: true, userCount: 48 });
      await use(stack);
      await stack.stop();
    },
    { scope: 'worker', timeout: 60_000 },
  ],
  ext: async ({ stack }, use) => {
    const ext = await launchWithExtension();
    await configureExtension(ext, stack);
    await use(ext);
    await ext.close();
  },
  wallet: async ({ stack, ext }, use) => {
    // A different funded user per test: balances and allowances never leak between tests.
    const user = stack.accounts.users[userCounter++ % stack.accounts.users.length]!;
    const wallet = new TestWallet(user.privateKey as `0x${string}`, stack.chain.rpcUrl, stack.chain.chainId);
    await wallet.install(ext.context);
    await use(wallet);
  },
  dapp: async ({ ext, wallet, stack }, use) => {
    void wallet;
    const page = await ext.context.newPage();
    await page.goto(stack.dapp.url);
    await use(page);
  },
  site: async ({ wallet }, use) => {
    void wallet;
    const site = await startSite();
    await use(site);
    await site.close();
  },
  chain: async ({ stack }, use) => {
    const client = createPublicClient({ transport: http(stack.chain.rpcUrl) });
    const token = stack.token.address;
    await use({
      balanceOf: (a) => client.readContract({ address: token, abi: ERC20, functionName: 'balanceOf', args: [a] }),
      allowance: (o, s) => client.readContract({ address: token, abi: ERC20, functionName: 'allowance', args: [o, s] }),
    });
  },
  approvalWindow: async ({ ext }, use) => {
    await use(() => ext.context.waitForEvent('page', { predicate: (p) => p.url().includes('/approve.html'), timeout: 20_000 }));
  },
  openPopup: async ({ ext }, use) => {
    await use(async () => {
      const page = await ext.context.newPage();
      await page.setViewportSize({ width: 400, height: 700 });
      await page.goto(`chrome-extension://${ext.extensionId}/popup.html`);
      return page;
    });
  },
});

export { expect };

/** Record one row of security evidence (printed as the suite's table). */
export function securityRow(area: string, kase: string, expected: string, observed: string): void {
  test.info().annotations.push({ type: 'security-row', description: JSON.stringify({ area, case: kase, expected, observed }) });
}
