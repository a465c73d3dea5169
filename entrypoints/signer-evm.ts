import { defineUnlistedScript } from 'wxt/utils/define-unlisted-script';
import { runEvmRequest } from '../lib/chains/evm/wallet';
import { installSigner } from '../lib/chains/signer-global';

/**
 * The EVM wallet signer chunk (viem + wagmi). Never listed in the manifest: the background injects
 * it into one document's MAIN world with `scripting` only while that document opens a session.
 */
export default defineUnlistedScript({
  // No global variable for the bundle itself: nothing of ours leaks into the page's namespace.
  globalName: false,
  main() {
    installSigner(window, 'evm', runEvmRequest);
  },
});
