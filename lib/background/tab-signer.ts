import { networkLabel } from '../chains/networks';
import { signerGlobal } from '../chains/signer-global';
import type { ChainAdapter, SignerOutcome, WalletRequest, WalletResult } from '../chains/types';
import { RpcCode, WalletError } from '../errors';
import { isWalletReason } from '../messaging/reasons';
import { rpcsFor, type Settings } from '../settings';
import type { ScriptingPorts } from './browser-ports';
import type { WalletSigner } from './context';
import type { PageCaller } from './sender';

/**
 * The wallet step, in the tab that asked: inject the chain's signer chunk into that frame's MAIN
 * world (only now, while a session opens), then run the request there, where the person's wallet
 * lives. The chunk's reply comes from a page-controlled world, so it is shape-checked and its
 * reason mapped to one of ours.
 */
export function createTabSigner(scripting: ScriptingPorts, settings: () => Promise<Settings>): WalletSigner {
  return {
    async sign(caller: PageCaller, chain: ChainAdapter, request: WalletRequest): Promise<WalletResult> {
      const s = await settings();
      const target = { tabId: caller.tabId, frameIds: [caller.frameId] };
      await scripting.executeScript({ target, world: 'MAIN', files: [chain.signer.file] });
      const [res] = await scripting.executeScript({
        target,
        world: 'MAIN',
        func: ((key: string, req: unknown) => (window as unknown as Record<string, { run(r: unknown): Promise<unknown> }>)[key]!.run(req)) as (...args: never[]) => unknown,
        args: [
          signerGlobal(chain.signer.entry),
          {
            ...request,
            rpcUrl: rpcsFor(s, request.network)[0],
            chainName: networkLabel(request.network),
            ...(s.preferredWallet ? { preferredRdns: s.preferredWallet } : {}),
          },
        ],
      });
      return outcomeOf(res?.result);
    },
  };
}

/** The signer chunk's answer, checked: anything else is a wallet error, never a success. */
export function outcomeOf(raw: unknown): WalletResult {
  const out = raw as SignerOutcome | undefined;
  if (!out || typeof out !== 'object') throw new Error('The wallet signer did not run in the page.');
  if (out.ok === true) {
    if (typeof out.user !== 'string' || typeof out.txHash !== 'string') throw new Error('The wallet signer answered something malformed.');
    return { user: out.user, txHash: out.txHash, ...(out.extra && typeof out.extra === 'object' ? { extra: out.extra } : {}) };
  }
  const code = out.code === 4001 ? RpcCode.UserRejected : out.code === 4900 ? RpcCode.Disconnected : RpcCode.Internal;
  throw new WalletError(code, isWalletReason(out.reason) ? out.reason : 'wallet_error', String(out.message ?? 'The wallet failed.').slice(0, 300));
}
