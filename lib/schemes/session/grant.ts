/**
 * What a `session` grant holds: the facilitator's bearer session id, and while the facilitator has
 * not registered it yet, the `POST /sessions` to retry (so an approval already on chain is not lost).
 */
export interface SessionGrant {
  sessionId: string;
  registration?: { endpoint: string; body: Record<string, unknown>; attempts: number; lastError: string };
}

/** Read a stored grant defensively: a row written by an older version or damaged pays nothing. */
export function readGrant(grant: Readonly<Record<string, unknown>>): SessionGrant {
  const sessionId = typeof grant.sessionId === 'string' ? grant.sessionId : '';
  const r = grant.registration as SessionGrant['registration'] | undefined;
  const registration =
    r && typeof r === 'object' && typeof r.endpoint === 'string' && typeof r.body === 'object' && r.body !== null
      ? { endpoint: r.endpoint, body: r.body, attempts: Number(r.attempts) || 0, lastError: String(r.lastError ?? '') }
      : undefined;
  return { sessionId, ...(registration ? { registration } : {}) };
}
