import type { BrowserContext, Page } from '@playwright/test';
import { createWalletClient, defineChain, http, toHex, type Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';

/**
 * The person's wallet, stood in for: an EIP-1193 provider announced over EIP-6963 in every page,
 * whose requests are answered here in Node with a funded dev key on the local chain. Everything
 * else in the tests is real. `mode` decides what the "person" does with a transaction request.
 */
export class TestWallet {
  mode: 'approve' | 'reject' = 'approve';
  /** The wallet starts on another chain so the extension must switch it. */
  currentChainId = 1;
  readonly sent: Hex[] = [];
  /** EIP-712 signatures given (`eth_signTypedData_v4`), by primary type, in order. */
  readonly signed: string[] = [];
  readonly calls: string[] = [];
  private readonly account;
  private readonly client;

  constructor(
    privateKey: Hex,
    private readonly rpcUrl: string,
    private readonly chainId: number,
  ) {
    this.account = privateKeyToAccount(privateKey);
    const chain = defineChain({ id: chainId, name: 'devnet', nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [rpcUrl] } } });
    this.client = createWalletClient({ account: this.account, chain, transport: http(rpcUrl) });
  }

  get address(): `0x${string}` {
    return this.account.address;
  }

  /** A transaction of the person's own, outside the extension (a revoke in another app, an unrelated transfer). */
  async sendOutside(to: Hex, data: Hex = '0x'): Promise<Hex> {
    return this.client.sendTransaction({ to, data, value: 0n });
  }

  /** In every page of the context. */
  async install(context: BrowserContext): Promise<void> {
    await context.exposeBinding('__x402TestWallet', this.binding);
    await context.addInitScript({ content: PROVIDER_SCRIPT });
  }

  /** In one page only (benchmarks: other pages stay free of the stand-in wallet). */
  async installOnPage(page: Page): Promise<void> {
    await page.exposeBinding('__x402TestWallet', this.binding);
    await page.addInitScript({ content: PROVIDER_SCRIPT });
  }

  private readonly binding = (_source: unknown, method: string, params: unknown[]) => this.answer(method, params);

  /** One provider request, answered as the in-page provider expects (`{ result }` or `{ error }`). */
  async answer(method: string, params: unknown[]): Promise<{ result: unknown } | { error: { code: number; message: string } }> {
    try {
      return { result: await this.handle(method, params ?? []) };
    } catch (e) {
      const err = e as { code?: number; message?: string };
      return { error: { code: err.code ?? -32603, message: err.message ?? String(e) } };
    }
  }

  private async handle(method: string, params: unknown[]): Promise<unknown> {
    this.calls.push(method);
    switch (method) {
      case 'eth_requestAccounts':
      case 'eth_accounts':
        return [this.account.address];
      case 'eth_chainId':
        return toHex(this.currentChainId);
      case 'net_version':
        return String(this.currentChainId);
      case 'wallet_switchEthereumChain': {
        const wanted = Number((params[0] as { chainId: string }).chainId);
        if (wanted !== this.chainId) throw Object.assign(new Error('Unrecognized chain'), { code: 4902 });
        this.currentChainId = wanted;
        return null;
      }
      case 'wallet_addEthereumChain':
        return null;
      case 'wallet_requestPermissions':
      case 'wallet_getPermissions':
        return [{ parentCapability: 'eth_accounts' }];
      case 'eth_sendTransaction': {
        if (this.mode === 'reject') throw Object.assign(new Error('User rejected the request.'), { code: 4001 });
        if (this.currentChainId !== this.chainId) throw Object.assign(new Error('wrong chain'), { code: 4901 });
        const tx = params[0] as { to: Hex; data?: Hex; value?: Hex; from?: Hex };
        const hash = await this.client.sendTransaction({ to: tx.to, data: tx.data, value: tx.value ? BigInt(tx.value) : 0n });
        this.sent.push(hash);
        return hash;
      }
      case 'eth_signTypedData_v4': {
        // Signed for real with the key, as a wallet would: the extension checks the signature recovers to this account.
        if (this.mode === 'reject') throw Object.assign(new Error('User rejected the request.'), { code: 4001 });
        const [address, json] = params as [string, string];
        if (address.toLowerCase() !== this.account.address.toLowerCase()) throw Object.assign(new Error('unknown account'), { code: 4100 });
        const typed = JSON.parse(json) as { domain: Record<string, unknown>; types: Record<string, { name: string; type: string }[]>; primaryType: string; message: Record<string, unknown> };
        if (Number(typed.domain.chainId) !== this.currentChainId) throw Object.assign(new Error('typed data for another chain than the active one'), { code: -32603 });
        const { EIP712Domain: _domainType, ...types } = typed.types;
        const signature = await this.account.signTypedData({ domain: typed.domain as never, types, primaryType: typed.primaryType, message: typed.message });
        this.signed.push(typed.primaryType);
        return signature;
      }
      default: {
        const res = await fetch(this.rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
        const json = (await res.json()) as { result?: unknown; error?: { code: number; message: string } };
        if (json.error) throw Object.assign(new Error(json.error.message), { code: json.error.code });
        return json.result;
      }
    }
  }
}

/** The in-page provider; it calls `window.__x402TestWallet(method, params)`, however that is bound. */
export const PROVIDER_SCRIPT = `(() => {
  if (typeof window.__x402TestWallet !== 'function') return;
  const listeners = {};
  const emit = (ev, arg) => (listeners[ev] || []).slice().forEach((fn) => { try { fn(arg); } catch (_) {} });
  const provider = {
    isTestWallet: true,
    async request({ method, params }) {
      const r = await window.__x402TestWallet(method, params || []);
      if (r.error) { const e = new Error(r.error.message); e.code = r.error.code; throw e; }
      if (method === 'wallet_switchEthereumChain') emit('chainChanged', params[0].chainId);
      return r.result;
    },
    on(ev, fn) { (listeners[ev] = listeners[ev] || []).push(fn); return provider; },
    removeListener(ev, fn) { listeners[ev] = (listeners[ev] || []).filter((f) => f !== fn); return provider; },
  };
  const info = Object.freeze({ uuid: '6f1c0a52-4f7e-4c39-9a3e-1d2b3c4d5e6f', name: 'Test Wallet', rdns: 'dev.x402.testwallet',
    icon: 'data:image/svg+xml,%3Csvg xmlns=%22http://www.w3.org/2000/svg%22 width=%2232%22 height=%2232%22/%3E' });
  const announce = () => window.dispatchEvent(new CustomEvent('eip6963:announceProvider', { detail: Object.freeze({ info, provider }) }));
  window.addEventListener('eip6963:requestProvider', announce);
  announce();
})();`;
