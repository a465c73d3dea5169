/**
 * Opening Solana sessions from Node as a wallet would (the person's key signs in-process): the
 * hand-rolled approve from lib/chains/solana, the owner's signature in its slot, the auth message.
 */
import { ed25519 } from '@noble/curves/ed25519';
import type { Keypair } from '@solana/web3.js';
import { buildApproveTransaction, buildAuthMessage, buildSessionBody, serializeTransaction, type SolanaSessionBody } from '../../../../lib/chains/solana';
import type { SolanaStack } from '../../../../devnet/solana/stack';

export function signWith(kp: Keypair, message: Uint8Array): Uint8Array {
  return ed25519.sign(message, kp.secretKey.slice(0, 32));
}

export interface SessionRequestOptions {
  cap?: bigint;
  /** Approve this much instead of `cap`. */
  approveAmount?: bigint;
  expirationUnix?: number;
  recipient?: string;
  network?: string;
  nonce?: string;
  recentBlockhash?: string;
}

/** A complete, valid `POST /sessions` body for `payer` (override anything to break it). */
export function sessionBody(stack: SolanaStack, payer: Keypair, o: SessionRequestOptions = {}): SolanaSessionBody {
  const cap = o.cap ?? 50_000n;
  const user = payer.publicKey.toBase58();
  const tx = buildApproveTransaction({
    user,
    mint: stack.mint.address,
    spender: stack.facilitator.address,
    amount: o.approveAmount ?? cap,
    decimals: stack.mint.decimals,
    recentBlockhash: o.recentBlockhash ?? stack.runtime.latestBlockhash().blockhash,
  });
  const signed = serializeTransaction(tx.message, tx.signers.map((s) => (s === user ? signWith(payer, tx.message) : null)));
  const auth = buildAuthMessage({
    asset: stack.mint.address,
    cap: cap.toString(),
    expirationUnix: o.expirationUnix ?? Math.floor(Date.now() / 1000) + 3600,
    network: o.network ?? stack.network,
    recipient: o.recipient ?? stack.recipient.address,
    spender: stack.facilitator.address,
    user,
    nonce: o.nonce,
  });
  return buildSessionBody({ auth, approveTxBase64: Buffer.from(signed).toString('base64'), authSignature: signWith(payer, auth.bytes) });
}

export async function postSession(stack: SolanaStack, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${stack.facilitator.url}/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

export async function openSolanaSession(stack: SolanaStack, payer: Keypair, o: SessionRequestOptions = {}): Promise<string> {
  const { status, json } = await postSession(stack, sessionBody(stack, payer, o));
  if (status !== 201) throw new Error(`POST /sessions → ${status} ${JSON.stringify(json)}`);
  return json.sessionId as string;
}
