import { createPublicClient, http } from 'viem';
import type { TokenInfo } from '../types';
import { ERC20_ABI } from './abi';

function client(rpcUrl: string) {
  return createPublicClient({ transport: http(rpcUrl, { timeout: 10_000, retryCount: 1 }) });
}

/** Symbol and decimals of an ERC-20, read over the RPC the person configured (or the default). */
export async function readErc20(rpcUrl: string, asset: string): Promise<TokenInfo> {
  const c = client(rpcUrl);
  const address = asset as `0x${string}`;
  const [symbol, decimals] = await Promise.all([
    c.readContract({ address, abi: ERC20_ABI, functionName: 'symbol' }),
    c.readContract({ address, abi: ERC20_ABI, functionName: 'decimals' }),
  ]);
  return { symbol: String(symbol).slice(0, 16), decimals: Number(decimals) };
}

export async function readErc20Allowance(rpcUrl: string, asset: string, owner: string, spender: string): Promise<bigint> {
  return client(rpcUrl).readContract({
    address: asset as `0x${string}`,
    abi: ERC20_ABI,
    functionName: 'allowance',
    args: [owner as `0x${string}`, spender as `0x${string}`],
  });
}

export async function readErc20Balance(rpcUrl: string, asset: string, owner: string): Promise<bigint> {
  return client(rpcUrl).readContract({ address: asset as `0x${string}`, abi: ERC20_ABI, functionName: 'balanceOf', args: [owner as `0x${string}`] });
}
