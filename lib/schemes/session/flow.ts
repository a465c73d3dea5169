import { RpcCode, WalletError } from '../../errors';
import { FacilitatorError } from '../../facilitator/client';
import { resolveNetwork, sameAddress } from '../../chains/networks';
import { normalizeBaseUrl, parseFacilitatorUrl, resolveSessionsEndpoint } from '../../facilitator/url';
import type { SessionRecord } from '../../sessions/types';
import type { PaymentOption } from '../../x402/codec';
import type { Opened, Proposal, RemoteView, Resumed, SchemeContext, SchemeOnChain, SchemeTopUp } from '../types';
import { SessionFacilitator, retriable } from './facilitator';
import { readGrant, type SessionGrant } from './grant';
import type { SessionChainRules, SessionTerms } from './rules';

/** Waits between `POST /sessions` attempts after the wallet's approve landed. */
const REGISTRATION_RETRY_DELAYS_MS = [1000, 3000];

/** The approval's transaction id: the wallet's, or the facilitator's answer when it submitted the approve. */
function approvalTxOf(rules: SessionChainRules, walletTx: string, opened: Record<string, unknown>): string {
  if (!rules.approvalTxField) return walletTx;
  const named = opened[rules.approvalTxField];
  // Facilitator data, shown in the popup and linked to an explorer: only a plain identifier.
  return typeof named === 'string' && /^[A-Za-z0-9_-]{8,128}$/.test(named) ? named : walletTx;
}

interface SessionPlan {
  sessionsEndpoint: string;
  facilitatorNetwork: string;
}

/**
 * The `session` scheme on one chain family (docs/protocol.md §5): discover the facilitator's
 * spender, have the wallet approve it for the cap, register with `POST /sessions`, then pay each
 * call with the bearer session id. `rules` hold what differs per family.
 */
export function sessionOn(rules: SessionChainRules): SchemeOnChain {
  const facilitatorFor = (ctx: SchemeContext, url: string) => new SessionFacilitator(ctx.facilitator(url));

  return {
    accepts: () => true,

    facilitatorOf: (option: PaymentOption) => (parseFacilitatorUrl(option.extra.facilitatorUrl) ? (option.extra.facilitatorUrl as string) : null),

    binds(session, option) {
      const named = parseFacilitatorUrl(option.extra.facilitatorUrl);
      if (!named || normalizeBaseUrl(named) !== session.facilitatorUrl) return 'facilitator_mismatch';
      // The same preference as discovery: what the 402 says is the spender must be the approved one.
      const spender = [option.extra.spender, option.extra.facilitatorAddress].find((v): v is string => typeof v === 'string' && v.length > 0);
      if (spender !== undefined && !sameAddress(session.family, spender, session.spender)) return 'spender_mismatch';
      return null;
    },

    async propose(ctx, input): Promise<Proposal> {
      let facilitator: SessionFacilitator;
      try {
        facilitator = facilitatorFor(ctx, input.facilitatorUrl);
      } catch {
        throw new WalletError(RpcCode.InvalidParams, 'invalid_facilitator_url', 'facilitatorUrl must be https (or http on localhost).');
      }
      const sessionsEndpoint = resolveSessionsEndpoint(facilitator.client.baseUrl, input.option?.extra.sessionsEndpoint);
      if (!sessionsEndpoint) throw new WalletError(RpcCode.InvalidParams, 'invalid_facilitator_url', "The sessions endpoint must be on the facilitator's own origin.");
      let discovered;
      try {
        discovered = await facilitator.discover(input.network, ctx.chain.signersKey);
      } catch (e) {
        if (e instanceof FacilitatorError && e.code === 'unsupported_network') throw new WalletError(RpcCode.Unsupported, 'unsupported_network', e.message);
        throw new WalletError(RpcCode.Internal, 'facilitator_unreachable', e instanceof FacilitatorError ? e.message : 'The facilitator could not be reached.');
      }
      const { spender } = discovered;
      if (!ctx.chain.isAddress(spender)) throw new WalletError(RpcCode.Internal, 'facilitator_bad_response', 'The facilitator named an invalid spender address.');
      const claimed = input.option?.extra.spender;
      if (typeof claimed === 'string' && ctx.chain.addressKey(claimed) !== ctx.chain.addressKey(spender)) {
        throw new WalletError(RpcCode.Unauthorized, 'spender_mismatch', 'The 402 names a different spender than its facilitator; refusing to approve.');
      }
      const plan: SessionPlan = { sessionsEndpoint, facilitatorNetwork: discovered.facilitatorNetwork };
      // For the window only (which ledger an expiry maps to): a chain that cannot be read now is
      // the wallet step's problem, with its own message, not a reason to refuse the proposal.
      const expiryOnChain = rules.expiryOnChain ? await rules.expiryOnChain(ctx, input.network).catch(() => undefined) : undefined;
      return {
        spender,
        facilitatorUrl: facilitator.client.baseUrl,
        summary: 'Your wallet approves the facilitator to pull up to the cap; each call is then paid from it without asking, until the cap or the expiry.',
        ...(expiryOnChain ? { expiryOnChain } : {}),
        state: { ...plan },
      };
    },

    async open(ctx, input, proposal, decision): Promise<Opened> {
      const plan = proposal.state as unknown as SessionPlan;
      const terms: SessionTerms = {
        network: input.network,
        facilitatorNetwork: plan.facilitatorNetwork,
        asset: input.asset,
        recipient: input.recipient,
        spender: proposal.spender,
        cap: decision.cap,
        approveAmount: decision.approveAmount,
        ...(decision.approveUntil !== undefined ? { approveUntil: decision.approveUntil } : {}),
        expiresIn: decision.expiresIn,
      };
      ctx.progress('wallet');
      const request = await rules.walletRequest(ctx, terms);
      const wallet = await ctx.wallet(request);
      ctx.progress('registering');
      const openedAt = Math.floor(ctx.now() / 1000);
      const body = rules.registrationBody(terms, wallet, openedAt, request);
      const expiresAt = rules.expiresAt(body, terms, openedAt, request);
      const facilitator = facilitatorFor(ctx, proposal.facilitatorUrl);
      let lastError: unknown = null;
      for (const delay of [0, ...(ctx.retryDelaysMs ?? REGISTRATION_RETRY_DELAYS_MS)]) {
        if (delay) await new Promise((r) => setTimeout(r, delay));
        try {
          const opened = await facilitator.open(plan.sessionsEndpoint, body);
          return { status: 'active', grant: { sessionId: opened.sessionId }, user: wallet.user, approvalTx: approvalTxOf(rules, wallet.txHash, opened), expiresAt, spent: BigInt(opened.spent ?? '0') };
        } catch (e) {
          lastError = e;
          if (!retriable(e)) break;
        }
      }
      const why = (lastError instanceof Error ? lastError.message : 'The facilitator failed.').slice(0, 300);
      if (rules.approvalTxField) {
        // The facilitator was to submit the approve: there is no approval of ours to keep.
        await ctx.audit({ kind: 'session_failed', reason: retriable(lastError) ? 'facilitator_unreachable' : 'facilitator_rejected', detail: why });
        throw new WalletError(
          RpcCode.Internal,
          retriable(lastError) ? 'facilitator_unreachable' : 'facilitator_rejected',
          `${why} No session was opened and the signed approval was not kept; if the facilitator did submit it, its allowance stays until you revoke it in your wallet.`,
        );
      }
      if (retriable(lastError)) {
        // The approve is on chain and the facilitator never answered: keep it, register later.
        const grant: SessionGrant = { sessionId: '', registration: { endpoint: plan.sessionsEndpoint, body, attempts: 1, lastError: why } };
        return { status: 'pending', grant: { ...grant }, user: wallet.user, approvalTx: wallet.txHash, expiresAt, why };
      }
      await ctx.audit({ kind: 'session_failed', reason: 'facilitator_rejected', detail: why });
      throw new WalletError(RpcCode.Internal, 'facilitator_rejected', `${why} The on-chain approval (${wallet.txHash}) stays in place until you revoke it in your wallet; no money moved.`);
    },

    payload: async (_ctx, session, option) => rules.payload(readGrant(session.grant), option),

    secrets: (grant) => {
      const id = readGrant(grant).sessionId;
      return id ? [id] : [];
    },

    async remote(ctx, session: SessionRecord): Promise<RemoteView> {
      try {
        const remote = await facilitatorFor(ctx, session.facilitatorUrl).get(readGrant(session.grant).sessionId);
        const expiresAt = remote.expiresAt ?? remote.expirationUnix;
        return { found: true, spent: BigInt(remote.spent), ...(typeof expiresAt === 'number' ? { expiresAt } : {}) };
      } catch (e) {
        if (e instanceof FacilitatorError && e.code === 'not_found') return { found: false };
        throw e;
      }
    },

    async resume(ctx, session): Promise<Resumed> {
      const grant = readGrant(session.grant);
      if (!grant.registration) return { status: 'failed', reason: 'registration_lost' };
      try {
        const opened = await facilitatorFor(ctx, session.facilitatorUrl).open(grant.registration.endpoint, grant.registration.body);
        return { status: 'active', grant: { sessionId: opened.sessionId }, spent: BigInt(opened.spent ?? '0') };
      } catch (e) {
        if (!retriable(e)) return { status: 'failed', reason: 'registration_rejected' };
        const why = (e instanceof Error ? e.message : String(e)).slice(0, 300);
        return { status: 'pending', grant: { ...grant, registration: { ...grant.registration, attempts: grant.registration.attempts + 1, lastError: why } } };
      }
    },

    // A transfer that failed on chain will fail again until the allowance or balance is fixed: pause
    // (no more attempts) rather than fail each call; a forgotten session is gone for good.
    statusFor: (reason) => (reason === 'session_expired' ? 'expired' : reason === 'session_not_found' ? 'failed' : reason === 'onchain_transfer_failed' ? 'paused' : undefined),
    ...(rules.topUpBody ? { topUp: sessionTopUp(rules, facilitatorFor) } : {}),
  };
}

/**
 * Top-up of a `session` (issue 15): one approve in the wallet for the new amount, then
 * `PATCH /sessions/:id` with it, on facilitators that say they take it (ours does; the peers' do
 * not, and then the extension says top-up is not available there).
 */
function sessionTopUp(rules: SessionChainRules, facilitatorFor: (ctx: SchemeContext, url: string) => SessionFacilitator): SchemeTopUp {
  return {
    async support(ctx, session) {
      const network = resolveNetwork(session.network);
      if (!network) return { remote: false, why: 'The wallet does not know this network.' };
      try {
        if (await facilitatorFor(ctx, session.facilitatorUrl).canTopUp(network)) return { remote: true };
        return { remote: false, why: `The facilitator ${new URL(session.facilitatorUrl).host} has no top-up endpoint (it does not list sessionTopUp).` };
      } catch (e) {
        return { remote: false, why: e instanceof Error ? e.message.slice(0, 200) : 'The facilitator could not be reached.' };
      }
    },

    async apply(ctx, session, change) {
      const network = resolveNetwork(session.network);
      if (!network) throw new WalletError(RpcCode.Unsupported, 'unsupported_network', 'The wallet does not know this network.');
      ctx.progress('wallet');
      const wallet = await ctx.wallet(await ctx.chain.approveRequest({ network, asset: session.asset, spender: session.spender, amount: change.approveAmount, expiresAt: change.expiresAt }));
      if (ctx.chain.addressKey(wallet.user) !== ctx.chain.addressKey(session.user)) {
        throw new WalletError(RpcCode.Unauthorized, 'wallet_error', 'The wallet signed with another account than the session was opened with; the facilitator was not asked.');
      }
      ctx.progress('registering');
      let answer;
      try {
        answer = await facilitatorFor(ctx, session.facilitatorUrl).topUp(readGrant(session.grant).sessionId, rules.topUpBody!(wallet, change));
      } catch (e) {
        const why = e instanceof Error ? e.message.slice(0, 300) : 'The facilitator failed.';
        throw new WalletError(RpcCode.Internal, e instanceof FacilitatorError && e.code === 'rejected' ? 'facilitator_rejected' : 'facilitator_unreachable', `${why} Your wallet approved ${change.approveAmount} (${wallet.txHash}); the session keeps its old cap and expiry.`);
      }
      // What the facilitator now holds, never more than what was asked.
      const cap = BigInt(answer.cap) < change.cap ? BigInt(answer.cap) : change.cap;
      const expiresAt = answer.expiresAt !== undefined && answer.expiresAt < change.expiresAt ? answer.expiresAt : change.expiresAt;
      return { cap, expiresAt, approvalTx: wallet.txHash };
    },
  };
}
