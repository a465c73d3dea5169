import { z } from 'zod';
import { SettingsPatchSchema } from '../settings';

/** Commands the extension's own pages (popup, approval window, options) send to the background. */
export const UI_METHODS = {
  'approval.get': z.strictObject({ id: z.string().min(1).max(64) }),
  'approval.decide': z.strictObject({
    id: z.string().min(1).max(64),
    approve: z.boolean(),
    cap: z.string().regex(/^[1-9][0-9]{0,77}$/).optional(),
    expiresIn: z.int().min(60).optional(),
  }),
  'session.end': z.strictObject({ id: z.string().min(1).max(64) }),
  'session.reconcile': z.strictObject({ id: z.string().min(1).max(64) }),
  'session.retryRegistration': z.strictObject({ id: z.string().min(1).max(64) }),
  'settings.get': z.strictObject({}),
  'settings.set': SettingsPatchSchema,
  /** Everything stored, as JSON (bearer session ids left out). */
  'data.export': z.strictObject({}),
  /** Delete everything. The literal is there so no stray call can do it. */
  'data.clear': z.strictObject({ confirm: z.literal('delete-everything') }),
} as const;

export type UiMethod = keyof typeof UI_METHODS;

export function isUiMethod(name: unknown): name is UiMethod {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(UI_METHODS, name);
}
