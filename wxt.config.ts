import { readFileSync } from 'node:fs';
import type { Plugin } from 'vite';
import { defineConfig } from 'wxt';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as { homepage?: string };

/**
 * zod 4 probes for eval with `new Function("")` the first time it parses an object, to decide
 * whether to compile fast parsers. Extension pages and workers forbid eval (MV3 CSP), so the probe
 * always fails there — but it still reports a CSP violation, and AMO's linter flags the Function
 * constructor. Answer the probe "no" at build time: exactly what it finds at run time, without
 * trying. A zod release that reshapes the probe fails the build here instead of slipping through.
 */
function zodWithoutEvalProbe(): Plugin {
  const probe = /const F = Function;\s*new F\(""\);\s*return true;/;
  return {
    name: 'x402:zod-without-eval-probe',
    enforce: 'pre',
    transform(code, id) {
      if (!/[\\/]zod[\\/]v4[\\/]core[\\/]util\.js$/.test(id)) return null;
      if (!probe.test(code)) throw new Error(`zod's eval probe changed shape in ${id}: update zodWithoutEvalProbe in wxt.config.ts`);
      return { code: code.replace(probe, 'return false;'), map: null };
    },
  };
}

// The extension manifest is assembled here; entrypoints declare their own content-script options.
export default defineConfig({
  modules: ['@wxt-dev/module-react'],
  // No auto-imports: every module says what it uses, so nothing of WXT's (or the browser's) can slip
  // into lib/ unseen — the lint rules check imports, and an auto-import is not one.
  imports: false,
  // MV3 everywhere: the MAIN-world content script and scripting.executeScript({ world: 'MAIN' })
  // need it (Firefox 128+).
  manifestVersion: 3,
  vite: () => ({ plugins: [zodWithoutEvalProbe()] }),
  manifest: ({ browser }) => ({
    name: 'x402 Session Wallet',
    description: 'Sign once, settle many: pay x402 web APIs per call from a capped session approved once with your own wallet.',
    ...(pkg.homepage ? { homepage_url: pkg.homepage } : {}),
    icons: { 16: '/icons/icon-16.png', 32: '/icons/icon-32.png', 48: '/icons/icon-48.png', 128: '/icons/icon-128.png' },
    // The idle look; the background switches per tab (lib/background/toolbar-state.ts).
    action: { default_icon: { 16: '/icons/idle-16.png', 32: '/icons/idle-32.png' }, default_title: 'x402 Session Wallet' },
    permissions: [
      'storage',
      'alarms',
      'scripting',
      // Two dynamic rules that make x402's own headers (PAYMENT-REQUIRED, PAYMENT-RESPONSE,
      // X-PAYMENT-RESPONSE; PAYMENT-SIGNATURE / X-PAYMENT on preflights) pass CORS on responses that
      // already allow the page (lib/background/cors.ts). "WithHostAccess": it acts only where the
      // host permissions below reach, and adds no install warning of its own.
      'declarativeNetRequestWithHostAccess',
      // Observation only, never blocking or modifying: why an x402 402 from an API without CORS could
      // not be paid (`cors_blocked`, lib/background/cors.ts), and where a paid request was redirected,
      // so the payment follows same-origin redirects and nothing else (lib/background/redirects.ts).
      'webRequest',
    ],
    // Web pages only (no file://, ftp:, …): the fetch wrapper must be in every page before its
    // scripts run, the signer is injected into the tab that opens a session, and the background
    // talks to facilitators and RPCs wherever the person approved them (store/permissions.md).
    host_permissions: ['http://*/*', 'https://*/*'],
    ...(browser === 'firefox'
      ? {
          browser_specific_settings: {
            gecko: {
              id: 'x402-session-wallet@x402session.dev',
              strict_min_version: '140.0',
              // Sent outside the browser: payment data, to the facilitator and the paid API the
              // person approved (PRIVACY.md). Nothing else, nothing to us.
              data_collection_permissions: { required: ['financialAndPaymentInfo'] },
            },
            // Android reads data_collection_permissions from 142 on (desktop: 140, an ESR).
            gecko_android: { strict_min_version: '142.0' },
          },
        }
      : { minimum_chrome_version: '111' }),
  }),
  zip: {
    // The sources zip AMO asks for: what rebuilds the extension (npm ci && npm run build:firefox)
    // and the notes for its reviewer, not the test suites, the local stack, test output or artwork.
    excludeSources: ['tests/**', 'e2e/**', 'bench/**', 'devnet/**', 'docs/**', 'artifacts/**', 'test-results/**', 'playwright-report/**', 'store/screenshots/**', 'store/promo/**'],
  },
});
