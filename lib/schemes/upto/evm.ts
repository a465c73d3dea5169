import { RpcCode, WalletError } from '../../errors';
import { DRAFT_ACCOUNT, tokenDomainStatus, type EvmPermitRequest } from '../../chains/evm/typed-data';
import { normalizeBaseUrl, parseFacilitatorUrl } from '../../facilitator/url';
import type { WalletReason } from '../../messaging/reasons';
import { parseUntrustedJson } from '../../x402/json';
import type { PaymentOption } from '../../x402/codec';
import { refusalError } from '../refusal';
import type { Opened, PaidVerdict, Proposal, RemoteView, SchemeContext, SchemeOnChain } from '../types';
import { readUptoGrant, type UptoGrant } from './grant';
import { buildUptoPermit, daydreamsUptoTerms, parseUptoLimitSignal, uptoPayload, uptoSessionId, uptoSpenderFromSupported, UptoRefusedError, type DaydreamsUptoTerms, type UptoRefusalReason } from './permit';

/**
 * daydreams `upto` on EVM (docs/protocol.md §6.5): one ERC-2612 permit for the cap, signed once in
 * the approval, then the same payload on every call until the cap or the permit's deadline; the
 * resource server tallies calls and settles them in batches.
 *
 * The permit names no recipient, so it is a bearer secret worth the whole cap: it stays in the
 * background (the page never sees it), goes only to the session's API origins and payTo (the
 * ledger's terms) through the facilitator it was signed for (`binds`), and its deadline is the
 * session's expiry, at most the 402's `maxTimeoutSeconds` away. A second permit to a spender other
 * open sessions draw on would replace their allowance, so it is refused. The server's limit signals
 * (JSON bodies without PAYMENT-REQUIRED) end the session, or for `settling_in_progress` ask for the
 * same call again shortly; a success names the session in `x-upto-session-id` (no PAYMENT-RESPONSE).
 * The facilitator's `/supported` names the spender; the 402 must name the facilitator
 * (`extra.facilitatorUrl`), as daydreams' own 402s do not: without it there is no spender to sign for.
 */

const SCHEME = 'upto';
/** How long to wait before sending a call again that met `settling_in_progress`. */
export const SETTLING_RETRY_MS = 1500;

const REASON_OF: Partial<Record<UptoRefusalReason, WalletReason>> = {
  coinbase_upto: 'coinbase_upto',
  missing_eip712_domain: 'missing_eip712_domain',
  unsupported_network: 'unsupported_network',
  invalid_amount: 'invalid_amount',
  permit_expired: 'authorization_expired',
  cap_too_low: 'invalid_decision',
  cap_below_required_max: 'invalid_decision',
  no_spender: 'facilitator_bad_response',
};

const refused = (e: unknown): WalletError => refusalError(e, 'upto', UptoRefusedError, REASON_OF);

function termsOf(option: PaymentOption): DaydreamsUptoTerms {
  try {
    const terms = daydreamsUptoTerms(option.raw);
    // The permit's deadline is at most maxTimeoutSeconds away: too short, and no facilitator accepts it (deadline ≥ now + 6).
    if (terms.maxTimeoutSeconds <= 6) throw new UptoRefusedError('permit_expired', 'the 402 allows too little time (maxTimeoutSeconds) for any permit to be accepted');
    return terms;
  } catch (e) {
    throw refused(e);
  }
}

/** `accepted.network` / `accepted.asset` as the server spelled them: the session id hashes those strings. */
function idKey(option: PaymentOption): { network: string; asset: string } {
  return { network: String(option.raw.network), asset: String(option.raw.asset) };
}

interface UptoPlan {
  chainId: number;
  domain: { name: string; version: string };
}

async function checkDomain(ctx: SchemeContext, network: string, terms: DaydreamsUptoTerms): Promise<void> {
  const status = await tokenDomainStatus(await ctx.rpcs(network), terms.asset, terms.chainId, { name: terms.name, version: terms.version });
  if (status === 'mismatch') throw new WalletError(RpcCode.Unauthorized, 'domain_mismatch', `The 402 names the token domain ${JSON.stringify(terms.name)} version ${JSON.stringify(terms.version)}, which is not the token's own; nothing is signed.`);
  if (status === 'unreadable') throw new WalletError(RpcCode.Internal, 'token_unreadable', "The token's permit domain could not be read from the chain (is it an ERC-2612 token?); check the RPC setting for this network.");
}

function grantOf(grant: Readonly<Record<string, unknown>>): UptoGrant {
  const g = readUptoGrant(grant);
  if (!g) throw new WalletError(RpcCode.Internal, 'internal_error', 'This upto session is damaged; end it and open a new one.');
  return g;
}

export const uptoOnEvm: SchemeOnChain = {
  accepts: (option) => uptoOnEvm.refusal!(option) === null,

  refusal(option) {
    try {
      termsOf(option);
      return null;
    } catch (e) {
      return e instanceof WalletError ? e.reason : 'invalid_schema';
    }
  },

  facilitatorOf: (option) => (parseFacilitatorUrl(option.extra.facilitatorUrl) ? (option.extra.facilitatorUrl as string) : null),

  binds(session, option) {
    // The permit was signed for this facilitator's signer: a 402 naming another facilitator does not get it.
    const named = parseFacilitatorUrl(option.extra.facilitatorUrl);
    return named && normalizeBaseUrl(named) === session.facilitatorUrl ? null : 'facilitator_mismatch';
  },

  // The token domain, the price and the least cap come from the 402: nothing to sign without one.
  opensFromDapp: false,

  async propose(ctx, input): Promise<Proposal> {
    if (!input.option) throw new WalletError(RpcCode.Unsupported, 'unsupported_scheme', 'An upto session opens from the 402 that asks to be paid.');
    const terms = termsOf(input.option);
    // First what the 402 says of the token, against the chain (before any facilitator is asked).
    await checkDomain(ctx, input.network.id, terms);
    let client;
    try {
      client = ctx.facilitator(input.facilitatorUrl);
    } catch {
      throw new WalletError(RpcCode.InvalidParams, 'invalid_facilitator_url', 'facilitatorUrl must be https (or http on localhost).');
    }
    let spender: `0x${string}`;
    try {
      const kind = await client.supportedKind(SCHEME, input.network);
      if (!kind) throw new WalletError(RpcCode.Unsupported, 'unsupported_network', `This facilitator has no upto scheme on ${input.network.id}.`);
      const supported = await client.supported();
      spender = uptoSpenderFromSupported({ signers: supported.signers ?? {} }, kind.network);
    } catch (e) {
      if (e instanceof WalletError) throw e;
      if (e instanceof UptoRefusedError) throw new WalletError(RpcCode.Internal, 'facilitator_bad_response', 'The facilitator names no EVM signer to permit.');
      throw new WalletError(RpcCode.Internal, 'facilitator_unreachable', e instanceof Error ? e.message : 'The facilitator could not be reached.');
    }
    const plan: UptoPlan = { chainId: terms.chainId, domain: { name: terms.name, version: terms.version } };
    return {
      spender,
      facilitatorUrl: client.baseUrl,
      ask: 'permit',
      minCap: terms.requiredCap,
      maxExpiresIn: terms.maxTimeoutSeconds,
      summary:
        'Your wallet signs one permit (ERC-2612, no gas) that lets the facilitator pull up to the cap until the permit\'s deadline, when this session ends. The same permit pays every call to these APIs; it is worth the whole cap to whoever holds it, so the wallet sends it only to the APIs and the recipient shown here.',
      state: { ...plan },
    };
  },

  async open(ctx, input, proposal, decision): Promise<Opened> {
    const plan = proposal.state as unknown as UptoPlan;
    const option = input.option;
    if (!option) throw new WalletError(RpcCode.Unsupported, 'unsupported_scheme', 'An upto session opens from the 402 that asks to be paid.');
    // An ERC-2612 permit sets the allowance: it would take away what other open sessions on this spender still need.
    if (decision.approveAmount > decision.cap) throw new WalletError(RpcCode.ResourceUnavailable, 'spender_busy', "Another open session draws on this facilitator's allowance, and a new permit would replace it; end that session first (the toolbar popup lists it).");
    const now = Math.floor(ctx.now() / 1000);
    const build = (owner: string, nonce: bigint) => {
      try {
        return buildUptoPermit({ accepted: option.raw, owner, spender: proposal.spender, nonce, now, cap: decision.cap, maxValiditySeconds: decision.expiresIn });
      } catch (e) {
        throw refused(e);
      }
    };
    // Everything but the owner and its nonce is fixed (and checked) before the wallet is asked.
    const draft = build(DRAFT_ACCOUNT, 0n);
    const request: EvmPermitRequest = {
      kind: 'erc2612-permit',
      network: input.network.id,
      chainId: plan.chainId,
      token: draft.terms.asset,
      domain: { ...plan.domain },
      spender: draft.authorization.to,
      value: draft.authorization.value,
      deadline: draft.authorization.validBefore,
    };
    ctx.progress('wallet');
    // The context checks the signature recovers to the reported owner and the nonce is the token's current one.
    const signed = await ctx.wallet(request);
    const permit = build(signed.user, BigInt(String(signed.extra?.nonce ?? '0')));
    let payload;
    try {
      payload = uptoPayload(permit, String(signed.extra?.signature ?? ''));
    } catch (e) {
      throw refused(e);
    }
    const grant: UptoGrant = { payload, sessionId: uptoSessionId(idKey(option), payload), domain: { ...plan.domain } };
    return { status: 'active', grant: { ...grant }, user: signed.user, approvalTx: '', expiresAt: Number(permit.deadline), spent: 0n };
  },

  async payload(ctx, session, option) {
    const terms = termsOf(option);
    const grant = grantOf(session.grant);
    if (grant.domain.name !== terms.name || grant.domain.version !== terms.version) {
      throw new WalletError(RpcCode.Unauthorized, 'domain_mismatch', 'The 402 names another token permit domain than the one this permit was signed for; it is not sent.');
    }
    if (BigInt(grant.payload.authorization.validBefore) < BigInt(Math.floor(ctx.now() / 1000) + 6)) {
      throw new WalletError(RpcCode.Unauthorized, 'session_expired', 'The permit has reached its deadline.');
    }
    // The same bytes every call: the server keys its tally on them.
    return { authorization: { ...grant.payload.authorization }, signature: grant.payload.signature };
  },

  // The signature is what makes the permit spendable; it never reaches the page.
  secrets: (grant) => {
    const g = readUptoGrant(grant);
    return g ? [g.payload.signature] : [];
  },

  /**
   * daydreams' facilitator is stateless and the tally is the resource server's (no protocol route
   * to read it): a call whose outcome the page could not report counts as spent, the conservative
   * side of the cap.
   */
  async remote(_ctx, session): Promise<RemoteView> {
    return { found: true, spent: BigInt(session.spent) + BigInt(session.reserved) };
  },

  classify(session, answer): PaidVerdict | undefined {
    const grant = readUptoGrant(session.grant);
    if (!grant) return undefined;
    if (answer.status >= 200 && answer.status < 300 && answer.uptoSessionId !== null) {
      // Counted in our session's tally (pending += price): the money moves at the next batch.
      return answer.uptoSessionId === grant.sessionId ? { outcome: 'settled' } : undefined;
    }
    if (answer.paymentRequired !== null || answer.body === null) return undefined;
    const json = parseUntrustedJson(answer.body);
    const signal = json.ok ? parseUptoLimitSignal(answer.status, json.value) : null;
    // A signal about another permit's session is not about this call.
    if (!signal || (signal.sessionId !== undefined && signal.sessionId !== grant.sessionId)) return undefined;
    if (signal.action === 'retry_later') return { outcome: 'retry', reason: signal.error, afterMs: SETTLING_RETRY_MS };
    return { outcome: 'refused', reason: signal.error };
  },

  statusFor(reason) {
    if (reason === 'cap_exhausted') return 'exhausted';
    // Closed by the server (its deadline buffer, or a manual close), or the permit ran out.
    if (reason === 'session_closed' || reason === 'authorization_expired') return 'expired';
    // The permit is unusable: sending it again cannot succeed.
    if (reason === 'invalid_payload' || reason === 'invalid_permit_signature' || reason === 'spender_not_facilitator' || reason === 'cap_below_required_max') return 'failed';
    return undefined;
  },
};
