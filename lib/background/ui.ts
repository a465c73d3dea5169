import { RpcCode, WalletError, toWalletError } from '../errors';
import { UI_METHODS, isUiMethod, type UiHandlers, type UiMethod, type UiParams } from '../messaging/methods';
import type { WalletDb } from '../sessions/db';
import { toPublicView } from '../sessions/types';
import { clearPersonalData, exportPersonalData } from '../sessions/personal-data';
import type { Settings, SettingsPatch } from '../settings';
import type { ApprovalQueue } from './approvals';
import { paramsError, type RouterReply } from './router';
import type { WalletService } from './service';

export interface UiDeps {
  service: WalletService;
  approvals: ApprovalQueue;
  settings(): Promise<Settings>;
  /** Apply a patch to the stored settings; calls are serialised so none is lost. */
  updateSettings(patch: SettingsPatch): Promise<Settings>;
  /** The store, for "export / clear all my data". */
  db: WalletDb;
  /** Drop the stored settings (back to the defaults). */
  resetSettings(): Promise<Settings>;
}

/** What the extension's own pages can ask, one handler per method of the table. */
export function uiHandlers(deps: UiDeps): UiHandlers {
  const { service, approvals } = deps;
  return {
    'approval.get': async (p) => approvals.get(p.id),
    'approval.decide': async (p) => {
      const state = approvals.get(p.id);
      if (!state) throw new WalletError(RpcCode.InvalidParams, 'unknown_approval', 'This approval is no longer pending.');
      return approvals.decide(p.id, p.approve ? { cap: p.cap ?? state.prompt.cap, expiresIn: p.expiresIn ?? state.prompt.expiresIn, ...(p.perCallMax !== undefined ? { perCallMax: p.perCallMax } : {}), ...(p.renew ? { renew: p.renew } : {}) } : 'reject');
    },
    'approval.chooseWallet': async (p) => approvals.choseWallet(p.id, p.name),
    'session.end': async (p) => {
      const ended = !!(await service.upkeep.end(p.id, 'ended_by_user'));
      // The revoke is asked in the wallet after the session already stopped paying: a refusal there
      // leaves the session ended, and the error says the allowance stays.
      if (!p.revoke) return { ended };
      try {
        return { ended, revoke: await service.allowances.lower(p.id) };
      } catch (e) {
        const err = e instanceof WalletError ? e : null;
        throw new WalletError(err?.code ?? RpcCode.Internal, err?.reason ?? 'wallet_error', `The session is ended; lowering its allowance did not happen: ${e instanceof Error ? e.message : String(e)}`);
      }
    },
    'session.reapprove': (p) => service.allowances.reapprove(p.id),
    'session.check': async (p) => !!(await service.allowances.check(p.id)),
    'session.retryRegistration': async (p) => (await service.upkeep.retryRegistration(p.id))?.status ?? null,
    'session.reconcile': async (p) => !!(await service.upkeep.reconcileSession(p.id)),
    // Budgets (issue 15):
    'payment.confirmGet': async (p) => service.confirmations?.get(p.id) ?? null,
    'payment.confirm': async (p) => service.confirmations?.decide(p.id, p.pay) ?? false,
    'session.topUpInfo': (p) => service.topUps.support(p.id),
    'session.topUp': async (p) => {
      const r = await service.topUps.apply(p.id, { ...(p.cap ? { cap: BigInt(p.cap) } : {}), ...(p.extendBy ? { extendBy: p.extendBy } : {}) });
      return { session: toPublicView(r.session), ...(r.approvalTx ? { approvalTx: r.approvalTx } : {}), ...(r.allowance ? { allowance: r.allowance } : {}) };
    },
    'site.set': (p) => service.sites.set(p.origin, { ...(p.mode ? { mode: p.mode } : {}), ...(p.perCallMax !== undefined ? { perCallMax: p.perCallMax } : {}) }),
    'settings.get': () => deps.settings(),
    'settings.set': (p) => deps.updateSettings(p),
    'data.export': async () => exportPersonalData(deps.db, await deps.settings()),
    // Live sessions are ended the way the popup ends them (stop paying, tell their pages) before the rows go.
    'data.clear': async () => {
      const cleared = await clearPersonalData({ db: deps.db, endSession: (id) => service.upkeep.end(id, 'ended_by_user'), resetSettings: deps.resetSettings });
      service.sites.forget();
      return cleared;
    },
  };
}

/** Commands from the extension's own pages. Still validated: a compromised page must not do more. */
export async function handleUiCall(handlers: UiHandlers, message: unknown): Promise<RouterReply> {
  try {
    const { method, params } = (message ?? {}) as { method?: unknown; params?: unknown };
    if (!isUiMethod(method)) throw new WalletError(RpcCode.Unsupported, 'unsupported_method', 'Unsupported method.');
    return { result: await runUi(handlers, method, params) };
  } catch (e) {
    return { error: toWalletError(e).toJSON() };
  }
}

function runUi<M extends UiMethod>(handlers: UiHandlers, method: M, raw: unknown) {
  const parsed = UI_METHODS[method].params.safeParse(raw ?? {});
  if (!parsed.success) throw paramsError(method, parsed.error.issues);
  const handler: UiHandlers[M] = handlers[method];
  return handler(parsed.data as UiParams<M>);
}
