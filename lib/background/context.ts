import type { ChainAdapter, WalletRequest, WalletResult } from '../chains/types';
import { RpcCode, WalletError } from '../errors';
import { FacilitatorClient } from '../facilitator/client';
import type { SchemeContext } from '../schemes/types';
import type { Audit } from './audit';
import type { PageCaller } from './sender';

/** Asks the person which wallet to sign with (one of `wallets`, page-supplied names); rejects with a WalletError when they decline. */
export type WalletChooser = (wallets: string[]) => Promise<string>;

/** Runs a wallet request in the caller's tab (the signer chunk of the chain's family). */
export interface WalletSigner {
  /** Rejects with a WalletError (4001 when the person refused in the wallet). */
  sign(caller: PageCaller, chain: ChainAdapter, request: WalletRequest): Promise<WalletResult>;
}

export interface ContextDeps {
  now: () => number;
  audit: Audit;
  /** Facilitator clients by URL; tests hand in their own. */
  facilitator?: (url: string) => FacilitatorClient;
  signer: WalletSigner;
  /** The read RPCs of a network, in the order to try them. */
  rpcs: (network: string) => Promise<string[]>;
  /** How a wallet result is checked on chain (the chain adapter's own check; unit tests without a chain replace it). */
  verifyWallet?: (chain: ChainAdapter, rpcUrl: string, request: WalletRequest, result: WalletResult) => Promise<string | null>;
  retryDelaysMs?: number[];
  log?: (event: string, data: Record<string, unknown>) => void;
}

const POOL_MAX = 64;
const VERIFY_ATTEMPTS = 5;
const VERIFY_RETRY_MS = 1_000;

/**
 * Builds the context a scheme works in. Facilitator clients are kept per URL, so what one approval
 * learnt from `/supported` serves the next request a moment later.
 */
export class SchemeContexts {
  private readonly pool = new Map<string, FacilitatorClient>();

  constructor(private readonly deps: ContextDeps) {}

  facilitator(url: string): FacilitatorClient {
    if (this.deps.facilitator) return this.deps.facilitator(url);
    let client = this.pool.get(url);
    if (!client) {
      client = new FacilitatorClient(url);
      this.pool.set(url, client);
      if (this.pool.size > POOL_MAX) this.pool.delete(this.pool.keys().next().value!);
    }
    return client;
  }

  /**
   * The signer ran in the page's world: before anything is stored, the chain must show exactly the
   * approved transaction. A chain that cannot be read fails closed, with what to do about it.
   */
  private async verify(chain: ChainAdapter, request: WalletRequest, result: WalletResult, origin: string): Promise<void> {
    const rpcs = await this.deps.rpcs(request.network);
    let lastError = 'no RPC is configured for this network';
    for (let attempt = 0; attempt < VERIFY_ATTEMPTS; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, VERIFY_RETRY_MS));
      for (const rpc of rpcs) {
        let why: string | null;
        try {
          why = await (this.deps.verifyWallet ? this.deps.verifyWallet(chain, rpc, request, result) : chain.verifyWallet(rpc, request, result));
        } catch (e) {
          // Not found yet (a lagging RPC), or unreachable: try the next RPC, then again.
          lastError = e instanceof Error ? e.message.split('\n')[0]!.slice(0, 200) : String(e);
          continue;
        }
        if (why === null) return;
        await this.deps.audit.record({ origin, kind: 'session_failed', reason: 'approval_not_verified', detail: `${result.txHash}: ${why}` });
        throw new WalletError(RpcCode.Internal, 'approval_not_verified', `The wallet reported a transaction that is not the approval you were asked for (${why}). Nothing was stored.`);
      }
    }
    await this.deps.audit.record({ origin, kind: 'session_failed', reason: 'approval_not_verified', detail: `${result.txHash}: ${lastError}` });
    throw new WalletError(RpcCode.Internal, 'approval_not_verified', `The approval (${result.txHash}) could not be checked on chain: ${lastError}. Nothing was stored; check the RPC setting for this network.`);
  }

  /** The read RPCs of a network, the person's own first. */
  rpcs(network: string): Promise<string[]> {
    return this.deps.rpcs(network);
  }

  /** For upkeep: no tab, so no wallet. */
  background(chain: ChainAdapter, origin: string): SchemeContext {
    return this.build(chain, origin, null, () => undefined);
  }

  /**
   * For opening a session from `caller`'s tab, reporting progress to its approval window; `choose`
   * asks the person there which of several wallets in the page signs.
   */
  opening(chain: ChainAdapter, caller: PageCaller, progress: (step: 'wallet' | 'registering') => void, choose?: WalletChooser): SchemeContext {
    return this.build(chain, caller.origin, caller, progress, choose);
  }

  private build(chain: ChainAdapter, origin: string, caller: PageCaller | null, progress: SchemeContext['progress'], choose?: WalletChooser): SchemeContext {
    const { deps } = this;
    return {
      chain,
      now: deps.now,
      rpcs: (network) => deps.rpcs(network),
      facilitator: (url) => this.facilitator(url),
      wallet: async (request) => {
        if (!caller) throw new WalletError(RpcCode.Internal, 'internal_error', 'No tab to ask the wallet in.');
        let result: WalletResult;
        try {
          try {
            result = await deps.signer.sign(caller, chain, request);
          } catch (e) {
            // Several wallets and none named yet: ask the person, then the same request with the one picked.
            const choices = e instanceof WalletError && e.reason === 'choose_wallet' ? e.data?.choices : undefined;
            if (!choose || !Array.isArray(choices) || choices.length === 0) throw e;
            const walletName = await choose(choices as string[]);
            result = await deps.signer.sign(caller, chain, { ...request, walletName });
          }
        } catch (e) {
          if (e instanceof WalletError) throw e;
          throw new WalletError(RpcCode.Internal, 'wallet_error', `The wallet could not send the approval: ${e instanceof Error ? e.message.slice(0, 200) : 'unknown error'}`);
        }
        await this.verify(chain, request, result, origin);
        return result;
      },
      progress,
      audit: (event) => deps.audit.record({ origin, ...event }),
      ...(deps.retryDelaysMs ? { retryDelaysMs: deps.retryDelaysMs } : {}),
      ...(deps.log ? { log: deps.log } : {}),
    };
  }
}
