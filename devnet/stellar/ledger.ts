/**
 * An in-memory Stellar ledger for the Soroban-RPC stand-in: accounts with sequence numbers and
 * XLM balances, Stellar Asset Contracts (./sac), the transactions submitted, and a ledger clock.
 *
 * What is real: every transaction arrives as the wallet's XDR and is decoded with stellar-sdk;
 * the source's ed25519 signature over the network-bound transaction hash is verified; sequence
 * numbers, time bounds, Soroban data and the fee are checked like stellar-core's checkValid; the
 * ledger entries it serves (`getLedgerEntries`) have the real SAC layout. What stands in: the
 * host. The invoked SAC function runs in TypeScript (./sac), auth is source-account only, and no
 * footprint, TTL or resource limit is enforced.
 *
 * One ledger closes per accepted transaction. `advance(n)` closes n empty ledgers; it moves the
 * ledger number only, so transactions built with wall-clock timeouts keep working after it (use
 * `advanceClock` to make them late).
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  Address,
  Asset,
  FeeBumpTransaction,
  Keypair,
  nativeToScVal,
  StrKey,
  TransactionBuilder,
  xdr,
  type Transaction,
} from '@stellar/stellar-sdk';
import { allowanceKey, callSac, HostError, paddedCode, readAllowance, readBalance, sacName, SAC_DECIMALS, type SacContext, type SacData } from './sac';

export const STANDALONE_PASSPHRASE = 'Standalone Network ; February 2017';
export const PROTOCOL_VERSION = 23;
export const BASE_FEE = 100;
/** The resource fee the stand-in's simulations ask for (stroops). */
export const RESOURCE_FEE = 54_000;
/** Longest an entry may live, in ledgers (pubnet's max entry TTL is of this order; a stand-in choice). */
export const MAX_ENTRY_TTL = 3_110_400;
export const SECONDS_PER_LEDGER = 5;
const ONE_XLM = 10_000_000n;
const I64_MAX = (1n << 63n) - 1n;

/** A JSON-RPC `invalid params` problem (the request itself is unusable). */
export class RpcParamsError extends Error {
  override readonly name = 'RpcParamsError';
}

interface AccountState {
  seq: bigint;
  /** Stroops. */
  balance: bigint;
  modified: number;
}

interface LedgerState {
  accounts: Map<string, AccountState>;
  sacs: Map<string, SacData>;
}

export type TxStatus = 'SUCCESS' | 'FAILED';

interface TxRecord {
  hash: string;
  status: TxStatus;
  ledger: number;
  createdAt: number;
  envelopeXdr: string;
  resultXdr: string;
  resultMetaXdr: string;
  /** Date.now() from which getTransaction reports it (NOT_FOUND before). */
  visibleAt: number;
  /** Why it failed, for tests and logs (not part of the RPC answer). */
  error?: string;
}

export type SendStatus = 'PENDING' | 'DUPLICATE' | 'ERROR';

export interface SendResult {
  status: SendStatus;
  hash: string;
  latestLedger: number;
  latestLedgerCloseTime: string;
  errorResultXdr?: string;
  /** The result code of an ERROR, e.g. `tx_bad_seq` (not part of the RPC answer). */
  errorCode?: string;
}

export interface StellarLedgerOptions {
  passphrase?: string;
  /** First ledger sequence; default 1000. */
  startLedger?: number;
  /** getTransaction answers NOT_FOUND this long after a send (to exercise polling). Default 0. */
  notFoundDelayMs?: number;
}

function clone<T>(value: T): T {
  return structuredClone(value);
}

const sha256 = (data: Uint8Array | string) => createHash('sha256').update(data).digest();
const ZERO_HASH = '00'.repeat(32);

export class StellarLedger {
  readonly passphrase: string;
  notFoundDelayMs: number;
  private state: LedgerState = { accounts: new Map(), sacs: new Map() };
  private sequence: number;
  private closeTime: number;
  private clockOffset = 0;
  private readonly instanceSalt = randomBytes(16).toString('hex');
  private readonly txs = new Map<string, TxRecord>();
  readonly oldestLedger: number;

  constructor(opts: StellarLedgerOptions = {}) {
    this.passphrase = opts.passphrase ?? STANDALONE_PASSPHRASE;
    this.sequence = opts.startLedger ?? 1000;
    this.oldestLedger = this.sequence;
    this.closeTime = this.wallNow();
    this.notFoundDelayMs = opts.notFoundDelayMs ?? 0;
  }

  /** A random id for this ledger's lifetime: a restarted stand-in is another chain. */
  get instanceId(): string {
    return this.instanceSalt;
  }

  // --- clock --------------------------------------------------------------------------------

  get latestSequence(): number {
    return this.sequence;
  }

  get latestCloseTime(): number {
    return this.closeTime;
  }

  private wallNow(): number {
    return Math.floor(Date.now() / 1000) + this.clockOffset;
  }

  private closeLedger(): number {
    this.sequence += 1;
    this.closeTime = Math.max(this.wallNow(), this.closeTime + 1);
    return this.sequence;
  }

  /** Closes `n` empty ledgers (allowances past their last ledger stop being spendable). */
  advance(n: number): number {
    if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`advance takes a non-negative ledger count, got ${n}`);
    for (let i = 0; i < n; i++) this.closeLedger();
    return this.sequence;
  }

  /** Moves the ledger clock forward (time bounds), without closing ledgers. */
  advanceClock(seconds: number): void {
    this.clockOffset += seconds;
    this.closeTime = Math.max(this.closeTime, this.wallNow());
  }

  ledgerHash(sequence: number): string {
    return sha256(`${this.instanceSalt}:${sequence}`).toString('hex');
  }

  private headerJson(sequence = this.sequence, closeTime = this.closeTime) {
    return {
      ledger_version: PROTOCOL_VERSION,
      previous_ledger_hash: sequence > this.oldestLedger ? this.ledgerHash(sequence - 1) : ZERO_HASH,
      scp_value: { tx_set_hash: ZERO_HASH, close_time: String(closeTime), upgrades: [], ext: 'basic' },
      tx_set_result_hash: ZERO_HASH,
      bucket_list_hash: ZERO_HASH,
      ledger_seq: sequence,
      total_coins: '1000000000000000000',
      fee_pool: '0',
      inflation_seq: 0,
      id_pool: '0',
      base_fee: BASE_FEE,
      base_reserve: 5_000_000,
      max_tx_set_size: 100,
      skip_list: [ZERO_HASH, ZERO_HASH, ZERO_HASH, ZERO_HASH],
      ext: 'v0',
    };
  }

  /** What getLatestLedger returns: both XDRs decode with stellar-sdk. */
  latestLedger() {
    const header = this.headerJson();
    const meta = {
      v0: {
        ledger_header: { hash: this.ledgerHash(this.sequence), header, ext: 'v0' },
        tx_set: { previous_ledger_hash: header.previous_ledger_hash, txs: [] },
        tx_processing: [],
        upgrades_processing: [],
        scp_info: [],
      },
    };
    return {
      id: this.ledgerHash(this.sequence),
      sequence: this.sequence,
      protocolVersion: PROTOCOL_VERSION,
      closeTime: String(this.closeTime),
      headerXdr: xdr.LedgerHeader.fromJson(header).toXDR('base64'),
      metadataXdr: xdr.LedgerCloseMeta.fromJson(meta).toXDR('base64'),
    };
  }

  // --- accounts and assets (test helpers: no transaction, no ledger close) ------------------

  /** Creates (or tops up) an account; a new one starts at sequence `ledger << 32`. */
  createAccount(publicKey: string, xlm = 10_000n): void {
    if (!StrKey.isValidEd25519PublicKey(publicKey)) throw new Error(`not an account id: ${publicKey}`);
    const existing = this.state.accounts.get(publicKey);
    if (existing) {
      existing.balance += xlm * ONE_XLM;
      existing.modified = this.sequence;
      return;
    }
    this.state.accounts.set(publicKey, { seq: BigInt(this.sequence) << 32n, balance: xlm * ONE_XLM, modified: this.sequence });
  }

  account(publicKey: string): { sequence: bigint; balance: bigint } | undefined {
    const a = this.state.accounts.get(publicKey);
    return a ? { sequence: a.seq, balance: a.balance } : undefined;
  }

  /** Deploys the SAC of `code:issuer` (the issuer is its admin) and returns its C… id. */
  createAsset(code: string, issuer: string): string {
    if (!/^[A-Za-z0-9]{1,12}$/.test(code)) throw new Error(`asset code must be 1-12 letters or digits, got ${code}`);
    if (!this.state.accounts.has(issuer)) this.createAccount(issuer);
    const contractId = new Asset(code, issuer).contractId(this.passphrase);
    if (!this.state.sacs.has(contractId)) {
      this.state.sacs.set(contractId, {
        contractId,
        code,
        issuer,
        admin: issuer,
        trustlines: new Map(),
        balances: new Map(),
        allowances: new Map(),
        instanceModified: this.sequence,
      });
    }
    return contractId;
  }

  private sac(contractId: string): SacData {
    const sac = this.state.sacs.get(contractId);
    if (!sac) throw new Error(`no Stellar Asset Contract ${contractId} on this ledger`);
    return sac;
  }

  asset(contractId: string): { code: string; issuer: string; name: string; decimals: number } {
    const sac = this.sac(contractId);
    return { code: sac.code, issuer: sac.issuer, name: sacName(sac), decimals: SAC_DECIMALS };
  }

  addTrustline(account: string, contractId: string): void {
    const sac = this.sac(contractId);
    if (!this.state.accounts.has(account)) throw new Error(`account ${account} does not exist`);
    if (account === sac.issuer || sac.trustlines.has(account)) return;
    sac.trustlines.set(account, { balance: 0n, modified: this.sequence });
  }

  /** Credits base units directly (adds a trustline for a G… holder if needed). */
  mint(contractId: string, to: string, amount: bigint): void {
    if (amount <= 0n) throw new RangeError('mint amount must be positive');
    const sac = this.sac(contractId);
    if (to.startsWith('C')) {
      const entry = sac.balances.get(to) ?? { amount: 0n, modified: this.sequence };
      entry.amount += amount;
      sac.balances.set(to, entry);
      return;
    }
    this.addTrustline(to, contractId);
    const line = sac.trustlines.get(to);
    if (!line) return; // the issuer
    if (line.balance + amount > I64_MAX) throw new RangeError('trustline balance would exceed int64');
    line.balance += amount;
    line.modified = this.sequence;
  }

  balance(contractId: string, holder: string): bigint {
    const sac = this.sac(contractId);
    if (holder.startsWith('G') && holder !== sac.issuer && !sac.trustlines.has(holder)) return 0n;
    return readBalance(sac, null, holder);
  }

  /** The allowance a transaction landing in the next ledger could spend, and its last ledger. */
  allowance(contractId: string, from: string, spender: string): { amount: bigint; liveUntil: number | null } {
    const sac = this.sac(contractId);
    const entry = sac.allowances.get(allowanceKey(from, spender));
    return { amount: readAllowance(sac, this.sequence + 1, from, spender), liveUntil: entry?.liveUntil ?? null };
  }

  // --- getLedgerEntries ---------------------------------------------------------------------

  getLedgerEntries(keys: unknown): { latestLedger: number; entries: { key: string; xdr: string; lastModifiedLedgerSeq: number; liveUntilLedgerSeq?: number }[] } {
    if (!Array.isArray(keys) || keys.length === 0 || keys.length > 200 || !keys.every((k) => typeof k === 'string')) {
      throw new RpcParamsError('keys must be a list of 1-200 base64 LedgerKeys');
    }
    const entries = [];
    for (const raw of keys as string[]) {
      let key: xdr.LedgerKey;
      try {
        key = xdr.LedgerKey.fromXDR(raw, 'base64');
      } catch {
        throw new RpcParamsError(`cannot decode LedgerKey ${raw.slice(0, 40)}`);
      }
      const found = this.entryFor(key.toJson() as Record<string, any>);
      if (found) entries.push({ key: key.toXDR('base64'), xdr: xdr.LedgerEntryData.fromJson(found.data as xdr.JsonValue).toXDR('base64'), lastModifiedLedgerSeq: found.modified, ...(found.liveUntil !== undefined ? { liveUntilLedgerSeq: found.liveUntil } : {}) });
    }
    return { latestLedger: this.sequence, entries };
  }

  private entryFor(key: Record<string, any>): { data: unknown; modified: number; liveUntil?: number } | null {
    if (key.account) {
      const id = key.account.account_id as string;
      const a = this.state.accounts.get(id);
      if (!a) return null;
      const subEntries = [...this.state.sacs.values()].filter((s) => s.trustlines.has(id)).length;
      return {
        modified: a.modified,
        data: {
          account: {
            account_id: id,
            balance: String(a.balance),
            seq_num: String(a.seq),
            num_sub_entries: subEntries,
            inflation_dest: null,
            flags: 0,
            home_domain: '',
            thresholds: '01000000',
            signers: [],
            ext: 'v0',
          },
        },
      };
    }
    if (key.trustline) {
      const id = key.trustline.account_id as string;
      const credit = key.trustline.asset?.credit_alphanum4 ?? key.trustline.asset?.credit_alphanum12;
      if (!credit) return null;
      const sac = [...this.state.sacs.values()].find((s) => s.code === credit.asset_code && s.issuer === credit.issuer);
      const line = sac?.trustlines.get(id);
      if (!sac || !line) return null;
      return {
        modified: line.modified,
        data: { trustline: { account_id: id, asset: key.trustline.asset, balance: String(line.balance), limit: String(I64_MAX), flags: 1, ext: 'v0' } },
      };
    }
    if (key.contract_data) {
      const sac = this.state.sacs.get(key.contract_data.contract as string);
      if (!sac) return null;
      return this.contractDataFor(sac, key.contract_data);
    }
    return null;
  }

  private contractDataFor(sac: SacData, key: { key: any; durability: string }): { data: unknown; modified: number; liveUntil?: number } | null {
    const persistentTtl = this.sequence + 30 * 17_280;
    const entry = (val: unknown, durability: string) => ({ contract_data: { ext: 'v0', contract: sac.contractId, key: key.key, durability, val } });
    if (key.key === 'ledger_key_contract_instance' && key.durability === 'persistent') {
      return { data: entry(instanceVal(sac), 'persistent'), modified: sac.instanceModified, liveUntil: persistentTtl };
    }
    const parts = key.key?.vec as any[] | undefined;
    const tag = parts?.[0]?.symbol;
    if (tag === 'Balance' && key.durability === 'persistent' && parts?.length === 2) {
      const holder = parts[1]?.address as string | undefined;
      const balance = holder ? sac.balances.get(holder) : undefined;
      if (!balance) return null;
      const val = { map: [{ key: { symbol: 'amount' }, val: { i128: String(balance.amount) } }, { key: { symbol: 'authorized' }, val: { bool: true } }, { key: { symbol: 'clawback' }, val: { bool: false } }] };
      return { data: entry(val, 'persistent'), modified: balance.modified, liveUntil: persistentTtl };
    }
    if (tag === 'Allowance' && key.durability === 'temporary' && parts?.length === 2) {
      const fields = (parts[1]?.map ?? []) as { key: { symbol?: string }; val: { address?: string } }[];
      const from = fields.find((f) => f.key.symbol === 'from')?.val.address;
      const spender = fields.find((f) => f.key.symbol === 'spender')?.val.address;
      const allowance = from && spender ? sac.allowances.get(allowanceKey(from, spender)) : undefined;
      // A temporary entry past its TTL is gone from the ledger.
      if (!allowance || allowance.liveUntil < this.sequence) return null;
      const val = { map: [{ key: { symbol: 'amount' }, val: { i128: String(allowance.amount) } }, { key: { symbol: 'live_until_ledger' }, val: { u32: allowance.liveUntil } }] };
      return { data: entry(val, 'temporary'), modified: allowance.modified, liveUntil: allowance.liveUntil };
    }
    return null;
  }

  // --- transactions -------------------------------------------------------------------------

  private parse(envelope: unknown): Transaction | FeeBumpTransaction {
    if (typeof envelope !== 'string' || envelope.length === 0 || envelope.length > 200_000) throw new RpcParamsError('transaction must be a base64 TransactionEnvelope');
    try {
      return TransactionBuilder.fromXDR(envelope, this.passphrase);
    } catch (err) {
      throw new RpcParamsError(`cannot decode transaction envelope: ${(err as Error).message}`);
    }
  }

  /** simulateTransaction: runs the invocation on a copy of the state, recording auth. */
  simulate(envelope: unknown): Record<string, unknown> {
    const parsed = this.parse(envelope);
    const tx = parsed instanceof FeeBumpTransaction ? parsed.innerTransaction : parsed;
    const latestLedger = this.sequence;
    const invoke = invocationOf(tx);
    if (typeof invoke === 'string') return { error: invoke, latestLedger };
    const opSource = invoke.op.source ?? tx.source;
    const scratch = clone(this.state);
    const required: string[] = [];
    const footprint = new Footprint();
    try {
      const retval = this.execute(scratch, invoke, {
        ledger: latestLedger + 1,
        requireAuth: (address) => {
          if (!required.includes(address)) required.push(address);
        },
        footprint,
      });
      const auth = required.map((address) => authEntryFor(address, opSource, invoke.call).toXDR('base64'));
      const transactionData = xdr.SorobanTransactionData.fromJson({
        ext: 'v0',
        resources: { footprint: footprint.json(), instructions: 2_000_000, disk_read_bytes: 2_000, write_bytes: footprint.writes.size > 0 ? 1_000 : 0 },
        resource_fee: String(RESOURCE_FEE),
      } as xdr.JsonValue);
      return {
        transactionData: transactionData.toXDR('base64'),
        minResourceFee: String(RESOURCE_FEE),
        results: [{ auth, xdr: retval.toXDR('base64') }],
        events: [],
        latestLedger,
      };
    } catch (err) {
      if (err instanceof HostError) return { error: err.describe(), events: [], latestLedger };
      throw err;
    }
  }

  /** sendTransaction: validates like stellar-core, then applies in a new ledger. */
  send(envelope: unknown): SendResult {
    const parsed = this.parse(envelope);
    const hash = Buffer.from(parsed.hash()).toString('hex');
    const base = () => ({ hash, latestLedger: this.sequence, latestLedgerCloseTime: String(this.closeTime) });
    if (this.txs.has(hash)) return { status: 'DUPLICATE', ...base() };
    const reject = (code: string): SendResult => ({
      status: 'ERROR',
      ...base(),
      errorCode: code,
      errorResultXdr: xdr.TransactionResult.fromJson({ fee_charged: String(BASE_FEE), result: code, ext: 'v0' }).toXDR('base64'),
    });
    if (parsed instanceof FeeBumpTransaction) return reject('tx_not_supported');
    const tx = parsed;
    if (!StrKey.isValidEd25519PublicKey(tx.source)) return reject('tx_not_supported'); // muxed sources are not modelled
    const account = this.state.accounts.get(tx.source);
    if (!account) return reject('tx_no_account');
    if (tx.operations.length !== 1) return reject('tx_malformed');
    if (tx.operations[0]!.type !== 'invokeHostFunction') return reject('tx_not_supported');
    const ext = tx.toEnvelope().value.tx.ext;
    if (ext.type !== 'sorobanData') return reject('tx_malformed');
    const resourceFee = BigInt(ext.sorobanData.resourceFee);
    const now = Math.max(this.wallNow(), this.closeTime + 1);
    const bounds = tx.timeBounds;
    if (bounds) {
      if (bounds.maxTime !== '0' && now > Number(bounds.maxTime)) return reject('tx_too_late');
      if (now < Number(bounds.minTime)) return reject('tx_too_early');
    }
    const ledgerBounds = tx.ledgerBounds;
    if (ledgerBounds) {
      const next = this.sequence + 1;
      if (ledgerBounds.maxLedger !== 0 && next >= ledgerBounds.maxLedger) return reject('tx_too_late');
      if (next < ledgerBounds.minLedger) return reject('tx_too_early');
    }
    if (tx.minAccountSequence !== undefined || tx.minAccountSequenceAge !== undefined || tx.minAccountSequenceLedgerGap !== undefined || (tx.extraSigners?.length ?? 0) > 0) {
      return reject('tx_not_supported');
    }
    if (BigInt(tx.sequence) !== account.seq + 1n) return reject('tx_bad_seq');
    const fee = BigInt(tx.fee);
    if (fee < resourceFee + BigInt(BASE_FEE)) return reject('tx_insufficient_fee');
    const opSource = tx.operations[0]!.source ?? tx.source;
    const signatureProblem = checkSignatures(tx, [...new Set([tx.source, opSource])]);
    if (signatureProblem) return reject(signatureProblem);
    if (account.balance < fee) return reject('tx_insufficient_balance');

    // Accepted: the sequence number and the fee are spent whatever the invocation does.
    const ledger = this.closeLedger();
    account.seq = BigInt(tx.sequence);
    account.balance -= fee;
    account.modified = ledger;
    const invoke = invocationOf(tx);
    let status: TxStatus = 'SUCCESS';
    let retval: xdr.ScVal = xdr.ScVal.scvVoid();
    let error: string | undefined;
    if (typeof invoke === 'string') {
      status = 'FAILED';
      error = invoke;
    } else {
      const scratch = clone(this.state);
      try {
        retval = this.execute(scratch, invoke, { ledger, requireAuth: (address) => enforceAuth(address, opSource, invoke), footprint: new Footprint() });
        this.state = scratch;
      } catch (err) {
        if (!(err instanceof HostError)) throw err;
        status = 'FAILED';
        error = err.message;
      }
    }
    const opResult = status === 'SUCCESS' ? { invoke_host_function: { success: sha256(retval.toXDR()).toString('hex') } } : { invoke_host_function: 'trapped' };
    const resultXdr = xdr.TransactionResult.fromJson({
      fee_charged: String(fee),
      result: { [status === 'SUCCESS' ? 'tx_success' : 'tx_failed']: [{ op_inner: opResult }] },
      ext: 'v0',
    }).toXDR('base64');
    const resultMetaXdr = xdr.TransactionMeta.fromJson({
      v4: {
        ext: 'v0',
        tx_changes_before: [],
        operations: [{ ext: 'v0', changes: [], events: [] }],
        tx_changes_after: [],
        soroban_meta: status === 'SUCCESS' ? { ext: 'v0', return_value: retval.toJson() } : null,
        events: [],
        diagnostic_events: [],
      },
    }).toXDR('base64');
    this.txs.set(hash, {
      hash,
      status,
      ledger,
      createdAt: this.closeTime,
      envelopeXdr: envelope as string,
      resultXdr,
      resultMetaXdr,
      visibleAt: Date.now() + this.notFoundDelayMs,
      error,
    });
    return { status: 'PENDING', ...base() };
  }

  /** getTransaction, shaped like soroban-rpc's answer. */
  getTransaction(hash: unknown): Record<string, unknown> {
    if (typeof hash !== 'string' || !/^[0-9a-fA-F]{64}$/.test(hash)) throw new RpcParamsError('hash must be a 64-character hex transaction hash');
    const common = {
      latestLedger: this.sequence,
      latestLedgerCloseTime: String(this.closeTime),
      oldestLedger: this.oldestLedger,
      oldestLedgerCloseTime: String(this.closeTime),
    };
    const tx = this.txs.get(hash.toLowerCase());
    if (!tx || Date.now() < tx.visibleAt) return { status: 'NOT_FOUND', ...common };
    return {
      status: tx.status,
      txHash: tx.hash,
      ...common,
      ledger: tx.ledger,
      createdAt: tx.createdAt,
      applicationOrder: 1,
      feeBump: false,
      envelopeXdr: tx.envelopeXdr,
      resultXdr: tx.resultXdr,
      resultMetaXdr: tx.resultMetaXdr,
      events: { transactionEventsXdr: [], contractEventsXdr: [[]] },
    };
  }

  /** Why a transaction failed on this ledger (stand-in detail, not an RPC field). */
  failureOf(hash: string): string | undefined {
    return this.txs.get(hash.toLowerCase())?.error;
  }

  private execute(state: LedgerState, invoke: Invocation, opts: { ledger: number; requireAuth(address: string): void; footprint: Footprint }): xdr.ScVal {
    const sac = state.sacs.get(invoke.contract);
    if (!sac) throw new HostError('Storage', 'MissingValue', `contract ${invoke.contract} does not exist on this ledger`);
    const ctx: SacContext = {
      ledger: opts.ledger,
      maxLiveUntil: opts.ledger + MAX_ENTRY_TTL - 1,
      requireAuth: opts.requireAuth,
      touch: (key, write) => opts.footprint.add(key, write),
    };
    return callSac(sac, ctx, invoke.fn, invoke.args);
  }
}

// --- invocation, auth and signatures --------------------------------------------------------

interface Invocation {
  op: { source?: string; auth: xdr.SorobanAuthorizationEntry[] };
  call: xdr.InvokeContractArgs;
  contract: string;
  fn: string;
  args: xdr.ScVal[];
}

/** The contract call of a one-operation Soroban transaction, or why there is none. */
function invocationOf(tx: Transaction): Invocation | string {
  if (tx.operations.length !== 1 || tx.operations[0]!.type !== 'invokeHostFunction') {
    return 'transaction must contain exactly one InvokeHostFunction operation';
  }
  const op = tx.operations[0]!;
  if (op.func.type !== 'hostFunctionTypeInvokeContract') return `host function ${op.func.type} is not modelled by the Stellar stand-in (only contract calls)`;
  const call = op.func.value as xdr.InvokeContractArgs;
  const contract = Address.fromScAddress(call.contractAddress).toString();
  return { op: { source: op.source, auth: op.auth ?? [] }, call, contract, fn: String(call.functionName), args: call.args };
}

/** Recording mode: the tx (or op) source authorizes through the envelope signature; others sign entries. */
function authEntryFor(address: string, opSource: string, call: xdr.InvokeContractArgs): xdr.SorobanAuthorizationEntry {
  const rootInvocation = { function: { contract_fn: call.toJson() }, sub_invocations: [] };
  if (address === opSource) return xdr.SorobanAuthorizationEntry.fromJson({ credentials: 'source_account', root_invocation: rootInvocation });
  return xdr.SorobanAuthorizationEntry.fromJson({
    credentials: { address: { address, nonce: String(randomBytes(8).readBigInt64BE()), signature_expiration_ledger: 0, signature: 'void' } },
    root_invocation: rootInvocation,
  });
}

/** Enforcing mode: `address` must be the source and have authorized exactly this call. */
function enforceAuth(address: string, opSource: string, invoke: Invocation): void {
  const wanted = invoke.call.toXDR('base64');
  for (const entry of invoke.op.auth) {
    const fn = entry.rootInvocation.function;
    if (fn.type !== 'sorobanAuthorizedFunctionTypeContractFn') continue;
    if ((fn.value as xdr.InvokeContractArgs).toXDR('base64') !== wanted) continue;
    if (entry.credentials.type === 'sorobanCredentialsSourceAccount') {
      if (address === opSource) return;
      continue;
    }
    throw new HostError('Auth', 'InvalidAction', `address credentials for ${address} (signAuthEntry) are not modelled by the Stellar stand-in`);
  }
  throw new HostError('Auth', 'InvalidAction', `Unauthorized function call for address ${address}`);
}

/** txBadAuth unless every required signer signed the hash; txBadAuthExtra for unused signatures. */
function checkSignatures(tx: Transaction, signers: string[]): string | null {
  const hash = tx.hash();
  const used = new Set<number>();
  for (const signer of signers) {
    const kp = Keypair.fromPublicKey(signer);
    const hint = Buffer.from(kp.rawPublicKey()).subarray(28);
    const index = tx.signatures.findIndex((sig, i) => {
      if (used.has(i)) return false;
      if (!Buffer.from(sig.hint.value).equals(hint)) return false;
      try {
        return kp.verify(Buffer.from(hash), Buffer.from(sig.signature.value));
      } catch {
        return false;
      }
    });
    if (index === -1) return 'tx_bad_auth';
    used.add(index);
  }
  return used.size === tx.signatures.length ? null : 'tx_bad_auth_extra';
}

/** The ledger keys a simulated call touched. */
class Footprint {
  readonly reads = new Map<string, unknown>();
  readonly writes = new Map<string, unknown>();

  add(key: Record<string, unknown>, write: boolean): void {
    const id = JSON.stringify(key);
    if (write) {
      this.writes.set(id, key);
      this.reads.delete(id);
    } else if (!this.writes.has(id)) {
      this.reads.set(id, key);
    }
  }

  json() {
    return { read_only: [...this.reads.values()], read_write: [...this.writes.values()] };
  }
}

/** The SAC instance value: METADATA, Admin and AssetInfo in instance storage (ScVal order). */
function instanceVal(sac: SacData): unknown {
  const code = paddedCode(sac);
  const width = code.length;
  const str = (b: Buffer) => xdr.ScVal.scvString(b).toJson();
  const issuerBytes = Buffer.from(Keypair.fromPublicKey(sac.issuer).rawPublicKey());
  return {
    contract_instance: {
      executable: 'stellar_asset',
      storage: [
        {
          key: { symbol: 'METADATA' },
          val: {
            map: [
              { key: { symbol: 'decimal' }, val: { u32: SAC_DECIMALS } },
              { key: { symbol: 'name' }, val: nativeToScVal(sacName(sac), { type: 'string' }).toJson() },
              { key: { symbol: 'symbol' }, val: str(code) },
            ],
          },
        },
        { key: { vec: [{ symbol: 'Admin' }] }, val: { address: sac.admin } },
        {
          key: { vec: [{ symbol: 'AssetInfo' }] },
          val: {
            vec: [
              { symbol: width === 4 ? 'AlphaNum4' : 'AlphaNum12' },
              { map: [{ key: { symbol: 'asset_code' }, val: str(code) }, { key: { symbol: 'issuer' }, val: { bytes: issuerBytes.toString('hex') } }] },
            ],
          },
        },
      ],
    },
  };
}
