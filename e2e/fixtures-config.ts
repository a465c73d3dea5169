import type { Stack } from '../devnet/stack';
import { resolveNetwork } from '../lib/chains/networks';
import type { ExtensionBrowser } from './support/extension';

/**
 * Point the extension at the local chain's RPC (its port differs per run), and at the Stellar
 * half's Soroban-RPC stand-in and the local Solana runtime's when the stack runs them: the devnet's
 * Solana facilitator says `solana:devnet`, which the wallet stores under the devnet CAIP-2 id, so
 * that is the network whose RPC the person "set".
 */
export async function configureExtension(ext: ExtensionBrowser, stack: Stack): Promise<void> {
  const sw = await ext.serviceWorker();
  const rpc: Record<string, string> = { [stack.chain.network]: stack.chain.rpcUrl };
  if (stack.solana) rpc[resolveNetwork(stack.solana.network)!.id] = stack.solana.rpc.url;
  // The Stellar half's Soroban-RPC stand-in, for `stellar:local`.
  if (stack.stellar) rpc[stack.stellar.network] = stack.stellar.rpc.url;
  await sw.evaluate(async (rpc) => {
    const chrome = (globalThis as unknown as { chrome: { storage: { local: { get(k: string): Promise<Record<string, any>>; set(v: object): Promise<void> } } } }).chrome;
    const current = (await chrome.storage.local.get('settings')).settings ?? {};
    await chrome.storage.local.set({ settings: { ...current, rpc: { ...(current.rpc ?? {}), ...rpc } } });
  }, rpc);
}
