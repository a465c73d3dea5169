/**
 * The Solana wallet signer chunk. Runs in the tab's MAIN world (where the person's Wallet Standard
 * wallets live), injected only while a session is being opened (design §2).
 *
 * One approval step for the person: connect, then `solana:signTransaction` (partial: the owner's
 * slot; the facilitator fills the fee-payer slot and submits) and `solana:signMessage` of the
 * auth message. Nothing is sent to the chain from here; the background posts `POST /sessions`.
 *
 * It calls the Wallet Standard features directly with transaction bytes instead of going
 * through `StandardWalletAdapter` + web3.js `Transaction`: the result is the same wallet call
 * (the adapter serialises to these very bytes), the `chain` is passed (the adapter passes none),
 * no global `Buffer` is needed in the page (local-chains.md §3.2), and the chunk stays ~20 KB
 * instead of ~360 KB. Every answer from the wallet is checked: the transaction must come back
 * with the same message and a valid owner signature, the message signature must verify.
 */
import { getWallets } from '@wallet-standard/app';
import type { Wallet, WalletAccount } from '@wallet-standard/base';
import { isWalletAdapterCompatibleStandardWallet } from '@solana/wallet-adapter-base';
import { base64ToBytes, bytesToBase64 } from '../../x402/base64';
import { sameAddress } from './address';
import { buildApproveTransaction, parseApproveTransaction } from './approve';
import { buildAuthMessage, verifyAuthSignature } from './auth';
import { SolanaError } from './errors';
import { decodeTransaction } from './message';
import { getLatestBlockhash } from './rpc';
import { parseU64 } from './u64';
import type { SolanaWalletChain } from './networks';
import { SOLANA_SESSION_REQUEST, type SolanaSessionRequest } from './session-request';
import type { SignerOutcome } from '../types';

/** `{ ok: true, user, txHash, extra? } | { ok: false, code, reason, message }` (lib/chains/types.ts). */
export type { SignerOutcome };

export interface SolanaWalletInfo {
  name: string;
  icon: string;
  chains: string[];
  /** The flow needs both; a wallet without signMessage cannot open a session. */
  canSignTransaction: boolean;
  canSignMessage: boolean;
}

export interface SolanaApproveRequest {
  /** Wallet Standard chain the wallet signs for (`solana:localnet` for a local RPC). */
  chain: SolanaWalletChain;
  /** The facilitator's network string, signed inside the auth message (`solana:devnet`). */
  network: string;
  /** Where the recent blockhash comes from when the chunk builds the approve. */
  rpcUrl: string;
  /** Exact `wallet.name` to use; required when several wallets are installed. */
  walletName?: string;
  /** The mint. */
  asset: string;
  decimals: number;
  /** The facilitator: delegate and fee payer (`extra.facilitatorAddress`). */
  spender: string;
  /** `payTo`, bound into the auth message. */
  recipient: string;
  /** The session's cap, base units, decimal string: signed in the auth message. */
  cap: string;
  /**
   * What the approve lets the delegate pull, base units (default `cap`). Larger than the cap when
   * other open sessions draw on the same token account's single delegation.
   */
  amount?: string;
  expirationUnix: number;
  tokenProgram?: string;
  /**
   * A prebuilt unsigned approve (base64 wire bytes) to sign instead of building one. It must be
   * an approve of `cap` to `spender` from the connected account, fee payer `spender`.
   */
  txBase64?: string;
  /** Build the approve on this blockhash (read by the background) instead of asking `rpcUrl`. */
  recentBlockhash?: string;
  /** 16-byte hex nonce; random when absent. */
  nonce?: string;
  /** Per wallet step (connect, sign, sign). Default 120 s. */
  timeoutMs?: number;
  /** How long to let wallets register before choosing. Default 150 ms. */
  discoveryMs?: number;
}

const FEATURE = {
  connect: 'standard:connect',
  signTransaction: 'solana:signTransaction',
  signMessage: 'solana:signMessage',
} as const;

interface ConnectFeature {
  connect(input?: { silent?: boolean }): Promise<{ accounts: readonly WalletAccount[] }>;
}
interface SignTransactionFeature {
  signTransaction(...inputs: { account: WalletAccount; transaction: Uint8Array; chain?: string }[]): Promise<readonly { signedTransaction: Uint8Array }[]>;
}
interface SignMessageFeature {
  signMessage(...inputs: { account: WalletAccount; message: Uint8Array }[]): Promise<readonly { signedMessage: Uint8Array; signature: Uint8Array }[]>;
}

class SignerFailure extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    /** The names to choose from (`choose_wallet`). */
    readonly choices?: string[],
  ) {
    super(message);
  }
}

function fail(code: number, reason: string, message: string): never {
  throw new SignerFailure(code, reason, message);
}

function feature<T>(wallet: Wallet, name: string): T | null {
  const f = (wallet.features as Record<string, unknown>)[name];
  return f && typeof f === 'object' ? (f as T) : null;
}

function compatibleWallets(): Wallet[] {
  return getWallets()
    .get()
    .filter((w) => {
      try {
        return isWalletAdapterCompatibleStandardWallet(w);
      } catch {
        return false;
      }
    });
}

async function discover(discoveryMs: number): Promise<Wallet[]> {
  getWallets(); // the first call dispatches app-ready: wallets loaded earlier register now
  await new Promise((r) => setTimeout(r, discoveryMs));
  return compatibleWallets();
}

/** Wallet Standard wallets on this page that can sign Solana transactions. */
export async function listSolanaWallets(opts: { discoveryMs?: number } = {}): Promise<SolanaWalletInfo[]> {
  const wallets = await discover(opts.discoveryMs ?? 150);
  return wallets.map((w) => ({
    name: String(w.name),
    icon: String(w.icon),
    chains: [...w.chains].map(String),
    canSignTransaction: feature(w, FEATURE.signTransaction) !== null,
    canSignMessage: feature(w, FEATURE.signMessage) !== null,
  }));
}

/** A wallet promise, bounded. A wallet that never answers must not hold the flow forever. */
async function step<T>(what: string, promise: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new SignerFailure(-32603, 'wallet_timeout', `The wallet did not answer the ${what} request within ${Math.round(timeoutMs / 1000)} s.`)), timeoutMs);
      }),
    ]);
  } catch (err) {
    if (err instanceof SignerFailure) throw err;
    throw walletFailure(what, err);
  } finally {
    clearTimeout(timer);
  }
}

/** Rejections and locked wallets are the person saying no; anything else is a wallet error. */
function walletFailure(what: string, err: unknown): SignerFailure {
  const e = err as { code?: unknown; message?: unknown; name?: unknown; error?: { code?: unknown; message?: unknown } };
  const code = e?.code ?? e?.error?.code;
  const text = `${String(e?.name ?? '')} ${String(e?.message ?? e?.error?.message ?? err)}`;
  if (code === 4001 || /reject|denied|declin|cancel|lock|closed|not allowed/i.test(text)) {
    return new SignerFailure(4001, 'user_rejected', `The ${what} request was rejected in the wallet (or the wallet is locked).`);
  }
  return new SignerFailure(-32603, 'wallet_error', `The wallet failed the ${what} request: ${String(e?.message ?? err).slice(0, 200)}`);
}

function pickWallet(wallets: Wallet[], name: string | undefined): Wallet {
  if (wallets.length === 0) fail(4900, 'no_wallet', 'No Solana wallet was found on this page. Install or unlock a Solana wallet and try again.');
  if (name !== undefined) {
    const chosen = wallets.find((w) => w.name === name);
    if (!chosen) fail(4900, 'no_wallet', `The wallet "${name}" was not found on this page (found: ${wallets.map((w) => w.name).join(', ')}).`);
    return chosen;
  }
  if (wallets.length > 1) throw new SignerFailure(4900, 'choose_wallet', `Several Solana wallets are installed; choose one: ${wallets.map((w) => w.name).join(', ')}.`, wallets.map((w) => String(w.name)));
  return wallets[0]!;
}

function pickAccount(accounts: readonly WalletAccount[], chain: string): WalletAccount {
  const usable = accounts.filter((a) => a.features.includes(FEATURE.signTransaction) && a.features.includes(FEATURE.signMessage));
  const account = usable.find((a) => a.chains.includes(chain as `${string}:${string}`)) ?? usable[0];
  if (!account) fail(4100, 'no_account', 'The wallet connected no account that can sign Solana transactions and messages.');
  return account;
}

function validate(req: SolanaApproveRequest): { cap: bigint; amount: bigint } {
  let cap: bigint;
  let amount: bigint;
  try {
    cap = parseU64(req.cap);
    amount = req.amount === undefined ? cap : parseU64(req.amount);
  } catch {
    fail(-32602, 'invalid_params', 'cap and amount must be base-unit integer strings');
  }
  if (cap === 0n) fail(-32602, 'invalid_params', 'cap must be positive');
  if (amount < cap) fail(-32602, 'invalid_params', 'the approved amount cannot be below the cap');
  if (!['solana:devnet', 'solana:mainnet', 'solana:localnet'].includes(req.chain)) fail(-32602, 'invalid_params', `unknown chain ${String(req.chain)}`);
  return { cap, amount };
}

/** Builds (or checks) the approve for `user`: fee payer and delegate = the facilitator. */
async function approveBytes(req: SolanaApproveRequest, user: string, amount: bigint, timeoutMs: number): Promise<Uint8Array> {
  if (req.txBase64 !== undefined) {
    const bytes = base64ToBytes(req.txBase64);
    if (!bytes) fail(-32602, 'invalid_params', 'txBase64 is not base64');
    let parsed;
    try {
      parsed = parseApproveTransaction(bytes);
    } catch (err) {
      fail(-32602, 'invalid_params', `txBase64 is not a session approve: ${(err as Error).message}`);
    }
    const ok =
      sameAddress(parsed.owner, user) &&
      sameAddress(parsed.delegate, req.spender) &&
      sameAddress(parsed.feePayer, req.spender) &&
      sameAddress(parsed.mint, req.asset) &&
      parsed.decimals === req.decimals &&
      parsed.amount === amount &&
      parsed.signatures.every((s) => s.every((b) => b === 0));
    if (!ok) fail(-32602, 'approve_mismatch', 'The prebuilt approve is not for this account, spender, token and cap.');
    return bytes;
  }
  // The background reads the blockhash itself (a page's CSP may forbid this world to fetch the RPC).
  let blockhash = req.recentBlockhash;
  if (blockhash === undefined) {
    try {
      ({ blockhash } = await step('blockhash', getLatestBlockhash(req.rpcUrl, { timeoutMs }), timeoutMs));
    } catch (err) {
      if (err instanceof SignerFailure && err.reason === 'wallet_timeout') fail(-32603, 'rpc_unreachable', `Solana RPC ${req.rpcUrl} did not answer.`);
      fail(-32603, 'rpc_unreachable', `Solana RPC ${req.rpcUrl} failed: ${(err as Error).message}`);
    }
  }
  try {
    return buildApproveTransaction({
      user,
      mint: req.asset,
      spender: req.spender,
      amount,
      decimals: req.decimals,
      recentBlockhash: blockhash,
      tokenProgram: req.tokenProgram,
    }).transaction;
  } catch (err) {
    if (err instanceof SolanaError) fail(-32602, 'invalid_params', err.message);
    throw err;
  }
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

export async function approveOnSolana(req: SolanaApproveRequest): Promise<SignerOutcome> {
  try {
    const { cap, amount } = validate(req);
    const timeoutMs = req.timeoutMs ?? 120_000;
    const wallet = pickWallet(await discover(req.discoveryMs ?? 150), req.walletName);
    const connect = feature<ConnectFeature>(wallet, FEATURE.connect);
    const signTx = feature<SignTransactionFeature>(wallet, FEATURE.signTransaction);
    const signMsg = feature<SignMessageFeature>(wallet, FEATURE.signMessage);
    if (!connect || !signTx || !signMsg) {
      fail(4200, 'unsupported_wallet', `${wallet.name} cannot sign both a transaction and a message (solana:signTransaction and solana:signMessage are needed).`);
    }

    const { accounts } = await step('connect', connect.connect(), timeoutMs);
    const account = pickAccount(accounts, req.chain);
    const user = account.address;

    const unsigned = await approveBytes(req, user, amount, timeoutMs);
    const { messageBytes, message } = decodeTransaction(unsigned);
    const userSlot = message.accountKeys.indexOf(user);
    if (userSlot < 0 || userSlot >= message.header.numRequiredSignatures) fail(-32603, 'internal_error', 'the approve does not need the account’s signature');

    const auth = buildAuthMessage({
      asset: req.asset,
      cap: cap.toString(),
      expirationUnix: req.expirationUnix,
      network: req.network,
      recipient: req.recipient,
      spender: req.spender,
      user,
      nonce: req.nonce,
    });

    const [signedTx] = await step('transaction signature', signTx.signTransaction({ account, transaction: unsigned, chain: req.chain }), timeoutMs);
    if (!signedTx?.signedTransaction) fail(-32603, 'wallet_error', 'The wallet returned no signed transaction.');
    let signed;
    try {
      signed = decodeTransaction(new Uint8Array(signedTx.signedTransaction));
    } catch {
      fail(-32603, 'wallet_error', 'The wallet returned bytes that are not a transaction.');
    }
    // A wallet that edits the transaction (priority fees, assertions) breaks the fee payer's
    // expectations and the facilitator's checks: refuse it here, with a clear reason.
    if (!equalBytes(signed.messageBytes, messageBytes)) fail(-32603, 'wallet_modified_transaction', `${wallet.name} changed the approve transaction while signing it.`);
    const userSignature = signed.signatures[userSlot]!;
    if (!verifyAuthSignature(user, messageBytes, userSignature)) fail(-32603, 'invalid_wallet_signature', 'The wallet’s transaction signature does not verify.');
    const approveTx = new Uint8Array(signedTx.signedTransaction);

    const [signedMsg] = await step('message signature', signMsg.signMessage({ account, message: auth.bytes }), timeoutMs);
    const signature = signedMsg?.signature ? new Uint8Array(signedMsg.signature) : null;
    if (!signature || !verifyAuthSignature(user, auth.bytes, signature)) fail(-32603, 'invalid_wallet_signature', 'The wallet’s message signature does not verify over the auth message.');

    return {
      ok: true,
      user,
      // The approve's id is its first signature, the facilitator's as fee payer: it exists only
      // once the facilitator co-signs (POST /sessions answers it as approveTxSignature).
      txHash: '',
      extra: {
        approveTxBase64: bytesToBase64(approveTx),
        authMessage: auth.base64,
        authSignature: bytesToBase64(signature),
        nonce: auth.fields.nonce,
        expirationUnix: auth.fields.expirationUnix,
        wallet: String(wallet.name),
      },
    };
  } catch (err) {
    if (err instanceof SignerFailure) return { ok: false, code: err.code, reason: err.reason, message: err.message, ...(err.choices ? { choices: err.choices } : {}) };
    return { ok: false, code: -32603, reason: 'internal_error', message: `Opening the Solana session failed: ${(err as Error).message}` };
  }
}

/**
 * The signer chunk's entry point: one routine per request kind; anything else is refused. The
 * background's request names the network canonically; the auth message carries the facilitator's
 * own spelling (`sessionNetwork`), so that is what the routine signs.
 */
export function runSolanaRequest(req: SolanaSessionRequest): Promise<SignerOutcome> {
  if (req?.kind !== SOLANA_SESSION_REQUEST) {
    return Promise.resolve({ ok: false, code: 4200, reason: 'unsupported_request', message: 'The Solana signer does not know this request.' });
  }
  return approveOnSolana({
    chain: req.chain,
    network: req.sessionNetwork,
    rpcUrl: req.rpcUrl,
    ...(typeof req.walletName === 'string' ? { walletName: req.walletName } : {}),
    asset: req.asset,
    decimals: req.decimals,
    tokenProgram: req.tokenProgram,
    spender: req.spender,
    recipient: req.recipient,
    cap: req.cap,
    amount: req.amount,
    expirationUnix: req.expirationUnix,
    recentBlockhash: req.recentBlockhash,
  });
}
