/**
 * Facilitator URLs arrive in 402 data and dapp calls: untrusted. We only talk to https, or to plain
 * http on loopback (local development), never with credentials embedded in the URL.
 */
const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

export function parseFacilitatorUrl(value: unknown): URL | null {
  if (typeof value !== 'string' || value.length === 0 || value.length > 2048) return null;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  if (url.username || url.password || url.hash) return null;
  if (url.protocol === 'https:') return url;
  if (url.protocol === 'http:' && LOOPBACK.has(url.hostname)) return url;
  return null;
}

/** Base URL without a trailing slash, so `base + '/sessions'` is well formed. */
export function normalizeBaseUrl(url: URL): string {
  const s = `${url.origin}${url.pathname}`.replace(/\/+$/, '');
  return url.search ? s + url.search : s;
}

/** Resolve `extra.sessionsEndpoint` (relative, or absolute on the same origin only). */
export function resolveSessionsEndpoint(base: string, endpoint: unknown): string | null {
  const fallback = `${base}/sessions`;
  if (endpoint === undefined || endpoint === null || endpoint === '') return fallback;
  if (typeof endpoint !== 'string' || endpoint.length > 2048) return null;
  // "/sessions" is relative to the facilitator URL, path prefix included (the SDKs concatenate).
  if (endpoint.startsWith('/') && !endpoint.startsWith('//')) endpoint = `${base}${endpoint}`;
  let resolved: URL;
  try {
    resolved = new URL(endpoint as string, `${base}/`);
  } catch {
    return null;
  }
  return resolved.origin === new URL(base).origin ? resolved.toString().replace(/\/+$/, '') : null;
}
