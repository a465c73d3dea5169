import { describe, expect, it } from 'vitest';
import type { StoragePorts } from '../../lib/background/browser-ports';
import { createSettingsStore } from '../../lib/background/settings-store';

function fakeStorage() {
  const data: Record<string, unknown> = {};
  const listeners: ((c: Record<string, unknown>, area: string) => void)[] = [];
  let reads = 0;
  const area = (name: string) => ({
    get: async (k: string) => (reads++, { [k]: data[`${name}:${k}`] }),
    set: async (items: Record<string, unknown>) => {
      for (const [k, v] of Object.entries(items)) data[`${name}:${k}`] = v;
      for (const l of listeners) l(items, name);
    },
    remove: async (k: string) => {
      delete data[`${name}:${k}`];
      for (const l of listeners) l({ [k]: { oldValue: undefined } }, name);
    },
  });
  const ports: StoragePorts = { local: area('local'), session: area('session'), onChanged: { addListener: (fn) => void listeners.push(fn) } };
  return { ports, data, reads: () => reads, change: (c: Record<string, unknown>) => listeners.forEach((l) => l(c, 'local')) };
}

describe('the settings store', () => {
  it('two quick patches both land; reads are cached until something changes the stored value', async () => {
    const s = fakeStorage();
    const store = createSettingsStore(s.ports);
    await Promise.all([store.update({ preemptive: false }), store.update({ promptOn402: false })]);
    expect(await store.get()).toMatchObject({ preemptive: false, promptOn402: false, rpc: {} });
    expect(s.data['local:settings']).toMatchObject({ preemptive: false, promptOn402: false });
    const before = s.reads();
    await store.get();
    expect(s.reads()).toBe(before);
    s.data['local:settings'] = { preemptive: true };
    s.change({ settings: {} });
    expect((await store.get()).preemptive).toBe(true);
  });
});

describe('the settings store, reset ("clear all my data")', () => {
  it('removes the stored settings and reads back the defaults, after a write in flight lands', async () => {
    const s = fakeStorage();
    const store = createSettingsStore(s.ports);
    const write = store.update({ preemptive: false, rpc: { 'eip155:1': 'https://rpc.example' } });
    const reset = store.reset();
    await write;
    expect(await reset).toEqual(await createSettingsStore(fakeStorage().ports).get());
    expect('local:settings' in s.data).toBe(false);
    expect((await store.get()).rpc).toEqual({});
  });
});
