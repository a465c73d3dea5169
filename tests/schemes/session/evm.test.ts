import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWalletClient, decodeFunctionData, defineChain, http } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { startStack, type Stack } from '../../../devnet/stack';
import { resolveNetwork } from '../../../lib/chains/networks';
import { evmChain } from '../../../lib/chains/evm';
import { ERC20_ABI } from '../../../lib/chains/evm/abi';
import { evmSessionRules } from '../../../lib/schemes/session/evm';

// `session` on EVM against a real chain, token and facilitator: the approve the chain adapter asks
// the wallet to sign, once sent, is what the facilitator accepts with the body the scheme builds,
// and the adapter's reads see it.
describe('session on EVM, on the local chain', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ quiet: true });
  });
  afterAll(() => stack.stop());

  it('builds the approve, reads token metadata and the allowance it creates', async () => {
    const user = stack.accounts.users[0]!;
    const terms = { network: resolveNetwork(stack.chain.network)!, facilitatorNetwork: stack.chain.network, asset: stack.token.address, recipient: stack.api.recipient, spender: stack.facilitator.address, cap: 1_234_567n, approveAmount: 1_234_567n, expiresIn: 600 };
    const ctx = { chain: evmChain, now: () => 0 } as unknown as Parameters<typeof evmSessionRules.walletRequest>[0];
    const req = (await evmSessionRules.walletRequest(ctx, terms)) as unknown as { kind: string; data: `0x${string}`; token: `0x${string}` };
    expect(req).toMatchObject({ kind: 'erc20-approve', network: stack.chain.network, chainId: stack.chain.chainId, token: stack.token.address, spender: stack.facilitator.address, amount: '1234567' });
    expect(decodeFunctionData({ abi: ERC20_ABI, data: req.data })).toEqual({ functionName: 'approve', args: [stack.facilitator.address, 1_234_567n] });

    expect(await evmChain.readToken(stack.chain.rpcUrl, stack.token.address)).toEqual({ symbol: 'USDC', decimals: 6 });
    expect(await evmChain.readAllowance(stack.chain.rpcUrl, stack.token.address, user.address, stack.facilitator.address)).toBe(0n);
    const chain = defineChain({ id: stack.chain.chainId, name: 'devnet', nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [stack.chain.rpcUrl] } } });
    const wallet = createWalletClient({ account: privateKeyToAccount(user.privateKey as `0x${string}`), chain, transport: http(stack.chain.rpcUrl) });
    const hash = await wallet.sendTransaction({ to: req.token, data: req.data });
    expect(await evmChain.readAllowance(stack.chain.rpcUrl, stack.token.address, user.address, stack.facilitator.address)).toBe(1_234_567n);

    // The body the scheme builds is one the real facilitator accepts.
    const body = evmSessionRules.registrationBody(terms, { user: user.address, txHash: hash }, Math.floor(Date.now() / 1000), req as never);
    const res = await fetch(`${stack.facilitator.url}/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ cap: '1234567', spent: '0' });
  });
});
