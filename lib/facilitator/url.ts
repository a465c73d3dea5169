/**
 * Facilitator URLs arrive in 402 data and dapp calls: untrusted, and the background fetches them
 * before the person has seen anything. So they are normalised to scheme, host, port and path, and
 * refused with credentials, a query or a fragment; only https, except plain http on loopback when
 * the page asking is itself on loopback (local development); and never a private or local address
 * unless the person allowed that in the options. The wallet cannot resolve names (extensions have
 * no DNS API), so a public name that resolves to a private address is not caught here: the
 * approval window still shows the host before anything is signed.
 */
const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]']);
const LOCAL_SUFFIXES = ['.localhost', '.local', '.internal', '.lan', '.home.arpa', '.intranet', '.corp'];

export type FacilitatorUrlRefusal = 'not_a_url' | 'credentials' | 'query_or_fragment' | 'not_https' | 'private_address';

export interface FacilitatorUrlPolicy {
  /** Origin of the page asking; loopback http is allowed only for loopback pages. */
  pageOrigin?: string;
  /** The person allowed facilitators on private and local addresses (options page). */
  allowPrivate?: boolean;
}

export type CheckedFacilitatorUrl = { ok: true; base: string } | { ok: false; refusal: FacilitatorUrlRefusal; detail: string };

function isLoopbackHost(host: string): boolean {
  return LOOPBACK_NAMES.has(host) || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** IP literals in private, link-local, CGNAT or unspecified ranges, and names that are local by construction. */
export function isPrivateHost(host: string): boolean {
  const h = host.toLowerCase();
  if (isLoopbackHost(h)) return true;
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(h);
  if (v4) {
    const [a, b] = [Number(v4[1]), Number(v4[2])];
    return a === 0 || a === 10 || a === 127 || (a === 169 && b === 254) || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127);
  }
  if (h.startsWith('[')) {
    const v6 = h.slice(1, -1);
    // ::, ::1, unique-local fc00::/7, link-local fe80::/10, and IPv4-mapped addresses (judged as IPv4).
    if (v6 === '::' || v6 === '::1' || /^f[cd][0-9a-f]{2}:/.test(v6) || /^fe[89ab][0-9a-f]:/.test(v6)) return true;
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(v6) ?? /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(v6);
    if (mapped) return mapped.length === 2 ? isPrivateHost(mapped[1]!) : isPrivateHost(hexPairToV4(mapped[1]!, mapped[2]!));
    return false;
  }
  // A single label ("router", "intranet") only resolves on a local network.
  return !h.includes('.') || LOCAL_SUFFIXES.some((s) => h.endsWith(s));
}

function hexPairToV4(hi: string, lo: string): string {
  const a = parseInt(hi, 16);
  const b = parseInt(lo, 16);
  return `${a >> 8}.${a & 255}.${b >> 8}.${b & 255}`;
}

/** The one check every facilitator URL passes before the background talks to it. */
export function checkFacilitatorUrl(value: unknown, policy: FacilitatorUrlPolicy = {}): CheckedFacilitatorUrl {
  if (typeof value !== 'string' || value.length === 0 || value.length > 2048) return { ok: false, refusal: 'not_a_url', detail: 'not a URL' };
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return { ok: false, refusal: 'not_a_url', detail: 'not a URL' };
  }
  if (url.username || url.password) return { ok: false, refusal: 'credentials', detail: 'URL carries credentials' };
  if (url.search || url.hash || /[?#]/.test(value)) return { ok: false, refusal: 'query_or_fragment', detail: 'URL carries a query or fragment' };
  const host = url.hostname.toLowerCase();
  const pageHost = policy.pageOrigin ? safeHost(policy.pageOrigin) : null;
  const loopbackDev = isLoopbackHost(host) && pageHost !== null && isLoopbackHost(pageHost);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopbackDev)) return { ok: false, refusal: 'not_https', detail: `${url.protocol} is not allowed for ${host}` };
  if (isPrivateHost(host) && !loopbackDev && !policy.allowPrivate) return { ok: false, refusal: 'private_address', detail: `${host} is a private or local address` };
  return { ok: true, base: normalizeBaseUrl(url) };
}

function safeHost(origin: string): string | null {
  try {
    return new URL(origin).hostname.toLowerCase();
  } catch {
    return null;
  }
}

/**
 * The shape check the facilitator client applies to any URL (defence in depth; the policy above is
 * applied where the caller is known): https, or http on loopback, no credentials.
 */
export function parseFacilitatorUrl(value: unknown): URL | null {
  if (typeof value !== 'string' || value.length === 0 || value.length > 2048) return null;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  if (url.username || url.password || url.hash || url.search) return null;
  if (url.protocol === 'https:') return url;
  if (url.protocol === 'http:' && isLoopbackHost(url.hostname)) return url;
  return null;
}

/** Base URL without a trailing slash, so `base + '/sessions'` is well formed. */
export function normalizeBaseUrl(url: URL): string {
  return `${url.origin}${url.pathname}`.replace(/\/+$/, '');
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
  if (resolved.search || resolved.hash) return null;
  return resolved.origin === new URL(base).origin ? resolved.toString().replace(/\/+$/, '') : null;
}
