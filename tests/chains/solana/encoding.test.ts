import bs58 from 'bs58';
import fc from 'fast-check';
import { PublicKey } from '@solana/web3.js';
import { describe, expect, it } from 'vitest';
import { decodeBase58, encodeBase58 } from '../../../lib/chains/solana/base58';
import { addressKind, addressToBytes, isOnCurve, isSolanaAddress, sameAddress } from '../../../lib/chains/solana/address';
import { isU64, parseU64, readU64Le, U64_MAX, u64ToLeBytes } from '../../../lib/chains/solana/u64';
import { SolanaError } from '../../../lib/chains/solana/errors';

describe('base58', () => {
  it('matches the bs58 package on arbitrary bytes, leading zeros included, and round-trips', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), fc.nat({ max: 5 }), (tail, zeros) => {
        const bytes = new Uint8Array([...new Uint8Array(zeros), ...tail]);
        const text = encodeBase58(bytes);
        expect(text).toBe(bs58.encode(bytes));
        expect(decodeBase58(text)).toEqual(bytes);
      }),
      { numRuns: 300 },
    );
  });

  it('knows the fixed points: empty, zeros, the system program', () => {
    expect(encodeBase58(new Uint8Array())).toBe('');
    expect(encodeBase58(new Uint8Array(3))).toBe('111');
    expect(encodeBase58(new Uint8Array(32))).toBe('11111111111111111111111111111111');
  });

  it('refuses characters outside the alphabet (0, O, I, l, space, non-ASCII)', () => {
    for (const bad of ['0abc', 'abcO', 'Iabc', 'abl', 'ab c', 'abé']) {
      expect(() => decodeBase58(bad)).toThrowError(SolanaError);
    }
  });
});

describe('addresses', () => {
  const wallet = new PublicKey('G4k2AzM5CQcLKwTekmbtVyGb3ryBK3VR6g2mcXjR5FWm').toBase58();

  it('accepts 32-byte keys only', () => {
    expect(isSolanaAddress(wallet)).toBe(true);
    expect(isSolanaAddress('11111111111111111111111111111111')).toBe(true);
    expect(isSolanaAddress(encodeBase58(new Uint8Array(31).fill(7)))).toBe(false);
    expect(isSolanaAddress(encodeBase58(new Uint8Array(33).fill(7)))).toBe(false);
    expect(isSolanaAddress(`${wallet}1`)).toBe(false);
    expect(isSolanaAddress('0x70997970C51812dc3A010C7d01b50e0d17dc79C8')).toBe(false);
    expect(isSolanaAddress(42)).toBe(false);
    expect(() => addressToBytes('nope')).toThrowError(expect.objectContaining({ code: 'INVALID_ADDRESS' }));
  });

  it('compares exactly: base58 is case-sensitive, so a changed case is another key (or none)', () => {
    expect(sameAddress(wallet, wallet)).toBe(true);
    const flipped = wallet.replace(/[a-z]/, (c) => c.toUpperCase());
    expect(flipped).not.toBe(wallet);
    expect(sameAddress(wallet, flipped)).toBe(false);
    expect(sameAddress('bad', 'bad')).toBe(false);
  });

  it('tells wallet keys (on the curve) from PDAs (off it), as web3.js does', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (bytes) => {
        expect(isOnCurve(bytes)).toBe(PublicKey.isOnCurve(bytes));
      }),
      { numRuns: 300 },
    );
    const [pda] = PublicKey.findProgramAddressSync([Buffer.from('vault')], new PublicKey('TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA'));
    expect(addressKind(pda.toBase58())).toBe('off-curve');
    expect(addressKind(wallet)).toBe('on-curve');
    expect(addressKind('not an address')).toBeNull();
  });
});

describe('u64', () => {
  it('parses strict base-unit strings within u64', () => {
    expect(parseU64('0')).toBe(0n);
    expect(parseU64('18446744073709551615')).toBe(U64_MAX);
    for (const bad of ['18446744073709551616', '-1', '01', '1.5', '1e6', ' 1', '', '0x10']) {
      expect(() => parseU64(bad), bad).toThrowError(expect.objectContaining({ code: 'INVALID_AMOUNT' }));
    }
    expect(() => parseU64(5 as unknown as string)).toThrowError(SolanaError);
    expect(isU64(U64_MAX)).toBe(true);
    expect(isU64(U64_MAX + 1n)).toBe(false);
    expect(isU64(-1n)).toBe(false);
  });

  it('writes and reads little-endian, as Buffer does', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: U64_MAX }), (v) => {
        const bytes = u64ToLeBytes(v);
        const b = Buffer.alloc(8);
        b.writeBigUInt64LE(v);
        expect(Buffer.from(bytes).equals(b)).toBe(true);
        expect(readU64Le(bytes, 0)).toBe(v);
      }),
    );
    expect(() => u64ToLeBytes(U64_MAX + 1n)).toThrowError(SolanaError);
    expect(() => readU64Le(new Uint8Array(7), 0)).toThrowError(SolanaError);
  });
});
