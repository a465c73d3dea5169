import { Networks } from '@stellar/stellar-sdk';
import { describe, expect, it } from 'vitest';
import { I128_MAX, I64_MAX, isI128, parseBaseUnits, StellarAmountError } from '../../../lib/chains/stellar/amount';
import { estimatedSecondsLeft, expirationLedgerFor, isSpendableAt, ledgersFor, StellarExpiryError } from '../../../lib/chains/stellar/expiry';
import { explorerTxUrl, sameStellarNetwork, STELLAR_NETWORKS, stellarNetwork, stellarNetworkForPassphrase } from '../../../lib/chains/stellar/networks';

describe('i128 amounts', () => {
  it('parses base-unit strings within bounds', () => {
    expect(parseBaseUnits('10000000')).toBe(10_000_000n);
    expect(parseBaseUnits(I128_MAX.toString())).toBe(I128_MAX);
    expect(parseBaseUnits('0', { min: 0n })).toBe(0n);
    expect(I64_MAX).toBe(9_223_372_036_854_775_807n);
    expect(isI128(I128_MAX)).toBe(true);
    expect(isI128(I128_MAX + 1n)).toBe(false);
  });

  it('refuses zero by default, i128 overflow, signs, decimals, exponents, leading zeros and non-strings', () => {
    const reason = (v: unknown, bounds?: { min?: bigint; max?: bigint }) => {
      try {
        parseBaseUnits(v, bounds);
        return 'ok';
      } catch (err) {
        expect(err).toBeInstanceOf(StellarAmountError);
        return (err as StellarAmountError).reason;
      }
    };
    expect(reason('0')).toBe('out_of_range');
    expect(reason((I128_MAX + 1n).toString())).toBe('out_of_range');
    expect(reason('9'.repeat(41))).toBe('not_an_integer');
    expect(reason('-1')).toBe('not_an_integer');
    expect(reason('+1')).toBe('not_an_integer');
    expect(reason('1.5')).toBe('not_an_integer');
    expect(reason('1e7')).toBe('not_an_integer');
    expect(reason('007')).toBe('not_an_integer');
    expect(reason(' 7')).toBe('not_an_integer');
    expect(reason(7)).toBe('not_a_string');
    expect(reason('100', { max: 99n })).toBe('out_of_range');
  });
});

describe('expiry in ledgers', () => {
  it('is latest + ceil(seconds / 5)', () => {
    expect(ledgersFor(5)).toBe(1);
    expect(ledgersFor(6)).toBe(2);
    expect(ledgersFor(3600)).toBe(720);
    expect(expirationLedgerFor(1_000_000, 3600)).toBe(1_000_720);
    expect(expirationLedgerFor(10, 1)).toBe(11);
  });

  it('refuses non-positive or fractional seconds and u32 overflow', () => {
    expect(() => ledgersFor(0)).toThrow(StellarExpiryError);
    expect(() => ledgersFor(1.5)).toThrow(StellarExpiryError);
    expect(() => expirationLedgerFor(0xffff_fff0, 3600)).toThrow(/u32/);
    expect(() => expirationLedgerFor(-1, 5)).toThrow(StellarExpiryError);
  });

  it('an allowance is spendable by a transaction sent now only while its last ledger is ahead', () => {
    expect(isSpendableAt(101, 100)).toBe(true);
    expect(isSpendableAt(100, 100)).toBe(false);
    expect(estimatedSecondsLeft(160, 100)).toBe(300);
    expect(estimatedSecondsLeft(90, 100)).toBe(0);
  });
});

describe('network facts', () => {
  it('carries the passphrases stellar-sdk knows', () => {
    expect(STELLAR_NETWORKS['stellar:pubnet'].passphrase).toBe(Networks.PUBLIC);
    expect(STELLAR_NETWORKS['stellar:testnet'].passphrase).toBe(Networks.TESTNET);
    expect(STELLAR_NETWORKS['stellar:local'].passphrase).toBe(Networks.STANDALONE);
  });

  it('has public Soroban RPC defaults for testnet and pubnet, the devnet port for local', () => {
    expect(STELLAR_NETWORKS['stellar:testnet'].defaultRpcUrl).toBe('https://soroban-testnet.stellar.org');
    expect(STELLAR_NETWORKS['stellar:pubnet'].defaultRpcUrl).toMatch(/^https:\/\//);
    expect(STELLAR_NETWORKS['stellar:local'].defaultRpcUrl).toBe('http://127.0.0.1:8000');
  });

  it('normalises spellings for matching and maps a wallet passphrase back', () => {
    expect(stellarNetwork('stellar:mainnet')?.id).toBe('stellar:pubnet');
    expect(stellarNetwork('STELLAR:TESTNET')?.id).toBe('stellar:testnet');
    expect(stellarNetwork('stellar:futurenet')).toBeNull();
    expect(stellarNetwork('__proto__')).toBeNull();
    expect(sameStellarNetwork('stellar:pubnet', 'stellar:mainnet')).toBe(true);
    expect(sameStellarNetwork('stellar:pubnet', 'stellar:testnet')).toBe(false);
    expect(stellarNetworkForPassphrase(Networks.TESTNET)?.id).toBe('stellar:testnet');
    expect(stellarNetworkForPassphrase('nope')).toBeNull();
  });

  it('links transactions to stellar.expert, and only well-formed hashes', () => {
    const hash = 'ab'.repeat(32);
    expect(explorerTxUrl('stellar:testnet', hash)).toBe(`https://stellar.expert/explorer/testnet/tx/${hash}`);
    expect(explorerTxUrl('stellar:pubnet', hash)).toBe(`https://stellar.expert/explorer/public/tx/${hash}`);
    expect(explorerTxUrl('stellar:local', hash)).toBeNull();
    expect(explorerTxUrl('stellar:testnet', `${hash}/../x`)).toBeNull();
  });
});
