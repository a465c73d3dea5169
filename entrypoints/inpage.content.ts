import { defineContentScript } from 'wxt/utils/define-content-script';
import { installInPage } from '../lib/inpage/install';

/**
 * MAIN world, every page and frame, at document_start: before any page script, so the builtins it
 * captures are the real ones. Tiny and dependency-free (budget 15 KB minified): no wallet code.
 */
export default defineContentScript({
  matches: ['http://*/*', 'https://*/*'],
  world: 'MAIN',
  runAt: 'document_start',
  allFrames: true,
  globalName: false,
  noScriptStartedPostMessage: true,
  main() {
    installInPage(window);
  },
});
