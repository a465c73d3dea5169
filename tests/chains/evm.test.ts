import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWalletClient, decodeFunctionData, defineChain, http } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { startStack, type Stack } from '../../devnet/stack';
import { ERC20_ABI, evmAdapter } from '../../lib/chains/evm';
import { normalizeNetwork } from '../../lib/x402/networks';

// The EVM adapter against a real chain and token: the approve it asks the wallet to sign, once
// sent, is what the facilitator accepts, and its reads see it.
describe('EVM chain adapter on the local chain', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ quiet: true });
  });
  afterAll(() => stack.stop());

  it('builds the approve, reads token metadata and the allowance it creates', async () => {
    const user = stack.accounts.users[0]!;
    const terms = { network: normalizeNetwork(stack.chain.network)!, facilitatorNetwork: stack.chain.network, asset: stack.token.address, recipient: stack.api.recipient, spender: stack.facilitator.address, cap: 1_234_567n, expiresIn: 600 };
    const req = evmAdapter.approveRequest(terms, 0);
    if (req.family !== 'evm') throw new Error('not evm');
    expect(req).toMatchObject({ chainId: stack.chain.chainId, token: stack.token.address, spender: stack.facilitator.address, amount: '1234567' });
    expect(decodeFunctionData({ abi: ERC20_ABI, data: req.data })).toEqual({ functionName: 'approve', args: [stack.facilitator.address, 1_234_567n] });

    expect(await evmAdapter.readToken(stack.chain.rpcUrl, stack.token.address)).toEqual({ symbol: 'USDC', decimals: 6 });
    expect(await evmAdapter.readAllowance(stack.chain.rpcUrl, stack.token.address, user.address, stack.facilitator.address)).toBe(0n);
    const chain = defineChain({ id: stack.chain.chainId, name: 'devnet', nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [stack.chain.rpcUrl] } } });
    const wallet = createWalletClient({ account: privateKeyToAccount(user.privateKey as `0x${string}`), chain, transport: http(stack.chain.rpcUrl) });
    const hash = await wallet.sendTransaction({ to: req.token, data: req.data });
    expect(await evmAdapter.readAllowance(stack.chain.rpcUrl, stack.token.address, user.address, stack.facilitator.address)).toBe(1_234_567n);

    // The body it builds is one the real facilitator accepts.
    const body = evmAdapter.sessionBody(terms, { user: user.address, txHash: hash }, Math.floor(Date.now() / 1000));
    const res = await fetch(`${stack.facilitator.url}/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ cap: '1234567', spent: '0' });
  });
});
