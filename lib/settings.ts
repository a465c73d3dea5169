import { z } from 'zod';
import { defaultRpcs } from './chains/networks';

/** Person-controlled settings, kept in `storage.local` under one key. */
export const SETTINGS_KEY = 'settings';

export const SettingsSchema = z.object({
  /** Read-only RPC per CAIP-2 network (token metadata, allowance). */
  rpc: z.record(z.string(), z.string().url()).default({}),
  /** Open the approval window when a page meets a session 402 and has no session. */
  promptOn402: z.boolean().default(true),
  /** Attach the payment header on the first request to a route already paid (skips the 402). */
  preemptive: z.boolean().default(true),
  /** Pay APIs that need a wallet signature on every call (`exact`), under the budget set once per site. */
  perCallSignatures: z.boolean().default(true),
  /** EIP-6963 rdns of the wallet to use when several are installed. */
  preferredWallet: z.string().max(128).optional(),
  /** Talk to facilitators on private and local addresses (off: a page cannot aim the wallet at your network). */
  allowPrivateFacilitators: z.boolean().default(false),
  /** Budgets (issue 15): browser notifications at 80% / 100% of a cap and before an expiry. */
  alerts: z.boolean().default(true),
});
export type Settings = z.infer<typeof SettingsSchema>;

/** A change to some settings. No defaults here: an absent field means "leave it as it is". */
export const SettingsPatchSchema = z.strictObject({
  rpc: z.record(z.string(), z.string().url()).optional(),
  promptOn402: z.boolean().optional(),
  preemptive: z.boolean().optional(),
  perCallSignatures: z.boolean().optional(),
  preferredWallet: z.string().max(128).optional(),
  allowPrivateFacilitators: z.boolean().optional(),
  alerts: z.boolean().optional(),
});
export type SettingsPatch = z.infer<typeof SettingsPatchSchema>;

/** Apply a patch; only the fields it names change. */
export function applySettingsPatch(current: Settings, patch: SettingsPatch): Settings {
  const next: Settings = { ...current };
  for (const [k, v] of Object.entries(patch)) if (v !== undefined) (next as Record<string, unknown>)[k] = v;
  return SettingsSchema.parse(next);
}

/** Stored settings may be from an older version or hand-edited: fall back field by field. */
export function readSettings(stored: unknown): Settings {
  const r = SettingsSchema.safeParse(stored ?? {});
  return r.success ? r.data : SettingsSchema.parse({});
}

/** The RPCs to read a network through, in the order to try them: the person's own first, then the defaults. */
export function rpcsFor(settings: Settings, network: string): string[] {
  const own = Object.prototype.hasOwnProperty.call(settings.rpc, network) ? [settings.rpc[network]!] : [];
  return [...new Set([...own, ...defaultRpcs(network)])];
}
