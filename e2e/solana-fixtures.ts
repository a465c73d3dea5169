import type { BrowserContext, Page } from '@playwright/test';
import { startStack, type Stack, type StackSolana } from '../devnet/stack';
import { test as base, expect } from './fixtures';
import { SolanaTestWallet, type SolanaTestWalletOptions } from './support/solana-wallet';

/** A stack that runs the Solana half too. */
export type SolanaStack = Stack & { solana: StackSolana };

export interface SolanaFixtures {
  /** The Solana half of the stack (runtime, RPC, facilitator, payers, the paid API's routes). */
  sol: StackSolana;
  /** The person's Solana wallet (stand-in), a different funded payer per test, in the dapp page. */
  solWallet: SolanaTestWallet;
  /** A tab on the demo dapp with the Solana chain picked and `solWallet` installed. */
  dapp: Page;
  /** Put another stand-in wallet (e.g. a second one, to be picked between) into a page before it loads. */
  addSolanaWallet(page: Page, o?: Partial<SolanaTestWalletOptions> & { payer?: number }): Promise<SolanaTestWallet>;
}

let payerCounter = 0;
const PAYERS = 10;

/**
 * The browser fixtures, on a stack with the Solana half: one stack per worker (Playwright runs these
 * tests in a worker of their own, since the stack fixture differs from the EVM suites'), a funded
 * payer per test so balances and delegations never leak between tests.
 */
export const test = base.extend<SolanaFixtures, { stack: SolanaStack }>({
  stack: [
    async ({}, use) => {
      const stack = (await startStack({ quiet: true, userCount: 2, solana: { payerCount: PAYERS } })) as SolanaStack;
      await use(stack);
      await stack.stop();
    },
    { scope: 'worker', timeout: 90_000 },
  ],
  sol: async ({ stack }, use) => use(stack.solana),
  solWallet: async ({ stack }, use) => {
    const payer = stack.solana.payers[payerCounter++ % PAYERS]!;
    await use(new SolanaTestWallet({ secretKey: payer.keypair.secretKey }));
  },
  addSolanaWallet: async ({ stack }, use) => {
    await use(async (page, o = {}) => {
      const payer = stack.solana.payers[(o.payer ?? payerCounter++) % PAYERS]!;
      const wallet = new SolanaTestWallet({ secretKey: o.secretKey ?? payer.keypair.secretKey, ...(o.name ? { name: o.name } : {}), ...(o.chains ? { chains: o.chains } : {}) });
      await wallet.installOnPage(page);
      return wallet;
    });
  },
  dapp: async ({ ext, solWallet, stack }, use) => {
    const page = await ext.context.newPage();
    await solWallet.installOnPage(page);
    await page.goto(`${stack.dapp.url}/?chain=solana`);
    await use(page);
  },
});

export { expect };

/** `requestSession` params for the devnet's Solana half. */
export function solanaParams(sol: StackSolana, o: { cap?: string; perCallMax?: string; apiOrigins?: string[]; recipient?: string } = {}) {
  return {
    network: sol.network,
    asset: sol.mint.address,
    cap: o.cap ?? '1.00',
    expiresIn: 3600,
    recipient: o.recipient ?? sol.api.recipient,
    facilitatorUrl: sol.facilitator.url,
    apiOrigins: o.apiOrigins ?? [new URL(sol.api.url).origin],
    ...(o.perCallMax ? { perCallMax: o.perCallMax } : {}),
  };
}

/** Ask for a Solana session from `page`, approve it in the window; the page's public view. */
export async function openSolanaSession(context: BrowserContext, page: Page, sol: StackSolana, o: Parameters<typeof solanaParams>[1] = {}) {
  const approval = context.waitForEvent('page', { predicate: (p) => p.url().includes('/approve.html'), timeout: 30_000 });
  const pending = page.evaluate((p) => window.x402session!.requestSession(p as never).then((s) => s, (e: { code: number; message: string }) => ({ error: e.code, message: e.message })), solanaParams(sol, o));
  await (await approval).getByTestId('approve').click();
  const result = (await pending) as Record<string, any>;
  if ('error' in result) throw new Error(`requestSession failed: ${result.error} ${result.message}`);
  return result as { id: string; cap: string; spent: string; origin: string };
}
