import type { ChainAdapter, WalletRequest, WalletResult } from '../types';
import { isEvmAddress } from './address';
import { erc20ApproveRequest } from './approve';
import { evmNetworks } from './network';
import { readErc20, readErc20Allowance, readErc20Balance } from './token';
import { verifyTypedSignature } from './typed-data';
import { verifyErc20Approve } from './verify';

/** A transaction is checked on chain; a typed-data signature by recovering its signer (typed-data.ts). */
function verifyEvmWallet(rpcUrl: string, request: WalletRequest, result: WalletResult): Promise<string | null> {
  return request.kind === 'erc20-approve' ? verifyErc20Approve(rpcUrl, request, result) : verifyTypedSignature(rpcUrl, request, result);
}

/** EVM: ERC-20 tokens, `approve(spender, cap)` and EIP-712 signatures in an EIP-1193/EIP-6963 wallet. */
export const evmChain: ChainAdapter = {
  ...evmNetworks,
  isAddress: isEvmAddress,
  readToken: readErc20,
  readAllowance: readErc20Allowance,
  readBalance: readErc20Balance,
  approveRequest: erc20ApproveRequest,
  verifyWallet: verifyEvmWallet,
  signer: { file: '/signer-evm.js', entry: 'evm' },
};
