import { defineUnlistedScript } from 'wxt/utils/define-unlisted-script';
import { runStellarRequest } from '../lib/chains/stellar/wallet';
import { installSigner } from '../lib/chains/signer-global';

/**
 * The Stellar wallet signer chunk (stellar-sdk + freighter-api). Never listed in the manifest: the
 * background injects it into one document's MAIN world with `scripting` only while that document
 * opens a Stellar session, where Freighter's content script answers freighter-api.
 */
export default defineUnlistedScript({
  // No global variable for the bundle itself: nothing of ours leaks into the page's namespace.
  globalName: false,
  main() {
    installSigner(window, 'stellar', runStellarRequest);
  },
});
