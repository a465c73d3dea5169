/**
 * The relay's only check: is this a well-formed page request? It decides nothing else; the
 * background validates parameters and derives the origin itself.
 */
export const MAX_PAGE_MESSAGE = 512 * 1024;

export interface PageRequestEnvelope {
  id: string;
  method: string;
  params: Record<string, unknown>;
}

export function parsePageRequest(raw: unknown): PageRequestEnvelope | null {
  if (typeof raw !== 'string' || raw.length > MAX_PAGE_MESSAGE) return null;
  let msg: unknown;
  try {
    msg = JSON.parse(raw);
  } catch {
    return null;
  }
  if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) return null;
  const { id, method, params } = msg as Record<string, unknown>;
  if (typeof id !== 'string' || id.length === 0 || id.length > 32) return null;
  if (typeof method !== 'string' || method.length === 0 || method.length > 64) return null;
  if (params !== undefined && (typeof params !== 'object' || params === null || Array.isArray(params))) return null;
  return { id, method, params: (params ?? {}) as Record<string, unknown> };
}

export const SECRET_SHAPE = /^[0-9a-f]{32}$/;
