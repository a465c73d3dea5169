import { networkLabel } from '../chains/networks';
import { signerGlobal } from '../chains/signer-global';
import type { ChainAdapter, SignerOutcome, WalletRequest, WalletResult } from '../chains/types';
import { RpcCode, WalletError } from '../errors';
import { isWalletReason, reasonMessage, signerReasonCode } from '../messaging/reasons';
import { rpcsFor, type Settings } from '../settings';
import type { ScriptingPorts } from './browser-ports';
import type { WalletSigner } from './context';
import type { PageCaller } from './sender';

const MAX_INJECTED = 512;
/** What the run answers in a document the chunk is not in. */
const ABSENT = 'x402session:signer-absent';

/**
 * The wallet step, in the tab that asked: inject the chain's signer chunk into that frame's MAIN
 * world (when a session opens there, or a per-call scheme first pays there), then run the request there, where the person's wallet
 * lives. The chunk's reply comes from a page-controlled world, so it is shape-checked and its
 * reason mapped to one of ours.
 */
export function createTabSigner(scripting: ScriptingPorts, settings: () => Promise<Settings>): WalletSigner {
  /**
   * Documents (frames, where documents have no id) the chunk was injected into. A scheme that signs
   * per call (`exact`) asks the same document again and again: the chunk goes in once, and a later
   * request only runs it. The set is a hint: the run itself says when the chunk is not there (a
   * restarted worker, a frame that navigated), and then it is injected again.
   */
  const injected = new Set<string>();
  return {
    async sign(caller: PageCaller, chain: ChainAdapter, request: WalletRequest): Promise<WalletResult> {
      const s = await settings();
      // Exactly the document that asked (Chrome): if the tab navigated since, there is nothing to
      // inject into. Where documents have no id (Firefox), the frame, checked below.
      const target = caller.documentId ? { tabId: caller.tabId, documentIds: [caller.documentId] } : { tabId: caller.tabId, frameIds: [caller.frameId] };
      const where = `${chain.signer.file}|${caller.documentId ?? `${caller.tabId}:${caller.frameId}`}`;
      const inject = async () => {
        await scripting.executeScript({ target, world: 'MAIN', files: [chain.signer.file] });
        injected.add(where);
        if (injected.size > MAX_INJECTED) injected.delete(injected.values().next().value!);
      };
      const run = () =>
        scripting.executeScript({
          target,
          world: 'MAIN',
          // Runs in the page: the document must still be the origin that asked, at the moment of
          // signing; a document without the chunk answers ABSENT (and gets it).
          func: ((key: string, req: unknown, origin: string, absent: string) => {
            if (location.origin !== origin) return { ok: false, code: 4100, reason: 'document_gone', message: 'The page that asked navigated away.' };
            const signer = (window as unknown as Record<string, { run(r: unknown): Promise<unknown> } | undefined>)[key];
            return signer ? signer.run(req) : absent;
          }) as (...args: never[]) => unknown,
          args: [
            signerGlobal(chain.signer.entry),
            {
              ...request,
              rpcUrl: rpcsFor(s, request.network)[0],
              chainName: networkLabel(request.network),
              ...(s.preferredWallet ? { preferredRdns: s.preferredWallet } : {}),
            },
            caller.origin,
            ABSENT,
          ],
        });
      let res: { result?: unknown } | undefined;
      try {
        if (!injected.has(where)) await inject();
        [res] = await run();
        if (res?.result === ABSENT) {
          await inject();
          [res] = await run();
        }
      } catch (e) {
        // No such document or frame any more (navigated, closed): nothing was signed.
        throw new WalletError(RpcCode.Disconnected, 'document_gone', `${reasonMessage('document_gone')} (${e instanceof Error ? e.message.slice(0, 120) : 'gone'})`);
      }
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
  const reason = isWalletReason(out.reason) ? out.reason : 'wallet_error';
  // The code follows from our reason (lib/messaging/reasons.ts), not from the page world's number;
  // a reason without one keeps the old mapping of the chunk's code.
  const code = (signerReasonCode(reason) as RpcCode | undefined) ?? (out.code === 4001 ? RpcCode.UserRejected : out.code === 4900 ? RpcCode.Disconnected : RpcCode.Internal);
  // Several wallets: their names (page-supplied text) go to the approval window for the person to pick.
  const choices = reason === 'choose_wallet' && Array.isArray(out.choices) ? [...new Set(out.choices.filter((c): c is string => typeof c === 'string' && c.length > 0 && c.length <= 64))].slice(0, 8) : [];
  throw new WalletError(code, reason, String(out.message ?? 'The wallet failed.').slice(0, 300), choices.length > 0 ? { choices } : undefined);
}
