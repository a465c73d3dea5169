import { encodeFunctionData } from 'viem';
import type { ApproveInput, WalletRequest } from '../types';
import { ERC20_ABI } from './abi';

/** What the EVM signer chunk sends: one ERC-20 `approve(spender, amount)`. */
export interface EvmApproveRequest extends WalletRequest {
  kind: 'erc20-approve';
  chainId: number;
  token: `0x${string}`;
  spender: `0x${string}`;
  amount: string;
  data: `0x${string}`;
}

/** ERC-20 approvals do not expire on chain: `expiresAt` is the facilitator's business. */
export function erc20ApproveRequest(input: ApproveInput): EvmApproveRequest {
  if (input.network.chainId === undefined) throw new Error(`not an EVM network: ${input.network.id}`);
  const token = input.asset as `0x${string}`;
  const spender = input.spender as `0x${string}`;
  return {
    kind: 'erc20-approve',
    network: input.network.id,
    chainId: input.network.chainId,
    token,
    spender,
    amount: input.amount.toString(),
    data: encodeFunctionData({ abi: ERC20_ABI, functionName: 'approve', args: [spender, input.amount] }),
  };
}
