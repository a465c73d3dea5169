import { approveOnEvm } from '../lib/signer/evm';

/**
 * The wallet signer chunk (viem + wagmi). Never listed in the manifest: the background injects it
 * into one tab's MAIN world with chrome.scripting only while a session is being opened there.
 */
export default defineUnlistedScript({
  // No global variable for the bundle itself: nothing of ours leaks into the page's namespace.
  globalName: false,
  main() {
    const key = '__x402sessionSigner';
    if (Object.prototype.hasOwnProperty.call(window, key)) return;
    // Non-configurable: once defined, a page script cannot swap it for its own.
    Object.defineProperty(window, key, { value: Object.freeze({ version: 1, evm: approveOnEvm }), writable: false, configurable: false });
  },
});
