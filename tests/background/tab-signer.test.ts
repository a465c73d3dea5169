import { describe, expect, it } from 'vitest';
import { evmChain } from '../../lib/chains/evm';
import { stellarChain } from '../../lib/chains/stellar';
import { createTabSigner, outcomeOf } from '../../lib/background/tab-signer';
import type { ScriptingPorts } from '../../lib/background/browser-ports';
import { readSettings } from '../../lib/settings';

const caller = { kind: 'page' as const, origin: 'https://a.example', tabId: 3, frameId: 5 };

describe('the wallet step in the tab', () => {
  it('injects the family chunk into the calling frame, then runs the request there with its RPC and wallet choice', async () => {
    const calls: Parameters<ScriptingPorts['executeScript']>[0][] = [];
    const scripting: ScriptingPorts = {
      executeScript: async (inj) => {
        calls.push(inj);
        return inj.files ? [{}] : [{ result: { ok: true, user: '0xabc', txHash: '0x' + '1'.repeat(64) } }];
      },
    };
    const settings = async () => readSettings({ rpc: { 'eip155:84532': 'https://my.rpc' }, preferredWallet: 'io.metamask' });
    const out = await createTabSigner(scripting, settings).sign(caller, evmChain, { kind: 'erc20-approve', network: 'eip155:84532', amount: '1' });
    expect(out).toEqual({ user: '0xabc', txHash: '0x' + '1'.repeat(64) });
    expect(calls[0]).toMatchObject({ target: { tabId: 3, frameIds: [5] }, world: 'MAIN', files: ['/signer-evm.js'] });
    expect(calls[1]!.args).toEqual(['__x402sessionSigner:evm', { kind: 'erc20-approve', network: 'eip155:84532', amount: '1', rpcUrl: 'https://my.rpc', chainName: 'Base Sepolia', preferredRdns: 'io.metamask' }, 'https://a.example', 'x402session:signer-absent']);
    // With a document id (Chrome), exactly that document; a document that is gone fails cleanly.
    calls.length = 0;
    await createTabSigner(scripting, settings).sign({ ...caller, documentId: 'DOC1' }, evmChain, { kind: 'erc20-approve', network: 'eip155:84532' });
    expect(calls.map((c) => c.target)).toEqual([{ tabId: 3, documentIds: ['DOC1'] }, { tabId: 3, documentIds: ['DOC1'] }]);
    const gone: ScriptingPorts = { executeScript: async () => Promise.reject(new Error('No document with id DOC1')) };
    await expect(createTabSigner(gone, settings).sign({ ...caller, documentId: 'DOC1' }, evmChain, { kind: 'erc20-approve', network: 'eip155:84532' })).rejects.toMatchObject({ code: 4900, reason: 'document_gone' });
  });

  it('injects the chunk once per document: later requests only run it, and a document that lost it gets it again', async () => {
    const calls: Parameters<ScriptingPorts['executeScript']>[0][] = [];
    let present = false;
    const scripting: ScriptingPorts = {
      executeScript: async (inj) => {
        calls.push(inj);
        if (inj.files) {
          present = true;
          return [{}];
        }
        return [{ result: present ? { ok: true, user: '0xabc', txHash: '', extra: { signature: '0x' + '1'.repeat(130) } } : inj.args![3] }];
      },
    };
    const signer = createTabSigner(scripting, async () => readSettings({}));
    const doc = { ...caller, documentId: 'DOC7' };
    const req = { kind: 'eip3009-authorization', network: 'eip155:84532' };
    for (let i = 0; i < 3; i++) expect(await signer.sign(doc, evmChain, req)).toMatchObject({ user: '0xabc', extra: { signature: '0x' + '1'.repeat(130) } });
    // One injection, then three runs.
    expect(calls.map((c) => (c.files ? 'inject' : 'run'))).toEqual(['inject', 'run', 'run', 'run']);
    // The page lost the chunk (the hint is stale, e.g. a frame that navigated): it answers ABSENT, gets it again, runs.
    calls.length = 0;
    present = false;
    expect(await signer.sign(doc, evmChain, req)).toMatchObject({ user: '0xabc' });
    expect(calls.map((c) => (c.files ? 'inject' : 'run'))).toEqual(['run', 'inject', 'run']);
    // Another document is another injection.
    calls.length = 0;
    await signer.sign({ ...caller, documentId: 'DOC8' }, evmChain, req);
    expect(calls.map((c) => (c.files ? 'inject' : 'run'))).toEqual(['inject', 'run']);
  });

  it('trusts nothing the page world answers: malformed is an error, reasons are mapped to ours', () => {
    expect(() => outcomeOf(undefined)).toThrow(/did not run/);
    expect(() => outcomeOf({ ok: true, user: 5 })).toThrow(/malformed/);
    expect(() => outcomeOf({ ok: false, code: 4001, reason: 'user_rejected', message: 'no' })).toThrow(expect.objectContaining({ code: 4001, reason: 'user_rejected' }));
    expect(() => outcomeOf({ ok: false, code: 4900, reason: 'no_wallet', message: 'none' })).toThrow(expect.objectContaining({ code: 4900, reason: 'no_wallet' }));
    expect(() => outcomeOf({ ok: false, code: 1, reason: '<script>', message: 'x'.repeat(900) })).toThrow(expect.objectContaining({ code: -32603, reason: 'wallet_error' }));
  });

  it('gives the page the EIP-1193 code of our reason, whatever number the page world sent (the Stellar signer’s reasons)', () => {
    const cases: [string, number][] = [
      ['user_rejected', 4001],
      ['wallet_locked', 4001],
      ['no_wallet', 4900],
      ['wrong_network', 4901],
      ['wallet_timeout', -32603],
      ['approve_failed', -32603],
      ['invalid_request', -32602],
    ];
    for (const [reason, code] of cases) {
      expect(() => outcomeOf({ ok: false, code: 7, reason, message: 'm' }), reason).toThrow(expect.objectContaining({ code, reason }));
    }
  });

  it('injects the Stellar chunk for a Stellar request, with the Soroban RPC of the settings', async () => {
    const calls: Parameters<ScriptingPorts['executeScript']>[0][] = [];
    const scripting: ScriptingPorts = {
      executeScript: async (inj) => {
        calls.push(inj);
        return inj.files ? [{}] : [{ result: { ok: false, code: 4001, reason: 'user_rejected', message: 'The approve was rejected in Freighter. Nothing was sent.' } }];
      },
    };
    const settings = async () => readSettings({ rpc: { 'stellar:testnet': 'https://my.soroban' } });
    await expect(createTabSigner(scripting, settings).sign(caller, stellarChain, { kind: 'sac-approve', network: 'stellar:testnet' })).rejects.toMatchObject({ code: 4001, reason: 'user_rejected', message: /rejected in Freighter/ });
    expect(calls[0]).toMatchObject({ files: ['/signer-stellar.js'], world: 'MAIN' });
    expect(calls[1]!.args![0]).toBe('__x402sessionSigner:stellar');
    expect(calls[1]!.args![1]).toMatchObject({ kind: 'sac-approve', rpcUrl: 'https://my.soroban' });
  });
});
