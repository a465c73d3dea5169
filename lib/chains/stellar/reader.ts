/**
 * Read-only Soroban RPC for the background: a Stellar Asset Contract's metadata, a holder's
 * balance and an allowance, read straight from ledger entries (`getLedgerEntries`) with the
 * hand-written XDR in ./xdr, so no stellar-sdk and no transaction simulation is needed.
 *
 * Where the SAC keeps things (rs-soroban-env `stellar_asset_contract`):
 *   - contract instance (persistent, key `LedgerKeyContractInstance`), executable `stellar_asset`,
 *     instance storage: `METADATA` → { decimal: u32, name: String, symbol: String },
 *     `[AssetInfo]` → `[Native]` | `[AlphaNum4 | AlphaNum12, { asset_code, issuer }]`;
 *   - balance of a G… account: its trustline (native: the account entry); the issuer reads i64 max;
 *   - balance of a C… contract: persistent data `[Balance, address]` → { amount, authorized, clawback };
 *   - allowance: temporary data `[Allowance, { from, spender }]` → { amount, live_until_ledger }.
 * Custom (WASM) SEP-41 tokens keep their own layout: they are refused with `not_a_stellar_asset`.
 *
 * Responses are untrusted: sizes and shapes are checked, and a timeout bounds every call.
 */
import { I64_MAX } from './amount';
import { decodeStellarAddress, encodeStrKey } from './strkey';
import {
  addressVal,
  decodeLedgerEntryData,
  encodeLedgerKey,
  fromBase64,
  mapField,
  scStringText,
  sym,
  toBase64,
  XdrError,
  type LedgerEntryData,
  type LedgerKey,
  type ScVal,
} from './xdr';

export type StellarRpcErrorCode =
  | 'rpc_unreachable'
  | 'rpc_timeout'
  | 'rpc_http_error'
  | 'rpc_error'
  | 'rpc_bad_response'
  | 'contract_not_found'
  | 'not_a_stellar_asset'
  | 'invalid_address';

export class StellarRpcError extends Error {
  override readonly name = 'StellarRpcError';
  constructor(
    readonly code: StellarRpcErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export type StellarAssetInfo = { type: 'native' } | { type: 'credit'; code: string; issuer: string };

export interface StellarTokenInfo {
  contractId: string;
  decimals: number;
  /** `"USDC"`; `"native"` for XLM. */
  symbol: string;
  /** SEP-11 `"CODE:ISSUER"`; `"native"` for XLM. */
  name: string;
  asset: StellarAssetInfo;
}

export interface StellarAllowance {
  /** What a transfer in the next ledger could spend: 0 when absent or past its last ledger. */
  amount: bigint;
  /** The amount stored, whatever its expiry. */
  storedAmount: bigint;
  /** Last ledger the allowance can be spent in, or null when there is none. */
  liveUntilLedger: number | null;
  latestLedger: number;
}

export type StellarTransaction = { status: 'NOT_FOUND' } | { status: 'SUCCESS' | 'FAILED'; ledger: number; envelopeXdr: string };

export interface SorobanReaderOptions {
  rpcUrl: string;
  /** Per call; default 10 s. */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

interface RawEntry {
  key: string;
  xdr: string;
  lastModifiedLedgerSeq?: number;
  liveUntilLedgerSeq?: number;
}

const MAX_RESPONSE_CHARS = 512 * 1024;
const MAX_DECIMALS = 38;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const isLedger = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 && v <= 0xffff_ffff;

function bad(message: string, cause?: unknown): StellarRpcError {
  return new StellarRpcError('rpc_bad_response', message, { cause });
}

export class SorobanReader {
  private readonly rpcUrl: string;
  private readonly timeoutMs: number;
  private readonly fetchFn: typeof fetch;
  private nextId = 1;
  /** Token metadata never changes for a SAC: cache it (the trustline key needs the asset). */
  private readonly tokens = new Map<string, Promise<StellarTokenInfo>>();

  constructor(opts: SorobanReaderOptions) {
    const url = new URL(opts.rpcUrl);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new StellarRpcError('rpc_unreachable', `RPC URL must be http(s), got ${url.protocol}`);
    this.rpcUrl = url.toString();
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.fetchFn = opts.fetch ?? ((input, init) => fetch(input, init));
  }

  async latestLedger(): Promise<number> {
    const result = await this.call('getLatestLedger', {});
    if (!isRecord(result) || !isLedger(result.sequence)) throw bad('getLatestLedger: no sequence');
    return result.sequence;
  }

  /** The passphrase of the network this RPC serves (what every signature on it commits to). */
  async networkPassphrase(): Promise<string> {
    const result = await this.call('getNetwork', {});
    if (!isRecord(result) || typeof result.passphrase !== 'string' || result.passphrase.length === 0 || result.passphrase.length > 256) throw bad('getNetwork: no passphrase');
    return result.passphrase;
  }

  /**
   * A transaction by hash: `NOT_FOUND` (not yet, or outside the RPC's retention window), or its
   * outcome with the envelope as submitted (base64 XDR) and the ledger it landed in.
   */
  async transaction(hash: string): Promise<StellarTransaction> {
    if (!/^[0-9a-f]{64}$/.test(hash)) throw new StellarRpcError('rpc_error', 'a transaction hash is 64 lower-case hex characters');
    const result = await this.call('getTransaction', { hash });
    if (!isRecord(result) || typeof result.status !== 'string') throw bad('getTransaction: no status');
    if (result.status === 'NOT_FOUND') return { status: 'NOT_FOUND' };
    if (result.status !== 'SUCCESS' && result.status !== 'FAILED') throw bad(`getTransaction: unknown status ${result.status.slice(0, 20)}`);
    if (typeof result.envelopeXdr !== 'string' || result.envelopeXdr.length > MAX_RESPONSE_CHARS || !isLedger(result.ledger)) throw bad('getTransaction: no envelope or ledger');
    return { status: result.status, ledger: result.ledger, envelopeXdr: result.envelopeXdr };
  }

  async readToken(contractId: string): Promise<StellarTokenInfo> {
    const contract = this.contractIdOf(contractId);
    let cached = this.tokens.get(contract);
    if (!cached) {
      cached = this.fetchToken(contract);
      this.tokens.set(contract, cached);
      cached.catch(() => this.tokens.delete(contract));
    }
    return cached;
  }

  /** Base units the holder (G… or C…) has; 0 for an account without a trustline. */
  async readBalance(contractId: string, holder: string): Promise<bigint> {
    const token = await this.readToken(contractId);
    const parsed = this.addressOf(holder);
    if (parsed.kind === 'contract') {
      const { entries } = await this.entries([balanceKey(token.contractId, holder)]);
      const entry = entries[0];
      if (!entry) return 0n;
      if (entry.data.type !== 'contract_data') throw bad('balance entry is not contract data');
      return i128Of(mapField(entry.data.val, 'amount'), 'balance amount');
    }
    if (token.asset.type === 'credit' && token.asset.issuer === holder) return I64_MAX;
    const key: LedgerKey = token.asset.type === 'native' ? { type: 'account', accountId: holder } : { type: 'trustline', accountId: holder, asset: token.asset };
    const { entries } = await this.entries([key]);
    const entry = entries[0];
    if (!entry) return 0n;
    if (entry.data.type !== 'account' && entry.data.type !== 'trustline') throw bad(`balance entry is ${entry.data.type}`);
    return entry.data.balance;
  }

  async readAllowance(contractId: string, from: string, spender: string): Promise<StellarAllowance> {
    const contract = this.contractIdOf(contractId);
    this.addressOf(from);
    this.addressOf(spender);
    const { entries, latestLedger } = await this.entries([allowanceKey(contract, from, spender)]);
    const entry = entries[0];
    if (!entry) return { amount: 0n, storedAmount: 0n, liveUntilLedger: null, latestLedger };
    if (entry.data.type !== 'contract_data') throw bad('allowance entry is not contract data');
    const storedAmount = i128Of(mapField(entry.data.val, 'amount'), 'allowance amount');
    const live = mapField(entry.data.val, 'live_until_ledger');
    if (live?.type !== 'u32') throw bad('allowance has no live_until_ledger');
    // A temporary entry whose TTL ran out is gone even if the RPC still lists it.
    const entryAlive = entry.liveUntilLedgerSeq === undefined || entry.liveUntilLedgerSeq > latestLedger;
    const spendable = entryAlive && live.value > latestLedger;
    return { amount: spendable ? storedAmount : 0n, storedAmount, liveUntilLedger: live.value, latestLedger };
  }

  private async fetchToken(contract: string): Promise<StellarTokenInfo> {
    const { entries } = await this.entries([{ type: 'contract_data', contract, key: { type: 'ledger_key_contract_instance' }, durability: 'persistent' }]);
    const entry = entries[0];
    if (!entry) throw new StellarRpcError('contract_not_found', `no contract ${contract} on this network (wrong network, or not deployed)`);
    const val = entry.data.type === 'contract_data' ? entry.data.val : undefined;
    if (val?.type !== 'contract_instance') throw bad('contract instance entry has no instance');
    if (val.executable.type !== 'stellar_asset') {
      throw new StellarRpcError('not_a_stellar_asset', `${contract} is a custom (WASM) token contract; only Stellar Asset Contracts can be read without simulation`);
    }
    const storage = { type: 'map', value: val.storage } as const;
    const metadata = mapField(storage, 'METADATA');
    const decimal = mapField(metadata, 'decimal');
    const symbol = scStringText(mapField(metadata, 'symbol'));
    const name = scStringText(mapField(metadata, 'name'));
    if (decimal?.type !== 'u32' || decimal.value > MAX_DECIMALS || symbol === undefined || name === undefined) {
      throw bad('SAC instance has no valid METADATA');
    }
    return { contractId: contract, decimals: decimal.value, symbol: symbol.slice(0, 16), name: name.slice(0, 80), asset: assetInfoOf(val.storage) };
  }

  private contractIdOf(value: string): string {
    return this.addressOf(value, 'contract').address;
  }

  private addressOf(value: string, kind?: 'account' | 'contract') {
    try {
      return decodeStellarAddress(value, kind);
    } catch (err) {
      throw new StellarRpcError('invalid_address', (err as Error).message, { cause: err });
    }
  }

  /** Entries for `keys`, in the order asked, absent ones left out. */
  private async entries(keys: LedgerKey[]): Promise<{ entries: { data: LedgerEntryData; liveUntilLedgerSeq?: number }[]; latestLedger: number }> {
    const encoded = keys.map((k) => toBase64(encodeLedgerKey(k)));
    const result = await this.call('getLedgerEntries', { keys: encoded });
    if (!isRecord(result) || !isLedger(result.latestLedger)) throw bad('getLedgerEntries: no latestLedger');
    const raw = result.entries ?? [];
    if (!Array.isArray(raw) || raw.length > keys.length) throw bad('getLedgerEntries: entries is not a list of the keys asked');
    const byKey = new Map<string, RawEntry>();
    for (const e of raw) {
      if (!isRecord(e) || typeof e.key !== 'string' || typeof e.xdr !== 'string') throw bad('getLedgerEntries: malformed entry');
      if (e.liveUntilLedgerSeq !== undefined && !isLedger(e.liveUntilLedgerSeq)) throw bad('getLedgerEntries: bad liveUntilLedgerSeq');
      byKey.set(e.key, e as unknown as RawEntry);
    }
    const entries: { data: LedgerEntryData; liveUntilLedgerSeq?: number }[] = [];
    for (const key of encoded) {
      const e = byKey.get(key);
      if (!e) continue;
      try {
        entries.push({ data: decodeLedgerEntryData(fromBase64(e.xdr)), liveUntilLedgerSeq: e.liveUntilLedgerSeq });
      } catch (err) {
        if (err instanceof XdrError) throw bad(`getLedgerEntries: undecodable entry (${err.message})`, err);
        throw err;
      }
    }
    return { entries, latestLedger: result.latestLedger };
  }

  private async call(method: string, params: Record<string, unknown>): Promise<unknown> {
    const id = this.nextId++;
    let response: Response;
    try {
      response = await this.fetchFn(this.rpcUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id, method, params }),
        signal: AbortSignal.timeout(this.timeoutMs),
        credentials: 'omit',
        redirect: 'error',
      });
    } catch (err) {
      const name = (err as { name?: string }).name;
      if (name === 'TimeoutError' || name === 'AbortError') throw new StellarRpcError('rpc_timeout', `Soroban RPC ${this.rpcUrl} did not answer ${method} within ${this.timeoutMs} ms`, { cause: err });
      throw new StellarRpcError('rpc_unreachable', `Soroban RPC ${this.rpcUrl} is unreachable: ${(err as Error).message}`, { cause: err });
    }
    if (!response.ok) throw new StellarRpcError('rpc_http_error', `Soroban RPC ${this.rpcUrl} answered HTTP ${response.status} to ${method}`);
    const text = await response.text();
    if (text.length > MAX_RESPONSE_CHARS) throw bad(`${method}: response larger than ${MAX_RESPONSE_CHARS} characters`);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (err) {
      throw bad(`${method}: response is not JSON`, err);
    }
    if (!isRecord(body) || body.jsonrpc !== '2.0' || body.id !== id) throw bad(`${method}: not a JSON-RPC 2.0 answer to this request`);
    if (body.error !== undefined) {
      const e = isRecord(body.error) ? body.error : {};
      const message = typeof e.message === 'string' ? e.message.slice(0, 200) : 'unknown error';
      throw new StellarRpcError('rpc_error', `Soroban RPC ${method} failed: ${message}`);
    }
    return body.result;
  }
}

function i128Of(v: ScVal | undefined, what: string): bigint {
  if (v?.type !== 'i128') throw bad(`${what} is not an i128`);
  return v.value;
}

function assetInfoOf(storage: { key: ScVal; val: ScVal }[] | null): StellarAssetInfo {
  const entry = storage?.find((e) => e.key.type === 'vec' && e.key.value?.length === 1 && e.key.value[0]?.type === 'symbol' && e.key.value[0].value === 'AssetInfo');
  const info = entry?.val;
  if (info?.type !== 'vec' || !info.value?.[0] || info.value[0].type !== 'symbol') throw bad('SAC instance has no AssetInfo');
  const variant = info.value[0].value;
  if (variant === 'Native') return { type: 'native' };
  if (variant !== 'AlphaNum4' && variant !== 'AlphaNum12') throw bad(`unknown AssetInfo ${variant}`);
  const fields = info.value[1];
  const code = scStringText(mapField(fields, 'asset_code'));
  const issuer = mapField(fields, 'issuer');
  if (!code || issuer?.type !== 'bytes' || issuer.value.length !== 32) throw bad('AssetInfo has no asset_code / issuer');
  return { type: 'credit', code, issuer: encodeStrKey('account', issuer.value) };
}

/** `[Balance, address]`, persistent: where a SAC keeps a contract holder's balance. */
export function balanceKey(contract: string, holder: string): LedgerKey {
  return { type: 'contract_data', contract, key: { type: 'vec', value: [sym('Balance'), addressVal(holder)] }, durability: 'persistent' };
}

/** `[Allowance, { from, spender }]`, temporary (map keys in ScVal order: from < spender). */
export function allowanceKey(contract: string, from: string, spender: string): LedgerKey {
  return {
    type: 'contract_data',
    contract,
    key: {
      type: 'vec',
      value: [
        sym('Allowance'),
        {
          type: 'map',
          value: [
            { key: sym('from'), val: addressVal(from) },
            { key: sym('spender'), val: addressVal(spender) },
          ],
        },
      ],
    },
    durability: 'temporary',
  };
}
