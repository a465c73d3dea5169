import { decodeBase64Utf8, encodeBase64Utf8 } from './base64';
import { parseUntrustedJson, isPlainObject } from './json';
import { MAX_PAYMENT_REQUIRED_HEADER, MAX_PAYMENT_RESPONSE_HEADER, MAX_V1_BODY } from './limits';
import { resolveNetwork, sameAddress } from '../chains/networks';
import type { NetworkInfo } from '../chains/types';
import {
  PaymentRequiredV1Schema,
  PaymentRequiredV2Schema,
  PaymentRequirementsV1Schema,
  PaymentRequirementsV2Schema,
  ResourceInfoSchema,
  SettleResponseSchema,
  type ResourceInfo,
  type SettleResponse,
} from './schema';

/** Why a 402 (or a payment response) could not be used. Stable strings: they are recorded and shown. */
export type CodecFailure =
  | 'no_x402_data'
  | 'header_too_large'
  | 'body_too_large'
  | 'invalid_base64'
  | 'invalid_json'
  | 'forbidden_key'
  | 'too_deep'
  | 'unsupported_version'
  | 'invalid_schema'
  | 'no_valid_accepts'
  | 'conflicting_requirements';

export type Result<T, E = CodecFailure> = { ok: true; value: T } | { ok: false; error: E; detail?: string };

/** One validated `accepts` entry. `raw` is the server's object, untouched, for the echo. */
export interface PaymentOption {
  x402Version: 1 | 2;
  index: number;
  raw: Readonly<Record<string, unknown>>;
  scheme: string;
  /** The server's spelling, for display; match with `networkInfo`. */
  network: string;
  networkInfo: NetworkInfo | null;
  amount: bigint;
  asset: string;
  payTo: string;
  maxTimeoutSeconds: number;
  extra: Readonly<Record<string, unknown>>;
  /** v1 carries the resource URL per entry. */
  resourceUrl?: string;
  description?: string;
}

export interface ParsedPaymentRequired {
  x402Version: 1 | 2;
  source: 'header' | 'body';
  error?: string;
  resource?: ResourceInfo;
  /** The raw resource object, echoed back in v2 payloads. */
  rawResource?: Readonly<Record<string, unknown>>;
  rawExtensions?: Readonly<Record<string, unknown>>;
  accepts: PaymentOption[];
  /** Entries that failed validation, with why; recorded, never paid. */
  rejected: { index: number; reason: string }[];
}

export interface Raw402 {
  /** Value of the PAYMENT-REQUIRED header, if readable. */
  paymentRequired?: string | null;
  /** The 402 body as text (only read when it may be a v1 JSON body). */
  body?: string | null;
}

/**
 * Parse a 402 into payable options. Header first (v2), else a v1 JSON body. Never throws: every
 * failure is a value with a stable reason.
 */
export function parsePaymentRequired(raw: Raw402): Result<ParsedPaymentRequired> {
  try {
    return parse402(raw);
  } catch {
    return { ok: false, error: 'invalid_schema', detail: 'unexpected input' };
  }
}

function parse402(raw: Raw402): Result<ParsedPaymentRequired> {
  const header = typeof raw.paymentRequired === 'string' ? raw.paymentRequired.trim() : '';
  const body = typeof raw.body === 'string' ? raw.body : '';
  if (header) {
    const v2 = parseHeader(header);
    if (!v2.ok) return v2;
    // A v1 body that disagrees with the header is an ambiguity we refuse to resolve by guessing.
    // Only a body claiming to be v1 is compared (servers may echo the v2 object, or send `{}`).
    if (body.trim().startsWith('{') && /"x402Version"\s*:\s*1\b/.test(body)) {
      const v1 = parseV1Body(body);
      if (!v1.ok || !v1.value.accepts.every((b) => v2.value.accepts.some((h) => sameTerms(h, b)))) {
        return { ok: false, error: 'conflicting_requirements', detail: v1.ok ? 'v1 body disagrees with PAYMENT-REQUIRED' : `v1 body beside PAYMENT-REQUIRED is invalid (${v1.error})` };
      }
    }
    return v2;
  }
  if (body) return parseV1Body(body);
  return { ok: false, error: 'no_x402_data' };
}

function sameTerms(a: PaymentOption, b: PaymentOption): boolean {
  const net = a.networkInfo;
  return (
    a.scheme === b.scheme &&
    net !== null &&
    net.id === b.networkInfo?.id &&
    a.amount === b.amount &&
    sameAddress(net.family, a.asset, b.asset) &&
    sameAddress(net.family, a.payTo, b.payTo)
  );
}

function decodeJsonHeader(header: string, max: number): Result<unknown> {
  if (header.length > max) return { ok: false, error: 'header_too_large' };
  const text = decodeBase64Utf8(header);
  if (text === null) return { ok: false, error: 'invalid_base64' };
  const json = parseUntrustedJson(text);
  if (!json.ok) return { ok: false, error: json.reason };
  return { ok: true, value: json.value };
}

function parseHeader(header: string): Result<ParsedPaymentRequired> {
  const decoded = decodeJsonHeader(header, MAX_PAYMENT_REQUIRED_HEADER);
  if (!decoded.ok) return decoded;
  const value = decoded.value;
  if (!isPlainObject(value)) return { ok: false, error: 'invalid_schema', detail: 'not an object' };
  if (value.x402Version !== 2) return { ok: false, error: 'unsupported_version' };
  const top = PaymentRequiredV2Schema.safeParse(value);
  if (!top.success) return { ok: false, error: 'invalid_schema', detail: firstIssue(top.error) };
  const accepts: PaymentOption[] = [];
  const rejected: ParsedPaymentRequired['rejected'] = [];
  top.data.accepts.forEach((entry, index) => {
    const r = PaymentRequirementsV2Schema.safeParse(entry);
    if (!r.success || !isPlainObject(entry)) {
      rejected.push({ index, reason: r.success ? 'not an object' : firstIssue(r.error) });
      return;
    }
    accepts.push({
      x402Version: 2,
      index,
      raw: entry,
      scheme: r.data.scheme,
      network: r.data.network,
      networkInfo: resolveNetwork(r.data.network),
      amount: BigInt(r.data.amount),
      asset: r.data.asset,
      payTo: r.data.payTo,
      maxTimeoutSeconds: r.data.maxTimeoutSeconds,
      extra: r.data.extra ?? {},
    });
  });
  if (accepts.length === 0) return { ok: false, error: 'no_valid_accepts', detail: rejected[0]?.reason };
  const resource = top.data.resource;
  return {
    ok: true,
    value: {
      x402Version: 2,
      source: 'header',
      ...(top.data.error !== undefined ? { error: top.data.error } : {}),
      ...(resource ? { resource, rawResource: value.resource as Record<string, unknown> } : {}),
      ...(top.data.extensions ? { rawExtensions: value.extensions as Record<string, unknown> } : {}),
      accepts,
      rejected,
    },
  };
}

function parseV1Body(body: string): Result<ParsedPaymentRequired> {
  if (body.length > MAX_V1_BODY) return { ok: false, error: 'body_too_large' };
  const json = parseUntrustedJson(body);
  if (!json.ok) return { ok: false, error: json.reason === 'invalid_json' ? 'no_x402_data' : json.reason };
  const value = json.value;
  if (!isPlainObject(value) || !('x402Version' in value)) return { ok: false, error: 'no_x402_data' };
  if (value.x402Version !== 1) return { ok: false, error: 'unsupported_version' };
  const top = PaymentRequiredV1Schema.safeParse(value);
  if (!top.success) return { ok: false, error: 'invalid_schema', detail: firstIssue(top.error) };
  const accepts: PaymentOption[] = [];
  const rejected: ParsedPaymentRequired['rejected'] = [];
  top.data.accepts.forEach((entry, index) => {
    const r = PaymentRequirementsV1Schema.safeParse(entry);
    if (!r.success || !isPlainObject(entry)) {
      rejected.push({ index, reason: r.success ? 'not an object' : firstIssue(r.error) });
      return;
    }
    accepts.push({
      x402Version: 1,
      index,
      raw: entry,
      scheme: r.data.scheme,
      network: r.data.network,
      networkInfo: resolveNetwork(r.data.network),
      amount: BigInt(r.data.maxAmountRequired),
      asset: r.data.asset,
      payTo: r.data.payTo,
      maxTimeoutSeconds: r.data.maxTimeoutSeconds ?? 60,
      extra: r.data.extra ?? {},
      ...(r.data.resource !== undefined ? { resourceUrl: r.data.resource } : {}),
      ...(r.data.description !== undefined ? { description: r.data.description } : {}),
    });
  });
  if (accepts.length === 0) return { ok: false, error: 'no_valid_accepts', detail: rejected[0]?.reason };
  const first = accepts[0]!;
  const resource = first.resourceUrl
    ? ResourceInfoSchema.safeParse({ url: first.resourceUrl, description: first.description })
    : undefined;
  return {
    ok: true,
    value: {
      x402Version: 1,
      source: 'body',
      ...(top.data.error !== undefined ? { error: top.data.error } : {}),
      ...(resource?.success ? { resource: resource.data } : {}),
      accepts,
      rejected,
    },
  };
}

function firstIssue(error: { issues: { path: PropertyKey[]; message: string }[] }): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid';
  const path = issue.path.map(String).join('.');
  return path ? `${path}: ${issue.message}` : issue.message;
}

/** The header to send on the paid retry. v2 echoes `accepted` (and resource/extensions) verbatim. */
export function encodePaymentHeader(
  required: ParsedPaymentRequired,
  option: PaymentOption,
  payload: Record<string, unknown>,
): { name: 'PAYMENT-SIGNATURE' | 'X-PAYMENT'; value: string } {
  if (option.x402Version === 1) {
    const v1 = { x402Version: 1, scheme: option.scheme, network: option.network, payload };
    return { name: 'X-PAYMENT', value: encodeBase64Utf8(JSON.stringify(v1)) };
  }
  const v2: Record<string, unknown> = { x402Version: 2 };
  if (required.rawResource) v2.resource = required.rawResource;
  v2.accepted = option.raw;
  v2.payload = payload;
  if (required.rawExtensions) v2.extensions = required.rawExtensions;
  return { name: 'PAYMENT-SIGNATURE', value: encodeBase64Utf8(JSON.stringify(v2)) };
}

/** Decode `PAYMENT-RESPONSE` / `X-PAYMENT-RESPONSE`. Never throws. */
export function decodePaymentResponse(header: string | null | undefined): Result<SettleResponse> {
  if (typeof header !== 'string' || header.trim() === '') return { ok: false, error: 'no_x402_data' };
  try {
    const decoded = decodeJsonHeader(header.trim(), MAX_PAYMENT_RESPONSE_HEADER);
    if (!decoded.ok) return decoded;
    const r = SettleResponseSchema.safeParse(decoded.value);
    return r.success ? { ok: true, value: r.data } : { ok: false, error: 'invalid_schema', detail: firstIssue(r.error) };
  } catch {
    return { ok: false, error: 'invalid_schema' };
  }
}
