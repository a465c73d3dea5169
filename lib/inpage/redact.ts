import type { Natives } from './natives';

/**
 * Session facilitators echo the session in their settle response (`extensions.session.id`), and
 * resource servers pass that on in PAYMENT-RESPONSE, which the page can read. The session id is a
 * bearer credential that must never be page-visible, so the page gets the paid response with every
 * occurrence of it in the payment-response headers replaced; status, body and all else untouched.
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

/** The session id inside the payment header we attached (base64 JSON `payload.sessionId`). */
export function sessionIdOf(n: Natives, headerValue: string): string | null {
  const text = base64ToText(n, headerValue);
  if (text === null) return null;
  try {
    const id = ((n.parseInert(text) as Record<string, any>).payload as Record<string, any> | undefined)?.sessionId;
    return typeof id === 'string' && id.length >= 8 ? id : null;
  } catch {
    return null;
  }
}

export function redactResponse(n: Natives, response: Response, secret: string | null): Response {
  if (!secret) return response;
  const headers = n.responseHeaders(response);
  let leaks = false;
  const record = n.inert() as Record<string, string>;
  n.headersForEach(headers, (value, name) => {
    let out = value;
    // Plain comparisons: no prototype method a page could have patched touches the secret.
    if (name === 'payment-response' || name === 'x-payment-response') {
      const text = base64ToText(n, value);
      if (text !== null && n.stringIncludes(text, secret)) {
        out = textToBase64(n, n.arrayJoin(n.stringSplit(text, secret), REDACTED));
        leaks = true;
      } else if (n.stringIncludes(value, secret)) {
        out = n.arrayJoin(n.stringSplit(value, secret), REDACTED);
        leaks = true;
      }
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
