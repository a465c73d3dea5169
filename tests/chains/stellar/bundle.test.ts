import { join } from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

// The background bundle must never contain stellar-sdk: bundle the background-safe entry the
// way a build would and look at what went in. The wallet signer, by contrast, carries the SDK.
const ROOT = join(import.meta.dirname, '..', '..', '..');

async function inputsOf(entry: string): Promise<{ inputs: string[]; bytes: number }> {
  const result = await build({
    entryPoints: [join(ROOT, entry)],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'chrome120',
    minify: true,
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  return { inputs: Object.keys(result.metafile.inputs), bytes: result.outputFiles[0]!.contents.length };
}

describe('what the Stellar modules pull into a bundle', () => {
  it('lib/chains/stellar/index.ts (background): no @stellar package, no node_modules at all, a few KB', async () => {
    const { inputs, bytes } = await inputsOf('lib/chains/stellar/index.ts');
    expect(inputs.filter((i) => i.includes('node_modules'))).toEqual([]);
    expect(inputs.every((i) => i.startsWith('lib/chains/stellar/'))).toBe(true);
    expect(bytes).toBeLessThan(40 * 1024);
  });

  it('lib/chains/stellar/wallet.ts (signer chunk) carries stellar-sdk and freighter-api', async () => {
    const { inputs } = await inputsOf('lib/chains/stellar/wallet.ts');
    expect(inputs.some((i) => i.includes('node_modules/@stellar/stellar-sdk/'))).toBe(true);
    expect(inputs.some((i) => i.includes('node_modules/@stellar/freighter-api/'))).toBe(true);
  });
});
