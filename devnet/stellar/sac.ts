/**
 * The Stellar Asset Contract, executed in memory: the part of rs-soroban-env's built-in
 * `stellar_asset_contract` a session needs, with its storage layout and its error codes.
 *
 * Balances of G… accounts live in trustlines (int64) as on a real network; the issuer's balance
 * reads i64::MAX and moving to or from the issuer mints or burns. Contract (C…) holders keep a
 * `Balance` entry. Allowances are `{ amount, live_until_ledger }`, spendable while the executing
 * ledger is ≤ live_until, and an approve with amount > 0 must not name a ledger already past.
 *
 * Not modelled: authorization flags (AUTH_REQUIRED / revocable / clawback), events, burn,
 * clawback, set_admin, set_authorized, muxed destinations.
 */
import { Address, nativeToScVal, scValToNative, xdr } from '@stellar/stellar-sdk';

/** rs-soroban-env `ContractError`: what `HostError: Error(Contract, #n)` numbers mean. */
export const SacError = {
  Internal: 1,
  OperationNotSupported: 2,
  AlreadyInitialized: 3,
  Unauthorized: 4,
  Authentication: 5,
  AccountMissing: 6,
  AccountIsNotClassic: 7,
  NegativeAmount: 8,
  Allowance: 9,
  Balance: 10,
  BalanceDeauthorized: 11,
  Overflow: 12,
  TrustlineMissing: 13,
} as const;

/** A failure of the host or the contract, rendered the way soroban-rpc reports it. */
export class HostError extends Error {
  override readonly name = 'HostError';
  constructor(
    /** `Contract`, `Auth`, `Value`, `Context`… */
    readonly errorType: string,
    /** A contract error number (`#9`) or a host error code name (`InvalidAction`). */
    readonly errorCode: number | string,
    readonly detail: string,
  ) {
    super(`HostError: Error(${errorType}, ${typeof errorCode === 'number' ? `#${errorCode}` : errorCode})`);
  }

  /** The `error` string of a failed simulateTransaction, diagnostic line included. */
  describe(): string {
    return `${this.message}\n\nEvent log (newest first):\n   0: [Diagnostic Event] topics:[error, Error(${this.errorType}, ${
      typeof this.errorCode === 'number' ? `#${this.errorCode}` : this.errorCode
    })], data:"${this.detail}"`;
  }
}

const contractError = (code: number, detail: string) => new HostError('Contract', code, detail);

export const SAC_DECIMALS = 7;
const I64_MAX = (1n << 63n) - 1n;
const I128_MAX = (1n << 127n) - 1n;

export interface SacData {
  contractId: string;
  /** "USDC"; stored on chain NUL-padded to 4 or 12 bytes. */
  code: string;
  issuer: string;
  admin: string;
  /** G… holders: trustline balance. */
  trustlines: Map<string, { balance: bigint; modified: number }>;
  /** C… holders: the `Balance` entry. */
  balances: Map<string, { amount: bigint; modified: number }>;
  /** Key `${from}|${spender}`. */
  allowances: Map<string, { from: string; spender: string; amount: bigint; liveUntil: number; modified: number }>;
  instanceModified: number;
}

export interface SacContext {
  /** Sequence of the ledger the call executes in (latest + 1). */
  ledger: number;
  /** Largest `live_until` an approve may name (the network's max entry TTL). */
  maxLiveUntil: number;
  requireAuth(address: string): void;
  /** Records a ledger key the call reads or writes (for the simulated footprint). */
  touch(key: Record<string, unknown>, write: boolean): void;
}

export const allowanceKey = (from: string, spender: string) => `${from}|${spender}`;

/** The SAC's storage keys, as LedgerKey JSON (stellar-xdr-json). */
export const sacKeys = {
  instance: (contractId: string) => ({ contract_data: { contract: contractId, key: 'ledger_key_contract_instance', durability: 'persistent' } }),
  trustline: (sac: SacData, account: string) => ({
    trustline: { account_id: account, asset: { [sac.code.length <= 4 ? 'credit_alphanum4' : 'credit_alphanum12']: { asset_code: sac.code, issuer: sac.issuer } } },
  }),
  balance: (contractId: string, holder: string) => ({
    contract_data: { contract: contractId, key: { vec: [{ symbol: 'Balance' }, { address: holder }] }, durability: 'persistent' },
  }),
  allowance: (contractId: string, from: string, spender: string) => ({
    contract_data: {
      contract: contractId,
      key: { vec: [{ symbol: 'Allowance' }, { map: [{ key: { symbol: 'from' }, val: { address: from } }, { key: { symbol: 'spender' }, val: { address: spender } }] }] },
      durability: 'temporary',
    },
  }),
};

// --- arguments ---------------------------------------------------------------------------

function arity(args: xdr.ScVal[], n: number, fn: string): void {
  if (args.length !== n) throw new HostError('WasmVm', 'InvalidAction', `${fn} takes ${n} argument(s), got ${args.length}`);
}

function addressArg(args: xdr.ScVal[], i: number): string {
  const v = args[i];
  if (v?.type !== 'scvAddress') throw new HostError('Value', 'UnexpectedType', `argument ${i} must be an Address`);
  const address = Address.fromScVal(v).toString();
  if (!address.startsWith('G') && !address.startsWith('C')) throw new HostError('Value', 'UnexpectedType', `argument ${i}: only account and contract addresses are modelled`);
  return address;
}

function i128Arg(args: xdr.ScVal[], i: number): bigint {
  const v = args[i];
  if (v?.type !== 'scvI128') throw new HostError('Value', 'UnexpectedType', `argument ${i} must be an i128`);
  return scValToNative(v) as bigint;
}

function u32Arg(args: xdr.ScVal[], i: number): number {
  const v = args[i];
  if (v?.type !== 'scvU32') throw new HostError('Value', 'UnexpectedType', `argument ${i} must be a u32`);
  return scValToNative(v) as number;
}

function nonNegative(amount: bigint): void {
  if (amount < 0n) throw contractError(SacError.NegativeAmount, `negative amount is not allowed: ${amount}`);
}

// --- balances and allowances ----------------------------------------------------------------

export function readBalance(sac: SacData, ctx: SacContext | null, holder: string): bigint {
  if (holder.startsWith('C')) {
    ctx?.touch(sacKeys.balance(sac.contractId, holder), false);
    return sac.balances.get(holder)?.amount ?? 0n;
  }
  if (holder === sac.issuer) return I64_MAX;
  ctx?.touch(sacKeys.trustline(sac, holder), false);
  const line = sac.trustlines.get(holder);
  if (!line) throw contractError(SacError.TrustlineMissing, `trustline entry is missing for account ${holder}`);
  return line.balance;
}

function spendBalance(sac: SacData, ctx: SacContext, holder: string, amount: bigint): void {
  if (holder.startsWith('C')) {
    ctx.touch(sacKeys.balance(sac.contractId, holder), true);
    const entry = sac.balances.get(holder);
    if (!entry || entry.amount < amount) {
      if (amount === 0n) return;
      throw contractError(SacError.Balance, `balance is not sufficient to spend: ${entry?.amount ?? 0n} < ${amount}`);
    }
    entry.amount -= amount;
    entry.modified = ctx.ledger;
    return;
  }
  if (holder === sac.issuer) return; // burning: the issuer's supply is unlimited
  ctx.touch(sacKeys.trustline(sac, holder), true);
  const line = sac.trustlines.get(holder);
  if (!line) throw contractError(SacError.TrustlineMissing, `trustline entry is missing for account ${holder}`);
  if (line.balance < amount) throw contractError(SacError.Balance, `resulting balance is not within the allowed range: ${line.balance} - ${amount}`);
  line.balance -= amount;
  line.modified = ctx.ledger;
}

function receiveBalance(sac: SacData, ctx: SacContext, holder: string, amount: bigint): void {
  if (holder.startsWith('C')) {
    ctx.touch(sacKeys.balance(sac.contractId, holder), true);
    const entry = sac.balances.get(holder) ?? { amount: 0n, modified: ctx.ledger };
    if (entry.amount + amount > I128_MAX) throw contractError(SacError.Overflow, 'balance overflow in receive_balance');
    entry.amount += amount;
    entry.modified = ctx.ledger;
    sac.balances.set(holder, entry);
    return;
  }
  if (amount > I64_MAX) throw contractError(SacError.Overflow, 'received amount is too large for an i64');
  if (holder === sac.issuer) return; // minting back to the issuer
  ctx.touch(sacKeys.trustline(sac, holder), true);
  const line = sac.trustlines.get(holder);
  if (!line) throw contractError(SacError.TrustlineMissing, `trustline entry is missing for account ${holder}`);
  if (line.balance + amount > I64_MAX) throw contractError(SacError.Balance, 'resulting balance is not within the allowed range');
  line.balance += amount;
  line.modified = ctx.ledger;
}

/** The allowance a call in `ledger` may spend: 0 when absent or past its last ledger. */
export function readAllowance(sac: SacData, ledger: number, from: string, spender: string): bigint {
  const entry = sac.allowances.get(allowanceKey(from, spender));
  if (!entry || entry.liveUntil < ledger) return 0n;
  return entry.amount;
}

function writeAllowance(sac: SacData, ctx: SacContext, from: string, spender: string, amount: bigint, liveUntil: number): void {
  if (liveUntil > ctx.maxLiveUntil) throw contractError(SacError.Allowance, `live_until is greater than max: ${liveUntil} > ${ctx.maxLiveUntil}`);
  if (amount > 0n && liveUntil < ctx.ledger) throw contractError(SacError.Allowance, `live_until must be >= ledger sequence: ${liveUntil} < ${ctx.ledger}`);
  ctx.touch(sacKeys.allowance(sac.contractId, from, spender), true);
  const key = allowanceKey(from, spender);
  const entry = sac.allowances.get(key);
  if (entry) {
    entry.amount = amount;
    entry.liveUntil = liveUntil;
    entry.modified = ctx.ledger;
  } else if (amount > 0n) {
    sac.allowances.set(key, { from, spender, amount, liveUntil, modified: ctx.ledger });
  }
}

function spendAllowance(sac: SacData, ctx: SacContext, from: string, spender: string, amount: bigint): void {
  ctx.touch(sacKeys.allowance(sac.contractId, from, spender), true);
  const allowance = readAllowance(sac, ctx.ledger, from, spender);
  if (allowance < amount) throw contractError(SacError.Allowance, `not enough allowance to spend: ${allowance} < ${amount}`);
  if (amount > 0n) {
    const entry = sac.allowances.get(allowanceKey(from, spender))!;
    writeAllowance(sac, ctx, from, spender, allowance - amount, entry.liveUntil);
  }
}

// --- the contract interface ---------------------------------------------------------------

const VOID = xdr.ScVal.scvVoid();
const i128 = (v: bigint) => nativeToScVal(v, { type: 'i128' });

/** SEP-11 asset name, `CODE:ISSUER`. */
export const sacName = (sac: SacData) => `${sac.code}:${sac.issuer}`;

/** The asset code as the SAC stores it (and `symbol()` returns it): NUL-padded to 4 or 12 bytes. */
export function paddedCode(sac: SacData): Buffer {
  const code = Buffer.alloc(sac.code.length <= 4 ? 4 : 12);
  code.write(sac.code, 'ascii');
  return code;
}

/** Runs one SAC function; mutates `sac` (callers run it on a copy when simulating). */
export function callSac(sac: SacData, ctx: SacContext, fn: string, args: xdr.ScVal[]): xdr.ScVal {
  ctx.touch(sacKeys.instance(sac.contractId), false);
  switch (fn) {
    case 'decimals':
      arity(args, 0, fn);
      return nativeToScVal(SAC_DECIMALS, { type: 'u32' });
    case 'name':
      arity(args, 0, fn);
      return nativeToScVal(sacName(sac), { type: 'string' });
    case 'symbol':
      arity(args, 0, fn);
      return xdr.ScVal.scvString(paddedCode(sac));
    case 'admin':
      arity(args, 0, fn);
      return new Address(sac.admin).toScVal();
    case 'balance':
      arity(args, 1, fn);
      return i128(readBalance(sac, ctx, addressArg(args, 0)));
    case 'allowance': {
      arity(args, 2, fn);
      const from = addressArg(args, 0);
      const spender = addressArg(args, 1);
      ctx.touch(sacKeys.allowance(sac.contractId, from, spender), false);
      return i128(readAllowance(sac, ctx.ledger, from, spender));
    }
    case 'approve': {
      arity(args, 4, fn);
      const from = addressArg(args, 0);
      const spender = addressArg(args, 1);
      const amount = i128Arg(args, 2);
      const expirationLedger = u32Arg(args, 3);
      nonNegative(amount);
      ctx.requireAuth(from);
      writeAllowance(sac, ctx, from, spender, amount, expirationLedger);
      return VOID;
    }
    case 'transfer': {
      arity(args, 3, fn);
      const from = addressArg(args, 0);
      const to = addressArg(args, 1);
      const amount = i128Arg(args, 2);
      nonNegative(amount);
      ctx.requireAuth(from);
      spendBalance(sac, ctx, from, amount);
      receiveBalance(sac, ctx, to, amount);
      return VOID;
    }
    case 'transfer_from': {
      arity(args, 4, fn);
      const spender = addressArg(args, 0);
      const from = addressArg(args, 1);
      const to = addressArg(args, 2);
      const amount = i128Arg(args, 3);
      nonNegative(amount);
      ctx.requireAuth(spender);
      spendAllowance(sac, ctx, from, spender, amount);
      spendBalance(sac, ctx, from, amount);
      receiveBalance(sac, ctx, to, amount);
      return VOID;
    }
    case 'mint': {
      arity(args, 2, fn);
      const to = addressArg(args, 0);
      const amount = i128Arg(args, 1);
      nonNegative(amount);
      ctx.requireAuth(sac.admin);
      receiveBalance(sac, ctx, to, amount);
      return VOID;
    }
    default:
      throw new HostError('Context', 'InvalidAction', `function ${fn} is not modelled by the Stellar stand-in`);
  }
}
