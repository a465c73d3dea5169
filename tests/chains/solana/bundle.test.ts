import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

// The background bundle must stay free of Solana SDKs and of browser-only APIs.
describe('lib/chains/solana bundle boundaries', () => {
  it('the pure index pulls no @solana/*, @wallet-standard/*, bs58 or buffer, and touches no window/document', async () => {
    const result = await build({
      entryPoints: ['lib/chains/solana/index.ts'],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      write: false,
      metafile: true,
      minify: true,
      logLevel: 'silent',
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.filter((i) => /node_modules\/(@solana|@wallet-standard|bs58|buffer)\//.test(i))).toEqual([]);
    expect(inputs.some((i) => i.includes('@noble/curves'))).toBe(true);
    const code = result.outputFiles[0]!.text;
    expect(code).not.toMatch(/\b(window|document|localStorage)\./);
  });

  it('the signer chunk (wallet.ts) pulls no web3.js and stays small', async () => {
    const result = await build({
      entryPoints: ['lib/chains/solana/wallet.ts'],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: 'chrome120',
      write: false,
      metafile: true,
      minify: true,
      logLevel: 'silent',
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.filter((i) => i.includes('@solana/web3.js'))).toEqual([]);
    expect(result.outputFiles[0]!.contents.length).toBeLessThan(80_000);
  });
});
