import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { base64ToBytes, bytesToBase64, decodeBase64Utf8, encodeBase64Utf8 } from '../../lib/x402/base64';
import {
  decodePaymentResponse,
  encodePaymentHeader,
  parsePaymentRequired,
} from '../../lib/x402/codec';
import { MAX_PAYMENT_REQUIRED_HEADER } from '../../lib/x402/limits';
import { header, paymentRequiredObject, sessionAccept } from '../support/x402';

describe('base64', () => {
  it('round-trips any bytes and agrees with Node', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const b64 = bytesToBase64(bytes);
        expect(b64).toBe(Buffer.from(bytes).toString('base64'));
        expect(Array.from(base64ToBytes(b64)!)).toEqual(Array.from(bytes));
      }),
    );
  });

  it('round-trips any unicode text via UTF-8', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme' }), (s) => {
      expect(decodeBase64Utf8(encodeBase64Utf8(s))).toBe(s);
    }));
  });

  it('refuses base64url, whitespace, bad padding and invalid UTF-8', () => {
    expect(base64ToBytes('-_-_')).toBeNull();
    expect(base64ToBytes('YWJj ZA==')).toBeNull();
    expect(base64ToBytes('YWJjZA=')).toBeNull();
    expect(base64ToBytes('YQ==YQ==')).toBeNull();
    expect(decodeBase64Utf8(Buffer.from([0xff, 0xfe, 0xfd]).toString('base64'))).toBeNull();
  });
});

describe('parsePaymentRequired (v2 header)', () => {
  it('parses a session 402 and keeps the accepts entry verbatim', () => {
    const obj = paymentRequiredObject([sessionAccept({ extra: { b: 1, a: { z: 2, y: [1, 2] } } })]);
    const r = parsePaymentRequired({ paymentRequired: header(obj) });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.x402Version).toBe(2);
    expect(r.value.accepts).toHaveLength(1);
    const opt = r.value.accepts[0]!;
    expect(opt.amount).toBe(100000n);
    expect(opt.networkInfo).toEqual({ id: 'eip155:31337', family: 'evm', chainId: 31337 });
    expect(JSON.stringify(opt.raw)).toBe(JSON.stringify(obj.accepts[0]));
  });

  it('encodes PAYMENT-SIGNATURE echoing accepted, resource and extensions byte for byte', () => {
    const accept = sessionAccept({ network: 'base:sepolia', zz: 'unknown field kept' });
    const obj = paymentRequiredObject([accept], { extensions: { bazaar: { info: { x: 1 }, schema: {} } } });
    const r = parsePaymentRequired({ paymentRequired: header(obj) });
    if (!r.ok) throw new Error(r.error);
    const h = encodePaymentHeader(r.value, r.value.accepts[0]!, { sessionId: 'sess_1' });
    expect(h.name).toBe('PAYMENT-SIGNATURE');
    const sent = JSON.parse(Buffer.from(h.value, 'base64').toString('utf8'));
    expect(sent).toEqual({ x402Version: 2, resource: obj.resource, accepted: accept, payload: { sessionId: 'sess_1' }, extensions: obj.extensions });
    expect(JSON.stringify(sent.accepted)).toBe(JSON.stringify(accept));
    expect(sent.accepted.network).toBe('base:sepolia');
  });

  it('encodes non-ASCII safely', () => {
    const obj = paymentRequiredObject([sessionAccept()], { resource: { url: 'https://api.example/ü', description: '日本語 ☕' } });
    const r = parsePaymentRequired({ paymentRequired: header(obj) });
    if (!r.ok) throw new Error(r.error);
    expect(r.value.resource?.description).toBe('日本語 ☕');
    const h = encodePaymentHeader(r.value, r.value.accepts[0]!, { sessionId: 's' });
    expect(JSON.parse(decodeBase64Utf8(h.value)!)).toMatchObject({ resource: { description: '日本語 ☕' } });
  });

  it.each([
    ['not base64', '%%%', 'invalid_base64'],
    ['base64url', header(paymentRequiredObject()).replace(/\+/g, '-').replace(/\//g, '_') + '-_', 'invalid_base64'],
    ['truncated JSON', encodeBase64Utf8('{"x402Version":2,"accepts":['), 'invalid_json'],
    ['too large', 'A'.repeat(MAX_PAYMENT_REQUIRED_HEADER + 4), 'header_too_large'],
    ['version 3', header({ ...paymentRequiredObject(), x402Version: 3 }), 'unsupported_version'],
    ['accepts not array', header({ ...paymentRequiredObject(), accepts: {} }), 'invalid_schema'],
    ['empty accepts', header({ ...paymentRequiredObject(), accepts: [] }), 'invalid_schema'],
    ['__proto__ key', encodeBase64Utf8('{"x402Version":2,"accepts":[{"__proto__":{"polluted":1}}]}'), 'forbidden_key'],
    ['constructor key', header(paymentRequiredObject([sessionAccept({ extra: { constructor: { prototype: 1 } } })])), 'forbidden_key'],
  ])('refuses %s', (_name, value, error) => {
    const r = parsePaymentRequired({ paymentRequired: value });
    expect(r).toMatchObject({ ok: false, error });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it.each([
    ['negative amount', { amount: '-1' }],
    ['fractional amount', { amount: '0.5' }],
    ['exponent amount', { amount: '1e6' }],
    ['number amount', { amount: 100000 }],
    ['leading zero', { amount: '0100' }],
    ['huge amount', { amount: '9'.repeat(79) }],
    ['missing payTo', { payTo: undefined }],
    ['array extra', { extra: [1] }],
    ['bad scheme chars', { scheme: 'sess ion' }],
  ])('drops an entry with %s and pays none', (_name, over) => {
    const r = parsePaymentRequired({ paymentRequired: header(paymentRequiredObject([sessionAccept(over)])) });
    expect(r).toMatchObject({ ok: false, error: 'no_valid_accepts' });
  });

  it('keeps valid entries beside invalid ones and records why the others were dropped', () => {
    const r = parsePaymentRequired({ paymentRequired: header(paymentRequiredObject([sessionAccept({ amount: '-5' }), sessionAccept()])) });
    if (!r.ok) throw new Error(r.error);
    expect(r.value.accepts.map((a) => a.index)).toEqual([1]);
    expect(r.value.rejected[0]).toMatchObject({ index: 0 });
    expect(r.value.rejected[0]!.reason).toMatch(/amount/);
  });

  it('refuses a v1 body that disagrees with the v2 header, accepts one that agrees', () => {
    const h = header(paymentRequiredObject());
    const agree = JSON.stringify({ x402Version: 1, accepts: [{ scheme: 'session', network: 'eip155:31337', maxAmountRequired: '100000', asset: sessionAccept().asset, payTo: sessionAccept().payTo }] });
    const disagree = agree.replace('100000', '100001');
    expect(parsePaymentRequired({ paymentRequired: h, body: agree }).ok).toBe(true);
    expect(parsePaymentRequired({ paymentRequired: h, body: disagree })).toMatchObject({ ok: false, error: 'conflicting_requirements' });
    expect(parsePaymentRequired({ paymentRequired: h, body: '{}' }).ok).toBe(true);
    // A broken v1 body beside the header is refused too; an echo of the v2 object is not v1.
    expect(parsePaymentRequired({ paymentRequired: h, body: '{"x402Version":1,"accepts":[{"scheme":"session"}]}' })).toMatchObject({ ok: false, error: 'conflicting_requirements' });
    expect(parsePaymentRequired({ paymentRequired: h, body: JSON.stringify(paymentRequiredObject()) }).ok).toBe(true);
  });
});

describe('parsePaymentRequired (v1 body)', () => {
  const v1 = {
    x402Version: 1,
    error: 'X-PAYMENT header is required',
    accepts: [
      {
        scheme: 'session',
        network: 'base-sepolia',
        maxAmountRequired: '10000',
        asset: '0x036CbD53842c5426634e7929541eC2318f3dCF7e',
        payTo: '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC',
        resource: 'https://api.example/v1/fortune',
        description: 'A fortune',
        mimeType: 'application/json',
        maxTimeoutSeconds: 60,
        extra: {},
      },
    ],
  };

  it('parses the body when there is no header and encodes X-PAYMENT', () => {
    const r = parsePaymentRequired({ body: JSON.stringify(v1) });
    if (!r.ok) throw new Error(r.error);
    expect(r.value.source).toBe('body');
    expect(r.value.accepts[0]).toMatchObject({ x402Version: 1, amount: 10000n, networkInfo: { id: 'eip155:84532' } });
    expect(r.value.resource?.url).toBe('https://api.example/v1/fortune');
    const h = encodePaymentHeader(r.value, r.value.accepts[0]!, { sessionId: 'abc' });
    expect(h.name).toBe('X-PAYMENT');
    expect(JSON.parse(Buffer.from(h.value, 'base64').toString())).toEqual({ x402Version: 1, scheme: 'session', network: 'base-sepolia', payload: { sessionId: 'abc' } });
  });

  it('treats a non-x402 JSON or non-JSON body as no x402 data', () => {
    expect(parsePaymentRequired({ body: '{"message":"pay me"}' })).toMatchObject({ ok: false, error: 'no_x402_data' });
    expect(parsePaymentRequired({ body: '<html>' })).toMatchObject({ ok: false, error: 'no_x402_data' });
    expect(parsePaymentRequired({})).toMatchObject({ ok: false, error: 'no_x402_data' });
  });
});

describe('decodePaymentResponse', () => {
  it('decodes a settle response and refuses junk', () => {
    const ok = { success: true, transaction: '0xabc', network: 'eip155:31337', payer: '0x1', extensions: { session: { spent: '1' } } };
    expect(decodePaymentResponse(header(ok))).toMatchObject({ ok: true, value: ok });
    expect(decodePaymentResponse('nope!')).toMatchObject({ ok: false, error: 'invalid_base64' });
    expect(decodePaymentResponse(header({ success: 'yes' }))).toMatchObject({ ok: false, error: 'invalid_schema' });
    expect(decodePaymentResponse(null)).toMatchObject({ ok: false, error: 'no_x402_data' });
  });
});

describe('fuzzing the boundary', () => {
  const jsonish = fc.jsonValue({ maxDepth: 5 });

  it('never throws and never yields a payable option from arbitrary strings', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 2000 }), fc.option(fc.string({ maxLength: 2000 })), (h, body) => {
        const r = parsePaymentRequired({ paymentRequired: h, body });
        if (r.ok) for (const a of r.value.accepts) expect(a.amount >= 0n).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('never throws on arbitrary JSON headers; anything it accepts satisfies the invariants', () => {
    fc.assert(
      fc.property(jsonish, (value) => {
        const r = parsePaymentRequired({ paymentRequired: header(value), body: JSON.stringify(value) });
        if (!r.ok) return;
        for (const a of r.value.accepts) {
          expect(typeof a.raw).toBe('object');
          expect(/^(0|[1-9][0-9]*)$/.test(a.amount.toString())).toBe(true);
          expect(typeof a.payTo).toBe('string');
          expect(typeof a.asset).toBe('string');
        }
      }),
      { numRuns: 500 },
    );
  });

  it('mutating a valid accepts entry with junk values never produces a payable entry with that junk', () => {
    const junk = fc.oneof(
      fc.constant(null),
      fc.boolean(),
      fc.double().filter((d) => !Number.isInteger(d)),
      fc.integer({ max: -1 }),
      fc.string().filter((s) => !/^(0|[1-9][0-9]{0,77})$/.test(s)),
      fc.array(fc.integer(), { maxLength: 3 }),
      fc.object({ maxDepth: 1 }),
    );
    fc.assert(
      fc.property(fc.constantFrom('amount', 'maxTimeoutSeconds'), junk, (field, value) => {
        const r = parsePaymentRequired({ paymentRequired: header(paymentRequiredObject([sessionAccept({ [field]: value })])) });
        expect(r.ok).toBe(false);
      }),
      { numRuns: 300 },
    );
  });
});
