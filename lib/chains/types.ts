/**
 * The chain plug-in surface. One folder per family (`lib/chains/<family>/`) implements it; the core
 * never compares a family literal and never compares two addresses itself: it asks the adapter.
 */

/** A network as the core handles it, whatever the server's spelling. */
export interface NetworkInfo {
  /** Canonical CAIP-2 id, used for matching and storage. */
  id: string;
  /** The chain family that owns it (the registry's key). */
  family: string;
  /** EVM chain id; undefined for other families. */
  chainId?: number;
}

export interface TokenInfo {
  symbol: string;
  decimals: number;
  name?: string;
}

/** What a chain family knows about its networks, without any chain SDK: pure data and parsing. */
export interface ChainNetworks {
  readonly family: string;
  /** The canonical network for any spelling of this family (CAIP-2, facilitator and v1 aliases), else null. */
  match(name: string): NetworkInfo | null;
  /** Human names of the networks this family knows. */
  readonly labels: Readonly<Record<string, string>>;
  /** Public read-only RPC endpoints per network, tried in order. */
  readonly defaultRpc: Readonly<Record<string, readonly string[]>>;
  /** Tokens known without asking a chain (shown as verified), keyed by network then address key. */
  readonly knownTokens: Readonly<Record<string, Readonly<Record<string, TokenInfo & { address: string }>>>>;
  /** The key of this family's addresses in a facilitator's `/supported` `signers` (e.g. `eip155:*`). */
  readonly signersKey: string;
  /** The asset a dapp gets when it names none (USDC where there is one). */
  readonly defaultAsset: Readonly<Record<string, string>>;
  /** A link to a transaction on this network's explorer, when it has one. */
  explorerTx?(network: string, hash: string): string | null;
  /**
   * Why the extension cannot change an allowance on this family by itself, when it cannot (Solana:
   * the approve exists only inside opening a session, where the facilitator co-signs and submits
   * it). Shown in place of "lower the allowance" and "top up" (issue 15).
   */
  readonly allowanceLocked?: string;
  /** The form two addresses are compared in: EVM lower-cases hex, the other families compare exactly. */
  addressKey(address: string): string;
}

/**
 * One chain family: its networks, address rules, token reads and the transactions the person's
 * wallet signs. The wallet part runs in a lazily injected signer chunk (`signer.file`), never in the
 * background.
 */
export interface ChainAdapter extends ChainNetworks {
  /**
   * Is this a well-formed account or token address on this family? `role` narrows it where the
   * family tells the two apart by form (Stellar: G… accounts, C… contracts); others ignore it.
   */
  isAddress(value: string, role?: AddressRole): boolean;
  /** Why a value is not a usable address here (e.g. "muxed accounts (M…) are not supported"), for messages; null when it is one. */
  addressProblem?(value: string, role?: AddressRole): string | null;
  /**
   * Can this address be paid (a session's recipient)? Stricter than `isAddress` where a well-formed
   * address may still be one nobody spends from (Solana: program-derived addresses and programs).
   * Absent: any address.
   */
  isRecipient?(value: string): boolean;
  /** The largest amount this family's tokens can carry (SPL: u64; Stellar: i128); absent when unbounded in practice. */
  readonly maxAmount?: bigint;
  readToken(rpcUrl: string, asset: string): Promise<TokenInfo>;
  readAllowance(rpcUrl: string, asset: string, owner: string, spender: string): Promise<bigint>;
  /** What `owner` holds of `asset` (absent: the family cannot read it without a wallet). */
  readBalance?(rpcUrl: string, asset: string, owner: string): Promise<bigint>;
  /**
   * The request the signer chunk executes to approve `spender` for `amount` of `asset`. A family
   * whose transaction names recent chain state (Solana's blockhash) reads it over `input.rpcUrl`,
   * hence the promise; it rejects when that chain cannot be read.
   */
  approveRequest(input: ApproveInput): WalletRequest | Promise<WalletRequest>;
  /**
   * Check on chain that what the signer chunk reported is exactly what was asked (it ran in a
   * page-controlled world): null when it is, else why not. Throws when the chain cannot be read.
   */
  verifyWallet(rpcUrl: string, request: WalletRequest, result: WalletResult): Promise<string | null>;
  /** The signer chunk for this family: the file injected into the tab and its entry point's name. */
  readonly signer: { file: string; entry: string };
}

/** What an address is for: a payer or recipient account, or a token. */
export type AddressRole = 'account' | 'token';

export interface ApproveInput {
  network: NetworkInfo;
  asset: string;
  spender: string;
  amount: bigint;
  /** Unix seconds. */
  expiresAt: number;
  /**
   * The chain height (block or ledger) the approval lasts through, for families whose approvals
   * expire on chain by height (Stellar's `expiration_ledger`); the scheme reads the chain for it.
   */
  expiresAtHeight?: number;
  /**
   * The session this approve opens, for families whose wallet signs the session's terms together
   * with the approve (Solana: the auth message of docs/protocol.md §5.3). `cap` is the session's own
   * (the approved `amount` may also cover other open sessions on the same allowance); `network` is
   * the facilitator's spelling, which the signed terms carry.
   */
  session?: { cap: bigint; recipient: string; network: string };
  /** A read RPC of the network, for families that read the chain to build the request. */
  rpcUrl?: string;
}

/** Serialisable: it crosses into the tab's MAIN world. `kind` selects the signer chunk's routine. */
export interface WalletRequest {
  kind: string;
  /** Canonical network id the request is for. */
  network: string;
  [key: string]: unknown;
}

/** What the signer chunk hands back once the wallet step landed. */
export interface WalletResult {
  /** The payer (wallet account) that signed. */
  user: string;
  txHash: string;
  /** Family-specific extras (Solana: approveTxBase64, authMessage, authSignature). */
  extra?: Record<string, string | number>;
}

/** The signer chunk's reply, as it crosses back from the page. */
export type SignerOutcome =
  | ({ ok: true } & WalletResult)
  /** `choices`: with reason `choose_wallet`, the wallets the person may pick from (then asked again with one named). */
  | { ok: false; code: number; reason: string; message: string; choices?: string[] };
