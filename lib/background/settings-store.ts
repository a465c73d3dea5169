import { applySettingsPatch, readSettings, SETTINGS_KEY, type Settings, type SettingsPatch } from '../settings';
import type { StoragePorts } from './browser-ports';

export interface SettingsStore {
  get(): Promise<Settings>;
  /** Apply a patch; writes are serialised, so two quick toggles both land. */
  update(patch: SettingsPatch): Promise<Settings>;
  /** Drop the stored settings ("clear all my data"); queued behind any write in flight. */
  reset(): Promise<Settings>;
}

/** The person's settings in `storage.local`, cached until they change (from any context). */
export function createSettingsStore(ports: StoragePorts): SettingsStore {
  let cache: Promise<Settings> | null = null;
  let writes: Promise<unknown> = Promise.resolve();
  ports.onChanged.addListener((changes, area) => {
    if (area === 'local' && Object.prototype.hasOwnProperty.call(changes, SETTINGS_KEY)) cache = null;
  });
  const get = () => (cache ??= ports.local.get(SETTINGS_KEY).then((v) => readSettings(v[SETTINGS_KEY])));
  return {
    get,
    update(patch) {
      const run = writes.then(async () => {
        const next = applySettingsPatch(await get(), patch);
        await ports.local.set({ [SETTINGS_KEY]: next });
        cache = Promise.resolve(next);
        return next;
      });
      writes = run.catch(() => undefined);
      return run;
    },
    reset() {
      const run = writes.then(async () => {
        await ports.local.remove(SETTINGS_KEY);
        cache = null;
        return get();
      });
      writes = run.catch(() => undefined);
      return run;
    },
  };
}
