import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { expect, securityRow, test } from '../fixtures';
import { openSession } from '../support/sessions';
import { readStore } from '../support/store';
import { startHostileServer, type CorpusCase } from './hostile-server';

const corpus = (JSON.parse(readFileSync(new URL('./hostile-402.json', import.meta.url), 'utf8')) as { cases: CorpusCase[] }).cases;

test('hostile 402 corpus: never paid, nothing reserved, the original 402 reaches the page, the reason is recorded', async ({ ext, dapp, stack }) => {
  expect(corpus.length).toBeGreaterThanOrEqual(100);
  expect(new Set(corpus.map((c) => c.id)).size).toBe(corpus.length);
  const server = await startHostileServer(corpus, {
    payTo: stack.api.recipient,
    asset: stack.token.address,
    network: stack.chain.network,
    spender: stack.facilitator.address,
    facilitator: stack.facilitator.url,
    chainId: stack.chain.chainId,
    tokenName: stack.token.name,
    tokenVersion: stack.token.version,
    uptoFacilitator: stack.upto.facilitatorUrl,
  });
  // Approved for the hostile server's main origin only: its second origin is a site's own server
  // copying the terms.
  await openSession(ext.context, dapp, stack, { perCallMax: '0.05', apiOrigins: [server.base] });
  try {
    // The control (a valid 402) goes last, so nothing before it can ride on its payment.
    const ordered = [...corpus.filter((c) => c.expect !== 'paid'), ...corpus.filter((c) => c.expect === 'paid')];
    const seen = await dapp.evaluate(async (list) => {
      const out: Record<string, { status?: number; bodySha?: string; header?: string | null; error?: string }> = {};
      for (const [id, url] of list) {
        try {
          const r = await fetch(url!);
          const text = await r.text();
          const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
          out[id!] = { status: r.status, header: r.headers.get('payment-required'), bodySha: [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('') };
        } catch (e) {
          out[id!] = { error: String(e) };
        }
      }
      return out;
    }, ordered.map((c) => [c.id, server.urlOf(c.id)]));

    const store = await readStore(await ext.serviceWorker());
    const sha = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');
    let failures = 0;
    for (const c of corpus) {
      const url = server.urlOf(c.id);
      const got = seen[c.id]!;
      const paid = server.paidAttempts.includes(c.id);
      const reserved = store.payments.filter((p) => p.url === url).length;
      const reasons = store.events.filter((e) => e.url === url).map((e) => e.reason as string);
      const served = server.served.get(c.id);
      let outcome: string;
      if (paid) outcome = 'paid';
      else if (got.error) outcome = 'browser_refused';
      else if (got.status !== 402 || !served || got.bodySha !== sha(served.body) || (got.header ?? null) !== (served.header === null ? null : served.header.trim())) outcome = 'response altered';
      else outcome = reasons[0] ?? 'not_x402_untouched';
      const expected = c.expect === 'paid' ? 'paid' : `not paid · original 402 · ${c.expect} · 0 reserved`;
      const observed = outcome === 'paid' ? 'paid' : `not paid · ${got.error ? 'browser error' : 'original 402'} · ${outcome} · ${c.expect === 'paid' ? reserved - 1 : reserved} reserved`;
      const expectedFixed = c.expect === 'browser_refused' ? 'not paid · browser error · browser_refused · 0 reserved' : expected;
      securityRow(`402 corpus: ${c.category}`, `${c.id}: ${c.description}`, expectedFixed, observed);
      if (expectedFixed !== observed) failures++;
    }
    expect(failures, 'see the security table for the mismatching cases').toBe(0);
    expect(server.paidAttempts).toEqual(['control-valid']);
  } finally {
    await server.close();
  }
});
