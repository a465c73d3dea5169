import type { Stack } from '../devnet/stack';
import type { ExtensionBrowser } from './support/extension';

/** Point the extension at the local chain's RPC (its port differs per run). */
export async function configureExtension(ext: ExtensionBrowser, stack: Stack): Promise<void> {
  const sw = await ext.serviceWorker();
  await sw.evaluate(async ({ network, rpc }) => {
    const chrome = (globalThis as unknown as { chrome: { storage: { local: { get(k: string): Promise<Record<string, any>>; set(v: object): Promise<void> } } } }).chrome;
    const current = (await chrome.storage.local.get('settings')).settings ?? {};
    await chrome.storage.local.set({ settings: { ...current, rpc: { ...(current.rpc ?? {}), [network]: rpc } } });
  }, { network: stack.chain.network, rpc: stack.chain.rpcUrl });
}

/** Point the extension at the devnet's Soroban-RPC stand-in for `stellar:local` (its port differs per run). */
export async function configureStellar(ext: ExtensionBrowser, stellar: { network: string; rpc: { url: string } }): Promise<void> {
  const sw = await ext.serviceWorker();
  await sw.evaluate(async ({ network, rpc }) => {
    const chrome = (globalThis as unknown as { chrome: { storage: { local: { get(k: string): Promise<Record<string, any>>; set(v: object): Promise<void> } } } }).chrome;
    const current = (await chrome.storage.local.get('settings')).settings ?? {};
    await chrome.storage.local.set({ settings: { ...current, rpc: { ...(current.rpc ?? {}), [network]: rpc } } });
  }, { network: stellar.network, rpc: stellar.rpc.url });
}
