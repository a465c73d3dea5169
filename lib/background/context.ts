import type { ChainAdapter, WalletRequest, WalletResult } from '../chains/types';
import { RpcCode, WalletError } from '../errors';
import { FacilitatorClient } from '../facilitator/client';
import type { SchemeContext } from '../schemes/types';
import type { Audit } from './audit';
import type { PageCaller } from './sender';

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
  retryDelaysMs?: number[];
  log?: (event: string, data: Record<string, unknown>) => void;
}

const POOL_MAX = 64;

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

  /** For upkeep: no tab, so no wallet. */
  background(chain: ChainAdapter, origin: string): SchemeContext {
    return this.build(chain, origin, null, () => undefined);
  }

  /** For opening a session from `caller`'s tab, reporting progress to its approval window. */
  opening(chain: ChainAdapter, caller: PageCaller, progress: (step: 'wallet' | 'registering') => void): SchemeContext {
    return this.build(chain, caller.origin, caller, progress);
  }

  private build(chain: ChainAdapter, origin: string, caller: PageCaller | null, progress: SchemeContext['progress']): SchemeContext {
    const { deps } = this;
    return {
      chain,
      now: deps.now,
      facilitator: (url) => this.facilitator(url),
      async wallet(request) {
        if (!caller) throw new WalletError(RpcCode.Internal, 'internal_error', 'No tab to ask the wallet in.');
        try {
          return await deps.signer.sign(caller, chain, request);
        } catch (e) {
          if (e instanceof WalletError) throw e;
          throw new WalletError(RpcCode.Internal, 'wallet_error', `The wallet could not send the approval: ${e instanceof Error ? e.message.slice(0, 200) : 'unknown error'}`);
        }
      },
      progress,
      audit: (event) => deps.audit.record({ origin, ...event }),
      ...(deps.retryDelaysMs ? { retryDelaysMs: deps.retryDelaysMs } : {}),
      ...(deps.log ? { log: deps.log } : {}),
    };
  }
}
