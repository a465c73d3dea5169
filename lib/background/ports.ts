import { EVENT_CHANNEL, PAGE_CHANNEL, PAGE_PORT, UI_CHANNEL } from '../messaging/channels';
import type { UiHandlers } from '../messaging/methods';
import { toPublicView, type SessionRecord } from '../sessions/types';
import type { ApprovalQueue, ApprovalState } from './approvals';
import { FrameRegistry } from './frames';
import type { PageRouter } from './router';
import { callerFromSender, type SenderLike } from './sender';
import { handleUiCall } from './ui';

/** A runtime port, as much of it as the hub uses. */
export interface PortLike {
  name: string;
  sender?: SenderLike;
  postMessage(message: unknown): void;
  disconnect(): void;
  onMessage: { addListener(fn: (message: never) => void): void };
  onDisconnect: { addListener(fn: () => void): void };
}

export interface PortHubDeps {
  extensionId: string;
  extensionOrigin: string;
  router: PageRouter;
  ui: UiHandlers;
  approvals: ApprovalQueue;
  /** Tabs whose badge should follow a session change. */
  onTabsTouched?: (tabIds: number[]) => void;
}

/**
 * Every connection into the background: each frame's relay port (page calls, `sessionChanged`
 * pushes), each approval window's port (its state, and pings that keep the worker alive while the
 * person decides), and one-off messages from extension pages. Who is calling is always taken from
 * the browser's sender, never from a message.
 */
export function createPortHub(deps: PortHubDeps) {
  const frames = new FrameRegistry<PortLike>();
  const approvalPorts = new Map<string, PortLike>();
  const callerOf = (sender: SenderLike | undefined) => callerFromSender(sender ?? {}, deps.extensionId, deps.extensionOrigin);

  return {
    /** runtime.onMessage: only the extension's own pages, on the UI channel. */
    onMessage(message: unknown, sender: SenderLike, sendResponse: (reply: unknown) => void): boolean {
      const caller = callerOf(sender);
      if (caller?.kind !== 'extension' || typeof message !== 'object' || message === null) return false;
      if ((message as { channel?: unknown }).channel !== UI_CHANNEL) return false;
      void handleUiCall(deps.ui, message).then(sendResponse);
      return true;
    },

    onConnect(port: PortLike): void {
      const caller = callerOf(port.sender);
      if (port.name === PAGE_PORT) {
        // A frame's relay. Its origin was fixed by the browser when it connected; every call on this
        // port is that frame's, whatever the messages say.
        if (caller?.kind !== 'page') return port.disconnect();
        frames.add(caller, port);
        port.onDisconnect.addListener(() => frames.remove(port));
        port.onMessage.addListener((message: { id?: unknown; channel?: unknown }) => {
          if (message?.channel !== PAGE_CHANNEL || typeof message.id !== 'string') return;
          const id = message.id;
          void deps.router.handle(caller, message).then((reply) => {
            try {
              port.postMessage({ id, ...reply });
            } catch {
              // The frame went away; a payment it reserved is reconciled later.
            }
          });
        });
        return;
      }
      // Budgets (issue 15): a payment confirmation window's port only keeps the worker alive while
      // the person decides (its state comes from `payment.confirmGet`).
      if (/^confirm:[0-9a-f]{16,64}$/.test(port.name) && caller?.kind === 'extension') {
        port.onMessage.addListener(() => undefined);
        return;
      }
      const m = /^approval:(.+)$/.exec(port.name);
      if (!m || caller?.kind !== 'extension') return port.disconnect();
      const id = m[1]!;
      approvalPorts.set(id, port);
      port.onMessage.addListener(() => undefined);
      port.onDisconnect.addListener(() => approvalPorts.delete(id));
      const state = deps.approvals.get(id);
      if (state) port.postMessage({ type: 'state', state });
    },

    /** Tell an open approval window its state changed. */
    approvalChanged(promptId: string, state: ApprovalState): void {
      approvalPorts.get(promptId)?.postMessage({ type: 'state', state });
    },

    /** Push a session change to every frame of its origin (and only those). */
    notify(session: SessionRecord): void {
      const data = toPublicView(session);
      for (const port of frames.forOrigin(session.origin)) {
        try {
          port.postMessage({ channel: EVENT_CHANNEL, event: 'sessionChanged', data });
        } catch {
          frames.remove(port);
        }
      }
      deps.onTabsTouched?.(frames.tabsOf(session.origin));
    },

    /** Budgets (issue 15): a budget alert, to every frame of the session's origin (and only those). */
    alert(session: SessionRecord, kind: string): void {
      const data = { kind, session: toPublicView(session) };
      for (const port of frames.forOrigin(session.origin)) {
        try {
          port.postMessage({ channel: EVENT_CHANNEL, event: 'budgetAlert', data });
        } catch {
          frames.remove(port);
        }
      }
      deps.onTabsTouched?.(frames.tabsOf(session.origin));
    },

    tabClosed(tabId: number): void {
      frames.removeTab(tabId);
    },
  };
}
