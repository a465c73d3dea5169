import type { SessionChainRules } from './rules';

/** `session` on EVM (§5.1): one ERC-20 `approve(spender, cap)`; the expiry is off-chain only. */
export const evmSessionRules: SessionChainRules = {
  walletRequest: async (ctx, t) => ctx.chain.approveRequest({ network: t.network, asset: t.asset, spender: t.spender, amount: t.approveAmount, expiresAt: Math.floor(ctx.now() / 1000) + t.expiresIn }),
  registrationBody: (t, wallet, openedAt) => ({
    approvalTxHash: wallet.txHash,
    user: wallet.user,
    asset: t.asset,
    recipient: t.recipient,
    cap: t.cap.toString(),
    expiresAt: openedAt + t.expiresIn,
    network: t.facilitatorNetwork,
  }),
  expiresAt: (body, t, openedAt) => (typeof body.expiresAt === 'number' ? body.expiresAt : openedAt + t.expiresIn),
  payload: (grant) => ({ sessionId: grant.sessionId }),
  // Top-up (issue 15): the new approve, checked by the facilitator like the first one.
  topUpBody: (wallet, change) => ({ approvalTxHash: wallet.txHash, cap: change.cap.toString(), expiresAt: change.expiresAt }),
};
