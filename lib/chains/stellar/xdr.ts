/**
 * The few XDR types the background needs to read a Stellar Asset Contract through
 * `getLedgerEntries`, written by hand so that the background bundle never contains stellar-sdk.
 *
 * Encoded: `LedgerKey` (account, trustline, contract data) and the `ScVal`s that SAC storage keys
 * are made of. Decoded: `LedgerEntryData` (account and trustline up to their balance; contract
 * data in full) and every `ScVal` arm. Everything decoded comes from an RPC server we do not
 * control, so the reader checks bounds, caps nesting and element counts, and throws XdrError on
 * anything it does not understand instead of guessing.
 *
 * Layouts follow stellar-xdr `Stellar-contract.x` / `Stellar-ledger-entries.x` (protocol 23).
 */
import { decodeStellarAddress, encodeStrKey } from './strkey';

export class XdrError extends Error {
  override readonly name = 'XdrError';
  constructor(message: string) {
    super(message);
  }
}

// --- values --------------------------------------------------------------------------------

export type ScAddress =
  | { type: 'account'; id: string }
  | { type: 'contract'; id: string }
  /** Muxed accounts, claimable balances, liquidity pools: never SAC holders we look up. */
  | { type: 'other'; arm: number };

export interface ScMapEntry {
  key: ScVal;
  val: ScVal;
}

export type ScVal =
  | { type: 'void' }
  | { type: 'bool'; value: boolean }
  | { type: 'u32' | 'i32'; value: number }
  | { type: 'u64' | 'i64' | 'timepoint' | 'duration' | 'u128' | 'i128' | 'u256' | 'i256'; value: bigint }
  /** ScString is a byte string (SAC asset codes keep their NUL padding), so it stays bytes. */
  | { type: 'bytes' | 'string'; value: Uint8Array }
  | { type: 'symbol'; value: string }
  | { type: 'vec'; value: ScVal[] | null }
  | { type: 'map'; value: ScMapEntry[] | null }
  | { type: 'address'; value: ScAddress }
  | { type: 'error'; errorType: number; code: number }
  | { type: 'contract_instance'; executable: { type: 'wasm'; hash: Uint8Array } | { type: 'stellar_asset' }; storage: ScMapEntry[] | null }
  | { type: 'ledger_key_contract_instance' }
  | { type: 'ledger_key_nonce'; value: bigint };

export type Durability = 'temporary' | 'persistent';

export type TrustLineAsset = { type: 'native' } | { type: 'credit'; code: string; issuer: string };

export type LedgerKey =
  | { type: 'account'; accountId: string }
  | { type: 'trustline'; accountId: string; asset: TrustLineAsset }
  | { type: 'contract_data'; contract: string; key: ScVal; durability: Durability };

export type LedgerEntryData =
  | { type: 'account'; accountId: string; balance: bigint }
  | { type: 'trustline'; accountId: string; asset: TrustLineAsset | { type: 'pool_share' }; balance: bigint }
  | { type: 'contract_data'; contract: ScAddress; key: ScVal; durability: Durability; val: ScVal }
  | { type: 'other'; arm: number };

// XDR discriminants.
const SCV = {
  bool: 0, void: 1, error: 2, u32: 3, i32: 4, u64: 5, i64: 6, timepoint: 7, duration: 8, u128: 9, i128: 10,
  u256: 11, i256: 12, bytes: 13, string: 14, symbol: 15, vec: 16, map: 17, address: 18, contract_instance: 19,
  ledger_key_contract_instance: 20, ledger_key_nonce: 21,
} as const;
const SC_ADDRESS_ACCOUNT = 0;
const SC_ADDRESS_CONTRACT = 1;
const SC_ADDRESS_MUXED = 2;
const SC_ADDRESS_CLAIMABLE_BALANCE = 3;
const SC_ADDRESS_LIQUIDITY_POOL = 4;
const LEDGER_ENTRY = { account: 0, trustline: 1, contract_data: 6 } as const;
const ASSET_NATIVE = 0;
const ASSET_ALPHANUM4 = 1;
const ASSET_ALPHANUM12 = 2;
const ASSET_POOL_SHARE = 3;
const DURABILITY: Record<Durability, number> = { temporary: 0, persistent: 1 };

const INT_BITS = { u64: 64, i64: 64, timepoint: 64, duration: 64, u128: 128, i128: 128, u256: 256, i256: 256 } as const;

const MAX_DEPTH = 12;
const MAX_ELEMENTS = 1000;
const MAX_BYTES = 64 * 1024;

// --- writer --------------------------------------------------------------------------------

class Writer {
  private chunks: number[] = [];

  u32(n: number): this {
    if (!Number.isInteger(n) || n < 0 || n > 0xffff_ffff) throw new XdrError(`u32 out of range: ${n}`);
    this.chunks.push((n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
    return this;
  }

  i32(n: number): this {
    if (!Number.isInteger(n) || n < -0x8000_0000 || n > 0x7fff_ffff) throw new XdrError(`i32 out of range: ${n}`);
    return this.u32(n >>> 0);
  }

  u64(n: bigint): this {
    return this.u32(Number((n >> 32n) & 0xffff_ffffn)).u32(Number(n & 0xffff_ffffn));
  }

  fixed(bytes: Uint8Array, length: number): this {
    if (bytes.length !== length) throw new XdrError(`expected ${length} bytes, got ${bytes.length}`);
    for (const b of bytes) this.chunks.push(b);
    return this;
  }

  /** Variable-length opaque / string: length, bytes, zero padding to a multiple of 4. */
  opaque(bytes: Uint8Array): this {
    this.u32(bytes.length);
    for (const b of bytes) this.chunks.push(b);
    for (let i = bytes.length; i % 4 !== 0; i++) this.chunks.push(0);
    return this;
  }

  bytes(): Uint8Array {
    return Uint8Array.from(this.chunks);
  }
}

const utf8 = new TextEncoder();
const SYMBOL = /^[A-Za-z0-9_]{1,32}$/;

function writeAccountId(w: Writer, accountId: string): void {
  w.i32(0).fixed(decodeStellarAddress(accountId, 'account').payload, 32); // PUBLIC_KEY_TYPE_ED25519
}

function writeScAddress(w: Writer, address: ScAddress): void {
  if (address.type === 'account') {
    w.i32(SC_ADDRESS_ACCOUNT);
    writeAccountId(w, address.id);
  } else if (address.type === 'contract') {
    w.i32(SC_ADDRESS_CONTRACT).fixed(decodeStellarAddress(address.id, 'contract').payload, 32);
  } else {
    throw new XdrError('only account and contract addresses can be encoded');
  }
}

function writeScVal(w: Writer, v: ScVal, depth = 0): void {
  if (depth > MAX_DEPTH) throw new XdrError('ScVal nested too deeply');
  switch (v.type) {
    case 'void':
    case 'ledger_key_contract_instance':
      w.i32(SCV[v.type]);
      return;
    case 'bool':
      w.i32(SCV.bool).u32(v.value ? 1 : 0);
      return;
    case 'u32':
      w.i32(SCV.u32).u32(v.value);
      return;
    case 'i32':
      w.i32(SCV.i32).i32(v.value);
      return;
    case 'u64':
    case 'i64':
    case 'timepoint':
    case 'duration':
    case 'u128':
    case 'i128':
    case 'u256':
    case 'i256': {
      const bits = INT_BITS[v.type];
      const signed = v.type === 'i64' || v.type === 'i128' || v.type === 'i256';
      const min = signed ? -(1n << BigInt(bits - 1)) : 0n;
      const max = (signed ? 1n << BigInt(bits - 1) : 1n << BigInt(bits)) - 1n;
      if (v.value < min || v.value > max) throw new XdrError(`${v.type} out of range: ${v.value}`);
      // Two's complement, most significant 64-bit word first (hi/lo parts of Int128Parts etc.).
      const raw = BigInt.asUintN(bits, v.value);
      w.i32(SCV[v.type]);
      for (let shift = bits - 64; shift >= 0; shift -= 64) w.u64((raw >> BigInt(shift)) & 0xffff_ffff_ffff_ffffn);
      return;
    }
    case 'symbol':
      if (!SYMBOL.test(v.value)) throw new XdrError(`invalid symbol ${JSON.stringify(v.value)}`);
      w.i32(SCV.symbol).opaque(utf8.encode(v.value));
      return;
    case 'string':
    case 'bytes':
      w.i32(SCV[v.type]).opaque(v.value);
      return;
    case 'address':
      w.i32(SCV.address);
      writeScAddress(w, v.value);
      return;
    case 'vec':
      w.i32(SCV.vec);
      if (v.value === null) {
        w.u32(0);
        return;
      }
      w.u32(1).u32(v.value.length);
      for (const item of v.value) writeScVal(w, item, depth + 1);
      return;
    case 'map':
      w.i32(SCV.map);
      if (v.value === null) {
        w.u32(0);
        return;
      }
      w.u32(1).u32(v.value.length);
      for (const entry of v.value) {
        writeScVal(w, entry.key, depth + 1);
        writeScVal(w, entry.val, depth + 1);
      }
      return;
    default:
      throw new XdrError(`encoding ScVal ${v.type} is not supported`);
  }
}

function writeTrustLineAsset(w: Writer, asset: TrustLineAsset): void {
  if (asset.type === 'native') {
    w.i32(ASSET_NATIVE);
    return;
  }
  const code = utf8.encode(asset.code);
  if (code.length === 0 || code.length > 12 || !/^[A-Za-z0-9]+$/.test(asset.code)) throw new XdrError(`invalid asset code ${JSON.stringify(asset.code)}`);
  const width = code.length <= 4 ? 4 : 12;
  const padded = new Uint8Array(width);
  padded.set(code);
  w.i32(width === 4 ? ASSET_ALPHANUM4 : ASSET_ALPHANUM12).fixed(padded, width);
  writeAccountId(w, asset.issuer);
}

export function encodeScVal(v: ScVal): Uint8Array {
  const w = new Writer();
  writeScVal(w, v);
  return w.bytes();
}

export function encodeLedgerKey(key: LedgerKey): Uint8Array {
  const w = new Writer();
  switch (key.type) {
    case 'account':
      w.i32(LEDGER_ENTRY.account);
      writeAccountId(w, key.accountId);
      break;
    case 'trustline':
      w.i32(LEDGER_ENTRY.trustline);
      writeAccountId(w, key.accountId);
      writeTrustLineAsset(w, key.asset);
      break;
    case 'contract_data':
      w.i32(LEDGER_ENTRY.contract_data);
      writeScAddress(w, { type: 'contract', id: key.contract });
      writeScVal(w, key.key);
      w.i32(DURABILITY[key.durability]);
      break;
  }
  return w.bytes();
}

// --- reader --------------------------------------------------------------------------------

class Reader {
  private offset = 0;
  private readonly view: DataView;

  constructor(private readonly buf: Uint8Array) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  private need(n: number): void {
    if (this.offset + n > this.buf.length) throw new XdrError('XDR ends early');
  }

  u32(): number {
    this.need(4);
    const v = this.view.getUint32(this.offset);
    this.offset += 4;
    return v;
  }

  i32(): number {
    this.need(4);
    const v = this.view.getInt32(this.offset);
    this.offset += 4;
    return v;
  }

  u64(): bigint {
    this.need(8);
    const v = this.view.getBigUint64(this.offset);
    this.offset += 8;
    return v;
  }

  i64(): bigint {
    this.need(8);
    const v = this.view.getBigInt64(this.offset);
    this.offset += 8;
    return v;
  }

  fixed(n: number): Uint8Array {
    this.need(n);
    const out = this.buf.slice(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }

  opaque(max = MAX_BYTES): Uint8Array {
    const len = this.u32();
    if (len > max) throw new XdrError(`opaque of ${len} bytes is longer than ${max}`);
    const out = this.fixed(len);
    const pad = (4 - (len % 4)) % 4;
    const padding = this.fixed(pad);
    if (padding.some((b) => b !== 0)) throw new XdrError('non-zero XDR padding');
    return out;
  }

  bool(): boolean {
    const v = this.u32();
    if (v > 1) throw new XdrError(`bad bool ${v}`);
    return v === 1;
  }

  count(): number {
    const n = this.u32();
    if (n > MAX_ELEMENTS) throw new XdrError(`array of ${n} elements is longer than ${MAX_ELEMENTS}`);
    return n;
  }

  done(): void {
    if (this.offset !== this.buf.length) throw new XdrError(`${this.buf.length - this.offset} trailing bytes after XDR value`);
  }
}

const utf8Strict = new TextDecoder('utf-8', { fatal: true });

function readAccountId(r: Reader): string {
  const type = r.i32();
  if (type !== 0) throw new XdrError(`unknown public key type ${type}`);
  return encodeStrKey('account', r.fixed(32));
}

function readScAddress(r: Reader): ScAddress {
  const arm = r.i32();
  switch (arm) {
    case SC_ADDRESS_ACCOUNT:
      return { type: 'account', id: readAccountId(r) };
    case SC_ADDRESS_CONTRACT:
      return { type: 'contract', id: encodeStrKey('contract', r.fixed(32)) };
    case SC_ADDRESS_MUXED:
      r.fixed(8 + 32); // uint64 id + ed25519 key
      return { type: 'other', arm };
    case SC_ADDRESS_CLAIMABLE_BALANCE: {
      const v = r.i32();
      if (v !== 0) throw new XdrError(`unknown claimable balance id type ${v}`);
      r.fixed(32);
      return { type: 'other', arm };
    }
    case SC_ADDRESS_LIQUIDITY_POOL:
      r.fixed(32);
      return { type: 'other', arm };
    default:
      throw new XdrError(`unknown ScAddress type ${arm}`);
  }
}

function readInt128(r: Reader, signed: boolean): bigint {
  const hi = signed ? r.i64() : r.u64();
  const lo = r.u64();
  return (hi << 64n) | lo;
}

function readInt256(r: Reader, signed: boolean): bigint {
  const hiHi = signed ? r.i64() : r.u64();
  const hiLo = r.u64();
  const loHi = r.u64();
  const loLo = r.u64();
  return (hiHi << 192n) | (hiLo << 128n) | (loHi << 64n) | loLo;
}

function readMapEntries(r: Reader, depth: number): ScMapEntry[] | null {
  if (!r.bool()) return null;
  const n = r.count();
  const entries: ScMapEntry[] = [];
  for (let i = 0; i < n; i++) entries.push({ key: readScVal(r, depth + 1), val: readScVal(r, depth + 1) });
  return entries;
}

function readScVal(r: Reader, depth = 0): ScVal {
  if (depth > MAX_DEPTH) throw new XdrError('ScVal nested too deeply');
  const arm = r.i32();
  switch (arm) {
    case SCV.bool:
      return { type: 'bool', value: r.bool() };
    case SCV.void:
      return { type: 'void' };
    case SCV.error: {
      // SCE_CONTRACT carries a u32 contract code, every other type an SCErrorCode (i32): 4 bytes either way.
      const errorType = r.i32();
      return { type: 'error', errorType, code: errorType === 0 ? r.u32() : r.i32() };
    }
    case SCV.u32:
      return { type: 'u32', value: r.u32() };
    case SCV.i32:
      return { type: 'i32', value: r.i32() };
    case SCV.u64:
      return { type: 'u64', value: r.u64() };
    case SCV.i64:
      return { type: 'i64', value: r.i64() };
    case SCV.timepoint:
      return { type: 'timepoint', value: r.u64() };
    case SCV.duration:
      return { type: 'duration', value: r.u64() };
    case SCV.u128:
      return { type: 'u128', value: readInt128(r, false) };
    case SCV.i128:
      return { type: 'i128', value: readInt128(r, true) };
    case SCV.u256:
      return { type: 'u256', value: readInt256(r, false) };
    case SCV.i256:
      return { type: 'i256', value: readInt256(r, true) };
    case SCV.bytes:
      return { type: 'bytes', value: r.opaque() };
    case SCV.string:
      return { type: 'string', value: r.opaque() };
    case SCV.symbol: {
      const raw = r.opaque(32);
      let text: string;
      try {
        text = utf8Strict.decode(raw);
      } catch {
        throw new XdrError('symbol is not UTF-8');
      }
      return { type: 'symbol', value: text };
    }
    case SCV.vec: {
      if (!r.bool()) return { type: 'vec', value: null };
      const n = r.count();
      const items: ScVal[] = [];
      for (let i = 0; i < n; i++) items.push(readScVal(r, depth + 1));
      return { type: 'vec', value: items };
    }
    case SCV.map:
      return { type: 'map', value: readMapEntries(r, depth) };
    case SCV.address:
      return { type: 'address', value: readScAddress(r) };
    case SCV.contract_instance: {
      const exec = r.i32();
      let executable: { type: 'wasm'; hash: Uint8Array } | { type: 'stellar_asset' };
      if (exec === 0) executable = { type: 'wasm', hash: r.fixed(32) };
      else if (exec === 1) executable = { type: 'stellar_asset' };
      else throw new XdrError(`unknown contract executable type ${exec}`);
      return { type: 'contract_instance', executable, storage: readMapEntries(r, depth) };
    }
    case SCV.ledger_key_contract_instance:
      return { type: 'ledger_key_contract_instance' };
    case SCV.ledger_key_nonce:
      return { type: 'ledger_key_nonce', value: r.i64() };
    default:
      throw new XdrError(`unknown ScVal type ${arm}`);
  }
}

function readTrustLineAsset(r: Reader): TrustLineAsset | { type: 'pool_share' } {
  const arm = r.i32();
  switch (arm) {
    case ASSET_NATIVE:
      return { type: 'native' };
    case ASSET_ALPHANUM4:
    case ASSET_ALPHANUM12: {
      const raw = r.fixed(arm === ASSET_ALPHANUM4 ? 4 : 12);
      const end = raw.indexOf(0);
      const code = new TextDecoder().decode(end === -1 ? raw : raw.subarray(0, end));
      return { type: 'credit', code, issuer: readAccountId(r) };
    }
    case ASSET_POOL_SHARE:
      r.fixed(32);
      return { type: 'pool_share' };
    default:
      throw new XdrError(`unknown trustline asset type ${arm}`);
  }
}

function readDurability(r: Reader): Durability {
  const d = r.i32();
  if (d === 0) return 'temporary';
  if (d === 1) return 'persistent';
  throw new XdrError(`unknown contract data durability ${d}`);
}

export function decodeScVal(bytes: Uint8Array): ScVal {
  const r = new Reader(bytes);
  const v = readScVal(r);
  r.done();
  return v;
}

/**
 * `LedgerEntryData`. Account and trustline entries are read only up to their balance (the rest,
 * signers, liabilities and extensions, is not needed), so trailing bytes are allowed there.
 */
export function decodeLedgerEntryData(bytes: Uint8Array): LedgerEntryData {
  const r = new Reader(bytes);
  const arm = r.i32();
  switch (arm) {
    case LEDGER_ENTRY.account: {
      const accountId = readAccountId(r);
      return { type: 'account', accountId, balance: r.i64() };
    }
    case LEDGER_ENTRY.trustline: {
      const accountId = readAccountId(r);
      const asset = readTrustLineAsset(r);
      return { type: 'trustline', accountId, asset, balance: r.i64() };
    }
    case LEDGER_ENTRY.contract_data: {
      const ext = r.i32();
      if (ext !== 0) throw new XdrError(`unknown contract data extension ${ext}`);
      const contract = readScAddress(r);
      const key = readScVal(r);
      const durability = readDurability(r);
      const val = readScVal(r);
      r.done();
      return { type: 'contract_data', contract, key, durability, val };
    }
    default:
      return { type: 'other', arm };
  }
}

// --- transaction envelopes (only as far as a session approve needs) --------------------------

/** A muxed account as a transaction or operation source: its G… key, and whether it carried an id. */
export interface MuxedSource {
  accountId: string;
  muxed: boolean;
}

/** The one operation of a Soroban transaction, read up to its contract call's arguments. */
export interface DecodedOperation {
  source: MuxedSource | null;
  /** OperationType: 24 is INVOKE_HOST_FUNCTION. */
  type: number;
  /** Present for `InvokeHostFunction` calling a contract (HOST_FUNCTION_TYPE_INVOKE_CONTRACT). */
  invoke?: { contract: ScAddress; functionName: string; args: ScVal[] };
}

export interface DecodedTransaction {
  source: MuxedSource;
  fee: number;
  sequence: bigint;
  operationCount: number;
  /** The first operation (a Soroban transaction has exactly one). */
  operation: DecodedOperation | null;
}

const ENVELOPE_TYPE_TX = 2;
const KEY_TYPE_ED25519 = 0;
const KEY_TYPE_MUXED_ED25519 = 0x100;
export const OP_INVOKE_HOST_FUNCTION = 24;
const HOST_FUNCTION_INVOKE_CONTRACT = 0;

function readMuxedAccount(r: Reader): MuxedSource {
  const type = r.i32();
  if (type === KEY_TYPE_ED25519) return { accountId: encodeStrKey('account', r.fixed(32)), muxed: false };
  if (type === KEY_TYPE_MUXED_ED25519) {
    r.u64();
    return { accountId: encodeStrKey('account', r.fixed(32)), muxed: true };
  }
  throw new XdrError(`unknown muxed account type ${type}`);
}

function skipTimeBounds(r: Reader): void {
  r.u64();
  r.u64();
}

/** Preconditions: none, time bounds, or V2 (time/ledger bounds, min sequence, extra signers). */
function skipPreconditions(r: Reader): void {
  const type = r.i32();
  if (type === 0) return;
  if (type === 1) return skipTimeBounds(r);
  if (type !== 2) throw new XdrError(`unknown preconditions type ${type}`);
  if (r.bool()) skipTimeBounds(r);
  if (r.bool()) r.fixed(8); // LedgerBounds: two uint32
  if (r.bool()) r.i64(); // minSeqNum
  r.u64(); // minSeqAge
  r.u32(); // minSeqLedgerGap
  const signers = r.u32();
  if (signers > 2) throw new XdrError(`${signers} extra signers (at most 2)`);
  for (let i = 0; i < signers; i++) {
    const kind = r.i32();
    if (kind < 0 || kind > 3) throw new XdrError(`unknown signer key type ${kind}`);
    r.fixed(32);
    if (kind === 3) r.opaque(64); // ed25519 signed payload
  }
}

function skipMemo(r: Reader): void {
  const type = r.i32();
  if (type === 0) return;
  if (type === 1) return void r.opaque(28);
  if (type === 2) return void r.u64();
  if (type === 3 || type === 4) return void r.fixed(32);
  throw new XdrError(`unknown memo type ${type}`);
}

/**
 * A `TransactionEnvelope` as `getTransaction` returns it (`envelopeXdr`), read as far as the
 * arguments of its first operation's contract call: enough to tell what a session approve did.
 * Only v1 envelopes (ENVELOPE_TYPE_TX) are read: fee bumps and v0 envelopes are refused, as a
 * session approve is neither.
 */
export function decodeTransactionEnvelope(bytes: Uint8Array): DecodedTransaction {
  const r = new Reader(bytes);
  const envelope = r.i32();
  if (envelope !== ENVELOPE_TYPE_TX) throw new XdrError(`envelope type ${envelope} is not a v1 transaction`);
  const source = readMuxedAccount(r);
  const fee = r.u32();
  const sequence = r.i64();
  skipPreconditions(r);
  skipMemo(r);
  const operationCount = r.u32();
  if (operationCount > 100) throw new XdrError(`${operationCount} operations (at most 100)`);
  if (operationCount === 0) return { source, fee, sequence, operationCount, operation: null };
  const opSource = r.bool() ? readMuxedAccount(r) : null;
  const type = r.i32();
  const operation: DecodedOperation = { source: opSource, type };
  if (type === OP_INVOKE_HOST_FUNCTION) {
    const fn = r.i32();
    if (fn === HOST_FUNCTION_INVOKE_CONTRACT) {
      const contract = readScAddress(r);
      // InvokeContractArgs.functionName is an SCSymbol: the bare string<32>, no ScVal tag.
      let functionName: string;
      try {
        functionName = utf8Strict.decode(r.opaque(32));
      } catch (err) {
        if (err instanceof XdrError) throw err;
        throw new XdrError('function name is not UTF-8');
      }
      const n = r.count();
      const args: ScVal[] = [];
      for (let i = 0; i < n; i++) args.push(readScVal(r));
      operation.invoke = { contract, functionName, args };
    }
  }
  return { source, fee, sequence, operationCount, operation };
}

// --- base64 (no Buffer in the background) ---------------------------------------------------

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

export function fromBase64(text: string): Uint8Array {
  if (text.length % 4 !== 0 || !BASE64.test(text)) throw new XdrError('not standard base64');
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

// --- ScVal helpers ------------------------------------------------------------------------

export const sym = (value: string): ScVal => ({ type: 'symbol', value });
export const addressVal = (id: string): ScVal => ({
  type: 'address',
  value: id.startsWith('C') ? { type: 'contract', id } : { type: 'account', id },
});

/** The value under symbol `name` in a map ScVal, or undefined. */
export function mapField(v: ScVal | undefined, name: string): ScVal | undefined {
  if (v?.type !== 'map' || !v.value) return undefined;
  return v.value.find((e) => e.key.type === 'symbol' && e.key.value === name)?.val;
}

/** A ScString's bytes as text, with the NUL padding SAC asset codes carry removed. */
export function scStringText(v: ScVal | undefined): string | undefined {
  if (v?.type !== 'string') return undefined;
  const end = v.value.indexOf(0);
  return new TextDecoder().decode(end === -1 ? v.value : v.value.subarray(0, end));
}
