import { defaultAsset, networkLabel, resolveNetwork } from '../chains/networks';
import { chainFor } from '../chains/registry';
import type { AddressRole, NetworkInfo } from '../chains/types';
import { RpcCode, WalletError } from '../errors';
import type { ApprovalPrompt } from '../messaging/approval';
import type { RequestSessionParams } from '../messaging/methods';
import { reasonMessage } from '../messaging/reasons';
import { defaultSchemeFor, schemeOn, type Payable } from '../schemes/registry';
import type { OpenInput, Proposal, SchemeContext, TokenView } from '../schemes/types';
import { facilitatorStanding } from '../facilitator/known';
import { checkFacilitatorUrl } from '../facilitator/url';
import { siteText } from '../format';
import { randomId } from '../sessions/ids';
import type { Ledger } from '../sessions/ledger';
import type { WalletDb } from '../sessions/db';
import { minPeriodMs, newPeriod, periodsWithin, RENEW_CHOICES, type BudgetPeriod } from '../sessions/period';
import type { SiteRule } from '../sessions/sites';
import { remainingOf, toPublicView, type PublicSessionView, type SessionRecord } from '../sessions/types';
import { parseDecimalAmount } from '../x402/amount';
import type { ParsedPaymentRequired, PaymentOption } from '../x402/codec';
import type { ApprovalBroker } from './approvals';
import type { Audit } from './audit';
import type { SchemeContexts } from './context';
import type { PageCaller } from './sender';
import { siteOf } from './site';

export interface OpeningDeps {
  db: WalletDb;
  ledger: Ledger;
  now: () => number;
  audit: Audit;
  contexts: SchemeContexts;
  approvals: ApprovalBroker;
  tokenInfo: (network: NetworkInfo, asset: string) => Promise<TokenView>;
  /** Default cap proposed for a bare 402, in calls at its price. */
  callsPerDefaultCap?: number;
  /** A session was stored (schedule its expiry alarm). */
  onSessionStored?: (session: SessionRecord) => void;
  notify?: (session: SessionRecord) => void;
  /** The person allowed facilitators on private and local addresses (options). */
  allowPrivateFacilitators?: () => Promise<boolean>;
  /** Budgets (issue 15), per-site control: what the person decided for a site (never ask, a per-call ceiling). */
  siteRule?: (origin: string) => Promise<SiteRule | null>;
}

const REJECT_COOLDOWN_MS = { dapp: 3_000, '402': 60_000 } as const;
/** Refusals of a scheme's proposal the page may hear as they are (see `propose`). */
const NOT_ABOUT_THE_FACILITATOR = new Set<string>(['domain_mismatch', 'unsupported_scheme']);
const BARE_402_EXPIRY_S = 3600;

/**
 * Opening sessions: from a dapp's `requestSession` or a bare 402. One approval window at a time per
 * origin; the person may only lower what the site asked; the scheme does the wallet step and its
 * registration; the ledger stores the result.
 */
export class Opening {
  private readonly pending = new Map<string, Promise<SessionRecord | null>>();
  private readonly cooldownUntil = new Map<string, number>();
  /** Tabs and sites with an approval open (besides the origin itself, in `pending`). */
  private readonly busy = new Set<string>();

  constructor(private readonly deps: OpeningDeps) {}

  async sessionsOf(origin: string): Promise<PublicSessionView[]> {
    const rows = await this.deps.db.sessions.where('origin').equals(origin).toArray();
    return rows.sort((a, b) => b.createdAt - a.createdAt).map(toPublicView);
  }

  async requestSession(caller: PageCaller, p: RequestSessionParams): Promise<PublicSessionView> {
    const network = resolveNetwork(p.network);
    const schemeId = network ? (p.scheme ?? defaultSchemeFor(network.family)) : null;
    const payable = network && schemeId ? schemeOn(schemeId, network.family) : null;
    if (!network || !payable) {
      // A chain we pay on, with a scheme we do not: say which of the two is the problem.
      if (network && p.scheme && chainFor(network.family)) throw new WalletError(RpcCode.Unsupported, 'unsupported_scheme', `Scheme ${JSON.stringify(p.scheme)} is not supported on ${p.network}.`);
      throw new WalletError(RpcCode.Unsupported, 'unsupported_network', `Network ${JSON.stringify(p.network)} is not supported.`);
    }
    // Schemes whose terms only a 402 carries (`upto`, `exact`) open from that 402, never from a dapp's request.
    if (payable.impl.opensFromDapp === false) throw new WalletError(RpcCode.Unsupported, 'unsupported_scheme', `Scheme ${JSON.stringify(payable.scheme.id)} opens from the API's 402, not from requestSession: call the API and the wallet asks.`);
    const asset = p.asset ?? defaultAsset(network.id);
    if (!asset) throw new WalletError(RpcCode.InvalidParams, 'invalid_params', `asset is required on ${network.id}.`);
    const session = await this.withApprovalSlot(caller, 'dapp', async () => {
      const token = await this.token(caller.origin, network, asset);
      const cap = parseDecimalAmount(p.cap, token.decimals);
      if (cap === null || cap <= 0n) throw new WalletError(RpcCode.InvalidParams, 'invalid_params', `cap must be a positive amount with at most ${token.decimals} decimals.`);
      const perCallMax = p.perCallMax === undefined ? null : parseDecimalAmount(p.perCallMax, token.decimals);
      if (perCallMax === 0n || (p.perCallMax !== undefined && perCallMax === null)) {
        throw new WalletError(RpcCode.InvalidParams, 'invalid_params', 'perCallMax must be a positive amount.');
      }
      return this.approveAndOpen(caller, payable, {
        source: 'dapp',
        origin: caller.origin,
        network,
        asset,
        token,
        recipient: p.recipient,
        facilitatorUrl: p.facilitatorUrl,
        // The APIs the dapp says it calls; without a list, only its own origin.
        apiOrigins: p.apiOrigins ?? [caller.origin],
        cap,
        expiresIn: p.expiresIn,
        perCallMax,
      });
    });
    return toPublicView(session);
  }

  /** A bare 402 and no session yet: offer one, pre-filled from the 402 (docs/architecture.md §2.7). */
  async openFrom402(caller: PageCaller, parsed: ParsedPaymentRequired, option: PaymentOption, payable: Payable, facilitatorUrl: string, requestUrl: string, others: string[] = []): Promise<SessionRecord | null> {
    const network = option.networkInfo!;
    return this.withApprovalSlot(
      caller,
      '402',
      async () => {
        const token = await this.token(caller.origin, network, option.asset);
        return this.approveAndOpen(caller, payable, {
          source: '402',
          origin: caller.origin,
          network,
          asset: option.asset,
          token,
          recipient: option.payTo,
          facilitatorUrl,
          // The API whose 402 asked is the one the session pays.
          apiOrigins: [new URL(requestUrl).origin],
          cap: option.amount * BigInt(this.deps.callsPerDefaultCap ?? 10),
          expiresIn: BARE_402_EXPIRY_S,
          // One later call must not take the whole cap: the ceiling is the price shown (the window
          // says so, and the person may raise it).
          perCallMax: option.amount,
          price: option.amount,
          option,
          ...(parsed.resource ? { resource: parsed.resource } : {}),
        }, others);
      },
      true,
    );
  }

  /**
   * One approval at a time per origin, per tab and per site (sibling subdomains share one). A 402
   * that arrives while its own origin's window is open waits for it (a page firing several requests
   * gets one window); anything else gets -32002 (a dapp) or its original 402 (a bare 402).
   */
  private async withApprovalSlot(caller: PageCaller, source: 'dapp' | '402', run: () => Promise<SessionRecord>, joinPending = false): Promise<SessionRecord> {
    // Budgets (issue 15): a site the person set to "never ask" gets no window at all.
    if ((await this.deps.siteRule?.(caller.origin))?.mode === 'never') {
      throw new WalletError(RpcCode.UserRejected, 'site_blocked', reasonMessage('site_blocked'));
    }
    const existing = this.pending.get(caller.origin);
    if (existing && joinPending) {
      const s = await existing;
      if (s) return s;
      throw new WalletError(RpcCode.UserRejected, 'user_rejected', reasonMessage('user_rejected'));
    }
    const keys = [caller.origin, `tab:${caller.tabId}`, `site:${siteOf(caller.origin)}`];
    if (existing || keys.some((k) => this.busy.has(k))) {
      throw new WalletError(RpcCode.ResourceUnavailable, 'approval_pending', reasonMessage('approval_pending'));
    }
    if ((this.cooldownUntil.get(caller.origin) ?? 0) > this.deps.now()) {
      throw new WalletError(source === 'dapp' ? RpcCode.UserRejected : RpcCode.ResourceUnavailable, 'approval_cooldown', reasonMessage('approval_cooldown'));
    }
    for (const k of keys) this.busy.add(k);
    const work = run();
    this.pending.set(
      caller.origin,
      work.then(
        (s) => s,
        () => null,
      ),
    );
    try {
      return await work;
    } catch (e) {
      if (e instanceof WalletError && e.code === RpcCode.UserRejected) {
        this.cooldownUntil.set(caller.origin, this.deps.now() + REJECT_COOLDOWN_MS[source]);
      }
      throw e;
    } finally {
      this.pending.delete(caller.origin);
      for (const k of keys) this.busy.delete(k);
    }
  }

  private async token(origin: string, network: NetworkInfo, asset: string): Promise<TokenView> {
    try {
      return await this.deps.tokenInfo(network, asset);
    } catch (e) {
      // Every RPC failed: the page gets a clear error, and the popup lists why nothing was offered.
      const why = e instanceof Error ? e.message.split('\n')[0]!.slice(0, 200) : String(e);
      await this.deps.audit.record({ origin, kind: 'session_failed', reason: 'token_unreadable', detail: `${asset} on ${network.id}: ${why}` });
      throw new WalletError(RpcCode.Internal, 'token_unreadable', `Could not read token ${asset} on ${networkLabel(network.id)} (${why}); check the RPC setting for this network.`);
    }
  }

  /**
   * Everything the background learns from the facilitator before the person has seen anything. The
   * page named that URL, so it must not learn from our errors what is behind it (closed port, 404,
   * some JSON service): every failure here is one uniform error for the page, and the details go to
   * the popup's log.
   */
  private async propose(caller: PageCaller, impl: Payable['impl'], ctx: SchemeContext, input: OpenInput): Promise<Proposal> {
    const allowPrivate = (await this.deps.allowPrivateFacilitators?.()) ?? false;
    // '' = a scheme that talks to no facilitator of its own (`exact`): nothing to check or fetch.
    const checked = input.facilitatorUrl === '' ? ({ ok: true, base: '' } as const) : checkFacilitatorUrl(input.facilitatorUrl, { pageOrigin: caller.origin, allowPrivate });
    try {
      if (!checked.ok) throw new WalletError(RpcCode.InvalidParams, 'invalid_facilitator_url', `Refused facilitator URL: ${checked.detail}.`);
      return await impl.propose(ctx, { ...input, facilitatorUrl: checked.base });
    } catch (e) {
      const err = e instanceof WalletError ? e : null;
      await this.deps.audit.record({ origin: caller.origin, kind: 'session_failed', reason: err?.reason ?? 'internal_error', detail: `${clip(String(input.facilitatorUrl), 200)}: ${err?.message ?? (e instanceof Error ? e.message : String(e))}`.slice(0, 300) });
      // What the 402 itself got wrong, judged before any facilitator is asked (the token domain
      // against the chain), tells the page nothing about what is behind a URL: it is said as is.
      if (err && NOT_ABOUT_THE_FACILITATOR.has(err.reason)) throw err;
      throw new WalletError(RpcCode.Internal, 'facilitator_unavailable', reasonMessage('facilitator_unavailable'));
    }
  }

  private async approveAndOpen(caller: PageCaller, { scheme, impl, chain }: Payable, asked: OpenInput, others: string[] = []): Promise<SessionRecord> {
    let input = asked;
    // The chain says why an address is unusable when it can (e.g. Stellar's muxed M… accounts).
    const why = (v: string, role: AddressRole) => (chain.addressProblem?.(v, role) ? `: ${chain.addressProblem(v, role)}` : '');
    // A family may be stricter about who can be paid (Solana: a wallet key, not a PDA or a program).
    const payable = chain.isRecipient ? chain.isRecipient(input.recipient) : chain.isAddress(input.recipient, 'account');
    if (!payable) throw new WalletError(RpcCode.InvalidParams, 'invalid_params', `recipient is not a valid address for this network${why(input.recipient, 'account')}.`);
    if (!chain.isAddress(input.asset, 'token')) throw new WalletError(RpcCode.InvalidParams, 'invalid_params', `asset is not a valid token address for this network${why(input.asset, 'token')}.`);
    // ... and about amounts (SPL: u64, Stellar: i128): a cap or price the token cannot carry never reaches the window.
    if (chain.maxAmount !== undefined && (input.cap > chain.maxAmount || (input.price ?? 0n) > chain.maxAmount)) {
      throw new WalletError(RpcCode.InvalidParams, 'invalid_params', 'The amount is larger than this token can hold.');
    }
    // Budgets (issue 15): the person's per-call ceiling for this site is proposed whatever the site
    // asked (the lower of the two); the window shows it and the person may still change it.
    const rule = await this.deps.siteRule?.(caller.origin);
    const siteMax = rule?.perCallMax !== undefined ? parseDecimalAmount(rule.perCallMax, input.token.decimals) : null;
    if (siteMax !== null && siteMax > 0n && (input.perCallMax === null || siteMax < input.perCallMax)) input = { ...input, perCallMax: siteMax };
    const { approvals } = this.deps;
    const promptId = randomId();
    const ctx = this.deps.contexts.opening(chain, caller, (step) => approvals.progress?.(promptId, step), (wallets) => {
      // Several wallets in the page: the person picks one in this approval window.
      if (!approvals.chooseWallet) throw new WalletError(RpcCode.Disconnected, 'choose_wallet', reasonMessage('choose_wallet'));
      return approvals.chooseWallet(promptId, wallets);
    });
    const proposal = await this.propose(caller, impl, ctx, input);
    // The scheme's bounds on what is proposed: a bare 402's invented cap rises to the least the
    // server accepts (the window shows it); no grant outlives what the scheme allows (a short permit).
    if (proposal.minCap !== undefined && input.source === '402' && input.cap < proposal.minCap) input = { ...input, cap: proposal.minCap };
    if (proposal.maxExpiresIn !== undefined && input.expiresIn > proposal.maxExpiresIn) input = { ...input, expiresIn: Math.max(60, Math.floor(proposal.maxExpiresIn)) };
    // Only an allowance (approve or permit) is shared between sessions; a per-call scheme has none.
    const onAllowance = () => (proposal.spender ? this.deps.ledger.onAllowance(chain.family, input.network.id, input.asset, proposal.spender) : Promise.resolve([]));
    const prompt: ApprovalPrompt = {
      id: promptId,
      origin: caller.origin,
      source: input.source,
      network: input.network.id,
      networkLabel: networkLabel(input.network.id),
      scheme: scheme.id,
      schemeLabel: scheme.label,
      schemeSummary: proposal.summary,
      schemeWhy: others.length > 0 ? `Chosen because it asks you least; this API also accepts ${others.join(', ')}.` : 'The one way this API accepts that the wallet can pay.',
      ask: proposal.ask ?? 'approve',
      asset: input.asset,
      // Site-controlled text (the token contract names itself) is shown cleaned and clamped.
      token: { ...input.token, symbol: siteText(input.token.symbol, 16) || '?', ...(input.token.name !== undefined ? { name: siteText(input.token.name, 64) } : {}) },
      recipient: input.recipient,
      apiOrigins: input.apiOrigins,
      spender: proposal.spender,
      facilitatorUrl: proposal.facilitatorUrl,
      facilitatorHost: proposal.facilitatorUrl ? new URL(proposal.facilitatorUrl).host : '',
      facilitatorStanding: facilitatorStanding(proposal.facilitatorUrl),
      cap: input.cap.toString(),
      expiresIn: input.expiresIn,
      // Families whose approvals expire by chain height: the window shows which ledger the expiry maps to.
      ...(proposal.expiryOnChain ? { expiryOnChain: proposal.expiryOnChain } : {}),
      perCallMax: input.perCallMax === null ? null : input.perCallMax.toString(),
      ...(proposal.minCap !== undefined ? { minCap: proposal.minCap.toString() } : {}),
      ...(input.price !== undefined ? { price: input.price.toString() } : {}),
      ...(input.resource ? { resource: resourceView(input.resource) } : {}),
      existing: await this.sessionsOf(caller.origin),
      sharedAllowance: (await onAllowance()).map((s) => ({ origin: s.origin, remaining: remainingOf(s).toString() })),
      // Budgets (issue 15): the renewals that fit in the longest expiry the site asked for.
      renew: RENEW_CHOICES.filter((every) => minPeriodMs(every) < input.expiresIn * 1000),
    };
    // A permit sets the spender's allowance: with other open sessions drawing on it, it would take
    // their room away. Said before the window, not after the person approved.
    if (prompt.ask === 'permit' && prompt.sharedAllowance.length > 0) throw new WalletError(RpcCode.ResourceUnavailable, 'spender_busy', reasonMessage('spender_busy'));
    const decision = await approvals.request(prompt, caller);
    // Our own window, but still clamp: the person may lower the terms, never raise them.
    const cap = BigInt(decision.cap);
    if (cap <= 0n || cap > input.cap) throw new WalletError(RpcCode.InvalidParams, 'invalid_decision', 'The approved cap is out of range.');
    const expiresIn = Math.floor(decision.expiresIn);
    if (!(expiresIn >= 60 && expiresIn <= input.expiresIn)) throw new WalletError(RpcCode.InvalidParams, 'invalid_decision', 'The approved expiry is out of range.');
    // The per-call ceiling is the person's to set within the cap; clearing it is theirs only when the site set none.
    const perCallMax = decision.perCallMax === undefined ? input.perCallMax : decision.perCallMax === null ? null : BigInt(decision.perCallMax);
    if (perCallMax === null ? input.perCallMax !== null : perCallMax <= 0n || perCallMax > cap) throw new WalletError(RpcCode.InvalidParams, 'invalid_decision', 'The approved per-call limit is out of range.');
    // Budgets (issue 15): a budget that renews. `cap` is then the per-period cap (at most what the
    // site asked); the session's own cap, and what the wallet approves, cover every period until
    // the expiry, as the window showed it.
    let totalCap = cap;
    let period: BudgetPeriod | undefined;
    if (decision.renew !== undefined) {
      const every = decision.renew;
      const periods = periodsWithin(every, this.deps.now(), this.deps.now() + expiresIn * 1000);
      if (!prompt.renew?.includes(every) || periods < 2) throw new WalletError(RpcCode.InvalidParams, 'invalid_decision', 'A renewing budget needs an expiry longer than one period.');
      totalCap = cap * BigInt(periods);
      if (chain.maxAmount !== undefined && totalCap > chain.maxAmount) throw new WalletError(RpcCode.InvalidParams, 'invalid_decision', 'The total over every period is larger than this token can hold.');
      period = newPeriod(every, cap, this.deps.now());
    }

    // Read again now: what the others still need may have changed while the person decided.
    const sharing = await onAllowance();
    const othersNeed = sharing.reduce((sum, s) => sum + remainingOf(s), 0n);
    // Where an approve also sets the allowance's expiry (Stellar), it must outlast those sessions too.
    const approveUntil = sharing.reduce((latest, s) => Math.max(latest, s.expiresAt), 0);
    if (proposal.minCap !== undefined && cap < proposal.minCap) throw new WalletError(RpcCode.InvalidParams, 'invalid_decision', 'The approved cap is below what this API accepts.');
    let opened;
    try {
      opened = await impl.open(ctx, input, proposal, { cap: totalCap, expiresIn, approveAmount: totalCap + othersNeed, ...(approveUntil > 0 ? { approveUntil } : {}) });
    } catch (e) {
      approvals.progress?.(promptId, 'failed', e instanceof Error ? e.message : undefined);
      throw e;
    }
    const now = this.deps.now();
    const record: SessionRecord = {
      id: randomId(),
      origin: caller.origin,
      family: chain.family,
      network: input.network.id,
      scheme: scheme.id,
      grant: opened.grant,
      asset: input.asset,
      symbol: input.token.symbol,
      decimals: input.token.decimals,
      recipient: input.recipient,
      apiOrigins: input.apiOrigins,
      spender: proposal.spender,
      user: opened.user,
      facilitatorUrl: proposal.facilitatorUrl,
      cap: totalCap.toString(),
      spent: opened.status === 'active' ? opened.spent.toString() : '0',
      reserved: '0',
      perCallMax: perCallMax === null ? null : perCallMax.toString(),
      expiresAt: opened.expiresAt,
      status: opened.status,
      ...(opened.status === 'pending' ? { statusReason: 'registration_failed' } : {}),
      approvalTx: opened.approvalTx,
      // The periods count from when the session exists.
      ...(period ? { period: { ...period, anchor: now, start: now, seenAt: now } } : {}),
      createdAt: now,
      updatedAt: now,
    };
    await this.deps.ledger.addSession(record);
    this.deps.onSessionStored?.(record);
    this.deps.notify?.(record);
    if (opened.status === 'pending') {
      approvals.progress?.(promptId, 'failed', opened.why);
      await this.deps.audit.record({ origin: caller.origin, kind: 'session_failed', reason: 'facilitator_unreachable', detail: opened.why, sessionId: record.id });
      throw new WalletError(
        RpcCode.Internal,
        'facilitator_unreachable',
        `${opened.why} Your approval (${opened.approvalTx}) is kept: the wallet registers the session as soon as the facilitator answers (it shows as pending in the toolbar popup).`,
        { sessionId: record.id },
      );
    }
    approvals.progress?.(promptId, 'done');
    return record;
  }
}

/** What the window shows of the 402's resource: its site-supplied text cleaned and clamped. */
function resourceView(r: NonNullable<OpenInput['resource']>): NonNullable<ApprovalPrompt['resource']> {
  return {
    url: siteText(r.url, 300),
    ...(r.description ? { description: siteText(r.description, 600) } : {}),
    ...(r.serviceName ? { serviceName: siteText(r.serviceName, 80) } : {}),
  };
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
