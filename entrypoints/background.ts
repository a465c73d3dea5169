import { browser, type Browser } from 'wxt/browser';
import { ApprovalQueue, type ApprovalState } from '../lib/background/approvals';
import { badgeFor } from '../lib/background/badge';
import { FrameRegistry } from '../lib/background/frames';
import type { StoredRoute } from '../lib/background/routes';
import { PageRouter } from '../lib/background/router';
import { callerFromSender, type PageCaller } from '../lib/background/sender';
import { WalletService, type TokenView } from '../lib/background/service';
import { handleUiCall } from '../lib/background/ui';
import { adapterFor, knownToken } from '../lib/chains/registry';
import type { ApproveRequest } from '../lib/chains/types';
import { RpcCode, WalletError } from '../lib/errors';
import { EVENT_CHANNEL, PAGE_CHANNEL, PAGE_PORT, UI_CHANNEL } from '../lib/messaging/channels';
import { WalletDb } from '../lib/sessions/db';
import { toPublicView, type SessionRecord } from '../lib/sessions/types';
import { applySettingsPatch, readSettings, rpcFor, SETTINGS_KEY, type Settings, type SettingsPatch } from '../lib/settings';
import type { SignerOutcome } from '../lib/signer/evm';
import { networkLabel, type NetworkInfo } from '../lib/x402/networks';

const MAINTENANCE_ALARM = 'x402:maintenance';
const ROUTES_KEY = 'routes';
const EXPIRY_ALARM_PREFIX = 'x402:expire:';

/**
 * The background service worker: the only authority over sessions and money. It wires lib/ to the
 * browser; all decisions live in lib/background. Every listener is registered synchronously here so
 * a worker woken by an event finds its handler.
 */
export default defineBackground(() => {
  const extensionOrigin = browser.runtime.getURL('/').replace(/\/$/, '');
  const log = (event: string, data: Record<string, unknown>) => console.info(`[x402] ${event}`, data);
  const db = new WalletDb();
  const frames = new FrameRegistry<Browser.runtime.Port>();

  let settingsCache: Promise<Settings> | null = null;
  const settings = () => (settingsCache ??= browser.storage.local.get(SETTINGS_KEY).then((v) => readSettings(v[SETTINGS_KEY])));
  browser.storage.onChanged.addListener((changes, area) => {
    if (area === 'local' && changes[SETTINGS_KEY]) settingsCache = null;
  });

  const approvalPorts = new Map<string, Browser.runtime.Port>();
  const approvals = new ApprovalQueue({
    async open(promptId) {
      const win = await browser.windows.create({
        url: `${browser.runtime.getURL('/approve.html')}?id=${encodeURIComponent(promptId)}`,
        type: 'popup',
        width: 440,
        height: 680,
        focused: true,
      });
      if (win?.id === undefined) throw new Error('no window id');
      return win.id;
    },
    async close(windowId) {
      await browser.windows.remove(windowId);
    },
    changed(promptId, state: ApprovalState) {
      approvalPorts.get(promptId)?.postMessage({ type: 'state', state });
    },
  });
  browser.windows.onRemoved.addListener((windowId) => approvals.windowClosed(windowId));

  const tokenCache = new Map<string, Promise<TokenView>>();
  async function tokenInfo(network: NetworkInfo, asset: string): Promise<TokenView> {
    const known = knownToken(network.id, asset);
    if (known) return { ...known, verified: true };
    const key = `${network.id}/${asset.toLowerCase()}`;
    let p = tokenCache.get(key);
    if (!p) {
      const rpc = rpcFor(await settings(), network.id);
      if (!rpc) throw new Error(`no RPC configured for ${network.id}`);
      p = adapterFor(network.family)!.readToken(rpc, asset).then((t) => ({ ...t, verified: false }));
      tokenCache.set(key, p);
      p.catch(() => tokenCache.delete(key));
    }
    return p;
  }

  async function signInTab(caller: PageCaller, request: ApproveRequest) {
    if (request.family !== 'evm') throw new WalletError(RpcCode.Unsupported, 'unsupported_network', 'Signing on this chain is not available yet.');
    const s = await settings();
    const target = { tabId: caller.tabId, frameIds: [caller.frameId] };
    // The wallet libraries enter the page only now, while this session is being opened.
    await browser.scripting.executeScript({ target, world: 'MAIN', files: ['/signer.js'] });
    const network = `eip155:${request.chainId}`;
    const [res] = await browser.scripting.executeScript({
      target,
      world: 'MAIN',
      func: (req: unknown) => (window as unknown as { __x402sessionSigner: { evm: (r: unknown) => Promise<unknown> } }).__x402sessionSigner.evm(req),
      args: [
        {
          chainId: request.chainId,
          token: request.token,
          spender: request.spender,
          amount: request.amount,
          rpcUrl: rpcFor(s, network),
          chainName: networkLabel(network),
          ...(s.preferredWallet ? { preferredRdns: s.preferredWallet } : {}),
        },
      ],
    });
    const out = res?.result as SignerOutcome | undefined;
    if (!out || typeof out !== 'object') throw new Error('The wallet signer did not run in the page.');
    if (!out.ok) throw new WalletError(out.code === 4001 ? RpcCode.UserRejected : RpcCode.Internal, out.reason, out.message);
    return { user: out.user, txHash: out.txHash };
  }

  async function updateBadge(tabId: number, url?: string): Promise<void> {
    try {
      const tabUrl = url ?? (await browser.tabs.get(tabId)).url;
      const origin = tabUrl && /^https?:/.test(tabUrl) ? new URL(tabUrl).origin : null;
      const sessions = origin ? await db.sessions.where('origin').equals(origin).toArray() : [];
      const { text, title } = badgeFor(sessions, Date.now());
      await browser.action.setBadgeText({ tabId, text });
      await browser.action.setTitle({ tabId, title });
      if (text) await browser.action.setBadgeBackgroundColor({ tabId, color: '#1f6feb' });
    } catch {
      // Tab gone or not ours to read: nothing to show.
    }
  }

  // Badges follow payments, which can come hundreds a second: refresh each tab at most every 250 ms.
  const badgeTimers = new Map<number, ReturnType<typeof setTimeout>>();
  function scheduleBadge(tabId: number): void {
    if (badgeTimers.has(tabId)) return;
    badgeTimers.set(tabId, setTimeout(() => {
      badgeTimers.delete(tabId);
      void updateBadge(tabId);
    }, 250));
  }

  function notify(session: SessionRecord): void {
    const data = toPublicView(session);
    for (const port of frames.forOrigin(session.origin)) {
      try {
        port.postMessage({ channel: EVENT_CHANNEL, event: 'sessionChanged', data });
      } catch {
        frames.remove(port);
      }
    }
    for (const tabId of frames.tabsOf(session.origin)) scheduleBadge(tabId);
  }

  function scheduleExpiry(session: SessionRecord): void {
    void browser.alarms.create(`${EXPIRY_ALARM_PREFIX}${session.id}`, { when: session.expiresAt * 1000 + 500 });
  }

  const service = new WalletService({
    db,
    tokenInfo,
    approvals,
    signer: { approve: signInTab },
    notify,
    onSessionStored: scheduleExpiry,
    promptOn402: async () => (await settings()).promptOn402,
    preemptive: async () => (await settings()).preemptive,
    routeStore: {
      load: async () => ((await browser.storage.session.get(ROUTES_KEY))[ROUTES_KEY] as StoredRoute[] | undefined) ?? [],
      save: (routes) => void browser.storage.session.set({ [ROUTES_KEY]: routes }).catch(() => undefined),
    },
    log,
  });
  const router = new PageRouter(service, { log });

  browser.runtime.onMessage.addListener((message: unknown, sender, sendResponse) => {
    const caller = callerFromSender(sender as never, browser.runtime.id, extensionOrigin);
    if (!caller || typeof message !== 'object' || message === null) return false;
    const channel = (message as { channel?: unknown }).channel;
    if (channel === UI_CHANNEL && caller.kind === 'extension') {
      void handleUiCall({ service, approvals, settings, updateSettings, resetSettings, db }, message).then(sendResponse);
      return true;
    }
    return false;
  });

  // One write at a time: two quick toggles must both land.
  let settingsWrites: Promise<unknown> = Promise.resolve();
  function updateSettings(patch: SettingsPatch): Promise<Settings> {
    const run = settingsWrites.then(async () => {
      const next = applySettingsPatch(await settings(), patch);
      await browser.storage.local.set({ [SETTINGS_KEY]: next });
      settingsCache = Promise.resolve(next);
      return next;
    });
    settingsWrites = run.catch(() => undefined);
    return run;
  }

  // "Clear all my data" drops the stored settings too; queued behind any write in flight.
  function resetSettings(): Promise<Settings> {
    const run = settingsWrites.then(async () => {
      await browser.storage.local.remove(SETTINGS_KEY);
      settingsCache = null;
      return settings();
    });
    settingsWrites = run.catch(() => undefined);
    return run;
  }

  browser.runtime.onConnect.addListener((port) => {
    const caller = callerFromSender((port.sender ?? {}) as never, browser.runtime.id, extensionOrigin);
    if (port.name === PAGE_PORT) {
      // A frame's relay. Its origin was fixed by the browser when it connected; every call on this
      // port is that frame's, whatever the messages say.
      if (caller?.kind !== 'page') return port.disconnect();
      frames.add(caller, port);
      port.onDisconnect.addListener(() => frames.remove(port));
      port.onMessage.addListener((message: { id?: unknown; channel?: unknown }) => {
        if (message?.channel !== PAGE_CHANNEL || typeof message.id !== 'string') return;
        const id = message.id;
        void router.handle(caller, message).then((reply) => {
          try {
            port.postMessage({ id, ...reply });
          } catch {
            // The frame went away; a payment it reserved is reconciled later.
          }
        });
      });
      return;
    }
    const m = /^approval:(.+)$/.exec(port.name);
    if (!m || caller?.kind !== 'extension') return port.disconnect();
    const id = m[1]!;
    approvalPorts.set(id, port);
    // The window's pings keep this worker alive while the person decides and the wallet signs.
    port.onMessage.addListener(() => undefined);
    port.onDisconnect.addListener(() => approvalPorts.delete(id));
    const state = approvals.get(id);
    if (state) port.postMessage({ type: 'state', state });
  });

  browser.alarms.onAlarm.addListener((alarm) => {
    if (alarm.name === MAINTENANCE_ALARM || alarm.name.startsWith(EXPIRY_ALARM_PREFIX)) {
      void service.expireDue();
      if (alarm.name === MAINTENANCE_ALARM) {
        void service.reconcileStale();
        void service.retryPendingRegistrations();
        void service.pruneEvents();
      }
    }
  });
  browser.tabs.onActivated.addListener(({ tabId }) => void updateBadge(tabId));
  browser.tabs.onUpdated.addListener((tabId, change, tab) => {
    if (change.url || change.status === 'complete') void updateBadge(tabId, tab.url);
  });
  browser.tabs.onRemoved.addListener((tabId) => frames.removeTab(tabId));

  void browser.alarms.create(MAINTENANCE_ALARM, { periodInMinutes: 1 });
  // A worker that died mid-payment left reservations behind: settle them against the facilitator.
  void service.expireDue().then(() => Promise.all([service.reconcileStale(), service.retryPendingRegistrations()]));
});
