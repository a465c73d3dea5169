import { ed25519 } from '@noble/curves/ed25519';
import { Keypair } from '@solana/web3.js';
import { describe, expect, it } from 'vitest';
import { AUTH_MESSAGE_KEYS, buildAuthMessage, buildSessionBody, newAuthNonce, parseAuthMessage, verifyAuthSignature } from '../../../lib/chains/solana/auth';
import { bytesToBase64, encodeBase64Utf8 } from '../../../lib/x402/base64';

const user = Keypair.generate();
const fields = {
  user: user.publicKey.toBase58(),
  spender: Keypair.generate().publicKey.toBase58(),
  recipient: Keypair.generate().publicKey.toBase58(),
  network: 'solana:devnet',
  expirationUnix: 1_900_000_000,
  cap: '1000000',
  asset: Keypair.generate().publicKey.toBase58(),
};

describe('the auth message', () => {
  it('is JSON.stringify in the format’s key order, whatever order the input came in', () => {
    const auth = buildAuthMessage({ ...fields, nonce: '00112233445566778899aabbccddeeff' });
    expect(Object.keys(JSON.parse(auth.json))).toEqual([...AUTH_MESSAGE_KEYS]);
    expect(auth.json).toBe(
      `{"asset":"${fields.asset}","cap":"1000000","expirationUnix":1900000000,"network":"solana:devnet","nonce":"00112233445566778899aabbccddeeff","recipient":"${fields.recipient}","spender":"${fields.spender}","user":"${fields.user}"}`,
    );
    expect(auth.bytes).toEqual(new TextEncoder().encode(auth.json));
    expect(auth.base64).toBe(encodeBase64Utf8(auth.json));
  });

  it('draws a fresh 16-byte hex nonce when none is given', () => {
    const a = buildAuthMessage(fields).fields.nonce;
    const b = buildAuthMessage(fields).fields.nonce;
    expect(a).toMatch(/^[0-9a-f]{32}$/);
    expect(a).not.toBe(b);
    expect(newAuthNonce()).toMatch(/^[0-9a-f]{32}$/);
  });

  it('refuses bad fields', () => {
    expect(() => buildAuthMessage({ ...fields, cap: '0' })).toThrowError(expect.objectContaining({ code: 'INVALID_FIELD' }));
    expect(() => buildAuthMessage({ ...fields, cap: '1.5' })).toThrowError(expect.objectContaining({ code: 'INVALID_AMOUNT' }));
    expect(() => buildAuthMessage({ ...fields, user: '0xabc' })).toThrowError(expect.objectContaining({ code: 'INVALID_FIELD' }));
    expect(() => buildAuthMessage({ ...fields, nonce: 'ABCD' })).toThrowError(expect.objectContaining({ code: 'INVALID_FIELD' }));
    expect(() => buildAuthMessage({ ...fields, expirationUnix: 1.5 })).toThrowError(expect.objectContaining({ code: 'INVALID_FIELD' }));
  });

  it('parses back only the canonical form', () => {
    const auth = buildAuthMessage(fields);
    expect(parseAuthMessage(auth.base64).fields).toEqual(auth.fields);
    const { cap, ...rest } = auth.fields;
    const reordered = JSON.stringify({ cap, ...rest });
    expect(() => parseAuthMessage(encodeBase64Utf8(reordered))).toThrowError(/order/);
    const spaced = JSON.stringify(auth.fields, null, 1);
    expect(() => parseAuthMessage(encodeBase64Utf8(spaced))).toThrowError(/canonical/);
    const capAsNumber = auth.json.replace('"cap":"1000000"', '"cap":1000000');
    expect(() => parseAuthMessage(encodeBase64Utf8(capAsNumber))).toThrow();
    expect(() => parseAuthMessage('not base64!')).toThrow();
  });

  it('verifies Ed25519 over the exact bytes and builds the POST /sessions body', () => {
    const auth = buildAuthMessage(fields);
    const signature = ed25519.sign(auth.bytes, user.secretKey.slice(0, 32));
    expect(verifyAuthSignature(fields.user, auth.bytes, signature)).toBe(true);
    expect(verifyAuthSignature(fields.user, new TextEncoder().encode(`${auth.json} `), signature)).toBe(false);
    expect(verifyAuthSignature(fields.spender, auth.bytes, signature)).toBe(false);
    expect(verifyAuthSignature(fields.user, auth.bytes, signature.slice(1))).toBe(false);

    const body = buildSessionBody({ auth, approveTxBase64: 'AQID', authSignature: signature });
    expect(body).toEqual({
      user: fields.user,
      asset: fields.asset,
      recipient: fields.recipient,
      cap: '1000000',
      expirationUnix: 1_900_000_000,
      network: 'solana:devnet',
      approveTxBase64: 'AQID',
      authMessage: auth.base64,
      authSignature: bytesToBase64(signature),
      approveTxSignature: '',
    });
    expect(buildSessionBody({ auth, approveTxBase64: 'AQID', authSignature: bytesToBase64(signature) })).toEqual(body);
    expect(() => buildSessionBody({ auth, approveTxBase64: 'AQID', authSignature: signature.slice(0, 10) })).toThrow();
    expect(() => buildSessionBody({ auth, approveTxBase64: 'a-b_', authSignature: signature })).toThrow();
  });
});
