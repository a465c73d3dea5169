import { describe, expect, it } from 'vitest';

describe('settings', () => {
  it('a patch changes only the fields it names (no defaults sneak in)', async () => {
    const { applySettingsPatch, readSettings, SettingsPatchSchema } = await import('../lib/settings');
    const current = readSettings({ rpc: { 'eip155:31337': 'http://127.0.0.1:8545' }, promptOn402: false });
    const patch = SettingsPatchSchema.parse({ preemptive: false });
    expect(patch).toEqual({ preemptive: false });
    expect(applySettingsPatch(current, patch)).toEqual({ rpc: { 'eip155:31337': 'http://127.0.0.1:8545' }, promptOn402: false, preemptive: false, perCallSignatures: true, allowPrivateFacilitators: false, alerts: true });
    expect(() => SettingsPatchSchema.parse({ rpc: { x: 'not a url' } })).toThrow();
  });
});
