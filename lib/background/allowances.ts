import { chainFor } from '../chains/registry';
import type { ChainAdapter } from '../chains/types';
import { RpcCode, WalletError } from '../errors';
import { networkLabel, resolveNetwork } from '../chains/networks';
import type { Ledger } from '../sessions/ledger';
import type { WalletDb } from '../sessions/db';
import { remainingOf, type SessionRecord } from '../sessions/types';
import type { SchemeContexts } from './context';
import type { PageCaller } from './sender';

export interface AllowanceDeps {
  db: WalletDb;
  ledger: Ledger;
  now: () => number;
  contexts: SchemeContexts;
  /** A frame of `origin` in some tab (focusing or opening one), where the person's wallet lives. */
  walletTab(origin: string): Promise<PageCaller>;
  notify?: (session: SessionRecord) => void;
  log?: (event: string, data: Record<string, unknown>) => void;
}

export interface ChainReading {
  allowance: bigint;
  balance?: bigint;
}

/**
 * The on-chain side of sessions. An approve to a spender *replaces* its allowance, and public
 * facilitators use one spender for every session, so:
 * - what the chain says (allowance, balance) is read when a session opens and when a payment fails
 *   on chain, and kept on the session for the popup (does it still cover what is left?);
 * - a paused session resumes by itself once the chain covers it again, or the person re-approves;
 * - ending a session can lower the allowance to what the other open sessions still need — asked in
 *   the wallet, never silent.
 */
export class Allowances {
  constructor(private readonly deps: AllowanceDeps) {}

  private chainOf(s: SessionRecord): ChainAdapter {
    const chain = chainFor(s.family);
    if (!chain) throw new WalletError(RpcCode.Unsupported, 'unsupported_network', `${networkLabel(s.network)} is not supported.`);
    return chain;
  }

  /** Read allowance (and balance) through each RPC in turn; null when no RPC answered. */
  async read(s: SessionRecord): Promise<ChainReading | null> {
    const chain = this.chainOf(s);
    // A scheme with no allowance (`exact`: a signature per call, no spender) has nothing to read.
    if (!chain.isAddress(s.spender) || !chain.isAddress(s.user)) return null;
    for (const rpc of await this.deps.contexts.rpcs(s.network)) {
      try {
        const [allowance, balance] = await Promise.all([chain.readAllowance(rpc, s.asset, s.user, s.spender), chain.readBalance ? chain.readBalance(rpc, s.asset, s.user) : Promise.resolve(undefined)]);
        return { allowance, ...(balance !== undefined ? { balance } : {}) };
      } catch (e) {
        this.deps.log?.('chain.read_failed', { session: s.id, rpc, error: e instanceof Error ? e.message.split('\n')[0] : String(e) });
      }
    }
    return null;
  }

  /**
   * Read the chain for one session and keep what it says. A paused session whose allowance and
   * balance cover the payment that failed goes back to active.
   */
  async check(sessionId: string): Promise<SessionRecord | null> {
    const s = await this.deps.db.sessions.get(sessionId);
    if (!s) return null;
    const reading = await this.read(s);
    if (!reading) return s;
    const updated = await this.deps.ledger.noteChain(s.id, reading);
    if (updated?.status === 'paused') {
      const need = BigInt(updated.pausedFor ?? '1');
      const covers = reading.allowance >= need && (reading.balance === undefined || reading.balance >= need);
      if (covers) {
        const resumed = await this.deps.ledger.resume(s.id, 'chain_covers_again');
        if (resumed) this.deps.notify?.(resumed);
        return resumed;
      }
    }
    if (updated) this.deps.notify?.(updated);
    return updated;
  }

  /** Check every paused session (maintenance: a person who topped up the balance need do nothing). */
  async checkPaused(): Promise<void> {
    const paused = await this.deps.db.sessions.where('status').equals('paused').toArray();
    for (const s of paused) await this.check(s.id).catch(() => undefined);
  }

  /** What the other open sessions on this session's allowance still need. */
  async othersNeed(s: SessionRecord): Promise<bigint> {
    const others = await this.deps.ledger.onAllowance(s.family, s.network, s.asset, s.spender);
    return others.filter((o) => o.id !== s.id && o.user === s.user).reduce((sum, o) => sum + remainingOf(o), 0n);
  }

  /**
   * Approve `amount` for the session's spender in the person's wallet, in a tab of the session's
   * site, checked on chain like any wallet step. Returns the transaction.
   */
  private async approve(s: SessionRecord, amount: bigint): Promise<string> {
    const chain = this.chainOf(s);
    const caller = await this.deps.walletTab(s.origin);
    const ctx = this.deps.contexts.opening(chain, caller, () => undefined);
    const network = resolveNetwork(s.network);
    if (!network) throw new WalletError(RpcCode.Unsupported, 'unsupported_network', `${s.network} is not a network the wallet knows.`);
    let request;
    try {
      request = await chain.approveRequest({ network, asset: s.asset, spender: s.spender, amount, expiresAt: s.expiresAt });
    } catch (e) {
      // A family whose approve exists only inside opening a session (Solana: the facilitator
      // co-signs and submits it) cannot change an allowance on its own from here.
      throw new WalletError(RpcCode.Unsupported, 'unsupported_request', `On ${networkLabel(s.network)} the allowance cannot be changed from the extension (${e instanceof Error ? e.message.slice(0, 200) : 'no approve'}); use your wallet.`);
    }
    const result = await ctx.wallet(request);
    if (chain.addressKey(result.user) !== chain.addressKey(s.user)) throw new WalletError(RpcCode.Unauthorized, 'wallet_error', 'The wallet signed with another account than the session was opened with.');
    return result.txHash;
  }

  /**
   * Lower the allowance to what the other open sessions on it still need (0 when none): the only
   * thing that truly stops a leaked session id.
   */
  async lower(sessionId: string): Promise<{ txHash: string; allowance: string }> {
    const s = await this.deps.db.sessions.get(sessionId);
    if (!s) throw new WalletError(RpcCode.InvalidParams, 'unknown_session', 'No such session.');
    // A scheme with no allowance (`exact`: a signature per call) has nothing to lower: no wallet prompt.
    if (!this.chainOf(s).isAddress(s.spender)) return { txHash: '', allowance: '0' };
    const keep = await this.othersNeed(s);
    const txHash = await this.approve(s, keep);
    await this.deps.ledger.noteChain(s.id, { allowance: keep });
    const updated = await this.deps.ledger.noteRevoke(s.id, txHash);
    if (updated) this.deps.notify?.(updated);
    return { txHash, allowance: keep.toString() };
  }

  /**
   * Approve again what this session still needs plus what the others need (after a revoke, or when
   * another approve to the same spender replaced the allowance); a paused session resumes.
   */
  async reapprove(sessionId: string): Promise<{ txHash: string; allowance: string }> {
    const s = await this.deps.db.sessions.get(sessionId);
    if (!s) throw new WalletError(RpcCode.InvalidParams, 'unknown_session', 'No such session.');
    if (s.status !== 'active' && s.status !== 'paused') throw new WalletError(RpcCode.InvalidParams, 'session_inactive', 'Only an open session can be re-approved.');
    const amount = remainingOf(s) + (await this.othersNeed(s));
    const txHash = await this.approve(s, amount);
    await this.check(s.id);
    return { txHash, allowance: amount.toString() };
  }
}
