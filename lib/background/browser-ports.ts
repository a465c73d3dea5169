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
  setIcon(details: { tabId: number; path: Record<number, string> }): Promise<void>;
  /** Chrome 110+, Firefox 63+. */
  setBadgeTextColor?(details: { tabId: number; color: string }): Promise<void>;
}

export interface TabsPorts {
  get(tabId: number): Promise<{ url?: string }>;
}

/** A `declarativeNetRequest` rule, as much of its shape as this extension writes. */
export interface DnrRule {
  id: number;
  priority?: number;
  condition: {
    resourceTypes?: string[];
    requestMethods?: string[];
    excludedRequestMethods?: string[];
    responseHeaders?: { header: string }[];
  };
  action: { type: 'modifyHeaders'; responseHeaders: { header: string; operation: 'append'; value: string }[] };
}

export interface DnrPorts {
  updateDynamicRules(options: { removeRuleIds?: number[]; addRules?: DnrRule[] }): Promise<void>;
}

/** What `webRequest.onHeadersReceived` reports (Chrome names the initiator, Firefox its URL). */
export interface ResponseDetails {
  url: string;
  method: string;
  statusCode: number;
  initiator?: string;
  originUrl?: string;
  responseHeaders?: { name: string; value?: string }[];
}

export interface WebRequestPorts {
  onHeadersReceived: {
    addListener(fn: (details: ResponseDetails) => void, filter: { urls: string[]; types?: string[] }, extraInfoSpec?: string[]): void;
  };
  /** Chrome's enum; `EXTRA_HEADERS` only where the browser has it. */
  OnHeadersReceivedOptions?: Record<string, string>;
}
