import type { ChainAdapter } from '../types';
import { isEvmAddress } from './address';
import { erc20ApproveRequest } from './approve';
import { evmNetworks } from './network';
import { readErc20, readErc20Allowance, readErc20Balance } from './token';
import { verifyErc20Approve } from './verify';

/** EVM: ERC-20 tokens, `approve(spender, cap)` signed in an EIP-1193/EIP-6963 wallet. */
export const evmChain: ChainAdapter = {
  ...evmNetworks,
  isAddress: isEvmAddress,
  readToken: readErc20,
  readAllowance: readErc20Allowance,
  readBalance: readErc20Balance,
  approveRequest: erc20ApproveRequest,
  verifyWallet: verifyErc20Approve,
  signer: { file: '/signer-evm.js', entry: 'evm' },
};
