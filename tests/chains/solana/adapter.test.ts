import { Keypair } from '@solana/web3.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSolanaStack, type SolanaStack } from '../../../devnet/solana/stack';
import { solanaDevKeys } from '../../../devnet/solana/keys';
import { createDevnetMint } from '../../../devnet/solana/token';
import { resolveNetwork } from '../../../lib/chains/networks';
import { chainFor } from '../../../lib/chains/registry';
import {
  associatedTokenAddress,
  buildApproveTransaction,
  buildAuthMessage,
  buildSessionBody,
  decodeMetadata,
  metadataAddress,
  serializeTransaction,
  solanaChain,
  SOLANA_DEVNET_CAIP2,
  TOKEN_PROGRAM,
  U64_MAX,
  walletChainFor,
  type SolanaSessionRequest,
} from '../../../lib/chains/solana';
import type { WalletResult } from '../../../lib/chains/types';
import { signAsWallet, signWith } from './support/sign';

// The Solana chain adapter against the devnet's litesvm runtime: the reads it makes, the request it
// builds for the signer chunk, and the check of what that chunk reports (no transaction is on chain
// yet: the check is of the signed bytes).
let stack: SolanaStack;
let rpc: string;
const devnet = resolveNetwork('solana:devnet')!;

beforeAll(async () => {
  stack = await startSolanaStack({ quiet: true, payerCount: 3 });
  rpc = stack.rpc.url;
});
afterAll(() => stack?.stop());

const termsFor = (payerIndex: number, o: { amount?: bigint; cap?: bigint; recipient?: string } = {}) => ({
  network: devnet,
  asset: stack.mint.address,
  spender: stack.facilitator.address,
  amount: o.amount ?? 500_000n,
  expiresAt: Math.floor(Date.now() / 1000) + 600,
  session: { cap: o.cap ?? o.amount ?? 500_000n, recipient: o.recipient ?? stack.recipient.address, network: stack.network },
  rpcUrl: rpc,
  payer: stack.payers[payerIndex]!,
});

async function request(payerIndex = 0, o: Parameters<typeof termsFor>[1] = {}): Promise<SolanaSessionRequest> {
  const { payer: _p, ...input } = termsFor(payerIndex, o);
  return (await solanaChain.approveRequest(input)) as SolanaSessionRequest;
}

describe('the Solana chain adapter', () => {
  it('is registered for its family; addresses are base58 32-byte keys compared exactly; recipients are wallet keys', () => {
    expect(chainFor('solana')).toBe(solanaChain);
    const wallet = stack.payers[0]!.address;
    const ata = stack.payers[0]!.tokenAccount;
    expect(solanaChain.isAddress(wallet)).toBe(true);
    expect(solanaChain.isAddress(stack.mint.address)).toBe(true);
    for (const bad of ['', '0'.repeat(44), `${wallet.slice(0, -1)}0`, `${wallet.slice(0, -1)}l`, wallet.slice(0, 30), `${wallet}1`, ' ' + wallet, '0x036CbD53842c5426634e7929541eC2318f3dCF7e']) {
      expect(solanaChain.isAddress(bad), bad).toBe(false);
    }
    // A token account is a PDA (off the curve): a valid address, but nobody can be paid as it.
    expect(solanaChain.isAddress(ata)).toBe(true);
    expect(solanaChain.isRecipient!(ata)).toBe(false);
    expect(solanaChain.isRecipient!(TOKEN_PROGRAM)).toBe(false);
    expect(solanaChain.isRecipient!('11111111111111111111111111111111')).toBe(false);
    expect(solanaChain.isRecipient!(wallet)).toBe(true);
    expect(solanaChain.isRecipient!(stack.recipient.address)).toBe(true);
    // Base58 is case-sensitive: a case-changed key is another key (or none), never "the same".
    expect(solanaChain.addressKey(wallet)).toBe(wallet);
    expect(solanaChain.addressKey(wallet.toLowerCase())).not.toBe(solanaChain.addressKey(wallet));
    expect(solanaChain.maxAmount).toBe(U64_MAX);
    expect(solanaChain.signer).toEqual({ file: '/signer-solana.js', entry: 'solana' });
  });

  it('reads decimals from the mint and the symbol from its Metaplex metadata; a mint without metadata is "unverified"', async () => {
    expect(await solanaChain.readToken(rpc, stack.mint.address)).toEqual({ symbol: 'USDC', decimals: 6, name: 'USD Coin (devnet)' });
    const bare = createDevnetMint(stack.runtime, solanaDevKeys(1).mintAuthority, Keypair.generate(), 9);
    expect(await solanaChain.readToken(rpc, bare.mint.toBase58())).toEqual({ symbol: 'unverified', decimals: 9 });
    // Not a mint: a wallet (System-owned), a token account (165 bytes, not 82), nothing at all.
    await expect(solanaChain.readToken(rpc, stack.facilitator.address)).rejects.toMatchObject({ code: 'NOT_A_MINT' });
    await expect(solanaChain.readToken(rpc, stack.payers[0]!.tokenAccount)).rejects.toMatchObject({ code: expect.stringMatching(/NOT_A_MINT/) });
    await expect(solanaChain.readToken(rpc, Keypair.generate().publicKey.toBase58())).rejects.toMatchObject({ code: 'ACCOUNT_NOT_FOUND' });
    // What an owner holds: its associated token account's amount; nothing yet is 0.
    expect(await solanaChain.readBalance!(rpc, stack.mint.address, stack.payers[2]!.address)).toBe(10_000n * 10n ** 6n);
    expect(await solanaChain.readBalance!(rpc, stack.mint.address, Keypair.generate().publicKey.toBase58())).toBe(0n);
    // Metadata of another mint is not this one's.
    const meta = stack.runtime.getAccount(metadataAddress(stack.mint.address))!;
    expect(decodeMetadata(meta.data, stack.mint.address)).toEqual({ name: 'USD Coin (devnet)', symbol: 'USDC' });
    expect(decodeMetadata(meta.data, bare.mint.toBase58())).toBeNull();
  });

  it('builds the session request on chain reads: decimals, token program, a recent blockhash; the wallet chain follows the RPC', async () => {
    const req = await request(0, { amount: 700_000n, cap: 500_000n });
    expect(req).toMatchObject({
      kind: 'spl-approve-session',
      network: SOLANA_DEVNET_CAIP2,
      chain: 'solana:localnet',
      rpcUrl: rpc,
      asset: stack.mint.address,
      decimals: 6,
      tokenProgram: TOKEN_PROGRAM,
      spender: stack.facilitator.address,
      recipient: stack.recipient.address,
      amount: '700000',
      cap: '500000',
      sessionNetwork: 'solana:devnet',
    });
    expect(stack.runtime.isBlockhashValid(req.recentBlockhash)).toBe(true);
    expect(walletChainFor(SOLANA_DEVNET_CAIP2, 'https://api.devnet.solana.com')).toBe('solana:devnet');
    expect(walletChainFor(resolveNetwork('solana:mainnet')!.id, 'https://rpc.example')).toBe('solana:mainnet');
    expect(walletChainFor(SOLANA_DEVNET_CAIP2, 'http://localhost:8899')).toBe('solana:localnet');
  });

  it('refuses to build what the chain cannot carry or nobody could spend: u64 overflow, cap above the approve, off-curve or program recipients, no terms, no RPC', async () => {
    const { payer: _p, ...input } = termsFor(0);
    await expect(solanaChain.approveRequest({ ...input, amount: U64_MAX + 1n, session: { ...input.session, cap: 1n } })).rejects.toMatchObject({ code: 'INVALID_AMOUNT' });
    await expect(solanaChain.approveRequest({ ...input, amount: 10n, session: { ...input.session, cap: 11n } })).rejects.toMatchObject({ code: 'INVALID_AMOUNT' });
    await expect(solanaChain.approveRequest({ ...input, session: { ...input.session, recipient: stack.payers[1]!.tokenAccount } })).rejects.toMatchObject({ code: 'INVALID_FIELD' });
    await expect(solanaChain.approveRequest({ ...input, session: { ...input.session, recipient: TOKEN_PROGRAM } })).rejects.toMatchObject({ code: 'INVALID_FIELD' });
    await expect(solanaChain.approveRequest({ ...input, session: undefined })).rejects.toMatchObject({ code: 'INVALID_FIELD', message: expect.stringMatching(/only while opening a session/) });
    await expect(solanaChain.approveRequest({ ...input, rpcUrl: undefined })).rejects.toMatchObject({ code: 'INVALID_FIELD' });
    await expect(solanaChain.approveRequest({ ...input, rpcUrl: 'http://127.0.0.1:9' })).rejects.toMatchObject({ code: 'RPC_UNREACHABLE' });
  });

  it('accepts exactly what the wallet was asked to sign, and its registration lands the delegation the allowance read sees', async () => {
    const payer = stack.payers[0]!;
    const req = await request(0, { amount: 700_000n, cap: 500_000n });
    const result = signAsWallet(req, payer.keypair);
    expect(await solanaChain.verifyWallet(rpc, req, result)).toBeNull();
    expect(await solanaChain.readAllowance(rpc, stack.mint.address, payer.address, stack.facilitator.address)).toBe(0n);
    const body = buildSessionBody({ auth: { fields: JSON.parse(Buffer.from(String(result.extra!.authMessage), 'base64').toString()), base64: String(result.extra!.authMessage) }, approveTxBase64: String(result.extra!.approveTxBase64), authSignature: String(result.extra!.authSignature) });
    const res = await fetch(`${stack.facilitator.url}/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(res.status).toBe(201);
    expect(await solanaChain.readAllowance(rpc, stack.mint.address, payer.address, stack.facilitator.address)).toBe(700_000n);
    expect(await solanaChain.readAllowance(rpc, stack.mint.address, payer.address, stack.recipient.address)).toBe(0n);
    expect(stack.tokenAccount(payer.address)).toMatchObject({ delegate: stack.facilitator.address, delegatedAmount: 700_000n });
    expect(associatedTokenAddress(payer.address, stack.mint.address)).toBe(payer.tokenAccount);
  });

  it('refuses every report that differs from the request, before anything is sent', async () => {
    const payer = stack.payers[1]!;
    const other = stack.payers[2]!;
    const facilitatorKey = solanaDevKeys(1).facilitator;
    const req = await request(1, { amount: 300_000n, cap: 300_000n });
    const good = signAsWallet(req, payer.keypair);
    const user = payer.address;
    const withTx = (p: Partial<Parameters<typeof buildApproveTransaction>[0]>, signers: Keypair[] = [payer.keypair]): WalletResult => {
      const tx = buildApproveTransaction({ user, mint: req.asset, spender: req.spender, amount: BigInt(req.amount), decimals: req.decimals, recentBlockhash: req.recentBlockhash, ...p });
      const sigs = tx.signers.map((s) => signers.find((k) => k.publicKey.toBase58() === s));
      const bytes = serializeTransaction(tx.message, sigs.map((k) => (k ? signWith(k, tx.message) : null)));
      return { ...good, extra: { ...good.extra!, approveTxBase64: Buffer.from(bytes).toString('base64') } };
    };
    const withAuth = (fields: Partial<Parameters<typeof buildAuthMessage>[0]>, key = payer.keypair): WalletResult => {
      const auth = buildAuthMessage({ asset: req.asset, cap: req.cap, expirationUnix: req.expirationUnix, network: req.sessionNetwork, recipient: req.recipient, spender: req.spender, user, ...fields });
      return { ...good, extra: { ...good.extra!, authMessage: auth.base64, authSignature: Buffer.from(signWith(key, auth.bytes)).toString('base64') } };
    };
    const flipped = (b64: string, at: number) => {
      const bytes = Buffer.from(b64, 'base64');
      const i = at < 0 ? bytes.length + at : at;
      bytes[i] = bytes[i]! ^ 1;
      return bytes.toString('base64');
    };
    const tx = String(good.extra!.approveTxBase64);
    const cases: [string, WalletResult, RegExp][] = [
      ['another amount', withTx({ amount: 300_001n }), /is for 300001/],
      ['another delegate', withTx({ spender: stack.recipient.address }), /another delegate/],
      ['another mint', withTx({ mint: createDevnetMint(stack.runtime, solanaDevKeys(1).mintAuthority, Keypair.generate(), 6).mint.toBase58() }), /another mint/],
      ['a decimals lie', withTx({ decimals: 2 }), /states 2 decimals/],
      ['another fee payer', withTx({ feePayer: user }), /fee payer/],
      ['another blockhash', withTx({ recentBlockhash: Keypair.generate().publicKey.toBase58() }), /another blockhash/],
      ['the fee payer slot already signed', withTx({}, [payer.keypair, facilitatorKey]), /already signed/],
      ['the owner slot unsigned', withTx({}, []), /does not verify/],
      ['an approve from someone else', { ...signAsWallet(req, other.keypair), user }, /not from the reported payer/],
      ['a reported payer that is not the signer', { ...good, user: other.address }, /not from the reported payer/],
      // The last byte is ApproveChecked's decimals; byte 65 is in the owner's signature (slot 1, after the fee payer's).
      ['an edited transaction', { ...good, extra: { ...good.extra!, approveTxBase64: flipped(tx, -1) } }, /states 7 decimals/],
      ['a corrupted owner signature', { ...good, extra: { ...good.extra!, approveTxBase64: flipped(tx, 65) } }, /transaction signature does not verify/],
      ['no transaction', { ...good, extra: { ...good.extra!, approveTxBase64: 7 } }, /no signed approve/],
      ['a transaction already sent', { ...good, txHash: '5'.repeat(88) }, /should not have sent/],
      ['the auth cap', withAuth({ cap: '300001' }), /cap is not/],
      ['the auth recipient', withAuth({ recipient: other.address }), /recipient is not/],
      ['the auth network', withAuth({ network: 'solana:mainnet' }), /network is not/],
      ['the auth expiry', withAuth({ expirationUnix: req.expirationUnix + 1 }), /expirationUnix is not/],
      ['the auth spender', withAuth({ spender: stack.recipient.address }), /spender is not/],
      ['the auth user', withAuth({ user: other.address }, other.keypair), /user is not/],
      ['an auth signature by someone else', withAuth({}, other.keypair), /signature does not verify/],
      ['a malformed auth message', { ...good, extra: { ...good.extra!, authMessage: Buffer.from('{"cap":"1"}').toString('base64') } }, /malformed/],
      ['a payer that is not an address', { ...good, user: '0xabc' }, /not a Solana address/],
    ];
    expect(await solanaChain.verifyWallet(rpc, req, good)).toBeNull();
    for (const [name, result, why] of cases) expect(await solanaChain.verifyWallet(rpc, req, result), name).toMatch(why);
    expect(await solanaChain.verifyWallet(rpc, { ...req, kind: 'erc20-approve' }, good)).toMatch(/not a Solana session request/);
  });
});
