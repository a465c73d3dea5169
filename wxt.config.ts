import { defineConfig } from 'wxt';

// The extension manifest is assembled here; entrypoints declare their own content-script options.
export default defineConfig({
  modules: ['@wxt-dev/module-react'],
  // No auto-imports: every module says what it uses, so nothing of WXT's (or the browser's) can slip
  // into lib/ unseen — the lint rules check imports, and an auto-import is not one.
  imports: false,
  // MV3 everywhere: the MAIN-world content script and scripting.executeScript({ world: 'MAIN' })
  // need it (Firefox 128+).
  manifestVersion: 3,
  manifest: ({ browser }) => ({
    name: 'x402 Session Wallet',
    description: 'Sign once, settle many: pay x402 web APIs per call from a capped session approved once with your own wallet.',
    permissions: [
      'storage',
      'alarms',
      'scripting',
      // Two dynamic rules that make x402's own headers (PAYMENT-REQUIRED, PAYMENT-RESPONSE,
      // X-PAYMENT-RESPONSE; PAYMENT-SIGNATURE / X-PAYMENT on preflights) pass CORS on responses that
      // already allow the page (lib/background/cors.ts). "WithHostAccess": it acts only where the
      // host permissions below reach, and adds no install warning of its own.
      'declarativeNetRequestWithHostAccess',
      // Read-only observation of fetch/XHR responses, to record why an x402 402 from an API without
      // CORS could not be paid (`cors_blocked`). Never blocking, never modifying.
      'webRequest',
    ],
    host_permissions: ['<all_urls>'],
    ...(browser === 'firefox'
      ? { browser_specific_settings: { gecko: { id: 'x402-session-wallet@x402session.dev', strict_min_version: '128.0' } } }
      : {}),
  }),
});
