import { Account, Address, Asset, Contract, Keypair, Memo, MuxedAccount, nativeToScVal, Operation, StrKey, TransactionBuilder, xdr } from '@stellar/stellar-sdk';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allowanceKey, balanceKey } from '../../../lib/chains/stellar/reader';
import {
  decodeLedgerEntryData,
  decodeScVal,
  decodeTransactionEnvelope,
  encodeLedgerKey,
  encodeScVal,
  fromBase64,
  toBase64,
  XdrError,
  type ScVal,
} from '../../../lib/chains/stellar/xdr';

// The hand-written XDR of the background against stellar-sdk's generated codec: every key we
// encode must be byte-identical to the SDK's, and everything the SDK encodes we must decode.

const USDC = 'CBIELTK6YBZJU5UP2WWQEUCYKLPU6AUNZ2BQ4WWFEIE3USCIHMXQDAMA';
const hexOf = (b: Uint8Array) => Buffer.from(b).toString('hex');
const sdkContractKey = (contract: string, key: xdr.ScVal, durability: 'temporary' | 'persistent') =>
  xdr.LedgerKey.contractData(new xdr.LedgerKeyContractData({ contract: new Address(contract).toScAddress(), key, durability: xdr.ContractDataDurability[durability] }));

describe('LedgerKey encoding matches stellar-sdk', () => {
  const user = Keypair.random().publicKey();
  const spender = Keypair.random().publicKey();

  it('account and trustline keys (4- and 12-character asset codes)', () => {
    const sdkAccount = xdr.LedgerKey.account(new xdr.LedgerKeyAccount({ accountId: Keypair.fromPublicKey(user).xdrPublicKey() }));
    expect(hexOf(encodeLedgerKey({ type: 'account', accountId: user }))).toBe(sdkAccount.toXDR('hex'));
    for (const code of ['USDC', 'AB', 'LONGERCODE12', 'ABCDE']) {
      const asset = new Asset(code, spender);
      const sdkLine = xdr.LedgerKey.trustline(new xdr.LedgerKeyTrustLine({ accountId: Keypair.fromPublicKey(user).xdrPublicKey(), asset: asset.toTrustLineXDRObject() }));
      expect(hexOf(encodeLedgerKey({ type: 'trustline', accountId: user, asset: { type: 'credit', code, issuer: spender } }))).toBe(sdkLine.toXDR('hex'));
    }
    const sdkNative = xdr.LedgerKey.trustline(new xdr.LedgerKeyTrustLine({ accountId: Keypair.fromPublicKey(user).xdrPublicKey(), asset: Asset.native().toTrustLineXDRObject() }));
    expect(hexOf(encodeLedgerKey({ type: 'trustline', accountId: user, asset: { type: 'native' } }))).toBe(sdkNative.toXDR('hex'));
  });

  it('the SAC instance, Balance and Allowance contract-data keys', () => {
    const instance = sdkContractKey(USDC, xdr.ScVal.scvLedgerKeyContractInstance(), 'persistent');
    expect(hexOf(encodeLedgerKey({ type: 'contract_data', contract: USDC, key: { type: 'ledger_key_contract_instance' }, durability: 'persistent' }))).toBe(instance.toXDR('hex'));

    const holder = StrKey.encodeContract(Buffer.alloc(32, 7));
    const balance = sdkContractKey(USDC, xdr.ScVal.scvVec([xdr.ScVal.scvSymbol('Balance'), new Address(holder).toScVal()]), 'persistent');
    expect(hexOf(encodeLedgerKey(balanceKey(USDC, holder)))).toBe(balance.toXDR('hex'));

    const allowanceMap = xdr.ScVal.scvMap([
      new xdr.ScMapEntry({ key: xdr.ScVal.scvSymbol('from'), val: new Address(user).toScVal() }),
      new xdr.ScMapEntry({ key: xdr.ScVal.scvSymbol('spender'), val: new Address(spender).toScVal() }),
    ]);
    const allowance = sdkContractKey(USDC, xdr.ScVal.scvVec([xdr.ScVal.scvSymbol('Allowance'), allowanceMap]), 'temporary');
    expect(hexOf(encodeLedgerKey(allowanceKey(USDC, user, spender)))).toBe(allowance.toXDR('hex'));
    expect(toBase64(encodeLedgerKey(allowanceKey(USDC, user, spender)))).toBe(allowance.toXDR('base64'));
  });
});

// A random ScVal as both the SDK object and our plain value.
type Pair = { sdk: xdr.ScVal; ours: ScVal };
const leaf: fc.Arbitrary<Pair> = fc.oneof(
  fc.constant({ sdk: xdr.ScVal.scvVoid(), ours: { type: 'void' } as ScVal }),
  fc.boolean().map((b) => ({ sdk: xdr.ScVal.scvBool(b), ours: { type: 'bool', value: b } as ScVal })),
  fc.nat({ max: 0xffff_ffff }).map((n) => ({ sdk: xdr.ScVal.scvU32(n), ours: { type: 'u32', value: n } as ScVal })),
  fc.integer().map((n) => ({ sdk: xdr.ScVal.scvI32(n), ours: { type: 'i32', value: n } as ScVal })),
  fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }).map((n) => ({ sdk: xdr.ScVal.scvU64(n), ours: { type: 'u64', value: n } as ScVal })),
  fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }).map((n) => ({ sdk: xdr.ScVal.scvI64(n), ours: { type: 'i64', value: n } as ScVal })),
  fc.bigInt({ min: -(1n << 127n), max: (1n << 127n) - 1n }).map((n) => ({
    sdk: xdr.ScVal.scvI128(new xdr.Int128Parts({ hi: n >> 64n, lo: BigInt.asUintN(64, n) })),
    ours: { type: 'i128', value: n } as ScVal,
  })),
  fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }).map((n) => ({
    sdk: xdr.ScVal.scvU128(new xdr.Uint128Parts({ hi: n >> 64n, lo: n & ((1n << 64n) - 1n) })),
    ours: { type: 'u128', value: n } as ScVal,
  })),
  fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }).map((n) => ({ sdk: xdr.ScVal.scvTimepoint(n), ours: { type: 'timepoint', value: n } as ScVal })),
  fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }).map((n) => ({ sdk: xdr.ScVal.scvDuration(n), ours: { type: 'duration', value: n } as ScVal })),
  fc.bigInt({ min: -(1n << 255n), max: (1n << 255n) - 1n }).map((n) => {
    const raw = BigInt.asUintN(256, n);
    const word = (i: number) => (raw >> BigInt(64 * i)) & ((1n << 64n) - 1n);
    return {
      sdk: xdr.ScVal.scvI256(new xdr.Int256Parts({ hiHi: BigInt.asIntN(64, word(3)), hiLo: word(2), loHi: word(1), loLo: word(0) })),
      ours: { type: 'i256', value: n } as ScVal,
    };
  }),
  fc.uint8Array({ maxLength: 40 }).map((b) => ({ sdk: xdr.ScVal.scvBytes(Buffer.from(b)), ours: { type: 'bytes', value: b } as ScVal })),
  fc.uint8Array({ maxLength: 20 }).map((b) => ({ sdk: xdr.ScVal.scvString(Buffer.from(b)), ours: { type: 'string', value: b } as ScVal })),
  fc.stringMatching(/^[A-Za-z0-9_]{1,32}$/).map((s) => ({ sdk: xdr.ScVal.scvSymbol(s), ours: { type: 'symbol', value: s } as ScVal })),
  fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => {
    const id = StrKey.encodeEd25519PublicKey(Buffer.from(b));
    return { sdk: new Address(id).toScVal(), ours: { type: 'address', value: { type: 'account', id } } as ScVal };
  }),
  fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => {
    const id = StrKey.encodeContract(Buffer.from(b));
    return { sdk: new Address(id).toScVal(), ours: { type: 'address', value: { type: 'contract', id } } as ScVal };
  }),
  fc.constant({ sdk: xdr.ScVal.scvLedgerKeyContractInstance(), ours: { type: 'ledger_key_contract_instance' } as ScVal }),
);
const { tree } = fc.letrec<{ tree: Pair }>((tie) => ({
  tree: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.array(tie('tree'), { maxLength: 4 }).map((items) => ({ sdk: xdr.ScVal.scvVec(items.map((i) => i.sdk)), ours: { type: 'vec', value: items.map((i) => i.ours) } as ScVal })),
    fc.array(fc.tuple(tie('tree'), tie('tree')), { maxLength: 3 }).map((entries) => ({
      sdk: xdr.ScVal.scvMap(entries.map(([k, v]) => new xdr.ScMapEntry({ key: k.sdk, val: v.sdk }))),
      ours: { type: 'map', value: entries.map(([k, v]) => ({ key: k.ours, val: v.ours })) } as ScVal,
    })),
  ),
}));

describe('ScVal codec against stellar-sdk', () => {
  it('decodes whatever the SDK encodes, and encodes it back byte for byte', () => {
    fc.assert(
      fc.property(tree, ({ sdk, ours }) => {
        const bytes = new Uint8Array(sdk.toXDR());
        expect(decodeScVal(bytes)).toEqual(ours);
        expect(hexOf(encodeScVal(ours))).toBe(hexOf(bytes));
      }),
      { numRuns: 300 },
    );
  });

  it('decodes the arms it never encodes (errors, u256/i256, timepoint, nonce keys, instances)', () => {
    expect(decodeScVal(new Uint8Array(xdr.ScVal.scvError(xdr.ScError.sceContract(9)).toXDR()))).toEqual({ type: 'error', errorType: 0, code: 9 });
    expect(decodeScVal(new Uint8Array(xdr.ScVal.scvTimepoint(123n).toXDR()))).toEqual({ type: 'timepoint', value: 123n });
    const u256 = xdr.ScVal.scvU256(new xdr.Uint256Parts({ hiHi: 1n, hiLo: 2n, loHi: 3n, loLo: 4n }));
    expect(decodeScVal(new Uint8Array(u256.toXDR()))).toEqual({ type: 'u256', value: (1n << 192n) | (2n << 128n) | (3n << 64n) | 4n });
    const i256 = xdr.ScVal.scvI256(new xdr.Int256Parts({ hiHi: -1n, hiLo: 0n, loHi: 0n, loLo: 0n }));
    expect(decodeScVal(new Uint8Array(i256.toXDR()))).toEqual({ type: 'i256', value: -(1n << 192n) });
    expect(decodeScVal(new Uint8Array(xdr.ScVal.fromJson({ ledger_key_nonce: { nonce: '-5' } }).toXDR()))).toEqual({ type: 'ledger_key_nonce', value: -5n });
    const wasm = xdr.ScVal.fromJson({ contract_instance: { executable: { wasm: 'ab'.repeat(32) }, storage: null } });
    expect(decodeScVal(new Uint8Array(wasm.toXDR()))).toEqual({ type: 'contract_instance', executable: { type: 'wasm', hash: new Uint8Array(32).fill(0xab) }, storage: null });
  });

  it('refuses truncated, padded-wrong, oversized and unknown input with XdrError', () => {
    const good = new Uint8Array(xdr.ScVal.scvSymbol('Balance').toXDR());
    expect(() => decodeScVal(good.subarray(0, good.length - 1))).toThrow(XdrError);
    expect(() => decodeScVal(new Uint8Array([...good, 0, 0, 0, 0]))).toThrow(/trailing/);
    const badPad = good.slice();
    badPad[badPad.length - 1] = 1; // "Balance" is 7 bytes: one padding byte
    expect(() => decodeScVal(badPad)).toThrow(/padding/);
    expect(() => decodeScVal(Uint8Array.from([0, 0, 0, 13, 0xff, 0xff, 0xff, 0xff]))).toThrow(/longer than/);
    expect(() => decodeScVal(Uint8Array.from([0, 0, 0, 99]))).toThrow(/unknown ScVal type 99/);
    expect(() => decodeScVal(Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 2]))).toThrow(/bad bool/);
    let deep: xdr.ScVal = xdr.ScVal.scvVoid();
    for (let i = 0; i < 20; i++) deep = xdr.ScVal.scvVec([deep]);
    expect(() => decodeScVal(new Uint8Array(deep.toXDR()))).toThrow(/nested too deeply/);
    expect(() => fromBase64('not base64!')).toThrow(XdrError);
  });
});

describe('LedgerEntryData decoding of SDK-encoded entries', () => {
  const kp = Keypair.random();
  const issuer = Keypair.random().publicKey();

  it('account entries (v0 and with liabilities) up to their balance', () => {
    for (const ext of ['v0', { v1: { liabilities: { buying: '1', selling: '2' }, ext: 'v0' } }]) {
      const entry = xdr.LedgerEntryData.fromJson({
        account: { account_id: kp.publicKey(), balance: '123456789', seq_num: '42', num_sub_entries: 1, inflation_dest: null, flags: 0, home_domain: 'example.org', thresholds: '01000000', signers: [], ext },
      } as xdr.JsonValue);
      expect(decodeLedgerEntryData(new Uint8Array(entry.toXDR()))).toEqual({ type: 'account', accountId: kp.publicKey(), balance: 123456789n });
    }
  });

  it('trustline entries', () => {
    const entry = xdr.LedgerEntryData.fromJson({
      trustline: { account_id: kp.publicKey(), asset: { credit_alphanum12: { asset_code: 'LONGCODE', issuer } }, balance: '77', limit: '1000', flags: 1, ext: 'v0' },
    });
    expect(decodeLedgerEntryData(new Uint8Array(entry.toXDR()))).toEqual({
      type: 'trustline',
      accountId: kp.publicKey(),
      asset: { type: 'credit', code: 'LONGCODE', issuer },
      balance: 77n,
    });
  });

  it('contract data: a native SAC instance and an allowance value', () => {
    const instance = xdr.LedgerEntryData.fromJson({
      contract_data: {
        ext: 'v0',
        contract: USDC,
        key: 'ledger_key_contract_instance',
        durability: 'persistent',
        val: {
          contract_instance: {
            executable: 'stellar_asset',
            storage: [
              { key: { symbol: 'METADATA' }, val: { map: [{ key: { symbol: 'decimal' }, val: { u32: 7 } }, { key: { symbol: 'name' }, val: { string: 'native' } }, { key: { symbol: 'symbol' }, val: { string: 'native' } }] } },
              { key: { vec: [{ symbol: 'AssetInfo' }] }, val: { vec: [{ symbol: 'Native' }] } },
            ],
          },
        },
      },
    });
    const decoded = decodeLedgerEntryData(new Uint8Array(instance.toXDR()));
    expect(decoded).toMatchObject({ type: 'contract_data', contract: { type: 'contract', id: USDC }, key: { type: 'ledger_key_contract_instance' }, durability: 'persistent' });
    if (decoded.type !== 'contract_data' || decoded.val.type !== 'contract_instance') throw new Error('not an instance');
    expect(decoded.val.executable).toEqual({ type: 'stellar_asset' });
    expect(decoded.val.storage?.[1]?.val).toEqual({ type: 'vec', value: [{ type: 'symbol', value: 'Native' }] });

    const allowance = xdr.LedgerEntryData.fromJson({
      contract_data: {
        ext: 'v0',
        contract: USDC,
        key: { vec: [{ symbol: 'Allowance' }, { map: [{ key: { symbol: 'from' }, val: { address: kp.publicKey() } }, { key: { symbol: 'spender' }, val: { address: issuer } }] }] },
        durability: 'temporary',
        val: { map: [{ key: { symbol: 'amount' }, val: { i128: '10000000' } }, { key: { symbol: 'live_until_ledger' }, val: { u32: 5000 } }] },
      },
    });
    const a = decodeLedgerEntryData(new Uint8Array(allowance.toXDR()));
    expect(a).toMatchObject({ type: 'contract_data', durability: 'temporary' });
    if (a.type !== 'contract_data') throw new Error('not contract data');
    expect(a.val).toEqual({
      type: 'map',
      value: [
        { key: { type: 'symbol', value: 'amount' }, val: { type: 'i128', value: 10_000_000n } },
        { key: { type: 'symbol', value: 'live_until_ledger' }, val: { type: 'u32', value: 5000 } },
      ],
    });
  });

  it('reports other entry types without decoding them', () => {
    const code = xdr.LedgerEntryData.fromJson({ contract_code: { ext: 'v0', hash: '00'.repeat(32), code: '' } });
    expect(decodeLedgerEntryData(new Uint8Array(code.toXDR()))).toEqual({ type: 'other', arm: 7 });
  });
});

describe('TransactionEnvelope decoding of SDK-built transactions', () => {
  const passphrase = 'Standalone Network ; February 2017';
  const user = Keypair.random();
  const spender = Keypair.random();
  const approve = () =>
    new Contract(USDC).call('approve', new Address(user.publicKey()).toScVal(), new Address(spender.publicKey()).toScVal(), nativeToScVal(12_345n, { type: 'i128' }), nativeToScVal(4321, { type: 'u32' }));
  const decodeTx = (tx: { toEnvelope(): xdr.TransactionEnvelope }) => decodeTransactionEnvelope(tx.toEnvelope().toXDR());

  it('reads source, fee, sequence and the approve call through memos and every precondition kind', () => {
    const tx = new TransactionBuilder(new Account(user.publicKey(), '41'), {
      fee: '54100',
      networkPassphrase: passphrase,
      memo: Memo.text('hello'),
      timebounds: { minTime: 1, maxTime: 2_000_000_000 },
      ledgerbounds: { minLedger: 3, maxLedger: 9_000 },
      minAccountSequence: '7',
      minAccountSequenceAge: 60n,
      minAccountSequenceLedgerGap: 2,
      extraSigners: [StrKey.encodeSignedPayload(Buffer.concat([spender.rawPublicKey(), Buffer.from([0, 0, 0, 4, 1, 2, 3, 4])]))],
    })
      .addOperation(approve())
      .build();
    tx.sign(user);
    const decoded = decodeTx(tx);
    expect(decoded).toMatchObject({ source: { accountId: user.publicKey(), muxed: false }, fee: 54100, sequence: 42n, operationCount: 1 });
    expect(decoded.operation).toMatchObject({ source: null, type: 24 });
    expect(decoded.operation!.invoke).toEqual({
      contract: { type: 'contract', id: USDC },
      functionName: 'approve',
      args: [
        { type: 'address', value: { type: 'account', id: user.publicKey() } },
        { type: 'address', value: { type: 'account', id: spender.publicKey() } },
        { type: 'i128', value: 12_345n },
        { type: 'u32', value: 4321 },
      ],
    });
    for (const memo of [Memo.id('9'), Memo.hash('ab'.repeat(32)), Memo.return('cd'.repeat(32))]) {
      const t = new TransactionBuilder(new Account(user.publicKey(), '1'), { fee: '100', networkPassphrase: passphrase, memo }).addOperation(approve()).setTimeout(30).build();
      expect(decodeTx(t).operation!.invoke!.functionName).toBe('approve');
    }
  });

  it('says when a source is muxed, counts operations, leaves other operations undecoded', () => {
    const muxed = new MuxedAccount(new Account(user.publicKey(), '5'), '77');
    const tx = new TransactionBuilder(muxed, { fee: '100', networkPassphrase: passphrase })
      .addOperation(Operation.payment({ destination: spender.publicKey(), asset: Asset.native(), amount: '1', source: muxed.accountId() }))
      .addOperation(approve())
      .setTimeout(30)
      .build();
    const decoded = decodeTx(tx);
    expect(decoded.source).toEqual({ accountId: user.publicKey(), muxed: true });
    expect(decoded.operationCount).toBe(2);
    expect(decoded.operation).toEqual({ source: { accountId: user.publicKey(), muxed: true }, type: 1 });
  });

  it('refuses fee bumps and garbage with XdrError', () => {
    const inner = new TransactionBuilder(new Account(user.publicKey(), '1'), { fee: '100', networkPassphrase: passphrase }).addOperation(approve()).setTimeout(30).build();
    inner.sign(user);
    const bump = TransactionBuilder.buildFeeBumpTransaction(spender, '1000', inner, passphrase);
    expect(() => decodeTransactionEnvelope(bump.toEnvelope().toXDR())).toThrow(XdrError);
    expect(() => decodeTransactionEnvelope(new Uint8Array([0, 0, 0, 2, 0, 0]))).toThrow(XdrError);
  });
});
