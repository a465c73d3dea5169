/**
 * Stellar "strkey" addresses without the SDK (this module goes into the background bundle).
 *
 * A strkey is RFC 4648 base32 (upper case, no padding) of `version byte ‖ payload ‖ CRC16-XModem`
 * (checksum little-endian). We accept exactly two kinds, because a session binds a person's
 * account to a token contract and nothing else:
 *   - `G…` ed25519 account ids (version 6 << 3, 32-byte payload, 56 characters),
 *   - `C…` contract ids (version 2 << 3, 32-byte payload, 56 characters).
 * Muxed `M…` accounts are refused with their own reason: the SAC `approve` and the facilitators
 * take a plain `Address`, and a muxed id would silently drop its memo id on the way.
 *
 * Strkeys are compared exactly (no case folding): the encoding is canonical upper case, so two
 * spellings of one key cannot both be valid.
 */

export type StellarAddressKind = 'account' | 'contract';

export type StellarAddressReason =
  | 'not_a_string'
  | 'muxed_unsupported'
  | 'unsupported_kind'
  | 'bad_length'
  | 'bad_characters'
  | 'bad_version'
  | 'bad_checksum';

/** Why a string is not a usable Stellar address; `reason` is stable, `message` says what to fix. */
export class StellarAddressError extends Error {
  override readonly name = 'StellarAddressError';
  constructor(
    readonly reason: StellarAddressReason,
    message: string,
  ) {
    super(message);
  }
}

const VERSION: Record<StellarAddressKind, number> = {
  account: 6 << 3, // 'G'
  contract: 2 << 3, // 'C'
};
const MUXED_VERSION = 12 << 3; // 'M'
const PAYLOAD_BYTES = 32;
/** 1 version byte + 32 payload bytes + 2 checksum bytes = 280 bits = 56 base32 characters exactly. */
const STRKEY_CHARS = 56;

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const BASE32 = /^[A-Z2-7]+$/;

function base32Encode(bytes: Uint8Array): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

/** Only called on input that matched BASE32 and whose length is a whole number of bytes. */
function base32Decode(text: string): Uint8Array {
  const out = new Uint8Array(Math.floor((text.length * 5) / 8));
  let bits = 0;
  let value = 0;
  let index = 0;
  for (const char of text) {
    value = ((value << 5) | ALPHABET.indexOf(char)) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      out[index++] = (value >>> (bits - 8)) & 0xff;
      bits -= 8;
    }
  }
  return out;
}

/** CRC16-XModem (poly 0x1021, init 0), as stellar-core computes strkey checksums. */
export function crc16Xmodem(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

export function encodeStrKey(kind: StellarAddressKind, payload: Uint8Array): string {
  if (payload.length !== PAYLOAD_BYTES) throw new RangeError(`a ${kind} strkey payload is ${PAYLOAD_BYTES} bytes, got ${payload.length}`);
  const body = new Uint8Array(1 + PAYLOAD_BYTES + 2);
  body[0] = VERSION[kind];
  body.set(payload, 1);
  const crc = crc16Xmodem(body.subarray(0, 1 + PAYLOAD_BYTES));
  body[1 + PAYLOAD_BYTES] = crc & 0xff;
  body[2 + PAYLOAD_BYTES] = crc >>> 8;
  return base32Encode(body);
}

export interface ParsedStellarAddress {
  kind: StellarAddressKind;
  address: string;
  /** The 32-byte ed25519 public key or contract hash. */
  payload: Uint8Array;
}

const KIND_LABEL: Record<StellarAddressKind, string> = {
  account: 'a Stellar account id (G…)',
  contract: 'a Stellar contract id (C…)',
};

/**
 * Decodes a G… or C… strkey, or throws a StellarAddressError. `expected` narrows the kinds
 * accepted (default: either).
 */
export function decodeStellarAddress(value: unknown, expected?: StellarAddressKind): ParsedStellarAddress {
  const want = expected ? KIND_LABEL[expected] : 'a Stellar account (G…) or contract (C…) id';
  if (typeof value !== 'string') throw new StellarAddressError('not_a_string', `expected ${want}, got ${typeof value}`);
  if (value.startsWith('M')) {
    throw new StellarAddressError(
      'muxed_unsupported',
      `muxed accounts (M…) are not supported here: use the underlying G… account id instead of ${value.slice(0, 8)}…`,
    );
  }
  if (value.length !== STRKEY_CHARS) {
    throw new StellarAddressError('bad_length', `expected ${want} of ${STRKEY_CHARS} characters, got ${value.length}`);
  }
  if (!BASE32.test(value)) {
    throw new StellarAddressError('bad_characters', `${want} uses only A-Z and 2-7 (upper case), got ${JSON.stringify(value.slice(0, 60))}`);
  }
  const bytes = base32Decode(value);
  const version = bytes[0];
  const kind = (Object.keys(VERSION) as StellarAddressKind[]).find((k) => VERSION[k] === version);
  if (!kind) {
    const reason = version === MUXED_VERSION ? 'muxed_unsupported' : 'unsupported_kind';
    throw new StellarAddressError(reason, `${value.slice(0, 8)}… is not ${want} (strkey version byte ${version})`);
  }
  if (expected && kind !== expected) {
    throw new StellarAddressError('bad_version', `${value.slice(0, 8)}… is ${KIND_LABEL[kind]}, expected ${want}`);
  }
  const expectedCrc = crc16Xmodem(bytes.subarray(0, 1 + PAYLOAD_BYTES));
  const actualCrc = bytes[1 + PAYLOAD_BYTES]! | (bytes[2 + PAYLOAD_BYTES]! << 8);
  if (expectedCrc !== actualCrc) {
    throw new StellarAddressError('bad_checksum', `${value.slice(0, 8)}… has a bad checksum (a typo?)`);
  }
  return { kind, address: value, payload: bytes.slice(1, 1 + PAYLOAD_BYTES) };
}

/** The reason a value is not `expected` (or not a G…/C… address), or null when it is one. */
export function stellarAddressProblem(value: unknown, expected?: StellarAddressKind): StellarAddressError | null {
  try {
    decodeStellarAddress(value, expected);
    return null;
  } catch (err) {
    if (err instanceof StellarAddressError) return err;
    throw err;
  }
}

export function isStellarAccountId(value: unknown): value is string {
  return stellarAddressProblem(value, 'account') === null;
}

export function isStellarContractId(value: unknown): value is string {
  return stellarAddressProblem(value, 'contract') === null;
}

/** A G… or C… address. */
export function isStellarAddress(value: unknown): value is string {
  return stellarAddressProblem(value) === null;
}

/** Exact comparison of two valid addresses of the same kind; false if either is invalid. */
export function sameStellarAddress(a: unknown, b: unknown): boolean {
  return typeof a === 'string' && a === b && isStellarAddress(a);
}
