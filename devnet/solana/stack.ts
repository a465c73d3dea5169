/**
 * The Solana half of the devnet in one call: the runtime, its RPC façade, a 6-decimal USDC-like
 * mint, funded payers (token accounts, no SOL: the facilitator pays every fee), a recipient and
 * the session facilitator. `devnet/stack.ts` calls it when Solana is on; tests call it alone.
 */
import { join } from 'node:path';
import { PublicKey, type Keypair } from '@solana/web3.js';
import { getAssociatedTokenAddressSync } from '@solana/spl-token';
import { decodeTokenAccount } from '../../lib/chains/solana/layouts';
import { caip2FromGenesisHash } from '../../lib/chains/solana/networks';
import { DEFAULT_SOLANA_PER_CALL_MAX, SOLANA_FACILITATOR_NETWORK, startSolanaFacilitator } from './facilitator';
import { devKeypair, solanaDevKeys } from './keys';
import { startSolanaRpc } from './rpc';
import { LAMPORTS_PER_SOL, SolanaRuntime } from './runtime';
import { createDevnetMint, DEVNET_USDC_DECIMALS, fundTokenAccount, writeTokenMetadata } from './token';

export interface SolanaStackOptions {
  host?: string;
  /** 0 picks a free port (the default here; the CLI uses 8899 / 4030). */
  ports?: { rpc?: number; facilitator?: number };
  /** Default 4. */
  payerCount?: number;
  /** Base units of USDC per payer. Default 10,000 USDC. */
  payerUsdc?: bigint;
  /** Lamports per payer. Default 0: a session needs none. */
  payerLamports?: bigint;
  /** Facilitator SQLite goes here (file keyed by the runtime's genesis); default in memory. */
  dataDir?: string;
  perCallMax?: bigint;
  /** Slot interval of the runtime, ms. Default 400. */
  slotMs?: number;
  quiet?: boolean;
}

export interface SolanaPayer {
  address: string;
  /** PUBLIC dev key (64-byte secret). */
  keypair: Keypair;
  tokenAccount: string;
}

export interface SolanaStack {
  runtime: SolanaRuntime;
  rpc: { url: string; wsUrl: string };
  /** The facilitator's network string (`solana:devnet`, Inco's spelling). */
  network: string;
  /** The Wallet Standard chain a wallet signs for here: the RPC is local. */
  walletChain: 'solana:localnet';
  /** `solana:<genesis>` of this very runtime (new every start). */
  localCaip2: string;
  mint: { address: string; decimals: number; authority: string };
  facilitator: { url: string; address: string; network: string; dbPath: string };
  recipient: { address: string; tokenAccount: string };
  payers: SolanaPayer[];
  /** Token balance (base units) of `owner`'s associated token account; 0 if it has none. */
  tokenBalance(owner: string): bigint;
  /** `owner`'s token account as SPL Token wrote it, or null. */
  tokenAccount(owner: string): ReturnType<typeof decodeTokenAccount> | null;
  stop(): Promise<void>;
}

export async function startSolanaStack(opts: SolanaStackOptions = {}): Promise<SolanaStack> {
  const host = opts.host ?? '127.0.0.1';
  const payerCount = opts.payerCount ?? 4;
  const keys = solanaDevKeys(payerCount);
  const runtime = new SolanaRuntime({ slotMs: opts.slotMs });
  const stoppers: (() => Promise<void> | void)[] = [() => runtime.close()];
  const stopAll = async () => {
    for (const stop of stoppers.splice(0).reverse()) await stop();
  };
  try {
    runtime.airdrop(keys.mintAuthority.publicKey.toBase58(), 100n * LAMPORTS_PER_SOL);
    runtime.airdrop(keys.facilitator.publicKey.toBase58(), 100n * LAMPORTS_PER_SOL);
    const mint = createDevnetMint(runtime, keys.mintAuthority, devKeypair('usdc-mint'), DEVNET_USDC_DECIMALS);
    // Wallets (and the extension) read a mint's symbol from its Metaplex metadata.
    writeTokenMetadata(runtime, mint.mint, keys.mintAuthority.publicKey, { name: 'USD Coin (devnet)', symbol: 'USDC' });
    const payerUsdc = opts.payerUsdc ?? 10_000n * 10n ** 6n;
    const payers: SolanaPayer[] = keys.payers.map((kp) => {
      const ata = fundTokenAccount(runtime, keys.mintAuthority, mint, kp.publicKey, payerUsdc);
      if (opts.payerLamports) runtime.airdrop(kp.publicKey.toBase58(), opts.payerLamports);
      return { address: kp.publicKey.toBase58(), keypair: kp, tokenAccount: ata.toBase58() };
    });
    const recipientAta = getAssociatedTokenAddressSync(mint.mint, keys.recipient.publicKey, true);

    const rpc = await startSolanaRpc({ runtime, host, port: opts.ports?.rpc ?? 0, quiet: true });
    stoppers.push(() => rpc.stop());
    const dbPath = opts.dataDir ? join(opts.dataDir, `solana-facilitator-${runtime.genesisHash.slice(0, 12)}.sqlite`) : ':memory:';
    const facilitator = await startSolanaFacilitator({
      host,
      port: opts.ports?.facilitator ?? 0,
      rpcUrl: rpc.url,
      secretKey: keys.facilitator.secretKey,
      mint: mint.mint.toBase58(),
      network: SOLANA_FACILITATOR_NETWORK,
      perCallMax: opts.perCallMax ?? DEFAULT_SOLANA_PER_CALL_MAX,
      dbPath,
      quiet: opts.quiet,
    });
    stoppers.push(() => facilitator.stop());

    const tokenAccount = (owner: string) => {
      const account = runtime.getAccount(getAssociatedTokenAddressSync(mint.mint, new PublicKey(owner), true).toBase58());
      return account ? decodeTokenAccount(account.data) : null;
    };
    return {
      runtime,
      rpc: { url: rpc.url, wsUrl: rpc.wsUrl },
      network: SOLANA_FACILITATOR_NETWORK,
      walletChain: 'solana:localnet',
      localCaip2: caip2FromGenesisHash(runtime.genesisHash),
      mint: { address: mint.mint.toBase58(), decimals: mint.decimals, authority: keys.mintAuthority.publicKey.toBase58() },
      facilitator: { url: facilitator.url, address: facilitator.address, network: facilitator.network, dbPath },
      recipient: { address: keys.recipient.publicKey.toBase58(), tokenAccount: recipientAta.toBase58() },
      payers,
      tokenBalance: (owner) => tokenAccount(owner)?.amount ?? 0n,
      tokenAccount,
      stop: stopAll,
    };
  } catch (err) {
    await stopAll().catch(() => {});
    throw err;
  }
}
