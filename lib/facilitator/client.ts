import { z } from 'zod';
import { parseUntrustedJson } from '../x402/json';
import { normalizeNetwork } from '../x402/networks';
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
const atomic = z.string().regex(/^(0|[1-9][0-9]{0,77})$/);

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

const OpenedSchema = z
  .object({
    sessionId: z.string().min(8).max(512),
    cap: atomic.optional(),
    spent: atomic.optional(),
    spender: z.string().max(128).optional(),
  })
  .loose();
export type OpenedSession = z.infer<typeof OpenedSchema>;

const RemoteSchema = z
  .object({
    id: z.string().max(512).optional(),
    cap: atomic,
    spent: atomic,
    recipient: z.string().max(128).optional(),
    asset: z.string().max(128).optional(),
    expiresAt: z.number().optional(),
    expirationLedger: z.number().optional(),
    expirationUnix: z.number().optional(),
  })
  .loose();
export type RemoteSession = z.infer<typeof RemoteSchema>;

export interface FacilitatorClientOptions {
  fetch?: typeof fetch;
  /** Per request; a facilitator slower than this is treated as down. */
  timeoutMs?: number;
  /** For `POST /sessions` only. */
  registrationTimeoutMs?: number;
}

/** HTTP client for a session facilitator. Every answer is validated; every failure is typed. */
export class FacilitatorClient {
  readonly baseUrl: string;
  private readonly fetchImpl: typeof fetch;
  private readonly timeoutMs: number;
  private readonly registrationTimeoutMs: number;

  constructor(url: string, options: FacilitatorClientOptions = {}) {
    const parsed = parseFacilitatorUrl(url);
    if (!parsed) throw new FacilitatorError('invalid_url', `Refusing facilitator URL ${JSON.stringify(String(url).slice(0, 200))}: it must be https (or http on localhost).`);
    this.baseUrl = normalizeBaseUrl(parsed);
    this.fetchImpl = options.fetch ?? ((...a) => fetch(...a));
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.registrationTimeoutMs = options.registrationTimeoutMs ?? 60_000;
  }

  async supported(): Promise<SupportedResponse> {
    const { status, json } = await this.request('GET', `${this.baseUrl}/supported`);
    if (status !== 200) throw new FacilitatorError('http_error', `GET /supported answered ${status}`, status);
    return this.validate(SupportedSchema, json, '/supported');
  }

  /**
   * The address the person must approve: the `session` kind's `extra.spender`, else its
   * `extra.facilitatorAddress`, else the family's first signer (x402-protocol.md §5).
   */
  async discoverSpender(network: string): Promise<{ spender: string; extra: Record<string, unknown> }> {
    const info = normalizeNetwork(network);
    if (!info) throw new FacilitatorError('unsupported_network', `Unknown network ${network}`);
    const supported = await this.supported();
    const kind = supported.kinds.find((k) => k.scheme === 'session' && normalizeNetwork(k.network)?.id === info.id);
    if (!kind) throw new FacilitatorError('unsupported_network', `This facilitator has no session scheme on ${network}.`);
    const extra = kind.extra ?? {};
    const fromExtra = [extra.spender, extra.facilitatorAddress].find((v): v is string => typeof v === 'string' && v.length > 0);
    const signerKey = info.family === 'evm' ? 'eip155:*' : info.family === 'stellar' ? 'stellar:*' : 'solana:*';
    const spender = fromExtra ?? supported.signers?.[signerKey]?.[0];
    if (!spender) throw new FacilitatorError('bad_response', 'The facilitator does not say which address to approve.');
    return { spender, extra };
  }

  /**
   * Its answer carries the session id, which cannot be recovered later (a late 201 after we gave up
   * is a session nobody can use), so this call waits much longer than the others.
   */
  async openSession(endpoint: string, body: Record<string, unknown>): Promise<OpenedSession> {
    const { status, json } = await this.request('POST', endpoint, body, this.registrationTimeoutMs);
    if (status === 201 || status === 200) return this.validate(OpenedSchema, json, 'POST /sessions');
    const reason = errorText(json);
    if (status >= 400 && status < 500) throw new FacilitatorError('rejected', `The facilitator refused the session: ${reason ?? `HTTP ${status}`}`, status);
    throw new FacilitatorError('http_error', `POST /sessions answered ${status}${reason ? `: ${reason}` : ''}`, status);
  }

  async getSession(sessionId: string): Promise<RemoteSession> {
    const { status, json } = await this.request('GET', `${this.baseUrl}/sessions/${encodeURIComponent(sessionId)}`);
    if (status === 404) throw new FacilitatorError('not_found', 'The facilitator does not know this session.', 404);
    if (status !== 200) throw new FacilitatorError('http_error', `GET /sessions/:id answered ${status}`, status);
    return this.validate(RemoteSchema, json, 'GET /sessions/:id');
  }

  private validate<T>(schema: z.ZodType<T>, json: unknown, what: string): T {
    const r = schema.safeParse(json);
    if (!r.success) throw new FacilitatorError('bad_response', `The facilitator's answer to ${what} is malformed.`);
    return r.data;
  }

  private async request(method: 'GET' | 'POST', url: string, body?: unknown, timeoutMs = this.timeoutMs): Promise<{ status: number; json: unknown }> {
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
      if (text === null) {
        if (controller.signal.aborted) throw new FacilitatorError('timeout', `The facilitator did not answer within ${timeoutMs} ms.`);
        throw new FacilitatorError('bad_response', 'The facilitator sent an oversized or unreadable answer.', res.status);
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

function errorText(json: unknown): string | undefined {
  if (typeof json === 'object' && json !== null && typeof (json as { error?: unknown }).error === 'string') {
    return (json as { error: string }).error.slice(0, 300);
  }
  return undefined;
}

async function readBounded(res: Response, max: number, controller: AbortController): Promise<string | null> {
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
        return null;
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
