import { connect, createConfig, custom, injected, readContract, signTypedData, switchChain, waitForTransactionReceipt, writeContract, getChainId, type Config, type Connector } from '@wagmi/core';
import { BaseError, defineChain, parseAbi, type EIP1193Provider } from 'viem';
import type { SignerOutcome, WalletRequest } from '../types';
import { ERC20_ABI } from './abi';
import type { EvmApproveRequest } from './approve';
import { authorizationTypedData, permitTypedData, type EvmPermitRequest, type EvmTransferAuthorizationRequest } from './typed-data';

const NONCES_ABI = parseAbi(['function nonces(address owner) view returns (uint256)']);

/**
 * The wallet bridge of the EVM signer chunk. Runs in the tab's MAIN world (injected once per
 * document, when a session opens there or a per-call scheme first pays; docs/architecture.md §1),
 * because that is where the person's wallet lives. It finds the wallet over EIP-6963 (else
 * `window.ethereum`), connects, switches chain when needed, then does the one thing asked: send
 * `approve(spender, cap)` and wait for its receipt, or sign an ERC-2612 permit, or sign an EIP-3009
 * transfer authorization.
 */
export interface EvmSignRequest extends WalletRequest {
  chainId: number;
  /** Used if the wallet does not know the chain yet (wallet_addEthereumChain). */
  rpcUrl?: string;
  chainName?: string;
  /** EIP-6963 rdns of the wallet to prefer, when several are installed. */
  preferredRdns?: string;
}

const DISCOVERY_MS = 150;

/** The wallet, connected and on the request's chain, for one routine. */
interface Connected {
  config: Config;
  connector: Connector;
  user: `0x${string}`;
  chainId: number;
}

/**
 * Find the wallet over EIP-6963 (else `window.ethereum`), connect, switch to the request's chain
 * when needed (a wallet signs EIP-712 data only for its active chain), then run `use`. Every
 * failure becomes a `SignerOutcome` the background maps to one of its reasons.
 */
async function withWallet(req: EvmSignRequest, use: (w: Connected) => Promise<SignerOutcome>): Promise<SignerOutcome> {
  let selected: EIP1193Provider | null = null;
  const chain = defineChain({
    id: req.chainId,
    name: req.chainName ?? `Chain ${req.chainId}`,
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: req.rpcUrl ? [req.rpcUrl] : [] } },
  });
  try {
    const config = createConfig({
      chains: [chain],
      connectors: [injected({ shimDisconnect: false })],
      multiInjectedProviderDiscovery: true,
      // Nothing of ours is written to the page's localStorage.
      storage: null,
      // Reads (receipt polling, a permit nonce) go through whichever wallet the person connects.
      transports: {
        [chain.id]: custom({
          request: (args: { method: string; params?: unknown }) => {
            if (!selected) throw new Error('wallet not connected');
            return selected.request(args as never);
          },
        }),
      },
    });
    await new Promise((r) => setTimeout(r, DISCOVERY_MS));
    const connector = pickConnector(config.connectors, req.preferredRdns);
    if (!connector) return { ok: false, code: 4900, reason: 'no_wallet', message: 'No browser wallet was found on this page. Install or unlock an Ethereum wallet and try again.' };
    selected = (await connector.getProvider()) as EIP1193Provider;
    const { accounts } = await connect(config, { connector, chainId: chain.id });
    const user = accounts[0];
    if (getChainId(config) !== chain.id || (await connector.getChainId()) !== chain.id) {
      await switchChain(config, { chainId: chain.id, connector });
    }
    return await use({ config, connector, user, chainId: chain.id });
  } catch (error) {
    return describe(error);
  }
}

/** The one `approve(spender, amount)`, and its receipt. */
function approveOnEvm(req: EvmApproveRequest & EvmSignRequest): Promise<SignerOutcome> {
  return withWallet(req, async ({ config, connector, user, chainId }) => {
    const txHash = await writeContract(config, {
      connector,
      account: user,
      chainId,
      address: req.token,
      abi: ERC20_ABI,
      functionName: 'approve',
      args: [req.spender, BigInt(req.amount)],
    });
    const receipt = await waitForTransactionReceipt(config, { hash: txHash, chainId, timeout: 5 * 60_000 });
    if (receipt.status !== 'success') return { ok: false, code: -32603, reason: 'approve_reverted', message: `The approve transaction ${txHash} reverted.` };
    return { ok: true, user, txHash };
  });
}

/** One ERC-2612 permit (no gas): the nonce is the token's `nonces(owner)`, read through the wallet. */
function permitOnEvm(req: EvmPermitRequest & EvmSignRequest): Promise<SignerOutcome> {
  return withWallet(req, async ({ config, connector, user, chainId }) => {
    const nonce = await readContract(config, { chainId, address: req.token, abi: NONCES_ABI, functionName: 'nonces', args: [user] });
    const signature = await signTypedData(config, { connector, account: user, ...permitTypedData(req, user, nonce) });
    return { ok: true, user, txHash: '', extra: { signature, nonce: nonce.toString() } };
  });
}

/** One EIP-3009 transfer authorization (no gas): what one `exact` call pays. */
function authorizeOnEvm(req: EvmTransferAuthorizationRequest & EvmSignRequest): Promise<SignerOutcome> {
  return withWallet(req, async ({ config, connector, user }) => {
    const signature = await signTypedData(config, { connector, account: user, ...authorizationTypedData(req, user) });
    return { ok: true, user, txHash: '', extra: { signature } };
  });
}

function pickConnector(connectors: readonly Connector[], preferred?: string): Connector | undefined {
  // EIP-6963 announced wallets carry their rdns as the connector id; the generic injected one is last resort.
  const announced = connectors.filter((c) => c.id !== 'injected');
  return (preferred && announced.find((c) => c.id === preferred)) || announced[0] || connectors.find((c) => c.id === 'injected');
}

function describe(error: unknown): SignerOutcome {
  const codes: number[] = [];
  let message = error instanceof Error ? error.message : String(error);
  if (error instanceof BaseError) {
    error.walk((e) => {
      const code = (e as { code?: unknown }).code;
      if (typeof code === 'number') codes.push(code);
      return false;
    });
    message = error.shortMessage || message;
  } else if (typeof (error as { code?: unknown })?.code === 'number') {
    codes.push((error as { code: number }).code);
  }
  if (codes.includes(4001) || /user (rejected|denied)/i.test(message)) {
    return { ok: false, code: 4001, reason: 'user_rejected', message: 'The wallet request was rejected.' };
  }
  return { ok: false, code: -32603, reason: 'wallet_error', message: message.slice(0, 300) };
}

/** The signer chunk's entry point: one routine per request kind; anything else is refused. */
export function runEvmRequest(req: EvmSignRequest): Promise<SignerOutcome> {
  if (req?.kind === 'erc20-approve') return approveOnEvm(req as EvmApproveRequest & EvmSignRequest);
  if (req?.kind === 'erc2612-permit') return permitOnEvm(req as unknown as EvmPermitRequest & EvmSignRequest);
  if (req?.kind === 'eip3009-authorization') return authorizeOnEvm(req as unknown as EvmTransferAuthorizationRequest & EvmSignRequest);
  return Promise.resolve({ ok: false, code: 4200, reason: 'unsupported_request', message: 'The EVM signer does not know this request.' });
}
