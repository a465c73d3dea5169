/**
 * Node-side Stellar client helpers for the devnet tests: stellar-sdk builds, prepares, signs and
 * sends real transactions to the Soroban-RPC stand-in, the way a wallet would.
 */
import { Address, Contract, Keypair, nativeToScVal, rpc, TransactionBuilder, type Transaction, type xdr } from '@stellar/stellar-sdk';
import type { StellarDevAccount } from '../../../../devnet/stellar/accounts';
import type { StellarStack } from '../../../../devnet/stellar/stack';

export const i128 = (v: bigint) => nativeToScVal(v, { type: 'i128' });
export const u32 = (v: number) => nativeToScVal(v, { type: 'u32' });
export const addr = (a: string) => new Address(a).toScVal();

export function serverFor(rpcUrl: string): rpc.Server {
  return new rpc.Server(rpcUrl, { allowHttp: true });
}

/** Builds and prepares (simulates) a one-call transaction from `source`. */
export async function prepareCall(rpcUrl: string, passphrase: string, source: string, contractId: string, fn: string, args: xdr.ScVal[], timeoutSeconds = 60): Promise<Transaction> {
  const server = serverFor(rpcUrl);
  const tx = new TransactionBuilder(await server.getAccount(source), { fee: '100', networkPassphrase: passphrase })
    .addOperation(new Contract(contractId).call(fn, ...args))
    .setTimeout(timeoutSeconds)
    .build();
  return server.prepareTransaction(tx);
}

/** Prepare, sign with `signer`, send, poll: the final getTransaction status and the hash. */
export async function invoke(
  rpcUrl: string,
  passphrase: string,
  signer: StellarDevAccount,
  contractId: string,
  fn: string,
  args: xdr.ScVal[],
): Promise<{ hash: string; status: string }> {
  const server = serverFor(rpcUrl);
  const tx = await prepareCall(rpcUrl, passphrase, signer.publicKey, contractId, fn, args);
  tx.sign(Keypair.fromSecret(signer.secret));
  const sent = await server.sendTransaction(tx);
  if (sent.status !== 'PENDING') throw new Error(`sendTransaction ${sent.status}`);
  const got = await server.pollTransaction(sent.hash, { attempts: 20 });
  return { hash: sent.hash, status: got.status };
}

/** SAC approve(payer → spender) from Node; returns the tx hash and the expiration ledger used. */
export async function approveFromNode(
  stellar: StellarStack,
  payer: StellarDevAccount,
  cap: bigint,
  opts: { ledgers?: number; spender?: string; asset?: string } = {},
): Promise<{ hash: string; expirationLedger: number }> {
  const expirationLedger = stellar.ledger.latestSequence + (opts.ledgers ?? 720);
  const { hash, status } = await invoke(stellar.rpc.url, stellar.passphrase, payer, opts.asset ?? stellar.asset.contractId, 'approve', [
    addr(payer.publicKey),
    addr(opts.spender ?? stellar.facilitator.address),
    i128(cap),
    u32(expirationLedger),
  ]);
  if (status !== 'SUCCESS') throw new Error(`approve ${status}`);
  return { hash, expirationLedger };
}

export async function postStellarSession(stellar: StellarStack, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${stellar.facilitator.url}/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

/** approve + POST /sessions; returns the session id. */
export async function openStellarSession(stellar: StellarStack, payer: StellarDevAccount, cap: bigint, opts: { ledgers?: number; recipient?: string } = {}): Promise<{ sessionId: string; expirationLedger: number; approvalTxHash: string }> {
  const { hash, expirationLedger } = await approveFromNode(stellar, payer, cap, { ledgers: opts.ledgers });
  const { status, json } = await postStellarSession(stellar, {
    approvalTxHash: hash,
    user: payer.publicKey,
    asset: stellar.asset.contractId,
    recipient: opts.recipient ?? stellar.accounts.recipient.publicKey,
    cap: cap.toString(),
    expirationLedger,
    network: stellar.network,
  });
  if (status !== 201 || typeof json.sessionId !== 'string') throw new Error(`POST /sessions → ${status} ${JSON.stringify(json)}`);
  return { sessionId: json.sessionId, expirationLedger, approvalTxHash: hash };
}

/** A facilitator /verify or /settle body for a session payment (v2). */
export function paymentBodyFor(stellar: StellarStack, sessionId: string, amount: bigint, overrides: { requirements?: Record<string, unknown>; payload?: Record<string, unknown> } = {}) {
  const requirements = {
    scheme: 'session',
    network: stellar.network,
    amount: amount.toString(),
    asset: stellar.asset.contractId,
    payTo: stellar.accounts.recipient.publicKey,
    maxTimeoutSeconds: 60,
    extra: {},
    ...overrides.requirements,
  };
  return {
    x402Version: 2,
    paymentPayload: { x402Version: 2, accepted: requirements, payload: { sessionId, ...overrides.payload } },
    paymentRequirements: requirements,
  };
}

export async function postJson(url: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}
