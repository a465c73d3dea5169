import type { Page } from '@playwright/test';

// What a page does with the extension, run inside the page: the tests see what the page sees.

/** `window.x402session.requestSession` from the page: the public view, or the error's code and reason. */
export function requestSession(page: Page, params: Record<string, unknown>) {
  return page.evaluate(
    (p) =>
      window.x402session!.requestSession(p as never).then(
        (s) => ({ ok: true as const, s }),
        (e: { code: number; reason: string; message: string }) => ({ ok: false as const, code: e.code, reason: e.reason, message: e.message }),
      ),
    params,
  );
}

/** N sequential POSTs to a URL with plain fetch; the statuses. */
export function postMany(page: Page, url: string, n: number) {
  return page.evaluate(
    async ({ url, n }) => {
      const statuses: number[] = [];
      for (let i = 0; i < n; i++) {
        const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message: `hello ${i}` }) });
        statuses.push(r.status);
      }
      return statuses;
    },
    { url, n },
  );
}
