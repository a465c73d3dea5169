import { connect, createConfig, custom, injected, switchChain, waitForTransactionReceipt, writeContract, getChainId, type Connector } from '@wagmi/core';
import { BaseError, defineChain, type EIP1193Provider } from 'viem';
import type { SignerOutcome } from '../types';
import { ERC20_ABI } from './abi';
import type { EvmApproveRequest } from './approve';

/**
 * The wallet bridge of the EVM signer chunk. Runs in the tab's MAIN world, injected only while a session is
 * being opened (docs/architecture.md §1), because that is where the person's wallet lives. It finds the wallet
 * over EIP-6963 (else `window.ethereum`), connects, switches chain when needed, sends the one
 * `approve(spender, cap)` and waits for its receipt.
 */
export interface EvmSignRequest extends EvmApproveRequest {
  /** Used if the wallet does not know the chain yet (wallet_addEthereumChain). */
  rpcUrl?: string;
  chainName?: string;
  /** EIP-6963 rdns of the wallet to prefer, when several are installed. */
  preferredRdns?: string;
}

const DISCOVERY_MS = 150;

async function approveOnEvm(req: EvmSignRequest): Promise<SignerOutcome> {
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
      // Reads (receipt polling) go through whichever wallet the person connects.
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
    const txHash = await writeContract(config, {
      connector,
      account: user,
      chainId: chain.id,
      address: req.token,
      abi: ERC20_ABI,
      functionName: 'approve',
      args: [req.spender, BigInt(req.amount)],
    });
    const receipt = await waitForTransactionReceipt(config, { hash: txHash, chainId: chain.id, timeout: 5 * 60_000 });
    if (receipt.status !== 'success') return { ok: false, code: -32603, reason: 'approve_reverted', message: `The approve transaction ${txHash} reverted.` };
    return { ok: true, user, txHash };
  } catch (error) {
    return describe(error);
  }
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
  if (req?.kind === 'erc20-approve') return approveOnEvm(req);
  return Promise.resolve({ ok: false, code: 4200, reason: 'unsupported_request', message: 'The EVM signer does not know this request.' });
}
