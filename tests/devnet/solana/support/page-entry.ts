/** What the test page gets: the signer chunk plus the body builder the background would use. */
import { buildSessionBody, parseAuthMessage } from '../../../../lib/chains/solana/auth';
import { approveOnSolana, listSolanaWallets } from '../../../../lib/chains/solana/wallet';

Object.assign(window, { __solana: { approveOnSolana, listSolanaWallets, buildSessionBody, parseAuthMessage } });
