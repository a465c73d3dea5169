/**
 * base64(JSON) as x402 headers carry it: the standard alphabet with padding, UTF-8 JSON.
 * Decoding is strict like the reference server: base64url or stray characters are refused.
 */
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export function encodeJsonHeader(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64');
}

/** The decoded JSON, or undefined if the header is not strict base64 of valid JSON. */
export function decodeJsonHeader(header: string): unknown {
  if (header.length === 0 || header.length % 4 !== 0 || !BASE64.test(header)) return undefined;
  try {
    return JSON.parse(Buffer.from(header, 'base64').toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

/** The session id a payment header carries (v2 PAYMENT-SIGNATURE or v1 X-PAYMENT), if any. */
export function sessionIdOf(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const decoded = decodeJsonHeader(header) as { payload?: { sessionId?: unknown } } | undefined;
  const id = decoded?.payload?.sessionId;
  return typeof id === 'string' && id.length > 0 ? id : undefined;
}
