import { RpcCode, WalletError, toWalletError } from '../errors';
import { UI_METHODS, isUiMethod } from '../messaging/ui-methods';
import type { WalletDb } from '../sessions/db';
import type { Settings, SettingsPatch } from '../settings';
import type { ApprovalQueue } from './approvals';
import { clearPersonalData, exportPersonalData } from './personal-data';
import type { RouterReply } from './router';
import type { WalletService } from './service';

export interface UiDeps {
  service: WalletService;
  approvals: ApprovalQueue;
  db: WalletDb;
  settings(): Promise<Settings>;
  /** Apply a patch to the stored settings; calls are serialised so none is lost. */
  updateSettings(patch: SettingsPatch): Promise<Settings>;
  /** Drop the stored settings (back to defaults); used by "clear all my data". */
  resetSettings(): Promise<Settings>;
}

/** Commands from the extension's own pages. Still validated: a compromised page must not do more. */
export async function handleUiCall(deps: UiDeps, message: unknown): Promise<RouterReply> {
  try {
    const { method, params } = (message ?? {}) as { method?: unknown; params?: unknown };
    if (!isUiMethod(method)) throw new WalletError(RpcCode.Unsupported, 'unsupported_method', 'Unsupported method.');
    const parsed = UI_METHODS[method].safeParse(params ?? {});
    if (!parsed.success) throw new WalletError(RpcCode.InvalidParams, 'invalid_params', parsed.error.issues[0]?.message ?? 'Invalid parameters.');
    const p = parsed.data as Record<string, any>;
    switch (method) {
      case 'approval.get':
        return { result: deps.approvals.get(p.id) };
      case 'approval.decide': {
        const state = deps.approvals.get(p.id);
        if (!state) throw new WalletError(RpcCode.InvalidParams, 'unknown_approval', 'This approval is no longer pending.');
        const ok = deps.approvals.decide(p.id, p.approve ? { cap: p.cap ?? state.prompt.cap, expiresIn: p.expiresIn ?? state.prompt.expiresIn } : 'reject');
        return { result: ok };
      }
      case 'session.end':
        return { result: !!(await deps.service.endSessionById(p.id, 'ended_by_user')) };
      case 'session.retryRegistration': {
        const s = await deps.service.retryRegistration(p.id);
        return { result: s?.status ?? null };
      }
      case 'session.reconcile':
        return { result: !!(await deps.service.reconcileSession(p.id)) };
      case 'settings.get':
        return { result: await deps.settings() };
      case 'settings.set':
        return { result: await deps.updateSettings(p as SettingsPatch) };
      case 'data.export':
        return { result: await exportPersonalData(deps.db, await deps.settings()) };
      case 'data.clear':
        return {
          result: await clearPersonalData({
            db: deps.db,
            endSession: (id) => deps.service.endSessionById(id, 'ended_by_user'),
            resetSettings: () => deps.resetSettings(),
          }),
        };
    }
  } catch (e) {
    return { error: toWalletError(e).toJSON() };
  }
}
