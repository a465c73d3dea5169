/** viem clients for any EVM JSON-RPC endpoint (the local node or a remote one such as Base Sepolia). */
import { createPublicClient, createWalletClient, defineChain, http, type Chain as ViemChain, type Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';

export function viemChain(chainId: number, rpcUrl: string): ViemChain {
  return defineChain({
    id: chainId,
    name: chainId === 31337 ? 'Devnet' : `eip155:${chainId}`,
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  });
}

/**
 * Local chains mine instantly, so poll fast; remote chains get viem's usual pace.
 * Batching is off so one slow call never delays another.
 */
export function publicClientFor(rpcUrl: string, chainId: number, pollingIntervalMs = 100) {
  return createPublicClient({ chain: viemChain(chainId, rpcUrl), transport: http(rpcUrl, { retryCount: 1 }), pollingInterval: pollingIntervalMs });
}

export function walletClientFor(rpcUrl: string, chainId: number, privateKey: Hex, pollingIntervalMs = 100) {
  return createWalletClient({
    account: privateKeyToAccount(privateKey),
    chain: viemChain(chainId, rpcUrl),
    // No automatic retry for the sending side: re-broadcasting after an ambiguous failure could
    // report a transfer that did land as failed (and refund a debit that was really spent).
    transport: http(rpcUrl, { retryCount: 0 }),
    pollingInterval: pollingIntervalMs,
  });
}

export type PublicClient = ReturnType<typeof publicClientFor>;
export type WalletClient = ReturnType<typeof walletClientFor>;
