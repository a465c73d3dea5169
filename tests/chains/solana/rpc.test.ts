import { Keypair } from '@solana/web3.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ed25519 } from '@noble/curves/ed25519';
import { associatedTokenAddress, buildApproveTransaction, getAccountInfo, getLatestBlockhash, readDelegatedAllowance, readMint, readTokenAccount, serializeTransaction, solanaRpc } from '../../../lib/chains/solana';
import { startSolanaRpc, type SolanaRpcHandle } from '../../../devnet/solana/rpc';
import { SolanaRuntime } from '../../../devnet/solana/runtime';
import { createDevnetMint, fundTokenAccount } from '../../../devnet/solana/token';

// The background's reads, with nothing but fetch, against the RPC façade over a real runtime.
describe('lib/chains/solana reads over JSON-RPC', () => {
  let runtime: SolanaRuntime;
  let rpc: SolanaRpcHandle;
  const authority = Keypair.generate();
  const owner = Keypair.generate();
  let mint: string;

  beforeAll(async () => {
    runtime = new SolanaRuntime({ slotMs: 0 });
    runtime.airdrop(authority.publicKey.toBase58(), 10_000_000_000n);
    const m = createDevnetMint(runtime, authority, Keypair.generate(), 6);
    mint = m.mint.toBase58();
    fundTokenAccount(runtime, authority, m, owner.publicKey, 42_000_000n);
    rpc = await startSolanaRpc({ runtime, port: 0, quiet: true });
  });
  afterAll(async () => {
    await rpc.stop();
    runtime.close();
  });

  it('reads a mint (decimals, authority) and the program that owns it', async () => {
    expect(await readMint(rpc.url, mint)).toMatchObject({ decimals: 6, isInitialized: true, mintAuthority: authority.publicKey.toBase58(), supply: 42_000_000n, tokenProgram: 'TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA' });
    await expect(readMint(rpc.url, Keypair.generate().publicKey.toBase58())).rejects.toMatchObject({ code: 'ACCOUNT_NOT_FOUND' });
    await expect(readMint(rpc.url, authority.publicKey.toBase58())).rejects.toMatchObject({ code: 'NOT_A_MINT' });
  });

  it('reads a token account (owner, amount, no delegate yet); a missing ATA is null', async () => {
    const ata = associatedTokenAddress(owner.publicKey.toBase58(), mint);
    expect(await readTokenAccount(rpc.url, ata)).toMatchObject({ owner: owner.publicKey.toBase58(), mint, amount: 42_000_000n, delegate: null, delegatedAmount: 0n, state: 'initialized' });
    expect(await readTokenAccount(rpc.url, associatedTokenAddress(Keypair.generate().publicKey.toBase58(), mint))).toBeNull();
    await expect(readTokenAccount(rpc.url, mint)).rejects.toMatchObject({ code: 'NOT_A_TOKEN_ACCOUNT' });
  });

  it('gets the latest blockhash and raw accounts; RPC errors and dead endpoints are typed', async () => {
    const { blockhash, lastValidBlockHeight } = await getLatestBlockhash(rpc.url);
    expect(blockhash).toBe(runtime.latestBlockhash().blockhash);
    expect(lastValidBlockHeight).toBeGreaterThan(0);
    expect((await getAccountInfo(rpc.url, authority.publicKey.toBase58()))?.owner).toBe('11111111111111111111111111111111');
    await expect(solanaRpc(rpc.url, 'noSuchMethod', [])).rejects.toMatchObject({ code: 'RPC_ERROR', data: { rpcCode: -32601 } });
    await expect(getLatestBlockhash('http://127.0.0.1:1')).rejects.toMatchObject({ code: 'RPC_UNREACHABLE' });
  });

  it('reads what a spender may still pull: the delegated amount for the delegate, 0 for anyone else', async () => {
    const spender = Keypair.generate();
    runtime.airdrop(spender.publicKey.toBase58(), 1_000_000_000n);
    const user = owner.publicKey.toBase58();
    expect(await readDelegatedAllowance(rpc.url, mint, user, spender.publicKey.toBase58())).toBe(0n);
    const tx = buildApproveTransaction({ user, mint, spender: spender.publicKey.toBase58(), amount: 7_000_000n, decimals: 6, recentBlockhash: runtime.latestBlockhash().blockhash });
    const sign = (kp: Keypair) => ed25519.sign(tx.message, kp.secretKey.slice(0, 32));
    expect(runtime.execute(serializeTransaction(tx.message, [sign(spender), sign(owner)])).err).toBeNull();
    expect(await readDelegatedAllowance(rpc.url, mint, user, spender.publicKey.toBase58())).toBe(7_000_000n);
    expect(await readDelegatedAllowance(rpc.url, mint, user, authority.publicKey.toBase58())).toBe(0n);
    expect(await readDelegatedAllowance(rpc.url, mint, Keypair.generate().publicKey.toBase58(), spender.publicKey.toBase58())).toBe(0n);
  });
});
