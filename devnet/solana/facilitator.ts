/**
 * The Solana `session` facilitator, speaking Inco's wire format (x402-protocol.md §5.3–5.4) over
 * SPL Token instead of Inco's confidential token (local-chains.md §1.4): the person signs one
 * `CreateIdempotent + ApproveChecked` (delegate = this facilitator, fee payer = this
 * facilitator) and one auth message; each paid call is a delegated `TransferChecked` signed by
 * the facilitator, so the cap holds on chain as well as in this ledger.
 *
 * It talks to the chain only through JSON-RPC (web3.js `Connection`), as it would to a cluster.
 *
 * Differences from Inco's facilitator, on purpose:
 * - it decodes the approve before co-signing (Inco never does) and refuses anything else;
 * - it checks `expirationUnix` before submitting, so an expired request lands nothing;
 * - a signed consent (user, nonce) opens at most one session;
 * - `/settle` re-runs the `/verify` checks (recipient, asset, per-call ceiling) before debiting;
 * - no SOL is sent to the user: the facilitator pays every fee.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { ed25519 } from '@noble/curves/ed25519';
import {
  Connection,
  Keypair,
  PublicKey,
  SendTransactionError,
  Transaction,
  TransactionInstruction,
  type Commitment,
} from '@solana/web3.js';
import {
  createAssociatedTokenAccountIdempotentInstruction,
  createTransferCheckedInstruction,
  getAssociatedTokenAddressSync,
  getMint,
} from '@solana/spl-token';
import express, { type Express, type Request, type Response } from 'express';
import { SOLANA_DEVNET_CAIP2, sameSolanaNetwork } from '../../lib/chains/solana/networks';
import { cors, errorHandler, isPlainObject, jsonBody } from '../http';
import { closeServer, listen, originOf } from '../net';
import { ApproveRejectedError, checkApproveTransaction } from './approve-check';
import { labelTokenError, type RpcTransactionError } from './errors';
import { NonceReusedError, SolanaSessionStore, type SolanaSessionRecord } from './session-store';

/** The network string served: Inco's spelling (see devnet/README.md, "Solana"). */
export const SOLANA_FACILITATOR_NETWORK = 'solana:devnet';
/** SPL Memo v2: tags each settle so two equal transfers in one slot are still two transactions. */
export const MEMO_PROGRAM = new PublicKey('MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr');
export const DEFAULT_SOLANA_PER_CALL_MAX = 1_000_000n;

export interface SolanaFacilitatorOptions {
  host?: string;
  /** 0 picks a free port. Default 4030. */
  port?: number;
  rpcUrl: string;
  /** The facilitator key (64-byte secret): fee payer of every transaction and the delegate. */
  secretKey: Uint8Array;
  /** The SPL mint sessions are opened in. */
  mint: string;
  /** Default `solana:devnet`; the devnet CAIP-2 id is accepted as the same network. */
  network?: string;
  /** Per-call ceiling in base units. Default 1.00 of a 6-decimal token. */
  perCallMax?: bigint;
  /** SQLite file; default in memory. */
  dbPath?: string;
  /** How long to wait for a transaction to be confirmed. Default 30 s. */
  confirmTimeoutMs?: number;
  /** Status polling interval. Default 50 ms (use ~500 against a real cluster). */
  pollMs?: number;
  nowSeconds?: () => number;
  quiet?: boolean;
}

export interface SolanaFacilitatorHandle {
  url: string;
  port: number;
  /** base58 of the facilitator key: spender, delegate and fee payer. */
  address: string;
  network: string;
  mint: string;
  decimals: number;
  store: SolanaSessionStore;
  stop(): Promise<void>;
}

interface Config {
  network: string;
  facilitator: Keypair;
  mint: PublicKey;
  decimals: number;
  perCallMax: bigint;
  confirmTimeoutMs: number;
  pollMs: number;
}

/** A `POST /sessions` refusal: `{ error: code, ...extra }` with an HTTP status. */
class SessionError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(code);
  }
}

const SESSION_FIELDS = ['user', 'asset', 'recipient', 'cap', 'expirationUnix', 'network', 'approveTxBase64', 'authMessage', 'authSignature'] as const;
const AUTH_KEYS = ['asset', 'cap', 'expirationUnix', 'network', 'recipient', 'spender', 'user'] as const;
const U64_MAX = (1n << 64n) - 1n;

function parseAmount(value: unknown): bigint | null {
  if (typeof value !== 'string' || !/^(0|[1-9][0-9]{0,19})$/.test(value)) return null;
  const n = BigInt(value);
  return n <= U64_MAX ? n : null;
}

function strictBase64(value: string): Buffer | null {
  if (value.length === 0 || value.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(value)) return null;
  return Buffer.from(value, 'base64');
}

function pubkey(value: unknown): PublicKey | null {
  if (typeof value !== 'string' || value.length < 32 || value.length > 44) return null;
  try {
    const key = new PublicKey(value);
    return key.toBase58() === value ? key : null;
  } catch {
    return null;
  }
}

export function newSolanaSessionId(): string {
  return `sess_${randomBytes(24).toString('base64url')}`;
}

export function solanaSupported(config: { network: string; facilitator: string; mint: string; decimals: number }) {
  const extra = { facilitatorAddress: config.facilitator, spender: config.facilitator, sessionsEndpoint: '/sessions', decimals: config.decimals };
  const kind = (x402Version: number, network: string) => ({ x402Version, scheme: 'session' as const, network, asset: config.mint, extra });
  const networks = config.network === SOLANA_FACILITATOR_NETWORK ? [SOLANA_FACILITATOR_NETWORK, SOLANA_DEVNET_CAIP2] : [config.network];
  return { kinds: [...networks.map((n) => kind(2, n)), kind(1, config.network)] };
}

/** Polls statuses until the signature is confirmed or failed; null when it never showed up. */
async function waitForSignature(connection: Connection, signature: string, timeoutMs: number, pollMs: number): Promise<{ err: RpcTransactionError | null } | null> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { value } = await connection.getSignatureStatuses([signature]);
    const status = value[0];
    if (status && (status.err || status.confirmationStatus === 'confirmed' || status.confirmationStatus === 'finalized')) {
      return { err: (status.err as RpcTransactionError | null) ?? null };
    }
    if (Date.now() >= deadline) return null;
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

type SendOutcome = { ok: true; signature: string } | { ok: false; error: string; err?: RpcTransactionError; logs?: string[] };

/** Sends with preflight (a refusal comes back with the program error and logs) and waits. */
async function sendAndWait(connection: Connection, tx: Transaction, config: Config): Promise<SendOutcome> {
  let signature: string;
  try {
    signature = await connection.sendRawTransaction(tx.serialize(), { skipPreflight: false, preflightCommitment: 'confirmed' });
  } catch (err) {
    if (err instanceof SendTransactionError) {
      const detail = extractRpcErr(err);
      return { ok: false, error: detail ? labelTokenError(detail) : err.message, err: detail ?? undefined, logs: err.logs ?? undefined };
    }
    return { ok: false, error: (err as Error).message };
  }
  const landed = await waitForSignature(connection, signature, config.confirmTimeoutMs, config.pollMs);
  if (!landed) return { ok: false, error: `transaction ${signature} not confirmed within ${config.confirmTimeoutMs} ms` };
  if (landed.err) return { ok: false, error: labelTokenError(landed.err), err: landed.err };
  return { ok: true, signature };
}

/** web3.js keeps the RPC `data.err` of a preflight failure only inside its message; parse it back. */
function extractRpcErr(err: SendTransactionError): RpcTransactionError | null {
  const m = /Error processing Instruction (\d+): custom program error: 0x([0-9a-f]+)/i.exec(err.message);
  if (m) return { InstructionError: [Number(m[1]), { Custom: parseInt(m[2]!, 16) }] };
  const n = /Error processing Instruction (\d+): (.+?)\.?\s*$/m.exec(err.message);
  if (n) return { InstructionError: [Number(n[1]), n[2]!] };
  return null;
}

export function createSolanaFacilitatorApp(deps: {
  config: Config;
  connection: Connection;
  store: SolanaSessionStore;
  now: () => number;
  log: (line: string) => void;
}): Express {
  const { config, connection, store, now, log } = deps;
  const facilitatorAddress = config.facilitator.publicKey.toBase58();
  const mintAddress = config.mint.toBase58();

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(cors({ allowHeaders: 'reflect', allowMethods: ['GET', 'POST', 'OPTIONS'] }));
  app.use(jsonBody());

  app.get('/health', (_req, res) => {
    res.json({ ok: true, network: config.network, facilitator: facilitatorAddress, mint: mintAddress });
  });

  app.get('/supported', (_req, res) => {
    res.json(solanaSupported({ network: config.network, facilitator: facilitatorAddress, mint: mintAddress, decimals: config.decimals }));
  });

  app.post('/sessions', async (req, res) => {
    try {
      const session = await openSession(req.body);
      res.status(201).json({
        sessionId: session.id,
        user: session.user,
        spender: session.spender,
        asset: session.asset,
        recipient: session.recipient,
        cap: session.cap.toString(),
        spent: '0',
        expirationUnix: session.expirationUnix,
        network: session.network,
        approveTxSignature: session.approveTxSignature,
      });
    } catch (err) {
      if (err instanceof SessionError) {
        res.status(err.status).json({ error: err.code, ...err.extra });
        return;
      }
      log(`POST /sessions failed: ${(err as Error).stack ?? String(err)}`);
      res.status(500).json({ error: 'internal_error', message: (err as Error).message });
    }
  });

  async function openSession(body: unknown): Promise<SolanaSessionRecord> {
    if (!isPlainObject(body)) throw new SessionError(400, 'bad_request', { message: 'body must be a JSON object' });
    for (const f of SESSION_FIELDS) {
      const v = body[f];
      if (v === undefined || v === null || v === '') throw new SessionError(400, `missing_${f}`);
    }
    if (typeof body.network !== 'string' || !sameSolanaNetwork(body.network, config.network)) {
      throw new SessionError(400, 'network_mismatch', { expected: config.network });
    }
    const user = pubkey(body.user);
    if (!user) throw new SessionError(400, 'invalid_user', { message: 'user must be a base58 public key' });
    const recipient = pubkey(body.recipient);
    if (!recipient) throw new SessionError(400, 'invalid_recipient', { message: 'recipient must be a base58 public key' });
    if (body.asset !== mintAddress) throw new SessionError(400, 'unsupported_asset', { expected: mintAddress });
    const cap = parseAmount(body.cap);
    if (cap === null || cap === 0n) throw new SessionError(400, 'invalid_cap', { message: 'cap must be a positive base-unit integer string' });
    const expirationUnix = body.expirationUnix;
    if (typeof expirationUnix !== 'number' || !Number.isSafeInteger(expirationUnix)) {
      throw new SessionError(400, 'invalid_expirationUnix', { message: 'expirationUnix must be an integer (unix seconds)' });
    }

    // 1. The consent: Ed25519 over the exact message bytes, by the user.
    const authBytes = typeof body.authMessage === 'string' ? strictBase64(body.authMessage) : null;
    const authSignature = typeof body.authSignature === 'string' ? strictBase64(body.authSignature) : null;
    if (!authBytes || !authSignature || authSignature.length !== 64 || !safeVerify(authSignature, authBytes, user.toBytes())) {
      throw new SessionError(400, 'invalid_auth_signature');
    }
    let auth: Record<string, unknown>;
    try {
      const parsed = JSON.parse(authBytes.toString('utf8')) as unknown;
      if (!isPlainObject(parsed)) throw new Error('not an object');
      auth = parsed;
    } catch {
      throw new SessionError(400, 'auth_message_not_json');
    }
    const expected: Record<(typeof AUTH_KEYS)[number], unknown> = {
      asset: body.asset,
      cap: body.cap,
      expirationUnix,
      network: body.network,
      recipient: body.recipient,
      spender: facilitatorAddress,
      user: body.user,
    };
    for (const key of AUTH_KEYS) {
      if (auth[key] !== expected[key]) throw new SessionError(400, `auth_message_field_mismatch_${key}`);
    }
    if (typeof auth.nonce !== 'string' || !/^[0-9a-f]{32}$/i.test(auth.nonce)) throw new SessionError(400, 'auth_message_missing_nonce');
    const nonce = auth.nonce;
    if (store.nonceUsed(user.toBase58(), nonce)) throw new SessionError(409, 'auth_message_nonce_reused');

    // 2. Before anything lands: the expiry (Inco checks it only after submitting).
    if (expirationUnix <= now()) throw new SessionError(400, 'expiration_in_past', { now: now() });

    // 3. The approve itself, decoded and checked before we sign anything.
    const txBytes = typeof body.approveTxBase64 === 'string' ? strictBase64(body.approveTxBase64) : null;
    if (!txBytes) throw new SessionError(400, 'invalid_approve_tx', { reason: 'undecodable', message: 'approveTxBase64 is not base64' });
    let checked;
    try {
      checked = checkApproveTransaction(txBytes, { user, mint: config.mint, decimals: config.decimals, facilitator: config.facilitator.publicKey, cap });
    } catch (err) {
      if (err instanceof ApproveRejectedError) throw new SessionError(400, 'invalid_approve_tx', { reason: err.reason, message: err.message });
      throw err;
    }

    // 4. Co-sign as fee payer, submit, wait.
    checked.tx.partialSign(config.facilitator);
    const sent = await sendAndWait(connection, checked.tx, config);
    if (!sent.ok) throw new SessionError(400, 'approve_submit_failed', { message: sent.error, ...(sent.logs ? { logs: sent.logs } : {}) });

    // 5. What the chain now says, not what the transaction said.
    const account = await connection.getParsedAccountInfo(checked.sourceAta, 'confirmed');
    const delegated = readDelegation(account.value?.data);
    if (!delegated || delegated.delegate !== facilitatorAddress || delegated.delegatedAmount < cap) {
      throw new SessionError(400, 'approve_submit_failed', { message: 'the approve landed but the delegation on chain does not cover the cap' });
    }

    const session: SolanaSessionRecord = {
      id: newSolanaSessionId(),
      user: user.toBase58(),
      spender: facilitatorAddress,
      asset: mintAddress,
      recipient: recipient.toBase58(),
      cap,
      spent: 0n,
      expirationUnix,
      network: body.network,
      approveTxSignature: sent.signature,
      authMessage: body.authMessage as string,
      authSignature: body.authSignature as string,
      nonce,
      sourceAta: checked.sourceAta.toBase58(),
      createdAt: now(),
    };
    try {
      store.insert(session);
    } catch (err) {
      if (err instanceof NonceReusedError) throw new SessionError(409, 'auth_message_nonce_reused');
      throw err;
    }
    log(`session opened: user ${session.user} cap ${cap} until ${expirationUnix} (approve ${sent.signature})`);
    return session;
  }

  app.get('/sessions/:id', (req, res) => {
    const s = store.get(req.params.id);
    if (!s) {
      res.status(404).json({ error: 'session_not_found' });
      return;
    }
    res.json({
      id: s.id,
      user: s.user,
      spender: s.spender,
      asset: s.asset,
      recipient: s.recipient,
      cap: s.cap.toString(),
      spent: s.spent.toString(),
      remaining: (s.cap - s.spent).toString(),
      expirationUnix: s.expirationUnix,
      network: s.network,
      approveTxSignature: s.approveTxSignature,
      authMessage: s.authMessage,
      authSignature: s.authSignature,
      createdAt: s.createdAt,
    });
  });

  type Check = { ok: true; session: SolanaSessionRecord; amount: bigint; payTo: string } | { ok: false; reason: string; message: string; payer?: string };

  /** The §5.4 checks, in order, shared by /verify and /settle. */
  function checkPayment(body: unknown): Check {
    const fail = (reason: string, message: string, payer?: string): Check => ({ ok: false, reason, message, payer });
    if (!isPlainObject(body) || !isPlainObject(body.paymentPayload) || !isPlainObject(body.paymentRequirements)) {
      return fail('bad_request', 'body must be { paymentPayload, paymentRequirements }');
    }
    const req = body.paymentRequirements;
    const payload = body.paymentPayload;
    const inner = isPlainObject(payload.payload) ? payload.payload : {};
    const accepted = isPlainObject(payload.accepted) ? payload.accepted : undefined;
    if (req.scheme !== 'session' || (accepted && accepted.scheme !== 'session')) return fail('scheme_mismatch', `scheme ${String(req.scheme)} is not session`);
    if (typeof req.network !== 'string' || !sameSolanaNetwork(req.network, config.network)) return fail('network_mismatch', `network ${String(req.network)} is not served here`);
    const sessionId = inner.sessionId;
    if (typeof sessionId !== 'string' || sessionId.length === 0) return fail('missing_session_id', 'payload.sessionId is required');
    const session = store.get(sessionId);
    if (!session) return fail('session_not_found', 'no such session');
    if (req.asset !== session.asset) return fail('asset_mismatch', `asset ${String(req.asset)} is not the session's`, session.user);
    if (req.payTo !== session.recipient) return fail('recipient_mismatch', `payTo ${String(req.payTo)} is not the session's recipient`, session.user);
    if (!sameSolanaNetwork(req.network, session.network)) return fail('session_network_mismatch', 'the session was opened on another network', session.user);
    if (now() >= session.expirationUnix) return fail('session_expired', `the session expired at ${session.expirationUnix}`, session.user);
    const amount = parseAmount(req.amount ?? req.maxAmountRequired);
    if (amount === null || amount === 0n) return fail('invalid_amount', 'amount must be a positive base-unit integer string', session.user);
    if (inner.amount !== undefined && inner.amount !== String(req.amount ?? req.maxAmountRequired)) {
      return fail('invalid_amount', 'payload.amount differs from the requirements', session.user);
    }
    if (amount > config.perCallMax) return fail('per_call_limit_exceeded', `amount ${amount} is over the per-call limit ${config.perCallMax}`, session.user);
    if (session.spent + amount > session.cap) return fail('cap_exceeded', `spent ${session.spent} + ${amount} would pass the cap ${session.cap}`, session.user);
    return { ok: true, session, amount, payTo: session.recipient };
  }

  app.post('/verify', (req, res) => {
    const check = checkPayment(req.body);
    if (check.ok) res.json({ isValid: true, payer: check.session.user });
    else res.json({ isValid: false, invalidReason: check.reason, invalidMessage: check.message, ...(check.payer ? { payer: check.payer } : {}) });
  });

  app.post('/settle', async (req: Request, res: Response) => {
    const network = isPlainObject(req.body) && isPlainObject(req.body.paymentRequirements) && typeof req.body.paymentRequirements.network === 'string'
      ? req.body.paymentRequirements.network
      : config.network;
    const fail = (errorReason: string, errorMessage: string, payer?: string) =>
      res.status(400).json({ success: false, transaction: '', network, errorReason, errorMessage, ...(payer ? { payer } : {}) });

    const check = checkPayment(req.body);
    if (!check.ok) return void fail(check.reason, check.message, check.payer);
    const { session, amount, payTo } = check;
    const debit = store.debit(session.id, amount, payTo, now());
    if (!debit.ok) return void fail(debit.reason, `${debit.reason.replace(/_/g, ' ')} at debit time`, session.user);

    try {
      const outcome = await transfer(session, amount, debit.settlementId);
      if (outcome.ok) {
        store.markSettled(debit.settlementId, outcome.signature, now());
        const s = debit.session;
        log(`settled ${amount} ${session.user} → ${payTo} (spent ${s.spent}/${s.cap}) ${outcome.signature}`);
        res.json({
          success: true,
          transaction: outcome.signature,
          network,
          payer: session.user,
          amount: amount.toString(),
          extensions: { session: { id: s.id, spent: s.spent.toString(), remaining: (s.cap - s.spent).toString() } },
        });
        return;
      }
      store.refund(debit.settlementId, outcome.error, now());
      log(`transfer refused, debit refunded: ${outcome.error}`);
      fail('onchain_transfer_failed', outcome.error, session.user);
    } catch (err) {
      store.refund(debit.settlementId, (err as Error).message, now());
      fail('onchain_transfer_failed', (err as Error).message, session.user);
    }
  });

  /** Delegated TransferChecked user ATA → recipient ATA, the recipient ATA created if missing. */
  async function transfer(session: SolanaSessionRecord, amount: bigint, settlementId: number): Promise<SendOutcome> {
    const recipient = new PublicKey(session.recipient);
    const recipientAta = getAssociatedTokenAddressSync(config.mint, recipient, true);
    const instructions: TransactionInstruction[] = [];
    const existing = await connection.getAccountInfo(recipientAta, 'confirmed');
    if (!existing) {
      instructions.push(createAssociatedTokenAccountIdempotentInstruction(config.facilitator.publicKey, recipientAta, recipient, config.mint));
    }
    instructions.push(
      createTransferCheckedInstruction(new PublicKey(session.sourceAta), config.mint, recipientAta, config.facilitator.publicKey, amount, config.decimals),
      new TransactionInstruction({ programId: MEMO_PROGRAM, keys: [], data: Buffer.from(`x402 session settle ${settlementId}`, 'utf8') }),
    );
    const { blockhash, lastValidBlockHeight } = await connection.getLatestBlockhash('confirmed');
    const tx = new Transaction({ feePayer: config.facilitator.publicKey, blockhash, lastValidBlockHeight }).add(...instructions);
    tx.sign(config.facilitator);
    return sendAndWait(connection, tx, config);
  }

  app.use((_req, res) => {
    res.status(404).json({ error: 'not_found' });
  });
  app.use(errorHandler(log));
  return app;
}

function safeVerify(signature: Uint8Array, message: Uint8Array, key: Uint8Array): boolean {
  try {
    return ed25519.verify(signature, message, key);
  } catch {
    return false;
  }
}

/** delegate / delegatedAmount from a jsonParsed (or base64) token account answer. */
function readDelegation(data: unknown): { delegate: string | null; delegatedAmount: bigint } | null {
  if (Buffer.isBuffer(data) && data.length >= 165) {
    const hasDelegate = data.readUInt32LE(72) === 1;
    return { delegate: hasDelegate ? new PublicKey(data.subarray(76, 108)).toBase58() : null, delegatedAmount: data.readBigUInt64LE(121) };
  }
  const info = (data as { parsed?: { info?: { delegate?: string; delegatedAmount?: { amount?: string } } } } | undefined)?.parsed?.info;
  if (!info) return null;
  return { delegate: info.delegate ?? null, delegatedAmount: BigInt(info.delegatedAmount?.amount ?? '0') };
}

export async function startSolanaFacilitator(opts: SolanaFacilitatorOptions): Promise<SolanaFacilitatorHandle> {
  const host = opts.host ?? '127.0.0.1';
  const network = opts.network ?? SOLANA_FACILITATOR_NETWORK;
  const commitment: Commitment = 'confirmed';
  const connection = new Connection(opts.rpcUrl, { commitment, disableRetryOnRateLimit: true });
  const facilitator = Keypair.fromSecretKey(opts.secretKey);
  const mint = new PublicKey(opts.mint);
  const mintInfo = await getMint(connection, mint, commitment);
  const config: Config = {
    network,
    facilitator,
    mint,
    decimals: mintInfo.decimals,
    perCallMax: opts.perCallMax ?? DEFAULT_SOLANA_PER_CALL_MAX,
    confirmTimeoutMs: opts.confirmTimeoutMs ?? 30_000,
    pollMs: opts.pollMs ?? 50,
  };
  const store = new SolanaSessionStore(opts.dbPath);
  const log = opts.quiet ? () => {} : (line: string) => console.log(`[solana-facilitator] ${line}`);
  const now = opts.nowSeconds ?? (() => Math.floor(Date.now() / 1000));
  const app = createSolanaFacilitatorApp({ config, connection, store, now, log });
  const server = createServer(app);
  let port: number;
  try {
    port = await listen(server, host, opts.port ?? 4030, 'solana facilitator');
  } catch (err) {
    store.close();
    throw err;
  }
  return {
    url: originOf(host, port),
    port,
    address: facilitator.publicKey.toBase58(),
    network,
    mint: mint.toBase58(),
    decimals: config.decimals,
    store,
    async stop() {
      await closeServer(server);
      store.close();
    },
  };
}
