import { z } from 'zod';
import type { NetworkInfo } from '../../chains/types';
import { ATOMIC_AMOUNT, errorText, FacilitatorError, type FacilitatorClient } from '../../facilitator/client';

export const SESSION_SCHEME = 'session';

const OpenedSchema = z
  .object({
    sessionId: z.string().min(8).max(512),
    cap: ATOMIC_AMOUNT.optional(),
    spent: ATOMIC_AMOUNT.optional(),
    spender: z.string().max(128).optional(),
  })
  .loose();
export type OpenedSession = z.infer<typeof OpenedSchema>;

const RemoteSchema = z
  .object({
    id: z.string().max(512).optional(),
    cap: ATOMIC_AMOUNT,
    spent: ATOMIC_AMOUNT,
    recipient: z.string().max(128).optional(),
    asset: z.string().max(128).optional(),
    expiresAt: z.number().optional(),
    expirationLedger: z.number().optional(),
    expirationUnix: z.number().optional(),
  })
  .loose();
export type RemoteSession = z.infer<typeof RemoteSchema>;

/** What a facilitator answers to a top-up (`PATCH /sessions/:id`, ours: devnet/README.md). */
const ToppedUpSchema = z
  .object({
    cap: ATOMIC_AMOUNT,
    spent: ATOMIC_AMOUNT.optional(),
    expiresAt: z.number().int().positive().optional(),
  })
  .loose();
export type ToppedUpSession = z.infer<typeof ToppedUpSchema>;

/**
 * The `/supported` kind's flag that the facilitator takes `PATCH {sessions}/:id` (issue 15). It is
 * this project's own extension of the session scheme, not the peers' (devnet/README.md says so).
 */
export const TOP_UP_FLAG = 'sessionTopUp';

/** The session scheme's endpoints on a facilitator (docs/protocol.md §5): discovery, open, read. */
export class SessionFacilitator {
  constructor(readonly client: FacilitatorClient) {}

  /**
   * The address the person must approve: the `session` kind's `extra.spender`, else its
   * `extra.facilitatorAddress`, else the family's first signer (docs/protocol.md §5).
   */
  async discover(network: NetworkInfo, signersKey: string): Promise<{ spender: string; facilitatorNetwork: string; extra: Record<string, unknown> }> {
    const kind = await this.client.supportedKind(SESSION_SCHEME, network);
    if (!kind) throw new FacilitatorError('unsupported_network', `This facilitator has no session scheme on ${network.id}.`);
    const extra = kind.extra ?? {};
    const fromExtra = [extra.spender, extra.facilitatorAddress].find((v): v is string => typeof v === 'string' && v.length > 0);
    const spender = fromExtra ?? (await this.client.supported()).signers?.[signersKey]?.[0];
    if (!spender) throw new FacilitatorError('bad_response', 'The facilitator does not say which address to approve.');
    return { spender, facilitatorNetwork: kind.network, extra };
  }

  /**
   * Its answer carries the session id, which cannot be recovered later (a late 201 after we gave up
   * is a session nobody can use), so this call waits much longer than the others.
   */
  async open(endpoint: string, body: Record<string, unknown>): Promise<OpenedSession> {
    const { status, json } = await this.client.request('POST', endpoint, body, this.client.registrationTimeoutMs);
    if (status === 201 || status === 200) return this.client.validate(OpenedSchema, json, 'POST /sessions');
    const reason = errorText(json);
    if (status >= 400 && status < 500) throw new FacilitatorError('rejected', `The facilitator refused the session: ${reason ?? `HTTP ${status}`}`, status);
    throw new FacilitatorError('http_error', `POST /sessions answered ${status}${reason ? `: ${reason}` : ''}`, status);
  }

  /** Does this facilitator take top-ups on this network (its `/supported` kind says `sessionTopUp: true`)? */
  async canTopUp(network: NetworkInfo): Promise<boolean> {
    const kind = await this.client.supportedKind(SESSION_SCHEME, network);
    return kind?.extra?.[TOP_UP_FLAG] === true;
  }

  /** `PATCH /sessions/:id` with a new approval: the facilitator checks it like a registration. */
  async topUp(sessionId: string, body: Record<string, unknown>): Promise<ToppedUpSession> {
    const { status, json } = await this.client.request('PATCH', `${this.client.baseUrl}/sessions/${encodeURIComponent(sessionId)}`, body, this.client.registrationTimeoutMs);
    if (status === 200) return this.client.validate(ToppedUpSchema, json, 'PATCH /sessions/:id');
    const reason = errorText(json);
    if (status === 404) throw new FacilitatorError('not_found', 'The facilitator does not know this session.', 404);
    if (status >= 400 && status < 500) throw new FacilitatorError('rejected', `The facilitator refused the top-up: ${reason ?? `HTTP ${status}`}`, status);
    throw new FacilitatorError('http_error', `PATCH /sessions/:id answered ${status}${reason ? `: ${reason}` : ''}`, status);
  }

  async get(sessionId: string): Promise<RemoteSession> {
    const { status, json } = await this.client.request('GET', `${this.client.baseUrl}/sessions/${encodeURIComponent(sessionId)}`);
    if (status === 404) throw new FacilitatorError('not_found', 'The facilitator does not know this session.', 404);
    if (status !== 200) throw new FacilitatorError('http_error', `GET /sessions/:id answered ${status}`, status);
    return this.client.validate(RemoteSchema, json, 'GET /sessions/:id');
  }
}

/** Facilitator failures worth retrying with the same approval: it never gave a verdict. */
export function retriable(e: unknown): boolean {
  if (!(e instanceof FacilitatorError)) return false;
  return e.code === 'unreachable' || e.code === 'timeout' || e.code === 'bad_response' || (e.code === 'http_error' && (e.status ?? 500) >= 500);
}
