import { defineConfig } from 'wxt';

// The extension manifest is assembled here; entrypoints declare their own content-script options.
export default defineConfig({
  modules: ['@wxt-dev/module-react'],
  manifest: {
    name: 'x402 Session Wallet',
    description: 'Sign once, settle many: pay x402 web APIs per call from a capped session approved once with your own wallet.',
    permissions: ['storage', 'alarms', 'scripting'],
    host_permissions: ['<all_urls>'],
  },
});
