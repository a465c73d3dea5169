import { Keypair, MuxedAccount, StrKey, Account } from '@stellar/stellar-sdk';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  crc16Xmodem,
  decodeStellarAddress,
  encodeStrKey,
  isStellarAccountId,
  isStellarAddress,
  isStellarContractId,
  sameStellarAddress,
  stellarAddressProblem,
} from '../../../lib/chains/stellar/strkey';

// Our SDK-free strkey codec against stellar-sdk's own (the SDK is allowed in tests).
describe('Stellar strkeys without the SDK', () => {
  it('encodes any 32-byte payload exactly as stellar-sdk does, and decodes it back', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (payload) => {
        const account = encodeStrKey('account', payload);
        const contract = encodeStrKey('contract', payload);
        expect(account).toBe(StrKey.encodeEd25519PublicKey(Buffer.from(payload)));
        expect(contract).toBe(StrKey.encodeContract(Buffer.from(payload)));
        expect(decodeStellarAddress(account, 'account').payload).toEqual(payload);
        expect(decodeStellarAddress(contract, 'contract').payload).toEqual(payload);
      }),
      { numRuns: 200 },
    );
  });

  it('accepts real keys and the testnet USDC contract', () => {
    const kp = Keypair.random();
    expect(isStellarAccountId(kp.publicKey())).toBe(true);
    expect(isStellarContractId('CBIELTK6YBZJU5UP2WWQEUCYKLPU6AUNZ2BQ4WWFEIE3USCIHMXQDAMA')).toBe(true);
    expect(isStellarAddress('CCW67TSZV3SSS2HXMBQ5JFGCKJNXKZM7UQUWUZPUTHXSTZLEO7SJMI75')).toBe(true);
    expect(decodeStellarAddress(kp.publicKey()).kind).toBe('account');
  });

  it('refuses secret seeds, the wrong kind, bad checksums, lower case and wrong lengths with a reason', () => {
    const kp = Keypair.random();
    expect(stellarAddressProblem(kp.secret())?.reason).toBe('unsupported_kind');
    expect(stellarAddressProblem(kp.publicKey(), 'contract')?.reason).toBe('bad_version');
    expect(stellarAddressProblem('CBIELTK6YBZJU5UP2WWQEUCYKLPU6AUNZ2BQ4WWFEIE3USCIHMXQDAMA', 'account')?.reason).toBe('bad_version');
    // One character changed: the CRC catches it (SDK agrees it is invalid).
    const pk = kp.publicKey();
    const typo = pk.slice(0, 10) + (pk[10] === 'A' ? 'B' : 'A') + pk.slice(11);
    expect(StrKey.isValidEd25519PublicKey(typo)).toBe(false);
    expect(stellarAddressProblem(typo)?.reason).toBe('bad_checksum');
    expect(stellarAddressProblem(pk.toLowerCase())?.reason).toBe('bad_characters');
    expect(stellarAddressProblem(pk.slice(0, 55))?.reason).toBe('bad_length');
    expect(stellarAddressProblem(`${pk} `)?.reason).toBe('bad_length');
    expect(stellarAddressProblem(42)?.reason).toBe('not_a_string');
    expect(stellarAddressProblem('0x70997970C51812dc3A010C7d01b50e0d17dc79C8')?.reason).toBe('bad_length');
  });

  it('refuses muxed M… accounts with a reason of their own', () => {
    const muxed = new MuxedAccount(new Account(Keypair.random().publicKey(), '0'), '42').accountId();
    expect(muxed.startsWith('M')).toBe(true);
    const problem = stellarAddressProblem(muxed);
    expect(problem?.reason).toBe('muxed_unsupported');
    expect(problem?.message).toMatch(/muxed accounts \(M…\) are not supported/);
  });

  it('compares exactly: the same key only, never a case-folded or invalid one', () => {
    const a = Keypair.random().publicKey();
    const b = Keypair.random().publicKey();
    expect(sameStellarAddress(a, a)).toBe(true);
    expect(sameStellarAddress(a, b)).toBe(false);
    expect(sameStellarAddress(a.toLowerCase(), a.toLowerCase())).toBe(false);
    expect(sameStellarAddress('x', 'x')).toBe(false);
  });

  it('computes CRC16-XModem (check value of "123456789" is 0x31C3)', () => {
    expect(crc16Xmodem(new TextEncoder().encode('123456789'))).toBe(0x31c3);
  });
});
