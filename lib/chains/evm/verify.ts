import { createPublicClient, decodeFunctionData, http, type Hex } from 'viem';
import type { WalletRequest, WalletResult } from '../types';
import { ERC20_ABI } from './abi';
import type { EvmApproveRequest } from './approve';

const lower = (a: string) => a.toLowerCase();

/**
 * Did exactly the approved transaction happen? The signer chunk runs in a page-controlled world, so
 * what it reports is checked on chain before anything is stored: the transaction exists, succeeded,
 * was sent by the reported payer to the token, and is `approve(spender, amount)` with the approved
 * spender and amount. Null when it is; otherwise why not. Throws when the chain cannot be read.
 */
export async function verifyErc20Approve(rpcUrl: string, request: WalletRequest, result: WalletResult): Promise<string | null> {
  if (request.kind !== 'erc20-approve') return 'not an approve request';
  const req = request as EvmApproveRequest;
  if (!/^0x[0-9a-fA-F]{64}$/.test(result.txHash)) return 'not a transaction hash';
  const client = createPublicClient({ transport: http(rpcUrl, { timeout: 10_000, retryCount: 2 }) });
  const hash = result.txHash as Hex;
  const [tx, receipt] = await Promise.all([client.getTransaction({ hash }), client.getTransactionReceipt({ hash })]);
  if (receipt.status !== 'success') return 'the transaction reverted';
  if (tx.chainId !== undefined && tx.chainId !== req.chainId) return `the transaction is on chain ${tx.chainId}`;
  if (!tx.to || lower(tx.to) !== lower(req.token)) return 'the transaction is not to the token';
  if (lower(tx.from) !== lower(result.user)) return 'the transaction was not sent by the reported payer';
  let call;
  try {
    call = decodeFunctionData({ abi: ERC20_ABI, data: tx.input });
  } catch {
    return 'the transaction is not an ERC-20 call';
  }
  if (call.functionName !== 'approve') return `the transaction calls ${call.functionName}, not approve`;
  const [spender, amount] = call.args as readonly [string, bigint];
  if (lower(spender) !== lower(req.spender)) return 'the approve names another spender';
  if (amount !== BigInt(req.amount)) return `the approve is for ${amount}, not ${req.amount}`;
  return null;
}
