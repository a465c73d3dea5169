import { defineBackground } from 'wxt/utils/define-background';
import { browser } from 'wxt/browser';
import { ApprovalQueue } from '../lib/background/approvals';
import { createBadges } from '../lib/background/badge';
import type { ActionPorts, DnrPorts, NotificationPorts, ScriptingPorts, StoragePorts, WebRequestPorts } from '../lib/background/browser-ports';
import { createClock } from '../lib/background/clock';
import { createX402Cors } from '../lib/background/cors';
import { createMaintenance } from '../lib/background/maintenance';
import { createPortHub, type PortLike } from '../lib/background/ports';
import { RedirectLog } from '../lib/background/redirects';
import { PageRouter } from '../lib/background/router';
import type { StoredRoute } from '../lib/background/routes';
import type { SenderLike } from '../lib/background/sender';
import { WalletService } from '../lib/background/service';
import { createSettingsStore } from '../lib/background/settings-store';
import { createTabSigner } from '../lib/background/tab-signer';
import { createTokenReader } from '../lib/background/token-reader';
import { uiHandlers } from '../lib/background/ui';
import { createWalletTabs, type WalletTabPorts } from '../lib/background/wallet-tabs';
import { WalletDb } from '../lib/sessions/db';
import { rpcsFor } from '../lib/settings';

const ROUTES_KEY = 'routes';

/**
 * The background service worker: the only authority over sessions and money. Wiring only: every
 * decision lives in lib/background. Every listener is registered synchronously here so a worker
 * woken by an event finds its handler.
 */
export default defineBackground(() => {
  const log = (event: string, data: Record<string, unknown>) => console.info(`[x402] ${event}`, data);
  const db = new WalletDb();
  const stores = browser.storage as unknown as StoragePorts;
  const settings = createSettingsStore(stores);
  // Budgets (issue 15): one clock for the ledger, the alerts and the badge. Browser tests shift it
  // from the worker's own console (`__x402Test`), which no page can reach, to cross a renewal or an
  // alert without waiting; a restart drops the shift (a clock set back, which the ledger must survive).
  const clock = createClock();

  const approvals = new ApprovalQueue({
    async open(promptId) {
      const win = await browser.windows.create({ url: `${browser.runtime.getURL('/approve.html')}?id=${encodeURIComponent(promptId)}`, type: 'popup', width: 440, height: 680, focused: true });
      if (win?.id === undefined) throw new Error('no window id');
      return win.id;
    },
    close: (windowId) => browser.windows.remove(windowId),
    changed: (promptId, state) => hub.approvalChanged(promptId, state),
  });

  // The browser's own account of paid sends that were redirected (pages send them with redirect:
  // 'manual'); only requests carrying a payment header are remembered, for a few seconds.
  const redirects = new RedirectLog();
  const filter = { urls: ['<all_urls>'], types: ['xmlhttprequest' as const] };
  browser.webRequest.onSendHeaders.addListener((d) => redirects.noteSend(d), filter, ['requestHeaders']);
  browser.webRequest.onBeforeRedirect.addListener((d) => redirects.noteRedirect(d), filter);
  browser.webRequest.onCompleted.addListener((d) => redirects.forget(d.requestId), filter);
  browser.webRequest.onErrorOccurred.addListener((d) => redirects.forget(d.requestId), filter);

  const badges = createBadges({ action: browser.action as unknown as ActionPorts, tabs: browser.tabs, sessionsOf: (origin) => db.sessions.where('origin').equals(origin).toArray(), now: clock.now });
  // Budgets (issue 15): the small window of a site set to "always ask" (one per call).
  const confirmWindows = {
    async open(promptId: string) {
      const win = await browser.windows.create({ url: `${browser.runtime.getURL('/confirm.html')}?id=${encodeURIComponent(promptId)}`, type: 'popup', width: 380, height: 460, focused: true });
      if (win?.id === undefined) throw new Error('no window id');
      return win.id;
    },
    close: (windowId: number) => browser.windows.remove(windowId),
  };
  const service = new WalletService({
    db,
    now: clock.now,
    confirmWindows,
    notifications: browser.notifications as unknown as NotificationPorts,
    notificationIcon: browser.runtime.getURL('/icons/icon-128.png'),
    alertsEnabled: async () => (await settings.get()).alerts,
    onAlert: (session, kind) => hub.alert(session, kind),
    tokenInfo: createTokenReader(settings.get),
    approvals,
    signer: createTabSigner(browser.scripting as unknown as ScriptingPorts, settings.get),
    notify: (session) => hub.notify(session),
    onSessionStored: (session) => maintenance.scheduleExpiry(session),
    promptOn402: async () => (await settings.get()).promptOn402,
    preemptive: async () => (await settings.get()).preemptive,
    perCallSignatures: async () => (await settings.get()).perCallSignatures,
    allowPrivateFacilitators: async () => (await settings.get()).allowPrivateFacilitators,
    rpcs: async (network) => rpcsFor(await settings.get(), network),
    walletTab: createWalletTabs(browser.tabs as unknown as WalletTabPorts),
    redirects,
    routeStore: {
      load: async () => ((await stores.session.get(ROUTES_KEY))[ROUTES_KEY] as StoredRoute[] | undefined) ?? [],
      save: (routes) => void stores.session.set({ [ROUTES_KEY]: routes }).catch(() => undefined),
    },
    log,
  });
  const maintenance = createMaintenance(browser.alarms, service);
  const hub = createPortHub({
    extensionId: browser.runtime.id,
    extensionOrigin: browser.runtime.getURL('/').replace(/\/$/, ''),
    router: new PageRouter(service.pageHandlers, { log }),
    ui: uiHandlers({ service, approvals, settings: settings.get, updateSettings: settings.update, db, resetSettings: settings.reset }),
    approvals,
    onTabsTouched: (tabIds) => tabIds.forEach(badges.schedule),
  });

  browser.runtime.onMessage.addListener((message: unknown, sender, sendResponse) => hub.onMessage(message, sender as SenderLike, sendResponse));
  browser.runtime.onConnect.addListener((port) => hub.onConnect(port as unknown as PortLike));
  browser.windows.onRemoved.addListener((windowId) => {
    approvals.windowClosed(windowId);
    service.confirmations?.windowClosed(windowId);
  });
  browser.alarms.onAlarm.addListener((alarm) => maintenance.onAlarm(alarm));
  browser.tabs.onActivated.addListener(({ tabId }) => void badges.update(tabId));
  browser.tabs.onUpdated.addListener((tabId, change, tab) => {
    if (change.url || change.status === 'complete') void badges.update(tabId, tab.url);
  });
  browser.tabs.onRemoved.addListener((tabId) => hub.tabClosed(tabId));
  maintenance.start();
  // The browser tests' handle (see `clock` above); it moves time and runs the minute's upkeep now.
  (globalThis as unknown as { __x402Test: unknown }).__x402Test = {
    setClockOffset: (ms: number) => clock.setOffset(ms),
    tick: () => maintenance.onAlarm({ name: 'x402:maintenance' }),
  };
  // x402's headers across CORS: exposure rules, and the reason recorded when an API has no CORS.
  void createX402Cors({
    dnr: browser.declarativeNetRequest as unknown as DnrPorts,
    webRequest: browser.webRequest as unknown as WebRequestPorts,
    record: (entry) => service.audit.record(entry),
    log,
  })
    .start()
    .then((exposure) => log('cors.rules', { exposure }));
});
