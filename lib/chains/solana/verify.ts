/**
 * The check of what the Solana signer chunk reports (it ran in the page's world). Unlike EVM there
 * is no transaction on chain yet — the facilitator submits the approve when the session is
 * registered — so what is checked, before anything is sent or stored, is what the person signed:
 * the partially signed approve (program, mint, delegate = spender, amount, owner = the reported
 * user, fee payer = spender, the user's signature valid over the message, no other slot signed) and
 * the auth message (each field what was asked, its signature valid). Nothing is read from the chain.
 */
import { base64ToBytes } from '../../x402/base64';
import type { WalletRequest, WalletResult } from '../types';
import { isSolanaAddress } from './address';
import { parseApproveTransaction } from './approve';
import { parseAuthMessage, verifyAuthSignature } from './auth';
import { SOLANA_SESSION_REQUEST, type SolanaSessionRequest } from './session-request';

const isZero = (bytes: Uint8Array) => bytes.every((b) => b === 0);

/** Null when the signed approve and consent are exactly what `request` asked; else why not. */
export function checkSolanaSession(request: WalletRequest, result: WalletResult): string | null {
  if (request.kind !== SOLANA_SESSION_REQUEST) return 'not a Solana session request';
  const req = request as SolanaSessionRequest;
  const extra = (result.extra ?? {}) as Record<string, unknown>;
  const user = result.user;
  if (!isSolanaAddress(user)) return 'the reported payer is not a Solana address';
  // The chunk submits nothing: an id here would be a transaction we were not asked for.
  if (result.txHash !== '') return 'the signer reported a transaction it should not have sent';

  const txBytes = typeof extra.approveTxBase64 === 'string' ? base64ToBytes(extra.approveTxBase64) : null;
  if (!txBytes) return 'no signed approve transaction';
  let tx;
  try {
    tx = parseApproveTransaction(txBytes);
  } catch (e) {
    return `the signed transaction is not a session approve (${e instanceof Error ? e.message : 'undecodable'})`;
  }
  if (tx.tokenProgram !== req.tokenProgram) return `the approve runs program ${tx.tokenProgram}, not the mint's ${req.tokenProgram}`;
  if (tx.mint !== req.asset) return 'the approve names another mint';
  if (tx.decimals !== req.decimals) return `the approve states ${tx.decimals} decimals, the mint has ${req.decimals}`;
  if (tx.delegate !== req.spender) return 'the approve names another delegate';
  if (tx.feePayer !== req.spender) return 'the approve has another fee payer than the facilitator';
  if (tx.createsAta && tx.createsAta.payer !== req.spender) return 'the token account would be paid for by someone else';
  if (tx.owner !== user) return 'the approve is not from the reported payer';
  if (tx.amount !== BigInt(req.amount)) return `the approve is for ${tx.amount}, not ${req.amount}`;
  if (tx.recentBlockhash !== req.recentBlockhash) return 'the approve is built on another blockhash';
  for (let i = 0; i < tx.signers.length; i++) {
    const signature = tx.signatures[i]!;
    if (tx.signers[i] === user) {
      if (!verifyAuthSignature(user, tx.messageBytes, signature)) return "the payer's transaction signature does not verify";
    } else if (!isZero(signature)) {
      return `slot ${i} (${tx.signers[i]}) is already signed: only the payer signs here`;
    }
  }

  if (typeof extra.authMessage !== 'string' || typeof extra.authSignature !== 'string') return 'no signed auth message';
  let auth;
  try {
    auth = parseAuthMessage(extra.authMessage);
  } catch (e) {
    return `the auth message is malformed (${e instanceof Error ? e.message : 'unreadable'})`;
  }
  const f = auth.fields;
  const asked: [keyof typeof f, unknown][] = [
    ['asset', req.asset],
    ['cap', req.cap],
    ['expirationUnix', req.expirationUnix],
    ['network', req.sessionNetwork],
    ['recipient', req.recipient],
    ['spender', req.spender],
    ['user', user],
  ];
  for (const [key, value] of asked) if (f[key] !== value) return `the auth message's ${key} is not what was approved`;
  const signature = base64ToBytes(extra.authSignature);
  if (!signature || !verifyAuthSignature(user, auth.bytes, signature)) return "the payer's auth message signature does not verify";
  return null;
}

/** `ChainAdapter.verifyWallet` for Solana: the same check; the RPC is not needed for it. */
export async function verifySolanaSession(_rpcUrl: string, request: WalletRequest, result: WalletResult): Promise<string | null> {
  return checkSolanaSession(request, result);
}
