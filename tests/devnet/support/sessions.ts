/** Opening sessions the way the seed SDK does: approve on-chain, then POST /sessions. */
import { createPublicClient, createWalletClient, http, parseAbi, type Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import type { Account, Stack } from '../../../devnet/stack';

export const erc20 = parseAbi([
  'function approve(address spender, uint256 value) returns (bool)',
  'function allowance(address owner, address spender) view returns (uint256)',
  'function balanceOf(address owner) view returns (uint256)',
  'function transfer(address to, uint256 value) returns (bool)',
]);

export function clientsFor(stack: Pick<Stack, 'chain'>, account: Account) {
  const chain = {
    id: stack.chain.chainId,
    name: 'devnet',
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [stack.chain.rpcUrl] } },
  } as const;
  const publicClient = createPublicClient({ chain, transport: http(stack.chain.rpcUrl, { retryCount: 0 }), pollingInterval: 50 });
  const wallet = createWalletClient({ chain, account: privateKeyToAccount(account.privateKey), transport: http(stack.chain.rpcUrl, { retryCount: 0 }), pollingInterval: 50 });
  return { publicClient, wallet };
}

export async function balanceOf(stack: Stack, address: `0x${string}`): Promise<bigint> {
  const { publicClient } = clientsFor(stack, stack.accounts.deployer);
  return publicClient.readContract({ address: stack.token.address, abi: erc20, functionName: 'balanceOf', args: [address] });
}

/** Sends `approve(spender, value)` on `token` from `user` and waits for it to be mined. */
export async function approve(stack: Stack, user: Account, value: bigint, opts: { spender?: `0x${string}`; token?: `0x${string}` } = {}): Promise<Hex> {
  const { publicClient, wallet } = clientsFor(stack, user);
  const hash = await wallet.writeContract({
    address: opts.token ?? stack.token.address,
    abi: erc20,
    functionName: 'approve',
    args: [opts.spender ?? stack.facilitator.address, value],
  });
  const receipt = await publicClient.waitForTransactionReceipt({ hash });
  if (receipt.status !== 'success') throw new Error('approve reverted');
  return hash;
}

export interface SessionRequest {
  approvalTxHash: string;
  user: string;
  asset: string;
  recipient: string;
  cap: string;
  expiresAt: number;
  network: string;
}

export async function postSession(stack: Stack, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${stack.facilitator.url}/sessions`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

export const nowSeconds = (): number => Math.floor(Date.now() / 1000);

/** approve(cap) + POST /sessions; returns the session id. */
export async function openSession(stack: Stack, user: Account, cap: bigint, opts: { expiresIn?: number; network?: string } = {}): Promise<string> {
  const approvalTxHash = await approve(stack, user, cap);
  const { status, json } = await postSession(stack, {
    approvalTxHash,
    user: user.address,
    asset: stack.token.address,
    recipient: stack.api.recipient,
    cap: cap.toString(),
    expiresAt: nowSeconds() + (opts.expiresIn ?? 3600),
    network: opts.network ?? stack.chain.network,
  } satisfies SessionRequest);
  if (status !== 201 || typeof json.sessionId !== 'string') throw new Error(`POST /sessions → ${status} ${JSON.stringify(json)}`);
  return json.sessionId;
}
