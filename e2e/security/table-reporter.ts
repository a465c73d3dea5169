import { mkdirSync, writeFileSync } from 'node:fs';
import type { Reporter, TestCase, TestResult } from '@playwright/test/reporter';

/**
 * Prints the security suite's evidence as a table — case, expected, observed — from the rows each
 * test records (`securityRow`), and writes it to test-results/security-table.md.
 */
interface Row {
  area: string;
  case: string;
  expected: string;
  observed: string;
}

export default class SecurityTableReporter implements Reporter {
  private readonly rows: Row[] = [];

  onTestEnd(test: TestCase, result: TestResult): void {
    for (const a of result.annotations ?? test.annotations) {
      if (a.type === 'security-row' && a.description) this.rows.push(JSON.parse(a.description) as Row);
    }
  }

  onEnd(): void {
    if (this.rows.length === 0) return;
    const ok = (r: Row) => (r.expected === r.observed ? 'ok' : 'MISMATCH');
    const header = ['area', 'case', 'expected', 'observed', ''];
    const lines = this.rows.map((r) => [r.area, r.case, r.expected, r.observed, ok(r)]);
    const widths = header.map((h, i) => Math.min(60, Math.max(h.length, ...lines.map((l) => l[i]!.length))));
    const fmt = (cells: string[]) => cells.map((c, i) => (c.length > widths[i]! ? `${c.slice(0, widths[i]! - 1)}…` : c.padEnd(widths[i]!))).join(' | ');
    const mismatches = this.rows.filter((r) => r.expected !== r.observed).length;
    console.log(`\nSecurity evidence (${this.rows.length} rows, ${mismatches} mismatches):\n`);
    console.log(fmt(header));
    console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
    for (const l of lines) console.log(fmt(l));
    mkdirSync('test-results', { recursive: true });
    const md = ['| area | case | expected | observed | |', '|---|---|---|---|---|', ...lines.map((l) => `| ${l.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`)].join('\n');
    writeFileSync('test-results/security-table.md', `${md}\n`);
  }
}
