import type { SessionChainRules } from './rules';

/** `session` on EVM (§5.1): one ERC-20 `approve(spender, cap)`; the expiry is off-chain only. */
export const evmSessionRules: SessionChainRules = {
  walletRequest: (chain, t, now) => chain.approveRequest({ network: t.network, asset: t.asset, spender: t.spender, amount: t.cap, expiresAt: now + t.expiresIn }),
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
};
