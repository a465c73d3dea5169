#!/usr/bin/env node
/**
 * After `wxt zip` (Chrome) and `wxt zip -b firefox` (Firefox + its sources): checks that the three
 * store packages are there and whole — each manifest's icons are in its zip, the privacy page
 * ships, the Firefox manifest carries its id and data_collection_permissions, and the sources zip
 * holds what rebuilds the extension. Reads the zips with node:zlib (no unzip on a fresh machine).
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';

const root = join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..');
const { name, version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

/** name → () => contents, from the zip's central directory (stored or deflated entries). */
export function readZip(path) {
  const buf = readFileSync(path);
  let eocd = buf.length - 22;
  while (eocd >= 0 && buf.readUInt32LE(eocd) !== 0x06054b50) eocd--;
  if (eocd < 0) throw new Error(`${path} is not a zip`);
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const files = new Map();
  for (let i = 0; i < count; i++) {
    if (buf.readUInt32LE(p) !== 0x02014b50) throw new Error(`${path}: bad central directory`);
    const method = buf.readUInt16LE(p + 10);
    const compressed = buf.readUInt32LE(p + 20);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const local = buf.readUInt32LE(p + 42);
    const file = buf.toString('utf8', p + 46, p + 46 + nameLen);
    files.set(file, () => {
      const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
      const data = buf.subarray(start, start + compressed);
      return method === 0 ? data : inflateRawSync(data);
    });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return files;
}

const problems = [];
const out = join(root, '.output');
function checkPackage(browser) {
  const zip = join(out, `${name}-${version}-${browser}.zip`);
  const files = readZip(zip);
  const manifest = JSON.parse(files.get('manifest.json')?.().toString('utf8') ?? 'null');
  if (!manifest) return problems.push(`${zip}: no manifest.json`);
  const icons = [...Object.values(manifest.icons ?? {}), ...Object.values(manifest.action?.default_icon ?? {})];
  if (!manifest.icons?.['128']) problems.push(`${browser}: the manifest has no 128px icon (the stores need it)`);
  for (const icon of icons) if (!files.has(String(icon).replace(/^\//, ''))) problems.push(`${browser}: manifest icon ${icon} is not in the zip`);
  for (const state of ['idle', 'active', 'low', 'exhausted']) for (const size of [16, 32]) if (!files.has(`icons/${state}-${size}.png`)) problems.push(`${browser}: toolbar icon icons/${state}-${size}.png missing`);
  if (!files.has('privacy.html')) problems.push(`${browser}: privacy.html missing`);
  if ([...files.keys()].some((f) => f.endsWith('.map'))) problems.push(`${browser}: source maps in the store package`);
  if (browser === 'firefox') {
    const gecko = manifest.browser_specific_settings?.gecko;
    if (!gecko?.id) problems.push('firefox: no gecko id');
    if (!gecko?.data_collection_permissions?.required?.length) problems.push('firefox: no data_collection_permissions');
  }
  console.log(`${zip.slice(root.length + 1)}: ${files.size} files, ${(statSync(zip).size / 1024).toFixed(0)} KB; icons ${icons.join(', ')}`);
}

checkPackage('chrome');
checkPackage('firefox');
const sourcesZip = join(out, `${name}-${version}-sources.zip`);
const sources = readZip(sourcesZip);
for (const f of ['package.json', 'package-lock.json', 'wxt.config.ts', 'tsconfig.json', 'entrypoints/background.ts', 'scripts/check-build.mjs', 'public/icons/icon-128.png', 'README.md', 'PRIVACY.md']) {
  if (!sources.has(f)) problems.push(`sources zip: ${f} missing`);
}
for (const f of sources.keys()) if (/^(node_modules|\.output|\.wxt)\//.test(f)) problems.push(`sources zip: ${f} should not be there`);
console.log(`${sourcesZip.slice(root.length + 1)}: ${sources.size} files, ${(statSync(sourcesZip).size / 1024).toFixed(0)} KB (rebuild: npm ci && npm run build:firefox)`);

if (problems.length) {
  console.error(`\nStore packages incomplete:\n - ${problems.join('\n - ')}`);
  process.exit(1);
}
console.log('Store packages check passed.');
