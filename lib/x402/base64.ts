/**
 * Strict standard-alphabet base64 of UTF-8 text, as x402 headers use it. The reference decoder
 * refuses anything outside `^[A-Za-z0-9+/]*={0,2}$`, so base64url and whitespace are refused here
 * too: accepting what servers would refuse only hides bugs.
 */
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const STRICT = /^[A-Za-z0-9+/]*={0,2}$/;
const DECODE = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) DECODE[ALPHABET.charCodeAt(i)] = i;

export function encodeBase64Utf8(text: string): string {
  return bytesToBase64(new TextEncoder().encode(text));
}

export function bytesToBase64(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]! + ALPHABET[(n >> 6) & 63]! + ALPHABET[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i]! << 16;
    out += ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]! + '==';
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out += ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]! + ALPHABET[(n >> 6) & 63]! + '=';
  }
  return out;
}

/** Returns the bytes, or null when the input is not canonical strict base64. */
export function base64ToBytes(input: string): Uint8Array | null {
  if (input.length % 4 !== 0 || !STRICT.test(input)) return null;
  const pad = input.endsWith('==') ? 2 : input.endsWith('=') ? 1 : 0;
  const out = new Uint8Array((input.length / 4) * 3 - pad);
  let o = 0;
  for (let i = 0; i < input.length; i += 4) {
    const a = DECODE[input.charCodeAt(i)]!;
    const b = DECODE[input.charCodeAt(i + 1)]!;
    const c = input[i + 2] === '=' ? 0 : DECODE[input.charCodeAt(i + 2)]!;
    const d = input[i + 3] === '=' ? 0 : DECODE[input.charCodeAt(i + 3)]!;
    const n = (a << 18) | (b << 12) | (c << 6) | d;
    if (o < out.length) out[o++] = n >> 16;
    if (o < out.length) out[o++] = (n >> 8) & 255;
    if (o < out.length) out[o++] = n & 255;
  }
  return out;
}

/** Strict base64 → UTF-8 text; null for bad base64 or invalid UTF-8. */
export function decodeBase64Utf8(input: string): string | null {
  const bytes = base64ToBytes(input);
  if (!bytes) return null;
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return null;
  }
}
