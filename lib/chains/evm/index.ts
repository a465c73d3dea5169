import type { ChainAdapter } from '../types';
import { isEvmAddress } from './address';
import { erc20ApproveRequest } from './approve';
import { evmNetworks } from './network';
import { readErc20, readErc20Allowance } from './token';

/** EVM: ERC-20 tokens, `approve(spender, cap)` signed in an EIP-1193/EIP-6963 wallet. */
export const evmChain: ChainAdapter = {
  ...evmNetworks,
  isAddress: isEvmAddress,
  readToken: readErc20,
  readAllowance: readErc20Allowance,
  approveRequest: erc20ApproveRequest,
  signer: { file: '/signer-evm.js', entry: 'evm' },
};
