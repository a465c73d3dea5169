/**
 * A deliberately plain x402 client for the devnet tests: fetch, our own base64(JSON) headers,
 * no @x402 client code. It pays the `session` scheme the way docs/protocol.md §5 describes,
 * so the tests check the wire, not a library's interpretation of it.
 */
export interface PaymentRequirementsV2 {
  scheme: string;
  network: string;
  amount: string;
  asset: string;
  payTo: string;
  maxTimeoutSeconds: number;
  extra: Record<string, unknown>;
}

export interface PaymentRequiredV2 {
  x402Version: 2;
  error?: string;
  resource: { url: string; description?: string; mimeType?: string };
  accepts: PaymentRequirementsV2[];
  extensions?: Record<string, unknown>;
}

export interface SettleResponse {
  success: boolean;
  errorReason?: string;
  errorMessage?: string;
  payer?: string;
  transaction: string;
  network: string;
  amount?: string;
  extensions?: { session?: { id: string; cap: string; spent: string; remaining: string } };
}

export function encodeHeader(value: unknown): string {
  const bytes = new TextEncoder().encode(JSON.stringify(value));
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

export function decodeHeader<T>(header: string): T {
  const binary = atob(header);
  const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes)) as T;
}

export function paymentRequiredOf(res: Response): PaymentRequiredV2 | undefined {
  const header = res.headers.get('PAYMENT-REQUIRED');
  return header ? decodeHeader<PaymentRequiredV2>(header) : undefined;
}

export function paymentResponseOf(res: Response, name = 'PAYMENT-RESPONSE'): SettleResponse | undefined {
  const header = res.headers.get(name);
  return header ? decodeHeader<SettleResponse>(header) : undefined;
}

export interface PaidResult {
  /** The final response (the retry). */
  res: Response;
  body: unknown;
  /** Decoded PAYMENT-RESPONSE of the retry, when present. */
  settle?: SettleResponse;
  /** Decoded PAYMENT-REQUIRED of the retry, when it failed at verify. */
  required?: PaymentRequiredV2;
  /** The 402 that started it. */
  challenge: PaymentRequiredV2;
}

/** Builds the v2 PAYMENT-SIGNATURE for a session: `accepted` is the 402 entry, verbatim. */
export function sessionPaymentHeader(challenge: PaymentRequiredV2, accepted: PaymentRequirementsV2, sessionId: string): string {
  return encodeHeader({ x402Version: 2, resource: challenge.resource, accepted, payload: { sessionId } });
}

/** Request → 402 → retry once with the session → the paid response. Throws if no 402 comes. */
export async function paidFetch(url: string, init: RequestInit, sessionId: string): Promise<PaidResult> {
  const first = await fetch(url, init);
  if (first.status !== 402) throw new Error(`expected 402 from ${url}, got ${first.status}`);
  await first.arrayBuffer();
  const challenge = paymentRequiredOf(first);
  if (!challenge) throw new Error(`402 from ${url} has no PAYMENT-REQUIRED header`);
  const accepted = challenge.accepts.find((a) => a.scheme === 'session');
  if (!accepted) throw new Error(`402 from ${url} offers no session scheme`);
  const headers = new Headers(init.headers);
  headers.set('PAYMENT-SIGNATURE', sessionPaymentHeader(challenge, accepted, sessionId));
  const res = await fetch(url, { ...init, headers });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* keep text */
  }
  return { res, body, settle: paymentResponseOf(res), required: paymentRequiredOf(res), challenge };
}

export interface PaymentRequirementsV1 {
  scheme: string;
  network: string;
  maxAmountRequired: string;
  asset: string;
  payTo: string;
  resource: string;
  description: string;
  mimeType: string;
  maxTimeoutSeconds: number;
  extra: Record<string, unknown>;
}

export interface V1PaidResult {
  res: Response;
  body: unknown;
  challenge: { x402Version: 1; error: string; accepts: PaymentRequirementsV1[] };
  settle?: SettleResponse;
}

/** Legacy v1: 402 JSON body → retry with X-PAYMENT → X-PAYMENT-RESPONSE. */
export async function paidFetchV1(url: string, sessionId: string): Promise<V1PaidResult> {
  const first = await fetch(url);
  if (first.status !== 402) throw new Error(`expected 402 from ${url}, got ${first.status}`);
  const challenge = (await first.json()) as V1PaidResult['challenge'];
  const req = challenge.accepts.find((a) => a.scheme === 'session');
  if (!req) throw new Error('v1 402 offers no session scheme');
  const res = await fetch(url, {
    headers: { 'X-PAYMENT': encodeHeader({ x402Version: 1, scheme: req.scheme, network: req.network, payload: { sessionId } }) },
  });
  const body = (await res.json()) as unknown;
  return { res, body, challenge, settle: paymentResponseOf(res, 'X-PAYMENT-RESPONSE') };
}
