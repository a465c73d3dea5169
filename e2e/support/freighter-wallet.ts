import type { BrowserContext, Page } from 'playwright-core';
import { FeeBumpTransaction, Keypair, TransactionBuilder } from '@stellar/stellar-sdk';

/**
 * The person's Freighter, stood in for: an init script in every page answers freighter-api's
 * postMessage protocol the way Freighter's content script does (local-chains.md §3.1: requests
 * tagged `FREIGHTER_EXTERNAL_MSG_REQUEST` with a `messageId`; answers tagged
 * `FREIGHTER_EXTERNAL_MSG_RESPONSE` carrying **`messagedId`**, Freighter's own spelling), and
 * each request is decided here in Node, where a real ed25519 key signs the real transaction.
 *
 * `mode` is what the "person" and their wallet do:
 *   approve        grant access, report `networkPassphrase`, sign what is asked;
 *   reject         grant access, decline the signature (freighter-api code -4);
 *   locked         decline access (the person closes Freighter's unlock window: -4);
 *   wrong_network  as approve, but Freighter is on `wrongNetworkPassphrase` and declines to sign
 *                  for another network;
 *   absent         nothing answers at all, as on a browser without Freighter;
 *   unresponsive   Freighter is there (connection status answers) but no prompt is ever
 *                  answered: the person walked away.
 */
export type FreighterMode = 'approve' | 'reject' | 'locked' | 'wrong_network' | 'absent' | 'unresponsive';

export interface FreighterStandInOptions {
  /** The person's secret seed (S…). */
  secret: string;
  /** The network Freighter is on (in every mode but `wrong_network`). */
  networkPassphrase: string;
  /** Freighter's name for it: `PUBLIC`, `TESTNET`, `STANDALONE`. Default `STANDALONE`. */
  network?: string;
  sorobanRpcUrl?: string;
  networkUrl?: string;
  /** What `wrong_network` reports. Default Stellar testnet. */
  wrongNetworkPassphrase?: string;
}

/** One request as freighter-api posts it, minus `source` and `messageId`. */
export interface FreighterRequest {
  type: string;
  [key: string]: unknown;
}

const BINDING = '__x402FreighterStandIn';
const DECLINED = { code: -4, message: 'The user rejected this request.' };
const INTERNAL = { code: -1, message: 'The wallet encountered an internal error. Please try again or contact the wallet if the problem persists.' };
const TESTNET = 'Test SDF Network ; September 2015';

/** Freighter answers errors in two shapes at once (old and new freighter-api read different ones). */
const apiError = (error: { code: number; message: string }) => ({ apiError: error, error: error.message });

export class FreighterStandIn {
  mode: FreighterMode = 'approve';
  readonly publicKey: string;
  /** Hex hashes of the transactions signed, in order. */
  readonly signed: string[] = [];
  /** Request types received, in order (absent mode included). */
  readonly requests: string[] = [];
  private readonly keypair: Keypair;
  private allowed = false;

  constructor(private readonly opts: FreighterStandInOptions) {
    this.keypair = Keypair.fromSecret(opts.secret);
    this.publicKey = this.keypair.publicKey();
  }

  get signatureCount(): number {
    return this.signed.length;
  }

  /** Forget the site permission (the next requestAccess asks again). */
  reset(): void {
    this.allowed = false;
    this.signed.length = 0;
    this.requests.length = 0;
  }

  /** In every page of the context. */
  async install(context: BrowserContext): Promise<void> {
    await context.exposeBinding(BINDING, (_source, request: FreighterRequest) => this.handle(request));
    await context.addInitScript({ content: RESPONDER_SCRIPT });
  }

  /** In one page only. */
  async installOnPage(page: Page): Promise<void> {
    await page.exposeBinding(BINDING, (_source, request: FreighterRequest) => this.handle(request));
    await page.addInitScript({ content: RESPONDER_SCRIPT });
  }

  private get walletPassphrase(): string {
    return this.mode === 'wrong_network' ? (this.opts.wrongNetworkPassphrase ?? TESTNET) : this.opts.networkPassphrase;
  }

  /** The reply fields for one request, or null for no reply at all. */
  handle(request: FreighterRequest): Record<string, unknown> | null {
    const type = typeof request?.type === 'string' ? request.type : '(none)';
    this.requests.push(type);
    if (this.mode === 'absent') return null;
    if (this.mode === 'unresponsive' && type !== 'REQUEST_CONNECTION_STATUS') return null;
    const locked = this.mode === 'locked';
    switch (type) {
      case 'REQUEST_CONNECTION_STATUS':
        return { isConnected: true };
      case 'REQUEST_ALLOWED_STATUS':
        return { isAllowed: !locked && this.allowed };
      case 'SET_ALLOWED_STATUS':
        if (locked) return apiError(DECLINED);
        this.allowed = true;
        return { isAllowed: true };
      case 'REQUEST_PUBLIC_KEY':
        return { publicKey: !locked && this.allowed ? this.publicKey : '' };
      case 'REQUEST_ACCESS':
        if (locked) return apiError(DECLINED);
        this.allowed = true;
        return { publicKey: this.publicKey };
      case 'REQUEST_NETWORK':
      case 'REQUEST_NETWORK_DETAILS':
        return {
          networkDetails: {
            network: this.mode === 'wrong_network' ? 'TESTNET' : (this.opts.network ?? 'STANDALONE'),
            networkName: this.mode === 'wrong_network' ? 'Test Net' : 'Standalone',
            networkUrl: this.opts.networkUrl ?? 'http://127.0.0.1:8000',
            networkPassphrase: this.walletPassphrase,
            sorobanRpcUrl: this.opts.sorobanRpcUrl,
          },
        };
      case 'SUBMIT_TRANSACTION':
        return this.signTransaction(request);
      case 'SUBMIT_TOKEN':
        return { contractId: request.contractId };
      default:
        // signMessage / signAuthEntry are not needed by a session and not stood in for.
        return apiError(INTERNAL);
    }
  }

  private signTransaction(request: FreighterRequest): Record<string, unknown> {
    if (this.mode === 'locked' || this.mode === 'reject' || !this.allowed) return apiError(DECLINED);
    const account = request.accountToSign;
    if (account !== undefined && account !== this.publicKey) return apiError(INTERNAL);
    // Freighter will not sign for a network other than the one it is on: the person can only close it.
    const asked = request.networkPassphrase;
    if (typeof asked === 'string' && asked !== this.walletPassphrase) return apiError(DECLINED);
    if (typeof request.transactionXdr !== 'string') return apiError(INTERNAL);
    let tx;
    try {
      tx = TransactionBuilder.fromXDR(request.transactionXdr, this.walletPassphrase);
    } catch {
      return apiError(INTERNAL);
    }
    if (tx instanceof FeeBumpTransaction) return apiError(INTERNAL);
    tx.sign(this.keypair);
    this.signed.push(Buffer.from(tx.hash()).toString('hex'));
    return { signedTransaction: tx.toXDR(), signerAddress: this.publicKey };
  }
}

/**
 * Runs in the page before its scripts. Only same-window messages tagged as freighter-api
 * requests are answered, to the page's own origin, like Freighter's content script.
 */
const RESPONDER_SCRIPT = `(() => {
  const ask = window.${BINDING};
  if (typeof ask !== 'function') return;
  window.addEventListener('message', async (event) => {
    if (event.source !== window) return;
    const data = event.data;
    if (!data || typeof data !== 'object' || data.source !== 'FREIGHTER_EXTERNAL_MSG_REQUEST') return;
    const { source: _source, messageId, ...request } = data;
    let reply;
    try { reply = await ask(request); } catch (_) { return; }
    if (reply === null) return;
    window.postMessage({ source: 'FREIGHTER_EXTERNAL_MSG_RESPONSE', messagedId: messageId, ...reply }, window.location.origin);
  });
})();`;
