import { defineUnlistedScript } from 'wxt/utils/define-unlisted-script';
import { installSigner } from '../lib/chains/signer-global';
import { runSolanaRequest } from '../lib/chains/solana/wallet';

/**
 * The Solana wallet signer chunk (Wallet Standard discovery and the two signatures of a session).
 * Never listed in the manifest: the background injects it into one document's MAIN world with
 * `scripting` only while that document opens a Solana session.
 */
export default defineUnlistedScript({
  // No global variable for the bundle itself: nothing of ours leaks into the page's namespace.
  globalName: false,
  main() {
    installSigner(window, 'solana', runSolanaRequest);
  },
});
