/**
 * The one route-key function, used by the page script and the background alike (they disagreed on
 * the method's case once, so `PATCH` routes were never paid pre-emptively). Dependency-free and
 * built on string methods captured when the module is evaluated: in the page's MAIN world that is
 * document_start, before any page script could patch them.
 */
const uncurry = <A extends unknown[], R>(fn: (this: string, ...args: A) => R) =>
  Function.prototype.call.bind(fn as (...a: unknown[]) => unknown) as unknown as (self: string, ...args: A) => R;
const split = uncurry(String.prototype.split as (this: string, sep: string) => string[]);
const upper = uncurry(String.prototype.toUpperCase);
const startsWith = uncurry(String.prototype.startsWith as (this: string, s: string) => boolean);

/**
 * "POST https://api.example/v1/chat": the method upper-cased, the URL (as the browser serialised
 * it) without query or fragment; null for anything but http(s).
 */
export function routeKey(url: string, method: string): string | null {
  if (typeof url !== 'string' || typeof method !== 'string') return null;
  if (!startsWith(url, 'https://') && !startsWith(url, 'http://')) return null;
  return `${upper(method)} ${split(split(url, '#')[0]!, '?')[0]!}`;
}
