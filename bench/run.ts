/**
 * `npm run bench`: the full side-by-side run (about 5 minutes on 2 cores). Prints the table,
 * writes bench/results.json and bench/results.md. `--smoke` runs tiny sizes (the harness check in
 * `npm test` does the same through Playwright).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { FULL, runBench, SMOKE, toMarkdown } from './harness';

const smoke = process.argv.includes('--smoke');
const started = Date.now();
const result = await runBench({ ...(smoke ? SMOKE : FULL), log: (line) => console.log(`▸ ${line}`) });
const md = toMarkdown(result);
console.log(`\n${md}\n\nFinished in ${((Date.now() - started) / 1000).toFixed(0)} s.`);
const dir = smoke ? 'test-results' : 'bench';
mkdirSync(dir, { recursive: true });
writeFileSync(`${dir}/results${smoke ? '-smoke' : ''}.json`, `${JSON.stringify(result, (_k, v) => (typeof v === 'bigint' ? v.toString() : v), 2)}\n`);
writeFileSync(`${dir}/results${smoke ? '-smoke' : ''}.md`, `${md}\n`);
console.log(`Wrote ${dir}/results${smoke ? '-smoke' : ''}.{json,md}`);
