/**
 * What the Solana signer chunk does with a `spl-approve-session` request, done in Node with the
 * person's key (the page-side code itself runs in the browser suites): build the approve for the
 * account, sign its owner slot, build and sign the auth message, report `{ user, txHash: '', extra }`.
 */
import { ed25519 } from '@noble/curves/ed25519';
import type { Keypair } from '@solana/web3.js';
import { buildApproveTransaction, buildAuthMessage, serializeTransaction, type SolanaSessionRequest } from '../../../../lib/chains/solana';
import type { WalletResult } from '../../../../lib/chains/types';

export const signWith = (kp: Keypair, message: Uint8Array) => ed25519.sign(message, kp.secretKey.slice(0, 32));
const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

export function signAsWallet(req: SolanaSessionRequest, payer: Keypair): WalletResult {
  const user = payer.publicKey.toBase58();
  const tx = buildApproveTransaction({ user, mint: req.asset, spender: req.spender, amount: BigInt(req.amount), decimals: req.decimals, recentBlockhash: req.recentBlockhash, tokenProgram: req.tokenProgram });
  const signed = serializeTransaction(tx.message, tx.signers.map((s) => (s === user ? signWith(payer, tx.message) : null)));
  const auth = buildAuthMessage({ asset: req.asset, cap: req.cap, expirationUnix: req.expirationUnix, network: req.sessionNetwork, recipient: req.recipient, spender: req.spender, user });
  return {
    user,
    txHash: '',
    extra: { approveTxBase64: b64(signed), authMessage: auth.base64, authSignature: b64(signWith(payer, auth.bytes)), nonce: auth.fields.nonce, expirationUnix: req.expirationUnix, wallet: 'node' },
  };
}
