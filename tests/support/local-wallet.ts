import { createPublicClient, createWalletClient, http, parseAbi, type Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import type { WalletSigner } from '../../lib/background/context';
import type { ChainAdapter, WalletRequest, WalletResult } from '../../lib/chains/types';
import { authorizationTypedData, permitTypedData, type EvmPermitRequest, type EvmTransferAuthorizationRequest } from '../../lib/chains/evm/typed-data';
import type { EvmApproveRequest } from '../../lib/chains/evm/approve';
import { RpcCode, WalletError } from '../../lib/errors';

const NONCES = parseAbi(['function nonces(address owner) view returns (uint256)']);

/**
 * The person's wallet in Node, for background tests against the devnet chain: what the EVM signer
 * chunk does in the page (lib/chains/evm/wallet.ts), with a dev key. It signs for real, so the
 * background's own checks (recovery, nonce, on-chain approve) run unchanged. `mode` is what the
 * "person" (or a lying page world) does.
 */
export class LocalWallet implements WalletSigner {
  mode: 'sign' | 'reject' | 'other-key' | 'stale-nonce' = 'sign';
  readonly asked: string[] = [];
  private readonly account;
  private readonly other = privateKeyToAccount('0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d');
  private readonly chain;

  constructor(
    privateKey: Hex,
    private readonly rpcUrl: string,
    chainId: number,
  ) {
    this.account = privateKeyToAccount(privateKey);
    this.chain = { id: chainId, name: 'devnet', nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [rpcUrl] } } } as const;
  }

  get address(): `0x${string}` {
    return this.account.address;
  }

  async sign(_caller: unknown, _chain: ChainAdapter, request: WalletRequest): Promise<WalletResult> {
    this.asked.push(request.kind);
    if (this.mode === 'reject') throw new WalletError(RpcCode.UserRejected, 'user_rejected', 'The wallet request was rejected.');
    const signer = this.mode === 'other-key' ? this.other : this.account;
    const publicClient = createPublicClient({ chain: this.chain, transport: http(this.rpcUrl) });
    if (request.kind === 'erc2612-permit') {
      const req = request as EvmPermitRequest;
      let nonce = await publicClient.readContract({ address: req.token, abi: NONCES, functionName: 'nonces', args: [this.account.address] });
      if (this.mode === 'stale-nonce') nonce += 1n;
      const signature = await signer.signTypedData(permitTypedData(req, this.account.address, nonce));
      return { user: this.account.address, txHash: '', extra: { signature, nonce: nonce.toString() } };
    }
    if (request.kind === 'eip3009-authorization') {
      const signature = await signer.signTypedData(authorizationTypedData(request as EvmTransferAuthorizationRequest, this.account.address));
      return { user: this.account.address, txHash: '', extra: { signature } };
    }
    if (request.kind === 'erc20-approve') {
      const req = request as EvmApproveRequest;
      const wallet = createWalletClient({ chain: this.chain, account: this.account, transport: http(this.rpcUrl) });
      const txHash = await wallet.sendTransaction({ to: req.token, data: req.data });
      await publicClient.waitForTransactionReceipt({ hash: txHash });
      return { user: this.account.address, txHash };
    }
    throw new WalletError(RpcCode.Internal, 'unsupported_request', 'unknown request');
  }
}
