#!/usr/bin/env node
// Checks the built extension's shape and budgets: the manifest carries the MAIN-world script and the
// relay; wallet code (signer.js) is never a manifest content script; the MAIN-world script stays
// within 15 KB minified. Prints the sizes so every build shows where the budget stands.
import { readFileSync, existsSync, statSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';

const dir = process.argv[2] ?? '.output/chrome-mv3';
const BUDGET = 15 * 1024;
const problems = [];
const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
const scripts = manifest.content_scripts ?? [];
const main = scripts.find((c) => c.world === 'MAIN');
const relay = scripts.find((c) => (c.world ?? 'ISOLATED') === 'ISOLATED');
if (!main) problems.push('no MAIN-world content script in the manifest');
if (!relay) problems.push('no isolated-world relay content script in the manifest');
for (const c of scripts) for (const js of c.js ?? []) if (/signer/.test(js)) problems.push(`wallet signer is a manifest content script: ${js}`);
if (main && main.run_at !== 'document_start') problems.push(`MAIN-world script runs at ${main.run_at}, not document_start`);
if (!existsSync(join(dir, 'signer.js'))) problems.push('signer.js (the lazily injected wallet chunk) is missing');

const size = (file) => {
  const buf = readFileSync(join(dir, file));
  return { file, bytes: buf.length, gzip: gzipSync(buf).length };
};
const rows = [];
if (main) rows.push({ role: 'MAIN-world script', ...size(main.js[0]) });
if (relay) rows.push({ role: 'relay content script', ...size(relay.js[0]) });
for (const [role, file] of [['background', 'background.js'], ['signer chunk (lazy)', 'signer.js']]) if (existsSync(join(dir, file))) rows.push({ role, ...size(file) });
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
console.log(`\nBuild check (${dir}):`);
for (const r of rows) console.log(`  ${r.role.padEnd(22)} ${r.file.padEnd(34)} ${kb(r.bytes).padStart(9)} min  ${kb(r.gzip).padStart(9)} gzip`);
if (main) {
  const s = statSync(join(dir, main.js[0])).size;
  console.log(`  MAIN-world budget: ${kb(s)} of ${kb(BUDGET)} ${s <= BUDGET ? 'OK' : 'OVER'}`);
  if (s > BUDGET) problems.push(`MAIN-world script is ${s} bytes, over the ${BUDGET}-byte budget`);
}
if (problems.length) {
  console.error(`\nBuild check failed:\n - ${problems.join('\n - ')}`);
  process.exit(1);
}
console.log('Build check passed.');
