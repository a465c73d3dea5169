/**
 * The site an origin belongs to, for limits that sibling subdomains must not multiply (one approval
 * window per site). Without the public-suffix list (hundreds of KB) this is the last two labels, or
 * three under a common second-level suffix (`co.uk`, `com.au`, …); an IP address or a single label
 * is its own site. Erring towards a larger site only queues more windows, never opens more.
 */
const SECOND_LEVEL = new Set(['co', 'com', 'net', 'org', 'gov', 'edu', 'ac', 'or', 'ne', 'go', 'gob', 'mil', 'nom', 'sch', 'ltd', 'plc']);

export function siteOf(origin: string): string {
  let host: string;
  try {
    host = new URL(origin).hostname.toLowerCase();
  } catch {
    return origin;
  }
  if (/^[\d.]+$/.test(host) || host.startsWith('[') || !host.includes('.')) return host;
  const labels = host.split('.');
  const keep = labels.length >= 3 && SECOND_LEVEL.has(labels[labels.length - 2]!) && labels[labels.length - 1]!.length === 2 ? 3 : 2;
  return labels.slice(-keep).join('.');
}
