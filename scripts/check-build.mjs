#!/usr/bin/env node
// Checks the built extension's shape and budgets: the manifest carries the MAIN-world script and the
// relay; wallet code (the signer-<family>.js chunks: EVM's viem/wagmi, Stellar's stellar-sdk and
// freighter-api) is never a manifest content script and never in the background; the MAIN-world script stays within 15 KB minified. Prints the sizes so every
// build shows where the budget stands.
import { readFileSync, readdirSync, existsSync, statSync } from 'node:fs';
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
const signers = readdirSync(dir).filter((f) => /^signer-[a-z0-9]+\.js$/.test(f)).sort();
for (const family of ['evm', 'stellar', 'solana']) if (!signers.includes(`signer-${family}.js`)) problems.push(`signer-${family}.js (the lazily injected ${family} wallet chunk) is missing`);
// The wallet libraries stay out of the background bundle: they are the signer chunks' business.
// Solana: Wallet Standard's event and feature names, and a web3.js error text, survive minification.
const SOLANA_MARKERS = ['wallet-standard:app-ready', 'wallet-standard:register-wallet', 'solana:signTransaction', 'solana:signMessage', 'Invalid public key input'];
// Stellar: '@stellar' (the SDK's package name, in its bundled texts), 'js-stellar-sdk' (its
// client-name header) and freighter-api's message tag; the background reads Soroban without them.
const STELLAR_MARKERS = ['@stellar', 'js-stellar-sdk', 'FREIGHTER_EXTERNAL_MSG'];
const background = existsSync(join(dir, 'background.js')) ? readFileSync(join(dir, 'background.js'), 'utf8') : '';
for (const marker of ['@wagmi/core', 'wagmi', 'freighter', 'StandardWalletAdapter', ...SOLANA_MARKERS, ...STELLAR_MARKERS]) if (background.includes(marker)) problems.push(`background.js contains wallet code (${marker})`);
// The markers must mean something: each chunk itself carries them.
const chunk = (family) => (signers.includes(`signer-${family}.js`) ? readFileSync(join(dir, `signer-${family}.js`), 'utf8') : '');
const solanaChunk = chunk('solana');
if (solanaChunk && !solanaChunk.includes('wallet-standard:app-ready')) problems.push('signer-solana.js lacks Wallet Standard discovery: the background check above would prove nothing');
const stellarChunk = chunk('stellar');
if (stellarChunk && !STELLAR_MARKERS.every((m) => stellarChunk.includes(m))) problems.push('signer-stellar.js lacks the stellar-sdk / freighter-api markers: the background check above would prove nothing');

const size = (file) => {
  const buf = readFileSync(join(dir, file));
  return { file, bytes: buf.length, gzip: gzipSync(buf).length };
};
const rows = [];
if (main) rows.push({ role: 'MAIN-world script', ...size(main.js[0]) });
if (relay) rows.push({ role: 'relay content script', ...size(relay.js[0]) });
if (existsSync(join(dir, 'background.js'))) rows.push({ role: 'background', ...size('background.js') });
for (const file of signers) rows.push({ role: `signer chunk (lazy, ${file.slice(7, -3)})`, ...size(file) });
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
console.log(`\nBuild check (${dir}):`);
for (const r of rows) console.log(`  ${r.role.padEnd(30)} ${r.file.padEnd(34)} ${kb(r.bytes).padStart(9)} min  ${kb(r.gzip).padStart(9)} gzip`);
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
