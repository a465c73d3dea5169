/**
 * The Stellar wallet signer: runs in the tab's MAIN world inside the lazily injected signer
 * chunk (design §2), where Freighter's content script answers freighter-api. It sends the one
 * SAC `approve(from, spender, amount, expiration_ledger)` that opens a session, with the
 * person's account as transaction source, so a single `signTransaction` covers both the
 * envelope and the `source_account` auth entry (x402-protocol.md §5.2).
 *
 * Steps: Freighter present (`isConnected`) → `requestAccess` → the wallet's network passphrase
 * is the one asked for → build the approve → `prepareTransaction` through Soroban RPC → one
 * `signTransaction` → `sendTransaction` → poll `getTransaction` until it lands.
 *
 * freighter-api waits forever for `requestAccess`, `getNetworkDetails` and `signTransaction`
 * when nothing answers, so each wallet call is bounded by our own timeout. The signed envelope
 * is checked to be the transaction we prepared before it is sent.
 */
import { getNetworkDetails, isConnected, requestAccess, signTransaction } from '@stellar/freighter-api';
import { Address, BASE_FEE, Contract, FeeBumpTransaction, nativeToScVal, TransactionBuilder, type Transaction } from '@stellar/stellar-sdk/base';
import { Server } from '@stellar/stellar-sdk/rpc';
import type { SignerOutcome } from '../types';
import { I128_MAX, parseBaseUnits } from './amount';
import type { StellarApproveRequest } from './approve';
import { expirationLedgerFor } from './expiry';
import { stellarNetwork, stellarNetworkForPassphrase } from './networks';
import { stellarAddressProblem } from './strkey';

/**
 * What `approveOnStellar` takes: the background's `sac-approve` request (./approve) as the tab
 * signer hands it over, with the Soroban RPC from the settings. `expirationLedger` is set by the
 * background from the chain; without it (direct callers) latest + ceil(expiresInSeconds / 5).
 */
export interface StellarSignRequest {
  kind?: StellarApproveRequest['kind'];
  /** `stellar:testnet` | `stellar:pubnet` | `stellar:local` | … (labels and messages only). */
  network: string;
  /** What the signature commits to; the wallet must be on this network. */
  networkPassphrase: string;
  /** Soroban RPC used to prepare, send and confirm. */
  rpcUrl: string;
  /** The SAC id (C…). */
  asset: string;
  /** The facilitator (G…). */
  spender: string;
  /** Cap in base units, e.g. "10000000" = 1.00. */
  amount: string;
  /** Use this expiration ledger; otherwise latest + ceil(expiresInSeconds / 5). */
  expirationLedger?: number;
  expiresInSeconds?: number;
  /** Bound on each wallet interaction (the person reading a prompt); default 120 s. */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 120_000;
/** How long an accepted transaction may take to show up as SUCCESS / FAILED. */
const CONFIRM_TIMEOUT_MS = 60_000;
const POLL_MS = 1000;
/** freighter-api's own code for "the user rejected this request" (FreighterApiDeclinedError). */
const FREIGHTER_DECLINED = -4;

class SignerFailure extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

const fail = (code: number, reason: string, message: string) => new SignerFailure(code, reason, message);
const noWallet = () => fail(4900, 'no_wallet', 'Freighter was not found on this page. Install or enable the Freighter extension, then try again.');
const rejected = (message: string) => fail(4001, 'user_rejected', message);
const approveFailed = (message: string) => fail(-32603, 'approve_failed', message);

async function bounded<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(fail(-32603, 'wallet_timeout', `Freighter did not answer ${what} within ${Math.round(ms / 1000)} s. Open Freighter, check it is unlocked, and try again.`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function networkName(passphrase: string): string {
  return stellarNetworkForPassphrase(passphrase)?.label ?? `the network "${passphrase.slice(0, 60)}"`;
}

function checkRequest(req: StellarSignRequest): { amount: bigint; timeoutMs: number } {
  const invalid = (message: string) => fail(-32602, 'invalid_request', message);
  if (!req || typeof req !== 'object') throw invalid('The approve request is missing.');
  for (const [field, kind] of [['asset', 'contract'], ['spender', 'account']] as const) {
    const problem = stellarAddressProblem(req[field], kind);
    if (problem) throw invalid(`${field}: ${problem.message}`);
  }
  let amount: bigint;
  try {
    // 0 is a revoke (lowering the allowance when a session ends).
    amount = parseBaseUnits(req.amount, { min: 0n, max: I128_MAX });
  } catch (err) {
    throw invalid(`amount: ${(err as Error).message}`);
  }
  if (typeof req.networkPassphrase !== 'string' || req.networkPassphrase.length === 0) throw invalid('networkPassphrase is missing.');
  let url: URL;
  try {
    url = new URL(req.rpcUrl);
  } catch {
    throw invalid(`rpcUrl ${String(req.rpcUrl).slice(0, 80)} is not a URL.`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw invalid('rpcUrl must be http(s).');
  if (req.expirationLedger !== undefined) {
    if (!Number.isSafeInteger(req.expirationLedger) || req.expirationLedger <= 0 || req.expirationLedger > 0xffff_ffff) throw invalid('expirationLedger must be a ledger number.');
  } else if (!Number.isSafeInteger(req.expiresInSeconds) || req.expiresInSeconds! <= 0) {
    throw invalid('expiresInSeconds must be a positive number of seconds.');
  }
  const timeoutMs = req.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw invalid('timeoutMs must be positive.');
  return { amount, timeoutMs };
}

/** Turns a simulation error into what a person can act on. */
function describeSimulationError(message: string): string {
  const first = message.split('\n')[0] ?? message;
  if (/Error\(Contract, #9\)/.test(first)) return `The token refused the approve (${first}): the expiration ledger is in the past or beyond the network's limit.`;
  if (/Error\(Contract, #8\)/.test(first)) return `The token refused the approve (${first}): negative amount.`;
  if (/Error\(Storage, MissingValue\)/.test(first)) return `The token contract was not found on this network (${first}).`;
  return `The approve could not be prepared: ${first.slice(0, 200)}`;
}

export async function approveOnStellar(req: StellarSignRequest): Promise<SignerOutcome> {
  try {
    return await approve(req);
  } catch (err) {
    if (err instanceof SignerFailure) return { ok: false, code: err.code, reason: err.reason, message: err.message };
    const message = err instanceof Error ? err.message : String(err);
    return { ok: false, code: -32603, reason: 'wallet_error', message: `Unexpected error while approving on Stellar: ${message.slice(0, 200)}` };
  }
}

async function approve(req: StellarSignRequest): Promise<SignerOutcome> {
  const { amount, timeoutMs } = checkRequest(req);
  const label = stellarNetwork(req.network)?.label ?? networkName(req.networkPassphrase);

  // freighter-api gives up on this one by itself after 2 s when no wallet answers.
  const connected = await isConnected().catch(() => ({ isConnected: false }));
  if (!connected.isConnected) throw noWallet();

  const access = await bounded(requestAccess(), timeoutMs, 'the connection request');
  if (access.error || !access.address) {
    // Locked and declined look the same from a page (Freighter asks to unlock, the person closes it).
    throw fail(4001, 'wallet_locked', 'Freighter did not share an account with this page (it is locked, or the request was declined). Unlock Freighter, allow this site, and try again.');
  }
  const user = access.address;
  if (stellarAddressProblem(user, 'account')) throw fail(-32603, 'wallet_error', `Freighter returned an account id that is not a G… address.`);

  const details = await bounded(getNetworkDetails(), timeoutMs, 'the network question');
  if (details.error) throw fail(-32603, 'wallet_error', `Freighter could not tell its network: ${details.error.message ?? 'unknown error'}.`);
  if (details.networkPassphrase !== req.networkPassphrase) {
    throw fail(4901, 'wrong_network', `Freighter is on ${networkName(details.networkPassphrase)}, but this session is on ${label}. Switch Freighter to ${label} and try again.`);
  }

  const server = new Server(req.rpcUrl, { allowHttp: new URL(req.rpcUrl).protocol === 'http:' });
  // Reachability first: stellar-sdk's getAccount reports every failure as "Account not found".
  const latest = await server.getLatestLedger().catch((err: unknown) => {
    throw approveFailed(`The Soroban RPC ${req.rpcUrl} is unreachable: ${(err as { message?: string })?.message ?? String(err)}`);
  });
  const account = await server.getAccount(user).catch(() => {
    throw approveFailed(`The account ${user} does not exist on ${label} yet: fund it with some XLM first.`);
  });
  const expirationLedger = req.expirationLedger ?? expirationLedgerFor(latest.sequence, req.expiresInSeconds!);

  const draft = new TransactionBuilder(account, { fee: BASE_FEE, networkPassphrase: req.networkPassphrase })
    .addOperation(
      new Contract(req.asset).call(
        'approve',
        new Address(user).toScVal(),
        new Address(req.spender).toScVal(),
        nativeToScVal(amount, { type: 'i128' }),
        nativeToScVal(expirationLedger, { type: 'u32' }),
      ),
    )
    // Long enough for the person to read the prompt; short enough that a forgotten one dies.
    .setTimeout(Math.ceil(timeoutMs / 1000) + 60)
    .build();
  let prepared: Transaction;
  try {
    prepared = await server.prepareTransaction(draft);
  } catch (err) {
    throw approveFailed(describeSimulationError(err instanceof Error ? err.message : String((err as { message?: unknown })?.message ?? err)));
  }

  const signed = await bounded(signTransaction(prepared.toXDR(), { networkPassphrase: req.networkPassphrase, address: user }), timeoutMs, 'the signature request');
  if (signed.error) {
    if (signed.error.code === FREIGHTER_DECLINED) throw rejected('The approve was rejected in Freighter. Nothing was sent.');
    throw fail(-32603, 'wallet_error', `Freighter could not sign: ${signed.error.message ?? 'unknown error'}.`);
  }
  let envelope: Transaction;
  try {
    const parsed = TransactionBuilder.fromXDR(signed.signedTxXdr, req.networkPassphrase);
    if (parsed instanceof FeeBumpTransaction) throw new Error('fee bump');
    envelope = parsed;
  } catch {
    throw fail(-32603, 'wallet_error', 'Freighter returned something that is not the signed transaction. Nothing was sent.');
  }
  // A wallet may only add signatures: any change to the transaction changes its hash.
  if (hex(envelope.hash()) !== hex(prepared.hash()) || (signed.signerAddress && signed.signerAddress !== user)) {
    throw fail(-32603, 'wallet_error', 'Freighter returned a different transaction than the one prepared. Nothing was sent.');
  }

  const txHash = await send(server, envelope);
  const ledger = await confirm(server, txHash);
  return { ok: true, user, txHash, extra: { expirationLedger, ledger, network: req.network } };
}

const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

async function send(server: Server, tx: Transaction): Promise<string> {
  for (let attempt = 0; ; attempt++) {
    let sent;
    try {
      sent = await server.sendTransaction(tx);
    } catch (err) {
      throw approveFailed(`Sending the approve failed: ${(err as Error).message ?? String(err)}`);
    }
    if (sent.status === 'PENDING' || sent.status === 'DUPLICATE') return sent.hash;
    if (sent.status === 'TRY_AGAIN_LATER' && attempt < 2) {
      await new Promise((r) => setTimeout(r, POLL_MS));
      continue;
    }
    const code = sent.status === 'ERROR' ? sent.errorResult?.result.type : undefined;
    throw approveFailed(`The network refused the approve (${sent.status}${code ? `: ${code}` : ''}).`);
  }
}

async function confirm(server: Server, hash: string): Promise<number> {
  const deadline = Date.now() + CONFIRM_TIMEOUT_MS;
  for (;;) {
    const tx = await server.getTransaction(hash).catch(() => null);
    if (tx?.status === 'SUCCESS') return tx.ledger;
    if (tx?.status === 'FAILED') throw approveFailed(`The approve transaction ${hash} failed on chain.`);
    if (Date.now() >= deadline) throw approveFailed(`The approve transaction ${hash} was not confirmed within ${CONFIRM_TIMEOUT_MS / 1000} s; it may still land. Check it before approving again.`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/** The signer chunk's entry point: one routine per request kind; anything else is refused. */
export function runStellarRequest(req: StellarSignRequest): Promise<SignerOutcome> {
  if (req?.kind === 'sac-approve') return approveOnStellar(req);
  return Promise.resolve({ ok: false, code: 4200, reason: 'unsupported_request', message: 'The Stellar signer does not know this request.' });
}
