import { createPublicClient, encodeFunctionData, http, isAddress, parseAbi } from 'viem';
import type { ChainAdapter, SessionTerms } from './types';

export const ERC20_ABI = parseAbi([
  'function approve(address spender, uint256 value) returns (bool)',
  'function allowance(address owner, address spender) view returns (uint256)',
  'function balanceOf(address account) view returns (uint256)',
  'function decimals() view returns (uint8)',
  'function symbol() view returns (string)',
  'function name() view returns (string)',
]);

function client(rpcUrl: string) {
  return createPublicClient({ transport: http(rpcUrl, { timeout: 10_000, retryCount: 1 }) });
}

function chainIdOf(terms: SessionTerms): number {
  if (terms.network.chainId === undefined) throw new Error(`not an EVM network: ${terms.network.id}`);
  return terms.network.chainId;
}

/** ERC-20 `approve(spender, cap)` then the facilitator `transferFrom`s per call. Expiry is off-chain. */
export const evmAdapter: ChainAdapter = {
  family: 'evm',
  isAddress: (value) => isAddress(value, { strict: false }),
  sameAddress: (a, b) => a.toLowerCase() === b.toLowerCase(),
  expiry(expiresIn, nowSeconds) {
    const expiresAt = nowSeconds + expiresIn;
    return { expiresAt, wire: { expiresAt } };
  },
  approveRequest(terms) {
    const token = terms.asset as `0x${string}`;
    const spender = terms.spender as `0x${string}`;
    return {
      family: 'evm',
      chainId: chainIdOf(terms),
      token,
      spender,
      amount: terms.cap.toString(),
      data: encodeFunctionData({ abi: ERC20_ABI, functionName: 'approve', args: [spender, terms.cap] }),
    };
  },
  sessionBody(terms, approval, nowSeconds) {
    return {
      approvalTxHash: approval.txHash,
      user: approval.user,
      asset: terms.asset,
      recipient: terms.recipient,
      cap: terms.cap.toString(),
      expiresAt: nowSeconds + terms.expiresIn,
      network: terms.facilitatorNetwork,
    };
  },
  paymentPayload: (sessionId) => ({ sessionId }),
  async readToken(rpcUrl, asset) {
    const c = client(rpcUrl);
    const address = asset as `0x${string}`;
    const [symbol, decimals] = await Promise.all([
      c.readContract({ address, abi: ERC20_ABI, functionName: 'symbol' }),
      c.readContract({ address, abi: ERC20_ABI, functionName: 'decimals' }),
    ]);
    return { symbol: String(symbol).slice(0, 16), decimals: Number(decimals) };
  },
  async readAllowance(rpcUrl, asset, owner, spender) {
    return client(rpcUrl).readContract({
      address: asset as `0x${string}`,
      abi: ERC20_ABI,
      functionName: 'allowance',
      args: [owner as `0x${string}`, spender as `0x${string}`],
    });
  },
};
