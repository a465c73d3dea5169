import { RpcCode, WalletError } from '../../errors';
import { DRAFT_ACCOUNT, tokenDomainStatus, type EvmTransferAuthorizationRequest, type TokenDomain } from '../../chains/evm/typed-data';
import type { WalletReason } from '../../messaging/reasons';
import type { SessionRecord } from '../../sessions/types';
import type { PaymentOption } from '../../x402/codec';
import { refusalError } from '../refusal';
import type { Opened, Proposal, RemoteView, SchemeContext, SchemeOnChain } from '../types';
import { buildExactAuthorization, exactPayload, exactTermsOf, validateExactAuthorization, VALID_BEFORE_MARGIN_SECONDS, type ExactTerms } from './authorization';
import { ExactRefusedError, type ExactRefusalReason } from './errors';

/**
 * `exact` on EVM (docs/protocol.md §6.1, §6.2): EIP-3009 `TransferWithAuthorization`, one wallet
 * signature per paid call, v1 (`X-PAYMENT`, requirements in the body) and v2 (`PAYMENT-SIGNATURE`).
 *
 * Opening stores a budget, not a credential: the person sets cap, per-call limit and expiry once in
 * the approval window and nothing is signed. Each paid call then reserves its price in the ledger
 * first (which is what refuses past the budget), and only then asks the wallet, in the paying tab,
 * for a signature of exactly that call: `to` = payTo, `value` = the price, a fresh nonce, and a
 * validity of at most the 402's `maxTimeoutSeconds`. The wallet's own prompt is the only thing the
 * person sees per call. The Permit2 variant (§6.3) is refused with its own reason.
 */

/** What an `exact` grant holds: the token domain checked against the chain at opening. */
interface ExactGrant {
  domain: TokenDomain;
}

/** The longest an authorization is good for, whatever the 402 allows. */
const MAX_VALIDITY_S = 600;

const REASON_OF: Partial<Record<ExactRefusalReason, WalletReason>> = {
  permit2_unsupported: 'permit2_unsupported',
  unsupported_transfer_method: 'unsupported_scheme',
  missing_eip712_domain: 'missing_eip712_domain',
  unsupported_network: 'unsupported_network',
  authorization_expired: 'authorization_expired',
  domain_mismatch: 'domain_mismatch',
  invalid_amount: 'invalid_amount',
  recipient_mismatch: 'recipient_mismatch',
};

const refused = (e: unknown): WalletError => refusalError(e, 'exact', ExactRefusedError, REASON_OF);

/** The terms of an entry, or the refusal the page should hear. */
function termsOf(option: PaymentOption): ExactTerms {
  try {
    const terms = exactTermsOf(option.raw, option.x402Version);
    // An authorization that expires before a facilitator accepts it can never pay (§6.1: validBefore ≥ now + 6).
    if (terms.maxTimeoutSeconds <= VALID_BEFORE_MARGIN_SECONDS) throw new ExactRefusedError('authorization_expired', 'the 402 allows too little time (maxTimeoutSeconds) for any signature to be accepted');
    return terms;
  } catch (e) {
    throw refused(e);
  }
}

function readGrant(grant: Readonly<Record<string, unknown>>): ExactGrant | null {
  const d = grant.domain as Partial<TokenDomain> | undefined;
  return d && typeof d.name === 'string' && typeof d.version === 'string' ? { domain: { name: d.name, version: d.version } } : null;
}

/** The token's own domain, or why not: checked before any signature is asked. */
async function checkDomain(ctx: SchemeContext, network: string, terms: ExactTerms): Promise<void> {
  const status = await tokenDomainStatus(await ctx.rpcs(network), terms.asset, terms.chainId, { name: terms.name, version: terms.version });
  if (status === 'mismatch') throw new WalletError(RpcCode.Unauthorized, 'domain_mismatch', `The 402 names the token domain ${JSON.stringify(terms.name)} version ${JSON.stringify(terms.version)}, which is not the token's own; nothing is signed.`);
  if (status === 'unreadable') throw new WalletError(RpcCode.Internal, 'token_unreadable', "The token's signature domain could not be read from the chain; check the RPC setting for this network.");
}

export const exactOnEvm: SchemeOnChain = {
  accepts: (option) => exactOnEvm.refusal!(option) === null,

  refusal(option) {
    try {
      termsOf(option);
      return null;
    } catch (e) {
      return e instanceof WalletError ? e.reason : 'invalid_schema';
    }
  },

  // The resource server settles through its own facilitator: the wallet talks to none.
  facilitatorOf: () => '',
  // A budget is not a credential: nothing to bind beyond the ledger's terms (payTo, asset, network, origins).
  binds: () => null,
  // The token domain and the price come from the 402: there is nothing to open without one.
  opensFromDapp: false,

  async propose(ctx, input): Promise<Proposal> {
    if (!input.option) throw new WalletError(RpcCode.Unsupported, 'unsupported_scheme', 'An exact budget opens from the 402 that asks to be paid.');
    const terms = termsOf(input.option);
    await checkDomain(ctx, input.network.id, terms);
    const grant: ExactGrant = { domain: { name: terms.name, version: terms.version } };
    return {
      spender: '',
      facilitatorUrl: '',
      ask: 'per-call',
      summary:
        'Nothing is signed now. Each paid call asks your wallet for one signature (EIP-3009, no gas) paying exactly that call\'s price to the recipient. The wallet never asks past the limits you set here: the cap, the per-call limit and the expiry.',
      state: { ...grant },
    };
  },

  async open(ctx, _input, proposal, decision): Promise<Opened> {
    const grant = proposal.state as unknown as ExactGrant;
    return { status: 'active', grant: { domain: { ...grant.domain } }, user: '', approvalTx: '', expiresAt: Math.floor(ctx.now() / 1000) + decision.expiresIn, spent: 0n };
  },

  async payload(ctx, session: SessionRecord, option) {
    const terms = termsOf(option);
    const grant = readGrant(session.grant);
    if (!grant) throw new WalletError(RpcCode.Internal, 'internal_error', 'This exact budget is damaged; end it and open a new one.');
    // The domain was checked on chain when the budget opened; a 402 naming another one now is lying.
    if (grant.domain.name !== terms.name || grant.domain.version !== terms.version) {
      throw new WalletError(RpcCode.Unauthorized, 'domain_mismatch', 'The 402 names another token signature domain than the one checked when this budget opened; nothing is signed.');
    }
    const now = Math.floor(ctx.now() / 1000);
    const ask = (payer: string, nonce?: `0x${string}`) => {
      try {
        return buildExactAuthorization({ x402Version: option.x402Version, accepted: option.raw, payer, now, ...(nonce ? { nonce } : {}), maxValiditySeconds: MAX_VALIDITY_S });
      } catch (e) {
        throw refused(e);
      }
    };
    // `from` is the wallet's account, which only the wallet names: everything else is fixed here.
    const draft = ask(DRAFT_ACCOUNT);
    const a = draft.authorization;
    const request: EvmTransferAuthorizationRequest = {
      kind: 'eip3009-authorization',
      network: session.network,
      chainId: terms.chainId,
      token: terms.asset,
      domain: { name: terms.name, version: terms.version },
      to: a.to,
      value: a.value,
      validAfter: a.validAfter,
      validBefore: a.validBefore,
      nonce: a.nonce,
    };
    // The context checks the signature recovers to the reported account over exactly this data.
    const signed = await ctx.wallet(request);
    const plan = ask(signed.user, a.nonce);
    try {
      // The person may have taken a while: the signature must still be good for the server.
      validateExactAuthorization(plan, option.raw, option.x402Version, Math.floor(ctx.now() / 1000));
      return { ...exactPayload(plan, String(signed.extra?.signature ?? '')) };
    } catch (e) {
      throw refused(e);
    }
  },

  // Each signature is single-use and bound to its recipient and amount: nothing to hide from the page.
  secrets: () => [],

  /**
   * No facilitator keeps a figure for a budget: each call settles on its own with a receipt. A call
   * whose outcome the page could not report is counted as spent (the conservative side of the cap).
   */
  async remote(_ctx, session): Promise<RemoteView> {
    return { found: true, spent: BigInt(session.spent) + BigInt(session.reserved) };
  },

  statusFor: () => undefined,
};
