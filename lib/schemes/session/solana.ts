import { SolanaError, buildSessionBody, parseAuthMessage, type SolanaSessionBody } from '../../chains/solana';
import type { WalletRequest, WalletResult } from '../../chains/types';
import { RpcCode, WalletError } from '../../errors';
import type { SessionChainRules } from './rules';

/**
 * `session` on Solana (docs/protocol.md §5.3, Inco's wire format): the person signs, in one wallet
 * step, a partial `ApproveChecked` of the facilitator (delegate and fee payer) and the session's
 * auth message; `POST /sessions` carries both and the facilitator submits the approve. The same
 * body goes to the devnet's SPL facilitator and to Inco's.
 */

/** Chain-read failures worth trying on the next RPC; anything else is the request itself. */
const READ_FAILURES = new Set(['RPC_UNREACHABLE', 'RPC_ERROR']);

/** The `POST /sessions` body, exactly the wire format, from what the wallet signed (already verified by then). */
export function solanaRegistrationBody(wallet: WalletResult): SolanaSessionBody {
  const extra = wallet.extra ?? {};
  return buildSessionBody({
    auth: parseAuthMessage(String(extra.authMessage)),
    approveTxBase64: String(extra.approveTxBase64),
    authSignature: String(extra.authSignature),
  });
}

export const solanaSessionRules: SessionChainRules = {
  async walletRequest(ctx, t) {
    // The auth message and the session end at this instant, signed: the facilitator checks it.
    const expiresAt = Math.floor(ctx.now() / 1000) + t.expiresIn;
    const input = { network: t.network, asset: t.asset, spender: t.spender, amount: t.approveAmount, expiresAt, session: { cap: t.cap, recipient: t.recipient, network: t.facilitatorNetwork } };
    let lastError = 'no RPC is configured for this network';
    for (const rpcUrl of await ctx.rpcs(t.network.id)) {
      let request: WalletRequest;
      try {
        request = await ctx.chain.approveRequest({ ...input, rpcUrl });
      } catch (e) {
        if (e instanceof SolanaError && READ_FAILURES.has(e.code)) {
          lastError = e.message.slice(0, 200);
          continue;
        }
        if (e instanceof SolanaError) throw new WalletError(RpcCode.InvalidParams, 'invalid_params', `The session cannot be approved on Solana: ${e.message.slice(0, 200)}`);
        throw e;
      }
      return request;
    }
    throw new WalletError(RpcCode.Internal, 'rpc_unreachable', `The Solana RPC could not be read (${lastError}); check the RPC setting for this network.`);
  },
  registrationBody: (_t, wallet) => ({ ...solanaRegistrationBody(wallet) }),
  // What the person signed (the auth message's expirationUnix), not what we meant to sign.
  expiresAt: (body, t, openedAt) => (typeof body.expirationUnix === 'number' ? body.expirationUnix : openedAt + t.expiresIn),
  // Inco's client sends the amount beside the id; the facilitator checks it against the requirements.
  payload: (grant, option) => ({ sessionId: grant.sessionId, amount: option.amount.toString() }),
  approvalTxField: 'approveTxSignature',
};
