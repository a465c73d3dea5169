/**
 * The hand-rolled legacy transactions, byte for byte against web3.js's own `Transaction`
 * serialisation (built with spl-token's instruction builders), and landed in the real runtime.
 */
import { ed25519 } from '@noble/curves/ed25519';
import fc from 'fast-check';
import { Keypair, PublicKey, Transaction } from '@solana/web3.js';
import {
  ASSOCIATED_TOKEN_PROGRAM_ID,
  createApproveCheckedInstruction,
  createAssociatedTokenAccountIdempotentInstruction,
  createRevokeInstruction,
  getAssociatedTokenAddressSync,
  TOKEN_2022_PROGRAM_ID,
  unpackAccount,
  unpackMint,
} from '@solana/spl-token';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  associatedTokenAddress,
  buildApproveTransaction,
  buildRevokeTransaction,
  decodeMint,
  decodeTokenAccount,
  decodeTransaction,
  findProgramAddress,
  parseApproveTransaction,
  serializeTransaction,
  TOKEN_2022_PROGRAM,
} from '../../../lib/chains/solana';
import { bytesToBase64 } from '../../../lib/x402/base64';
import { SolanaRuntime } from '../../../devnet/solana/runtime';
import { createDevnetMint, fundTokenAccount } from '../../../devnet/solana/token';

const key = () => Keypair.generate().publicKey.toBase58();
const blockhash = () => Keypair.generate().publicKey.toBase58();

function web3Approve(p: { user: string; mint: string; spender: string; amount: bigint; decimals: number; recentBlockhash: string; tokenProgram?: PublicKey }) {
  const user = new PublicKey(p.user);
  const mint = new PublicKey(p.mint);
  const spender = new PublicKey(p.spender);
  const ata = getAssociatedTokenAddressSync(mint, user, true, p.tokenProgram);
  return new Transaction({ feePayer: spender, recentBlockhash: p.recentBlockhash }).add(
    createAssociatedTokenAccountIdempotentInstruction(spender, ata, user, mint, p.tokenProgram),
    createApproveCheckedInstruction(ata, mint, spender, user, p.amount, p.decimals, [], p.tokenProgram),
  );
}

describe('legacy transactions, byte for byte with web3.js', () => {
  it('the approve: same bytes as web3.js Transaction.serialize for any keys, amounts and decimals', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: (1n << 64n) - 1n }), fc.integer({ min: 0, max: 18 }), fc.boolean(), (amount, decimals, t22) => {
        const p = { user: key(), mint: key(), spender: key(), amount, decimals, recentBlockhash: blockhash() };
        const ours = buildApproveTransaction({ ...p, tokenProgram: t22 ? TOKEN_2022_PROGRAM : undefined });
        const theirs = web3Approve({ ...p, tokenProgram: t22 ? TOKEN_2022_PROGRAM_ID : undefined });
        const bytes = theirs.serialize({ requireAllSignatures: false, verifySignatures: false });
        expect(Buffer.from(ours.transaction).equals(bytes)).toBe(true);
        expect(Buffer.from(ours.message).equals(theirs.serializeMessage())).toBe(true);
        expect(ours.signers).toEqual([p.spender, p.user]);
        expect(ours.base64).toBe(bytes.toString('base64'));
      }),
      { numRuns: 60 },
    );
  });

  it('the revoke, with the person or a service paying the fee', () => {
    for (const payerIsUser of [true, false]) {
      const user = key();
      const mint = key();
      const feePayer = payerIsUser ? user : key();
      const recentBlockhash = blockhash();
      const ours = buildRevokeTransaction({ user, mint, feePayer, recentBlockhash });
      const ata = getAssociatedTokenAddressSync(new PublicKey(mint), new PublicKey(user), true);
      const theirs = new Transaction({ feePayer: new PublicKey(feePayer), recentBlockhash }).add(createRevokeInstruction(ata, new PublicKey(user)));
      expect(Buffer.from(ours.transaction).equals(theirs.serialize({ requireAllSignatures: false, verifySignatures: false }))).toBe(true);
      expect(ours.signers).toEqual(payerIsUser ? [user] : [feePayer, user]);
    }
  });

  it('decodes what web3.js reads, and parses the approve back strictly', () => {
    const p = { user: key(), mint: key(), spender: key(), amount: 1_000_000n, decimals: 6, recentBlockhash: blockhash() };
    const ours = buildApproveTransaction(p);
    const viaWeb3 = Transaction.from(ours.transaction);
    expect(viaWeb3.feePayer?.toBase58()).toBe(p.spender);
    expect(viaWeb3.instructions.map((ix) => ix.programId.toBase58())).toEqual([ASSOCIATED_TOKEN_PROGRAM_ID.toBase58(), 'TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA']);
    const parsed = parseApproveTransaction(ours.transaction);
    expect(parsed).toMatchObject({ feePayer: p.spender, owner: p.user, mint: p.mint, delegate: p.spender, amount: 1_000_000n, decimals: 6, createsAta: { payer: p.spender } });
    expect(parsed.sourceAta).toBe(getAssociatedTokenAddressSync(new PublicKey(p.mint), new PublicKey(p.user), true).toBase58());
    expect(decodeTransaction(ours.transaction).signatures.every((s) => s.every((b) => b === 0))).toBe(true);
  });

  it('refuses transactions that are not exactly a session approve', () => {
    const p = { user: key(), mint: key(), spender: key(), amount: 5n, decimals: 6, recentBlockhash: blockhash() };
    const user = new PublicKey(p.user);
    const mint = new PublicKey(p.mint);
    const spender = new PublicKey(p.spender);
    const stranger = new PublicKey(key());
    const base = () => new Transaction({ feePayer: spender, recentBlockhash: p.recentBlockhash });
    const ata = getAssociatedTokenAddressSync(mint, user, true);
    const cases: [string, Transaction][] = [
      ['revoke only', base().add(createRevokeInstruction(ata, user))],
      ['a foreign source', base().add(createApproveCheckedInstruction(getAssociatedTokenAddressSync(mint, stranger, true), mint, spender, user, 5n, 6))],
      ['three instructions', web3Approve(p).add(createRevokeInstruction(ata, user))],
      ['ATA for someone else', base().add(createAssociatedTokenAccountIdempotentInstruction(spender, getAssociatedTokenAddressSync(mint, stranger, true), stranger, mint), createApproveCheckedInstruction(ata, mint, spender, user, 5n, 6))],
    ];
    for (const [name, tx] of cases) {
      expect(() => parseApproveTransaction(tx.serialize({ requireAllSignatures: false, verifySignatures: false })), name).toThrowError(expect.objectContaining({ code: 'NOT_AN_APPROVE' }));
    }
    expect(() => decodeTransaction(new Uint8Array([1, 2, 3]))).toThrowError(expect.objectContaining({ code: 'INVALID_TRANSACTION' }));
  });

  it('derives PDAs and associated token accounts as web3.js / spl-token do', () => {
    for (let i = 0; i < 20; i++) {
      const owner = Keypair.generate().publicKey;
      const mint = Keypair.generate().publicKey;
      expect(associatedTokenAddress(owner.toBase58(), mint.toBase58())).toBe(getAssociatedTokenAddressSync(mint, owner, true).toBase58());
      expect(associatedTokenAddress(owner.toBase58(), mint.toBase58(), TOKEN_2022_PROGRAM)).toBe(getAssociatedTokenAddressSync(mint, owner, true, TOKEN_2022_PROGRAM_ID).toBase58());
      const seeds = [Buffer.from(`seed-${i}`), owner.toBytes()];
      const [pda, bump] = PublicKey.findProgramAddressSync(seeds, mint);
      expect(findProgramAddress(seeds, mint.toBase58())).toEqual({ address: pda.toBase58(), bump });
    }
  });
});

describe('the approve and the revoke in the real runtime', () => {
  let runtime: SolanaRuntime;
  const authority = Keypair.generate();
  const facilitator = Keypair.generate();
  const user = Keypair.generate();
  let mint: PublicKey;

  beforeAll(() => {
    runtime = new SolanaRuntime({ slotMs: 0 });
    runtime.airdrop(authority.publicKey.toBase58(), 10_000_000_000n);
    runtime.airdrop(facilitator.publicKey.toBase58(), 10_000_000_000n);
    mint = createDevnetMint(runtime, authority, Keypair.generate()).mint;
    fundTokenAccount(runtime, authority, { mint, decimals: 6 }, user.publicKey, 5_000_000n);
  });
  afterAll(() => runtime.close());

  const sign = (message: Uint8Array, signer: Keypair) => ed25519.sign(message, signer.secretKey.slice(0, 32));

  it('the person (0 SOL) partially signs, the facilitator co-signs as fee payer, the delegation lands', () => {
    expect(runtime.getBalance(user.publicKey.toBase58())).toBe(0n);
    const tx = buildApproveTransaction({
      user: user.publicKey.toBase58(),
      mint: mint.toBase58(),
      spender: facilitator.publicKey.toBase58(),
      amount: 1_000_000n,
      decimals: 6,
      recentBlockhash: runtime.latestBlockhash().blockhash,
    });
    const partial = serializeTransaction(tx.message, [null, sign(tx.message, user)]);
    // web3.js reads the partially signed bytes and adds the fee payer, as a facilitator would.
    const cosigned = Transaction.from(partial);
    cosigned.partialSign(facilitator);
    const result = runtime.execute(cosigned.serialize());
    expect(result.err).toBeNull();
    const account = runtime.getAccount(tx.sourceAta)!;
    const ours = decodeTokenAccount(account.data);
    const theirs = unpackAccount(new PublicKey(tx.sourceAta), { ...account, data: Buffer.from(account.data), owner: new PublicKey(account.owner), lamports: Number(account.lamports), rentEpoch: 0 });
    expect(ours).toMatchObject({ owner: user.publicKey.toBase58(), delegate: facilitator.publicKey.toBase58(), delegatedAmount: 1_000_000n, amount: 5_000_000n, state: 'initialized', isNative: null });
    expect(ours.delegate).toBe(theirs.delegate?.toBase58());
    expect(ours.delegatedAmount).toBe(theirs.delegatedAmount);
    expect(ours.amount).toBe(theirs.amount);
    expect(ours.mint).toBe(theirs.mint.toBase58());
    const mintAccount = runtime.getAccount(mint.toBase58())!;
    const m = unpackMint(mint, { ...mintAccount, data: Buffer.from(mintAccount.data), owner: new PublicKey(mintAccount.owner), lamports: Number(mintAccount.lamports), rentEpoch: 0 });
    expect(decodeMint(mintAccount.data)).toEqual({ mintAuthority: authority.publicKey.toBase58(), supply: m.supply, decimals: 6, isInitialized: true, freezeAuthority: null });
  });

  it('a wrong owner signature does not land', () => {
    const tx = buildApproveTransaction({
      user: user.publicKey.toBase58(),
      mint: mint.toBase58(),
      spender: facilitator.publicKey.toBase58(),
      amount: 2n,
      decimals: 6,
      recentBlockhash: runtime.latestBlockhash().blockhash,
    });
    const forged = serializeTransaction(tx.message, [sign(tx.message, facilitator), sign(tx.message, Keypair.generate())]);
    expect(runtime.execute(forged).err).toBe('SignatureFailure');
  });

  it('the revoke, paid by the person once they hold SOL, clears the delegate', () => {
    runtime.airdrop(user.publicKey.toBase58(), 10_000_000n);
    const tx = buildRevokeTransaction({ user: user.publicKey.toBase58(), mint: mint.toBase58(), feePayer: user.publicKey.toBase58(), recentBlockhash: runtime.latestBlockhash().blockhash });
    const result = runtime.execute(serializeTransaction(tx.message, [sign(tx.message, user)]));
    expect(result.err).toBeNull();
    expect(decodeTokenAccount(runtime.getAccount(tx.sourceAta)!.data)).toMatchObject({ delegate: null, delegatedAmount: 0n });
    expect(bytesToBase64(tx.transaction)).toBe(tx.base64);
  });
});
