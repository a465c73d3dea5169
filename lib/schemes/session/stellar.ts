import { expirationLedgerFor, SECONDS_PER_LEDGER, SorobanReader } from '../../chains/stellar';
import type { NetworkInfo, WalletRequest } from '../../chains/types';
import { RpcCode, WalletError } from '../../errors';
import type { SchemeContext } from '../types';
import type { SessionChainRules, SessionTerms } from './rules';

/** What the Stellar rules add to the chain's `sac-approve` request: the clock it was computed from. */
interface StellarSessionRequest extends WalletRequest {
  /** The approve's `expiration_ledger` (covers this session and the others on the same allowance). */
  expirationLedger: number;
  /** This session's own last ledger: what the facilitator registers. */
  sessionExpirationLedger: number;
  /** The latest ledger when the request was built, and when (unix seconds). */
  latestLedger: number;
  readAt: number;
}

/** The request `walletRequest` built: the flow hands it back; the ledgers are in it. */
function stellarRequest(request: WalletRequest | undefined): StellarSessionRequest {
  const r = request as StellarSessionRequest | undefined;
  if (!r || !Number.isSafeInteger(r.sessionExpirationLedger) || !Number.isSafeInteger(r.latestLedger)) throw new Error('the Stellar session rules need the wallet request they built');
  return r;
}

/** The latest ledger through the person's RPCs, first that answers. */
async function latestLedger(ctx: SchemeContext, network: NetworkInfo): Promise<number> {
  const rpcs = await ctx.rpcs(network.id);
  let last = 'no Soroban RPC is configured for this network';
  for (const rpcUrl of rpcs) {
    try {
      return await new SorobanReader({ rpcUrl }).latestLedger();
    } catch (e) {
      last = e instanceof Error ? e.message.slice(0, 200) : String(e);
    }
  }
  throw new WalletError(RpcCode.Internal, 'rpc_unreachable', `The latest Stellar ledger could not be read (${last}); check the Soroban RPC setting for this network. Nothing was signed.`);
}

/**
 * `session` on Stellar (docs/protocol.md §5.2): one SAC `approve(from, spender, amount,
 * expiration_ledger)` signed in Freighter. A 402's addresses are not judged here: the core compares
 * them exactly with the session's (a muxed, lower-cased or swapped recipient is another recipient),
 * and opening refuses what the chain adapter calls malformed, with its reason. The expiry is a ledger: latest + ceil(seconds / 5),
 * read from the chain right before the wallet step. The registration names that ledger
 * (`expirationLedger`), the payload is the bearer `{ sessionId }`.
 */
export const stellarSessionRules: SessionChainRules = {
  expiryOnChain: async (ctx, network) => ({ unit: 'ledger', current: await latestLedger(ctx, network), secondsPerUnit: SECONDS_PER_LEDGER }),

  async walletRequest(ctx, t: SessionTerms) {
    const latest = await latestLedger(ctx, t.network);
    const readAt = Math.floor(ctx.now() / 1000);
    const own = expirationLedgerFor(latest, t.expiresIn);
    // An approve replaces the allowance's last ledger too: it must also cover the other open
    // sessions drawing on it (their own ends stay theirs, enforced by the facilitator).
    const othersUntil = t.approveUntil !== undefined && t.approveUntil > readAt ? expirationLedgerFor(latest, t.approveUntil - readAt) : 0;
    const approveLedger = Math.max(own, othersUntil);
    const request = await ctx.chain.approveRequest({ network: t.network, asset: t.asset, spender: t.spender, amount: t.approveAmount, expiresAt: readAt + t.expiresIn, expiresAtHeight: approveLedger });
    const out: StellarSessionRequest = { ...request, expirationLedger: approveLedger, sessionExpirationLedger: own, latestLedger: latest, readAt };
    return out;
  },

  registrationBody: (t, wallet, _openedAt, request) => ({
    approvalTxHash: wallet.txHash,
    user: wallet.user,
    asset: t.asset,
    recipient: t.recipient,
    cap: t.cap.toString(),
    expirationLedger: stellarRequest(request).sessionExpirationLedger,
    network: t.facilitatorNetwork,
  }),

  /**
   * Unix seconds for the registered ledger, at ~5 s a ledger from when the ledger was read, never
   * later than the seconds the person approved. Ledgers are not a clock: the facilitator's
   * `session_expired` (ledger passed) ends the session too, whatever this says.
   */
  expiresAt(_body, t, openedAt, request) {
    const r = stellarRequest(request);
    const byLedger = r.readAt + (r.sessionExpirationLedger - r.latestLedger) * SECONDS_PER_LEDGER;
    return Math.min(openedAt + t.expiresIn, byLedger);
  },

  payload: (grant) => ({ sessionId: grant.sessionId }),
};
