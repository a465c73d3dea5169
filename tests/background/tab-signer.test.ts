import { describe, expect, it } from 'vitest';
import { evmChain } from '../../lib/chains/evm';
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
    expect(calls[1]!.args).toEqual(['__x402sessionSigner:evm', { kind: 'erc20-approve', network: 'eip155:84532', amount: '1', rpcUrl: 'https://my.rpc', chainName: 'Base Sepolia', preferredRdns: 'io.metamask' }]);
  });

  it('trusts nothing the page world answers: malformed is an error, reasons are mapped to ours', () => {
    expect(() => outcomeOf(undefined)).toThrow(/did not run/);
    expect(() => outcomeOf({ ok: true, user: 5 })).toThrow(/malformed/);
    expect(() => outcomeOf({ ok: false, code: 4001, reason: 'user_rejected', message: 'no' })).toThrow(expect.objectContaining({ code: 4001, reason: 'user_rejected' }));
    expect(() => outcomeOf({ ok: false, code: 4900, reason: 'no_wallet', message: 'none' })).toThrow(expect.objectContaining({ code: 4900, reason: 'no_wallet' }));
    expect(() => outcomeOf({ ok: false, code: 1, reason: '<script>', message: 'x'.repeat(900) })).toThrow(expect.objectContaining({ code: -32603, reason: 'wallet_error' }));
  });
});
