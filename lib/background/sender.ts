/**
 * The caller's identity comes from the browser's `MessageSender`, never from the message body
 * (docs/architecture.md §3.3). Frame-aware: `sender.origin`/`sender.url` describe the frame that sent it, so a
 * cross-origin iframe is its own origin.
 */
export interface SenderLike {
  id?: string;
  url?: string;
  origin?: string;
  tab?: { id?: number; url?: string };
  frameId?: number;
  documentId?: string;
}

export interface PageCaller {
  kind: 'page';
  origin: string;
  tabId: number;
  frameId: number;
  documentId?: string;
}

export interface ExtensionCaller {
  kind: 'extension';
  url: string;
  tabId?: number;
}

export type Caller = PageCaller | ExtensionCaller | null;

function originOf(url: string | undefined): string | null {
  if (!url) return null;
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}

/** Classify a sender; null when it is not something we answer (other extensions, opaque origins). */
export function callerFromSender(sender: SenderLike, extensionId: string, extensionOrigin: string): Caller {
  if (sender.id !== extensionId) return null;
  const urlOrigin = originOf(sender.url);
  // Prefix test, not URL.origin: non-special schemes like chrome-extension: parse to "null" origin in some engines.
  if (sender.url !== undefined && sender.url.startsWith(`${extensionOrigin}/`)) {
    return { kind: 'extension', url: sender.url!, ...(sender.tab?.id !== undefined ? { tabId: sender.tab.id } : {}) };
  }
  if (!sender.tab || sender.tab.id === undefined || sender.tab.id < 0) return null;
  // Chrome gives `origin` (right for about:blank / srcdoc frames too); Firefox gives only `url`.
  const origin = typeof sender.origin === 'string' ? sender.origin : urlOrigin;
  if (!origin || origin === 'null') return null;
  if (!/^https?:\/\/[^/]+$/.test(origin)) return null;
  return {
    kind: 'page',
    origin,
    tabId: sender.tab.id,
    frameId: sender.frameId ?? 0,
    ...(sender.documentId ? { documentId: sender.documentId } : {}),
  };
}
