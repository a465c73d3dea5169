import { expect, test } from '@playwright/test';
import { runBench, SMOKE, toMarkdown } from '../bench/harness';

// Keeps the benchmark harness from rotting: a tiny run, asserting that it works, not how fast.
test('bench harness smoke run: every measure is produced, every paid call paid, no overspend', async () => {
  test.setTimeout(240_000);
  const r = await runBench(SMOKE);
  for (const c of [r.A, r.B, r.C.blank, r.C.dapp]) {
    expect(c.extension.n).toBeGreaterThan(0);
    expect(c.reference.n).toBe(c.extension.n);
    expect(Number.isFinite(c.ratioMedian) && c.ratioMedian > 0).toBe(true);
  }
  expect(r.A.extension.n).toBe(SMOKE.calls);
  expect(r.C.blank.extension.n).toBe(SMOKE.loads);
  expect(r.D.paid).toBe(SMOKE.concurrent);
  expect(r.D.overspend).toBe(false);
  expect(r.E.n).toBe(SMOKE.popupOpens);
  expect(r.EPayments.n).toBeGreaterThan(0);
  expect(r.F.bundles.map((b) => b.role)).toHaveLength(5);
  expect(r.F.met).toBe(true);
  expect(toMarkdown(r)).toContain('| A. paid call');
});
