/**
 * The slices of the WebExtension API that the background's factories use, typed structurally so
 * lib/ never imports `wxt` or touches a browser global: the entrypoint passes the real `browser`,
 * tests pass fakes.
 */
export interface StorageArea {
  get(key: string): Promise<Record<string, unknown>>;
  set(items: Record<string, unknown>): Promise<void>;
  remove(key: string): Promise<void>;
}

export interface StoragePorts {
  local: StorageArea;
  session: StorageArea;
  onChanged: { addListener(fn: (changes: Record<string, unknown>, area: string) => void): void };
}

export interface ScriptingPorts {
  executeScript(injection: {
    target: { tabId: number; frameIds?: number[]; documentIds?: string[] };
    world: 'MAIN';
    files?: string[];
    func?: (...args: never[]) => unknown;
    args?: unknown[];
  }): Promise<{ result?: unknown }[]>;
}

export interface ActionPorts {
  setBadgeText(details: { tabId: number; text: string }): Promise<void>;
  setTitle(details: { tabId: number; title: string }): Promise<void>;
  setBadgeBackgroundColor(details: { tabId: number; color: string }): Promise<void>;
}

export interface TabsPorts {
  get(tabId: number): Promise<{ url?: string }>;
}
