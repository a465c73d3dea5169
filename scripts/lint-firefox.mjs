#!/usr/bin/env node
/**
 * Mozilla's addons-linter (what AMO runs on upload) on the Firefox build. Fails on any error and on
 * any warning that is not explained below; each explanation is checked against the build and the
 * source, so it cannot go stale silently.
 *
 *   npm run build:firefox && npm run lint:firefox
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dir = join(root, process.argv[2] ?? '.output/firefox-mv3');

/** Our own code: where a dangerous sink would be ours. */
function sourceFiles(d = root, out = []) {
  for (const name of readdirSync(d)) {
    const p = join(d, name);
    if (['node_modules', '.output', '.wxt', '.git', 'tests', 'e2e', 'devnet', 'bench', 'scripts'].includes(name) && d === root) continue;
    if (statSync(p).isDirectory()) sourceFiles(p, out);
    else if (/\.(ts|tsx|js|mjs)$/.test(name) && d !== root) out.push(p);
  }
  return out;
}

const EXPLAINED = [
  {
    code: 'UNSAFE_VAR_ASSIGNMENT',
    why: "React DOM's handler for the `dangerouslySetInnerHTML` prop (its create and update paths). It runs only for an element given that prop; no component of ours uses it, nor innerHTML/outerHTML/insertAdjacentHTML (checked in our source). React renders text as text nodes.",
    check(w, code) {
      const line = code.split('\n')[(w.line ?? 1) - 1] ?? '';
      const before = line.slice(Math.max(0, (w.column ?? 0) - 400), w.column ?? 0);
      if (!/case\s*[`'"]dangerouslySetInnerHTML[`'"]/.test(before)) return 'the flagged assignment is not React DOM\'s dangerouslySetInnerHTML branch';
      const ours = sourceFiles().filter((f) => /dangerouslySetInnerHTML|\.innerHTML\s*=|\.outerHTML\s*=|insertAdjacentHTML/.test(readFileSync(f, 'utf8')));
      return ours.length ? `our source now writes HTML: ${ours.map((f) => f.slice(root.length + 1)).join(', ')}` : null;
    },
  },
];

const bin = join(root, 'node_modules/.bin/addons-linter');
const r = spawnSync(bin, ['--output', 'json', dir], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
let report;
try {
  report = JSON.parse(r.stdout);
} catch {
  console.error(`addons-linter gave no report (exit ${r.status}):\n${r.stderr || r.stdout}`);
  process.exit(1);
}

const problems = [];
const explained = [];
for (const e of report.errors) problems.push(`error ${e.code} ${e.file ?? ''}:${e.line ?? ''} ${e.message}`);
for (const w of report.warnings) {
  const rule = EXPLAINED.find((x) => x.code === w.code);
  const at = `${w.file ?? 'manifest'}${w.line ? `:${w.line}:${w.column}` : ''}`;
  if (!rule) {
    problems.push(`warning ${w.code} ${at} ${w.message} (not explained in scripts/lint-firefox.mjs)`);
    continue;
  }
  const wrong = rule.check(w, w.file ? readFileSync(join(dir, w.file), 'utf8') : '');
  if (wrong) problems.push(`warning ${w.code} ${at}: its explanation no longer holds — ${wrong}`);
  else explained.push({ code: w.code, at, why: rule.why });
}

const s = report.summary;
const version = JSON.parse(readFileSync(join(root, 'node_modules/addons-linter/package.json'), 'utf8')).version;
console.log(`addons-linter ${version} on ${dir.slice(root.length + 1)}: ${s.errors} errors, ${s.warnings} warnings, ${s.notices} notices`);
for (const n of report.notices) console.log(`  notice ${n.code}: ${n.message}`);
for (const x of explained) console.log(`  explained warning ${x.code} at ${x.at}\n    ${x.why}`);
if (problems.length) {
  console.error(`\nFirefox lint failed:\n - ${problems.join('\n - ')}`);
  process.exit(1);
}
console.log('Firefox lint passed: no errors, every warning explained.');
