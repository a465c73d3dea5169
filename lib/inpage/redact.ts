import type { Natives } from './natives';

/**
 * Session facilitators echo the session in their settle response (`extensions.session.id`), and
 * resource servers pass that on in PAYMENT-RESPONSE, which the page can read. A grant's secrets (the
 * background names them: for `session`, the bearer session id) must never be page-visible, so the
 * page gets the paid response with every occurrence of them in the payment-response headers
 * replaced; status, body and all else untouched.
 */
export const REDACTED = '[redacted]';

function base64ToText(n: Natives, b64: string): string | null {
  try {
    const bin = n.atob(b64);
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = n.charCodeAt(bin, i);
    return n.utf8Decode(bytes);
  } catch {
    return null;
  }
}

function textToBase64(n: Natives, text: string): string {
  const bytes = n.utf8Encode(text);
  let bin = '';
  for (let i = 0; i < bytes.length; i++) bin += n.fromCharCode(bytes[i]!);
  return n.btoa(bin);
}

/** `text` with every secret replaced; null when none occurs. */
function scrub(n: Natives, text: string, secrets: string[]): string | null {
  let out = text;
  let hit = false;
  for (let i = 0; i < secrets.length; i++) {
    const secret = secrets[i]!;
    if (n.stringIncludes(out, secret)) {
      out = n.arrayJoin(n.stringSplit(out, secret), REDACTED);
      hit = true;
    }
  }
  return hit ? out : null;
}

export function redactResponse(n: Natives, response: Response, secrets: string[]): Response {
  if (secrets.length === 0) return response;
  const headers = n.responseHeaders(response);
  let leaks = false;
  const record = n.inert() as Record<string, string>;
  n.headersForEach(headers, (value, name) => {
    let out = value;
    // Plain comparisons: no prototype method a page could have patched touches the secret.
    if (name === 'payment-response' || name === 'x-payment-response') {
      const text = base64ToText(n, value);
      const decoded = text === null ? null : scrub(n, text, secrets);
      const raw = decoded === null ? scrub(n, value, secrets) : null;
      if (decoded !== null) out = textToBase64(n, decoded);
      else if (raw !== null) out = raw;
      leaks ||= decoded !== null || raw !== null;
    }
    record[name] = out;
  });
  if (!leaks) return response;
  const init = n.inert();
  init.status = n.responseStatus(response);
  init.statusText = n.responseStatusText(response);
  init.headers = record;
  const copy = new n.Response(n.responseBody(response), init as ResponseInit);
  // Keep what the page could read from the original: a constructed Response has an empty url.
  n.defineProperty(copy, 'url', { value: n.responseUrl(response) });
  n.defineProperty(copy, 'redirected', { value: n.responseRedirected(response) });
  return copy;
}
