import { knownTokenByKey } from '../chains/networks';
import { chainFor } from '../chains/registry';
import type { NetworkInfo } from '../chains/types';
import type { TokenView } from '../schemes/types';
import { rpcsFor, type Settings } from '../settings';

/**
 * Token metadata for the approval window: the built-in list first (verified), else read from the
 * chain through each configured RPC in turn (unverified). Reads are cached per worker; a failed
 * read is not.
 */
export function createTokenReader(settings: () => Promise<Settings>): (network: NetworkInfo, asset: string) => Promise<TokenView> {
  const cache = new Map<string, Promise<TokenView>>();
  return async (network, asset) => {
    const chain = chainFor(network.family);
    if (!chain) throw new Error(`no adapter for ${network.family}`);
    const key = chain.addressKey(asset);
    const known = knownTokenByKey(network.id, key);
    if (known) return { symbol: known.symbol, decimals: known.decimals, ...(known.name ? { name: known.name } : {}), verified: true };
    const cacheKey = `${network.id}/${key}`;
    let p = cache.get(cacheKey);
    if (!p) {
      p = (async () => {
        const rpcs = rpcsFor(await settings(), network.id);
        if (rpcs.length === 0) throw new Error(`no RPC configured for ${network.id}`);
        let last: unknown = null;
        for (const rpc of rpcs) {
          try {
            return { ...(await chain.readToken(rpc, asset)), verified: false };
          } catch (e) {
            last = e;
          }
        }
        throw last;
      })();
      cache.set(cacheKey, p);
      p.catch(() => cache.delete(cacheKey));
    }
    return p;
  };
}
