import type { Page } from '@playwright/test';
import { startStack, type Stack } from '../devnet/stack';
import type { StellarStack } from '../devnet/stellar/stack';
import { expect, securityRow, test as base } from './fixtures';
import { configureExtension } from './fixtures-config';
import { launchWithExtension, type ExtensionBrowser } from './support/extension';
import { FreighterStandIn } from './support/freighter-wallet';

/** The devnet with its Stellar half (Soroban-RPC stand-in, USDC SAC, Stellar facilitator, /api/stellar/*). */
export type StellarDevStack = Stack & { stellar: StellarStack };

/** 100.00 USDC (7 decimals) for each test's fresh payer. */
const PAYER_USDC = 100n * 10_000_000n;

export interface StellarFixtures {
  /** The person's Freighter (stand-in), with a fresh funded payer account per test. */
  freighter: FreighterStandIn;
  /** A tab on the demo dapp with its chain picker on Stellar. */
  dapp: Page;
  /** Balances and allowances from the stand-in ledger. */
  ledger: {
    balance(holder: string): bigint;
    allowance(from: string): { amount: bigint; liveUntil: number | null };
  };
}

/**
 * The browser fixtures of ./fixtures on a stack that also runs the Stellar half, started once per
 * worker; the extension reads `stellar:local` through the stand-in, and every page of the context
 * has the Freighter stand-in.
 */
export const test = base.extend<StellarFixtures & { ext: ExtensionBrowser }, { stack: StellarDevStack }>({
  stack: [
    async ({}, use) => {
      const stack = await startStack({ quiet: true, userCount: 2, stellar: { payerCount: 1 } });
      if (!stack.stellar) throw new Error('the stack started without its Stellar half');
      await use(stack as StellarDevStack);
      await stack.stop();
    },
    { scope: 'worker', timeout: 90_000 },
  ],
  ext: async ({ stack }, use) => {
    const ext = await launchWithExtension();
    await configureExtension(ext, stack);
    await use(ext);
    await ext.close();
  },
  freighter: async ({ stack, ext }, use) => {
    const payer = stack.stellar.createPayer(PAYER_USDC);
    const freighter = new FreighterStandIn({ secret: payer.secret, networkPassphrase: stack.stellar.passphrase, sorobanRpcUrl: stack.stellar.rpc.url, networkUrl: stack.stellar.rpc.url });
    await freighter.install(ext.context);
    await use(freighter);
  },
  dapp: async ({ ext, freighter, stack }, use) => {
    void freighter;
    const page = await ext.context.newPage();
    await page.goto(`${stack.dapp.url}/?chain=stellar`);
    await use(page);
  },
  ledger: async ({ stack }, use) => {
    await use({ balance: (h) => stack.stellar.balance(h), allowance: (f) => stack.stellar.allowance(f) });
  },
});

export { expect, securityRow };

/** requestSession params for the Stellar half's paid API. */
export function stellarSessionParams(stack: StellarDevStack, over: Record<string, unknown> = {}) {
  const s = stack.stellar;
  return {
    network: s.network,
    asset: s.asset.contractId,
    cap: '1.00',
    expiresIn: 3600,
    recipient: s.accounts.recipient.publicKey,
    facilitatorUrl: s.facilitator.url,
    apiOrigins: [new URL(stack.api.url).origin],
    ...over,
  };
}

/** Ask for a Stellar session from `page` and approve it in the window; the page's public view. */
export async function openStellarSession(ext: ExtensionBrowser, page: Page, stack: StellarDevStack, over: Record<string, unknown> = {}) {
  const approval = ext.context.waitForEvent('page', { predicate: (p) => p.url().includes('/approve.html'), timeout: 30_000 });
  const pending = page.evaluate((p) => window.x402session!.requestSession(p as never).then((s) => s, (e: { code: number; message: string }) => ({ error: e.code, message: e.message })), stellarSessionParams(stack, over));
  await (await approval).getByTestId('approve').click();
  const result = (await pending) as Record<string, any>;
  if ('error' in result) throw new Error(`requestSession failed: ${result.error} ${result.message}`);
  return result as { id: string; cap: string; spent: string; origin: string; network: string };
}
