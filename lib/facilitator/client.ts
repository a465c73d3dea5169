import { z } from 'zod';
import { parseUntrustedJson } from '../x402/json';
import { resolveNetwork } from '../chains/networks';
import type { NetworkInfo } from '../chains/types';
import { normalizeBaseUrl, parseFacilitatorUrl } from './url';

export type FacilitatorErrorCode =
  | 'invalid_url'
  | 'timeout'
  | 'unreachable'
  | 'not_found'
  | 'rejected'
  | 'http_error'
  | 'bad_response'
  | 'unsupported_network';

export class FacilitatorError extends Error {
  override readonly name = 'FacilitatorError';
  constructor(
    readonly code: FacilitatorErrorCode,
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

const MAX_RESPONSE = 256 * 1024;
const SUPPORTED_TTL_MS = 30_000;
export const ATOMIC_AMOUNT = z.string().regex(/^(0|[1-9][0-9]{0,77})$/);

const SupportedSchema = z
  .object({
    kinds: z
      .array(
        z
          .object({
            x402Version: z.number(),
            scheme: z.string().max(64),
            network: z.string().max(64),
            extra: z.record(z.string(), z.unknown()).optional(),
          })
          .loose(),
      )
      .max(256),
    signers: z.record(z.string(), z.array(z.string().max(128)).max(64)).optional(),
  })
  .loose();
export type SupportedResponse = z.infer<typeof SupportedSchema>;
export type SupportedKind = SupportedResponse['kinds'][number];

export interface FacilitatorClientOptions {
  fetch?: typeof fetch;
  /** Per request; a facilitator slower than this is treated as down. */
  timeoutMs?: number;
  /** For `POST /sessions` only. */
  registrationTimeoutMs?: number;
}

/**
 * HTTP client for an x402 facilitator: bounded, typed, validated. The parts every scheme shares
 * (`/supported`) live here; each scheme adds its own endpoints on top (lib/schemes/<id>/).
 */
export class FacilitatorClient {
  readonly baseUrl: string;
  private readonly fetchImpl: typeof fetch;
  private readonly timeoutMs: number;
  readonly registrationTimeoutMs: number;
  private supportedCache: { until: number; value: Promise<SupportedResponse> } | null = null;

  constructor(url: string, options: FacilitatorClientOptions = {}) {
    const parsed = parseFacilitatorUrl(url);
    if (!parsed) throw new FacilitatorError('invalid_url', `Refusing facilitator URL ${JSON.stringify(String(url).slice(0, 200))}: it must be https (or http on localhost).`);
    this.baseUrl = normalizeBaseUrl(parsed);
    this.fetchImpl = options.fetch ?? ((...a) => fetch(...a));
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.registrationTimeoutMs = options.registrationTimeoutMs ?? 60_000;
  }

  /** `GET /supported`, kept briefly: one approval asks for it more than once. */
  async supported(): Promise<SupportedResponse> {
    const now = Date.now();
    if (this.supportedCache && this.supportedCache.until > now) return this.supportedCache.value;
    const value = this.fetchSupported();
    this.supportedCache = { until: now + SUPPORTED_TTL_MS, value };
    value.catch(() => {
      if (this.supportedCache?.value === value) this.supportedCache = null;
    });
    return value;
  }

  private async fetchSupported(): Promise<SupportedResponse> {
    const { status, json } = await this.request('GET', `${this.baseUrl}/supported`);
    if (status !== 200) throw new FacilitatorError('http_error', `GET /supported answered ${status}`, status);
    return this.validate(SupportedSchema, json, '/supported');
  }

  /** The facilitator's kind for this scheme on this network (any spelling of it), if it lists one. */
  async supportedKind(scheme: string, network: NetworkInfo): Promise<SupportedKind | null> {
    const supported = await this.supported();
    return supported.kinds.find((k) => k.scheme === scheme && resolveNetwork(k.network)?.id === network.id) ?? null;
  }

  validate<T>(schema: z.ZodType<T>, json: unknown, what: string): T {
    const r = schema.safeParse(json);
    if (!r.success) throw new FacilitatorError('bad_response', `The facilitator's answer to ${what} is malformed.`);
    return r.data;
  }

  async request(method: 'GET' | 'POST' | 'PATCH', url: string, body?: unknown, timeoutMs = this.timeoutMs): Promise<{ status: number; json: unknown }> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    try {
      let res: Response;
      try {
        res = await this.fetchImpl(url, {
          method,
          headers: body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          signal: controller.signal,
          credentials: 'omit',
          redirect: 'error',
        });
      } catch {
        if (controller.signal.aborted) throw new FacilitatorError('timeout', `The facilitator did not answer within ${timeoutMs} ms.`);
        throw new FacilitatorError('unreachable', `Could not reach the facilitator at ${new URL(url).host}.`);
      }
      const text = await readBounded(res, MAX_RESPONSE, controller);
      if (text === OVERSIZED) throw new FacilitatorError('bad_response', 'The facilitator sent an oversized answer.', res.status);
      if (text === null) {
        if (controller.signal.aborted) throw new FacilitatorError('timeout', `The facilitator did not answer within ${timeoutMs} ms.`);
        throw new FacilitatorError('bad_response', 'The facilitator sent an unreadable answer.', res.status);
      }
      const parsed = text === '' ? { ok: true as const, value: null } : parseUntrustedJson(text);
      if (!parsed.ok) {
        if (res.status >= 500) return { status: res.status, json: null };
        throw new FacilitatorError('bad_response', `The facilitator's answer is not JSON (HTTP ${res.status}).`, res.status);
      }
      return { status: res.status, json: parsed.value };
    } finally {
      clearTimeout(timer);
    }
  }
}

export function errorText(json: unknown): string | undefined {
  if (typeof json === 'object' && json !== null && typeof (json as { error?: unknown }).error === 'string') {
    return (json as { error: string }).error.slice(0, 300);
  }
  return undefined;
}

const OVERSIZED = Symbol('oversized');

/** The body as text, at most `max` bytes: OVERSIZED past that (and the download is cut), null when unreadable. */
async function readBounded(res: Response, max: number, controller: AbortController): Promise<string | null | typeof OVERSIZED> {
  try {
    if (!res.body) return '';
    const reader = res.body.getReader();
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > max) {
        controller.abort();
        return OVERSIZED;
      }
      chunks.push(value);
    }
    const all = new Uint8Array(size);
    let o = 0;
    for (const c of chunks) {
      all.set(c, o);
      o += c.byteLength;
    }
    return new TextDecoder().decode(all);
  } catch {
    return null;
  }
}
