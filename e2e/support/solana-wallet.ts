import { ed25519 } from '@noble/curves/ed25519';
import { PublicKey, VersionedTransaction } from '@solana/web3.js';
import type { BrowserContext, Page } from 'playwright-core';

/**
 * The person's Solana wallet, stood in for: a Wallet Standard wallet registered in the page
 * (`wallet-standard:register-wallet`, and again on `wallet-standard:app-ready`) with
 * `standard:connect`, `standard:events`, `solana:signTransaction` and `solana:signMessage`.
 * Every request is answered here in Node with a real ed25519 key: transactions are decoded by
 * web3.js, the account must be a required signer, and its signature goes into its own slot.
 * `mode` is what the "person" does: approve, reject, leave the wallet locked, or connect and then
 * never answer a signature request (`hang`, for timeouts).
 */
export type SolanaWalletMode = 'approve' | 'reject' | 'locked' | 'hang';

export interface SolanaTestWalletOptions {
  /** 32-byte ed25519 seed, or a 64-byte web3.js secret key (seed ‖ public key). */
  secretKey: Uint8Array;
  /** `wallet.name`; default "Stand-in Solana Wallet". */
  name?: string;
  /** Default ['solana:localnet', 'solana:devnet']. */
  chains?: string[];
}

export class SolanaTestWallet {
  mode: SolanaWalletMode = 'approve';
  readonly name: string;
  readonly address: string;
  readonly chains: string[];
  /** Requests received, by feature, in order ("connect", "signTransaction", "signMessage"). */
  readonly requests: string[] = [];
  /** Each signed transaction's bytes and each signed message, as returned to the page. */
  readonly signedTransactions: Uint8Array[] = [];
  readonly signedMessages: Uint8Array[] = [];
  private readonly seed: Uint8Array;
  private readonly publicKey: Uint8Array;
  private readonly bindingName: string;

  constructor(opts: SolanaTestWalletOptions) {
    if (opts.secretKey.length !== 32 && opts.secretKey.length !== 64) throw new Error('secretKey must be a 32-byte seed or a 64-byte secret key');
    this.seed = opts.secretKey.slice(0, 32);
    this.publicKey = ed25519.getPublicKey(this.seed);
    if (opts.secretKey.length === 64 && !opts.secretKey.slice(32).every((b, i) => b === this.publicKey[i])) throw new Error('secretKey: public half does not match the seed');
    this.address = new PublicKey(this.publicKey).toBase58();
    this.name = opts.name ?? 'Stand-in Solana Wallet';
    this.chains = opts.chains ?? ['solana:localnet', 'solana:devnet'];
    this.bindingName = `__x402SolanaWallet_${this.address.slice(0, 8)}_${Math.random().toString(36).slice(2, 8)}`;
  }

  /** How many signature prompts the person saw (transactions + messages). */
  get signatureRequests(): number {
    return this.requests.filter((r) => r === 'signTransaction' || r === 'signMessage').length;
  }

  count(request: 'connect' | 'signTransaction' | 'signMessage'): number {
    return this.requests.filter((r) => r === request).length;
  }

  /** In every page of the context. */
  async install(context: BrowserContext): Promise<void> {
    await context.exposeBinding(this.bindingName, this.binding);
    await context.addInitScript({ content: this.pageScript() });
  }

  /** In one page only. */
  async installOnPage(page: Page): Promise<void> {
    await page.exposeBinding(this.bindingName, this.binding);
    await page.addInitScript({ content: this.pageScript() });
  }

  private readonly binding = async (_source: unknown, method: string, params: Record<string, string>) => {
    try {
      return { result: await this.handle(method, params ?? {}) };
    } catch (e) {
      const err = e as { code?: number; message?: string; name?: string };
      return { error: { code: err.code, message: err.message ?? String(e), name: err.name } };
    }
  };

  private async handle(method: string, params: Record<string, string>): Promise<unknown> {
    this.requests.push(method);
    if (this.mode === 'locked') throw Object.assign(new Error('The wallet is locked.'), { name: 'WalletLockedError' });
    if (this.mode === 'hang' && method !== 'connect') return new Promise<never>(() => {});
    switch (method) {
      case 'connect':
        return { address: this.address, publicKey: Buffer.from(this.publicKey).toString('base64') };
      case 'signTransaction': {
        if (this.mode === 'reject') throw Object.assign(new Error('User rejected the request.'), { code: 4001 });
        if (params.account !== this.address) throw new Error(`unknown account ${params.account}`);
        if (params.chain && !this.chains.includes(params.chain)) throw new Error(`unsupported chain ${params.chain}`);
        const tx = VersionedTransaction.deserialize(Buffer.from(params.transaction ?? '', 'base64'));
        const keys = tx.message.staticAccountKeys;
        const slot = keys.findIndex((k) => k.toBase58() === this.address);
        if (slot < 0 || slot >= tx.message.header.numRequiredSignatures) throw new Error('this account does not sign this transaction');
        tx.signatures[slot] = ed25519.sign(tx.message.serialize(), this.seed);
        const signed = tx.serialize();
        this.signedTransactions.push(signed);
        return { signedTransaction: Buffer.from(signed).toString('base64') };
      }
      case 'signMessage': {
        if (this.mode === 'reject') throw Object.assign(new Error('User rejected the request.'), { code: 4001 });
        if (params.account !== this.address) throw new Error(`unknown account ${params.account}`);
        const message = Buffer.from(params.message ?? '', 'base64');
        const signature = ed25519.sign(message, this.seed);
        this.signedMessages.push(new Uint8Array(message));
        return { signedMessage: message.toString('base64'), signature: Buffer.from(signature).toString('base64') };
      }
      default:
        throw new Error(`unsupported method ${method}`);
    }
  }

  private pageScript(): string {
    const config = { binding: this.bindingName, name: this.name, chains: this.chains };
    // Under tsx (npm start) esbuild keeps function names with a `__name(fn, "name")` helper that
    // does not exist in the page: stand one in, so the stringified function runs there too.
    return `(() => { const __name = (f) => f; (${standInWallet.toString()})(${JSON.stringify(config)}); })();`;
  }
}

/** Runs in the page: the Wallet Standard wallet object, delegating every signature to Node. */
function standInWallet(config: { binding: string; name: string; chains: string[] }): void {
  const w = window as unknown as Record<string, (method: string, params: Record<string, string>) => Promise<{ result?: unknown; error?: { code?: number; message: string; name?: string } }>>;
  const b64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
  const unb64 = (text: string) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  const call = async (method: string, params: Record<string, string> = {}) => {
    const answer = await w[config.binding]!(method, params);
    if (answer.error) throw Object.assign(new Error(answer.error.message), answer.error);
    return answer.result as Record<string, string>;
  };
  const FEATURES = ['solana:signTransaction', 'solana:signMessage'] as const;
  let accounts: { address: string; publicKey: Uint8Array; chains: string[]; features: readonly string[]; label: string }[] = [];
  const listeners = new Set<(props: { accounts: typeof accounts }) => void>();
  const wallet = {
    version: '1.0.0' as const,
    name: config.name,
    icon: 'data:image/svg+xml;base64,' + btoa('<svg xmlns="http://www.w3.org/2000/svg" width="32" height="32"><rect width="32" height="32" fill="#14f195"/></svg>'),
    chains: config.chains,
    get accounts() {
      return accounts;
    },
    features: {
      'standard:connect': {
        version: '1.0.0',
        connect: async () => {
          const r = await call('connect');
          accounts = [{ address: r.address!, publicKey: unb64(r.publicKey!), chains: config.chains, features: FEATURES, label: 'Stand-in' }];
          for (const l of listeners) l({ accounts });
          return { accounts };
        },
      },
      'standard:disconnect': {
        version: '1.0.0',
        disconnect: async () => {
          accounts = [];
          for (const l of listeners) l({ accounts });
        },
      },
      'standard:events': {
        version: '1.0.0',
        on: (_event: 'change', listener: (props: { accounts: typeof accounts }) => void) => {
          listeners.add(listener);
          return () => listeners.delete(listener);
        },
      },
      'solana:signTransaction': {
        version: '1.0.0',
        supportedTransactionVersions: ['legacy', 0],
        signTransaction: async (...inputs: { account: { address: string }; transaction: Uint8Array; chain?: string }[]) => {
          const out = [];
          for (const input of inputs) {
            const r = await call('signTransaction', { account: input.account.address, transaction: b64(input.transaction), chain: input.chain ?? '' });
            out.push({ signedTransaction: unb64(r.signedTransaction!) });
          }
          return out;
        },
      },
      'solana:signMessage': {
        version: '1.0.0',
        signMessage: async (...inputs: { account: { address: string }; message: Uint8Array }[]) => {
          const out = [];
          for (const input of inputs) {
            const r = await call('signMessage', { account: input.account.address, message: b64(input.message) });
            out.push({ signedMessage: unb64(r.signedMessage!), signature: unb64(r.signature!) });
          }
          return out;
        },
      },
    },
  };
  const callback = ({ register }: { register: (wallet: unknown) => unknown }) => register(wallet);
  try {
    window.dispatchEvent(new CustomEvent('wallet-standard:register-wallet', { detail: callback }));
  } catch (error) {
    console.error('wallet-standard:register-wallet event could not be dispatched', error);
  }
  window.addEventListener('wallet-standard:app-ready', (event) => callback((event as CustomEvent).detail));
}
