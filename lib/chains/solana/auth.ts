/**
 * The session's auth message and the `POST /sessions` body (x402-protocol.md §5.3). The person's
 * wallet signs `utf8(authMessage)` with `signMessage`; the facilitator checks the Ed25519
 * signature and that every field matches the body. `authMessage` is `JSON.stringify` of an object
 * built in exactly this key order — the order is part of the format, since the facilitator
 * compares what was signed, byte for byte.
 */
import { ed25519 } from '@noble/curves/ed25519';
import { base64ToBytes, bytesToBase64 } from '../../x402/base64';
import { addressToBytes, isSolanaAddress } from './address';
import { SolanaError } from './errors';
import { parseU64 } from './u64';

export const AUTH_MESSAGE_KEYS = ['asset', 'cap', 'expirationUnix', 'network', 'nonce', 'recipient', 'spender', 'user'] as const;

export interface AuthMessageFields {
  /** The mint (base58). */
  asset: string;
  /** Base-unit decimal string. */
  cap: string;
  /** Unix seconds. */
  expirationUnix: number;
  /** The facilitator's network string, e.g. `solana:devnet`. */
  network: string;
  /** 16 random bytes, lower-case hex. */
  nonce: string;
  recipient: string;
  /** The facilitator (delegate and fee payer). */
  spender: string;
  user: string;
}

export interface AuthMessage {
  fields: AuthMessageFields;
  /** The JSON text that is signed. */
  json: string;
  /** `utf8(json)`: the bytes passed to `signMessage`. */
  bytes: Uint8Array;
  /** base64 of `bytes`, as `authMessage` travels in `POST /sessions`. */
  base64: string;
}

const NONCE = /^[0-9a-f]{32}$/;

/** 16 bytes from the platform CSPRNG (Web Crypto exists in pages, workers and Node 20). */
export function newAuthNonce(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

function field(message: string): never {
  throw new SolanaError('INVALID_FIELD', message);
}

export function buildAuthMessage(input: Omit<AuthMessageFields, 'nonce'> & { nonce?: string }): AuthMessage {
  for (const key of ['asset', 'recipient', 'spender', 'user'] as const) {
    if (!isSolanaAddress(input[key])) field(`${key} is not a Solana address: ${String(input[key])}`);
  }
  if (parseU64(input.cap) === 0n) field('cap must be positive');
  if (!Number.isSafeInteger(input.expirationUnix) || input.expirationUnix <= 0) field(`expirationUnix must be unix seconds, got ${input.expirationUnix}`);
  if (typeof input.network !== 'string' || input.network.length === 0 || input.network.length > 64) field('network must be a non-empty string');
  const nonce = input.nonce ?? newAuthNonce();
  if (!NONCE.test(nonce)) field('nonce must be 16 bytes of lower-case hex');
  // Built key by key so the order is the format's, whatever order `input` came in.
  const fields: AuthMessageFields = {
    asset: input.asset,
    cap: input.cap,
    expirationUnix: input.expirationUnix,
    network: input.network,
    nonce,
    recipient: input.recipient,
    spender: input.spender,
    user: input.user,
  };
  const json = JSON.stringify(fields);
  const bytes = new TextEncoder().encode(json);
  return { fields, json, bytes, base64: bytesToBase64(bytes) };
}

/** Ed25519 over the exact message bytes, as `signMessage` produces it. False on any malformed input. */
export function verifyAuthSignature(user: string, message: Uint8Array, signature: Uint8Array): boolean {
  if (signature.length !== 64) return false;
  try {
    return ed25519.verify(signature, message, addressToBytes(user));
  } catch {
    return false;
  }
}

/** `POST {facilitator}/sessions`, Inco's body (x402-protocol.md §5.3). */
export interface SolanaSessionBody {
  user: string;
  asset: string;
  recipient: string;
  cap: string;
  expirationUnix: number;
  network: string;
  approveTxBase64: string;
  authMessage: string;
  authSignature: string;
  /** Always "": the facilitator submits the approve and learns its signature. */
  approveTxSignature: '';
}

export function buildSessionBody(p: { auth: Pick<AuthMessage, 'fields' | 'base64'>; approveTxBase64: string; authSignature: Uint8Array | string }): SolanaSessionBody {
  const signature = typeof p.authSignature === 'string' ? base64ToBytes(p.authSignature) : p.authSignature;
  if (!signature || signature.length !== 64) field('authSignature must be 64 bytes (base64 when a string)');
  if (typeof p.approveTxBase64 !== 'string' || base64ToBytes(p.approveTxBase64) === null || p.approveTxBase64.length === 0) {
    field('approveTxBase64 must be non-empty strict base64');
  }
  const f = p.auth.fields;
  return {
    user: f.user,
    asset: f.asset,
    recipient: f.recipient,
    cap: f.cap,
    expirationUnix: f.expirationUnix,
    network: f.network,
    approveTxBase64: p.approveTxBase64,
    authMessage: p.auth.base64,
    authSignature: bytesToBase64(signature),
    approveTxSignature: '',
  };
}

/**
 * Reads back an `authMessage` (base64 of the JSON): the exact keys, in the format's order, with
 * valid values — what the background checks before it forwards a signed consent.
 */
export function parseAuthMessage(base64: string): AuthMessage {
  const bytes = base64ToBytes(base64);
  if (!bytes) field('authMessage is not strict base64');
  let json: string;
  let value: unknown;
  try {
    json = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    value = JSON.parse(json);
  } catch {
    field('authMessage is not UTF-8 JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) field('authMessage is not a JSON object');
  const keys = Object.keys(value);
  if (keys.length !== AUTH_MESSAGE_KEYS.length || keys.some((k, i) => k !== AUTH_MESSAGE_KEYS[i])) {
    field(`authMessage keys must be exactly ${AUTH_MESSAGE_KEYS.join(', ')} in that order`);
  }
  const rebuilt = buildAuthMessage(value as AuthMessageFields);
  if (rebuilt.json !== json) field('authMessage is not in canonical form');
  return rebuilt;
}
