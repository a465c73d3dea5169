import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// The build check on a hand-made output folder: it passes a clean one and fails the build when a
// wallet SDK reaches the background bundle or a family's signer chunk is missing.
function fakeBuild(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'x402-check-build-'));
  mkdirSync(join(dir, 'content-scripts'));
  const manifest = {
    content_scripts: [
      { matches: ['<all_urls>'], js: ['content-scripts/inpage.js'], world: 'MAIN', run_at: 'document_start' },
      { matches: ['<all_urls>'], js: ['content-scripts/relay.js'] },
    ],
  };
  const all = {
    'manifest.json': JSON.stringify(manifest),
    'content-scripts/inpage.js': 'void 0',
    'content-scripts/relay.js': 'void 0',
    'background.js': 'void 0',
    'signer-evm.js': 'void 0',
    // The chunks carry what the background must not: the check refuses markers that prove nothing.
    'signer-stellar.js': 'var a="@stellar/stellar-sdk",b="js-stellar-sdk",c="FREIGHTER_EXTERNAL_MSG_REQUEST";',
    'signer-solana.js': 'var a="wallet-standard:app-ready";',
    ...files,
  };
  for (const [name, text] of Object.entries(all)) writeFileSync(join(dir, name), text);
  return dir;
}

const check = (dir: string) => spawnSync(process.execPath, ['scripts/check-build.mjs', dir], { encoding: 'utf8' });

describe('scripts/check-build.mjs', () => {
  it('passes a clean build and reports the Stellar chunk', () => {
    const r = check(fakeBuild({}));
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/signer chunk \(lazy, stellar\)\s+signer-stellar\.js/);
  });

  it('fails when stellar-sdk or freighter-api code is in background.js', () => {
    for (const leak of ['Symbol.for(`@stellar/stellar-sdk.canceled`)', '"X-Client-Name":"js-stellar-sdk"', 'source:"FREIGHTER_EXTERNAL_MSG_REQUEST"']) {
      const r = check(fakeBuild({ 'background.js': `var a=${JSON.stringify(leak)};` }));
      expect(r.status, leak).toBe(1);
      expect(r.stderr).toMatch(/background\.js contains wallet code/);
    }
  });

  it('fails when the Stellar chunk lacks its markers (the background check would prove nothing)', () => {
    const r = check(fakeBuild({ 'signer-stellar.js': 'void 0' }));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/signer-stellar\.js lacks the stellar-sdk \/ freighter-api markers/);
  });

  it('fails when the Stellar signer chunk is missing', () => {
    const dir = fakeBuild({});
    const r = spawnSync('sh', ['-c', `rm ${join(dir, 'signer-stellar.js')} && ${process.execPath} scripts/check-build.mjs ${dir}`], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/signer-stellar\.js .* is missing/);
  });
});
